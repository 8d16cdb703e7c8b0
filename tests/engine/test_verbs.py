"""What people type besides the classic verbs, played through the services on the
in-memory store: sentences about the player, input the engine cannot act on (no
turn spent), say / read / search / scenery / use X on Y, questions without a name,
endings that ask first, quest objectives in their stage's time, and dialogue shown
one way."""

from __future__ import annotations

import json

import playing
import pytest
from ai_helpers import gm
from walkthrough import EMBER, HALVARD_CORE, bundled, hero, play

from storyai.core import services
from storyai.core.storage.memory import InMemoryStore
from storyai.core.worlds.validate import validate_data


async def _start(world_id: str, seed: int = 3, world=None):
    uow = InMemoryStore().unit_of_work
    await services.install_world(uow, world or bundled(world_id))
    opening = await playing.start_session(uow, world_id, player_name="Ash", seed=seed)
    return uow, opening.session_id


async def _actions(uow, sid: str) -> list[str]:
    events = json.loads(await playing.transcript(uow, sid, "json"))["events"]
    return [e["payload"]["text"] for e in events if e["kind"] == "player_action"]


def _text(result) -> str:
    return "\n".join(line.text for line in result.lines)


# ------------------------------------------------------------- sentences, no turn


async def test_a_sentence_about_the_player_is_the_action_not_the_inventory():
    uow, sid = await _start("ember_hollow")
    moved = await playing.take_turn(uow, sid, "I go north")
    assert hero(moved).location == "mine_road" and "Inventory" not in _text(moved)
    looked = await playing.take_turn(uow, sid, "i look around")
    assert looked.understood and "Mine Road" in _text(looked)
    assert looked.turn == moved.turn + 1
    pack = await playing.take_turn(uow, sid, "i")
    assert "gold" in _text(pack).lower()


async def test_input_the_engine_cannot_act_on_costs_no_turn_and_stores_nothing():
    uow, sid = await _start("ember_hollow")
    before = await playing.take_turn(uow, sid, "look")
    for typed in (
        "open the moon door and step inside",
        "dance wildly",
        "take the unicorn",
        "examine the moon",
    ):
        told = await playing.take_turn(uow, sid, typed)
        assert not told.understood, typed
        assert told.turn == before.turn, typed
        assert told.lines and told.events == [], typed
        assert told.choices == before.choices, "the choices offered stay as they were"
    assert await _actions(uow, sid) == ["look"], "nothing of it was stored"
    after = await playing.take_turn(uow, sid, "go north")
    assert after.turn == before.turn + 1


# -------------------------------------------------------------------- verbs


async def test_scenery_answers_and_what_is_only_mentioned_is_answered_gracefully():
    uow, sid = await _start("halvard_relay")
    await playing.take_turn(uow, sid, "go north")
    card = await playing.take_turn(uow, sid, "examine memorial card")
    assert card.understood and "INES OKAFOR" in _text(card)
    written = await playing.take_turn(uow, sid, "read the card")
    assert "She asked how it was" in _text(written)
    dome = await playing.take_turn(uow, sid, "examine the dome")
    assert not dome.understood and "nothing more to it" in _text(dome)
    assert dome.turn == written.turn
    searched = await playing.take_turn(uow, sid, "search the room")
    assert searched.understood and "memorial card" in _text(searched)


async def test_looking_at_a_place_the_way_leads_to_names_the_way():
    uow, sid = await _start("ember_hollow")
    looked = await playing.take_turn(uow, sid, "look at the forge")
    assert looked.understood and "Brannock's Forge lies east." in _text(looked)
    stone = await playing.take_turn(uow, sid, "read the emberstone")
    assert "nothing written" in _text(stone) and "to your cheek" not in _text(stone)


async def test_say_the_word_opens_the_deep_door_and_read_shows_the_ledger():
    uow, sid = await _start("ember_hollow")
    steps = EMBER["the_long_thaw"]
    before_door = steps[: steps.index("say kindle")]
    result = await play(uow, sid, before_door)
    assert hero(result).location == "upper_workings"
    read = await playing.take_turn(uow, sid, "read ledger")
    assert "KINDLE" in _text(read)
    blocked = await playing.take_turn(uow, sid, "go down")
    assert hero(blocked).location == "upper_workings" and "say" in _text(blocked)
    nothing = await playing.take_turn(uow, sid, 'say "abracadabra"')
    assert not nothing.understood and nothing.turn == blocked.turn
    said = await playing.take_turn(uow, sid, 'say "Kindle!"')
    assert said.understood and "grinds open" in _text(said)
    assert "✓ Say the word at the deep door." in _text(said), "the say: trigger ticks it off"
    down = await playing.take_turn(uow, sid, "go down")
    assert hero(down).location == "deep_gallery"


async def test_a_world_wide_phrase_answers_anywhere_and_scenery_is_not_an_item():
    data = bundled("ember_hollow").canonical()
    data["phrases"] = [
        {
            "says": ["by the first hearth"],
            "text": "The words hang in the cold air like breath.",
            "effects": [{"type": "set_flag", "flag": "door_word"}],
        }
    ]
    uow, sid = await _start("ember_hollow", world=validate_data(data))
    said = await playing.take_turn(uow, sid, "I say: By the first hearth!")
    assert said.understood and "hang in the cold air" in _text(said)
    assert "door_word" in said.state.flags
    uow, sid = await _start("ember_hollow", seed=5)
    steps = EMBER["the_warm_chains"]
    before = await play(uow, sid, steps[: steps.index("talk to cinder about sleep")])
    pulled = await playing.take_turn(uow, sid, "I pull the nail")
    assert not pulled.understood and "trying to pull the iron nail" in _text(pulled)
    assert pulled.turn == before.turn


async def test_ask_about_with_one_person_present_and_what_about_follows_up():
    uow, sid = await _start("ember_hollow")
    asked = await playing.take_turn(uow, sid, "ask about the mine")
    assert asked.understood
    assert any(line.speaker == "Reeve Hesta" for line in asked.lines)
    assert "hesta:mine" in asked.state.topics_heard
    follow = await playing.take_turn(uow, sid, "what about the goblins?")
    assert any(line.speaker == "Reeve Hesta" for line in follow.lines)


# ------------------------------------------------------------------ endings


async def test_an_ending_hidden_in_a_question_asks_first():
    uow, sid = await _start("ember_hollow")
    steps = EMBER["the_long_thaw"]
    await play(uow, sid, steps[: steps.index("talk to cinder about freedom")])
    talked = await playing.take_turn(uow, sid, "talk to cinder")
    assert "freedom (ends the story)" in _text(talked), "the topic says it ends the story"
    asked = await playing.take_turn(uow, sid, "ask cinder about freedom")
    assert not asked.ended and "This will end the story" in _text(asked)
    assert "ends the story" in asked.choices[0].text
    carried_on = await playing.take_turn(uow, sid, "look")
    assert not carried_on.ended and "spirit_freed" not in carried_on.state.flags
    nothing = await playing.take_turn(uow, sid, "confirm")
    assert not nothing.understood and not nothing.ended
    await playing.take_turn(uow, sid, "ask cinder about freedom")
    ended = await playing.take_turn(uow, sid, "1")
    assert ended.ended == "the_long_thaw"


async def test_use_hammer_on_nail_binds_cinder_after_a_yes():
    uow, sid = await _start("ember_hollow", seed=5)
    steps = EMBER["the_warm_chains"]
    await play(uow, sid, steps[: steps.index("talk to cinder about sleep")])
    asked = await playing.take_turn(uow, sid, "use hammer on nail")
    assert not asked.ended and "This will end the story" in _text(asked)
    assert not hero(asked).sheet.equipped.holds("founders_hammer"), "only asked, nothing done"
    ended = await playing.take_turn(uow, sid, "yes")
    assert ended.ended == "the_warm_chains" and "iron sinks home" in _text(ended)


@pytest.mark.parametrize(
    ("steps", "ending"),
    [
        (["talk to orrery about broadcast"], "open_channel"),
        (["go west", "talk to veck about recording", "say deal"], "quiet_money"),
    ],
)
async def test_halvard_endings_ask_first(steps, ending):
    uow, sid = await _start("halvard_relay")
    await play(uow, sid, [*HALVARD_CORE, *steps[:-1]])
    asked = await playing.take_turn(uow, sid, steps[-1])
    assert not asked.ended and "This will end the story" in _text(asked)
    ended = await playing.take_turn(uow, sid, "confirm")
    assert ended.ended == ending


async def test_a_model_narrator_keeps_the_yes_no_and_tells_free_text():
    data = bundled("ember_hollow").canonical()
    data["characters"]["hesta"]["dialogue"]["topics"]["mine"]["ends_story"] = True
    uow = InMemoryStore().unit_of_work
    await services.install_world(uow, validate_data(data))
    narrator, _ = gm()  # replies offer their own choice ("Look around")
    opening = await playing.start_session(
        uow, "ember_hollow", player_name="Ash", seed=3, narrator=narrator
    )
    sid = opening.session_id
    free = await playing.take_turn(uow, sid, "I dance a jig", narrator=narrator)
    assert free.turn == opening.turn + 1, "free text is the model's to tell"
    asked = await playing.take_turn(uow, sid, "ask hesta about the mine", narrator=narrator)
    assert [c.command for c in asked.choices] == ["confirm ask reeve hesta about mine", "look"]
    done = await playing.take_turn(uow, sid, "yes", narrator=narrator)
    assert "hesta:mine" in done.state.topics_heard


# ------------------------------------------------------------------- quests


async def test_an_objective_counts_only_what_happens_after_its_stage_began():
    uow, sid = await _start("ember_hollow")
    steps = ["talk to hesta about mine", "go north", "attack wolf!", "go north", "go north"]
    await play(uow, sid, steps)
    settled = await playing.take_turn(uow, sid, "talk to grikka about pact")
    quest = settled.state.quests["squatters"]
    assert quest.status == "active" and quest.stage == 2, "the talk with Hesta came before"
    assert "Quest complete: Squatters" not in _text(settled)
    result = await play(uow, sid, ["go south", "go south", "go south", "talk to hesta"])
    assert result.state.quests["squatters"].status == "done"
    assert "Quest complete: Squatters in the Mine" in _text(result)


async def test_an_author_can_let_an_objective_count_what_came_before():
    data = bundled("ember_hollow").canonical()
    data["quests"]["squatters"]["stages"][2]["objectives"][0]["counts_before"] = True
    uow, sid = await _start("ember_hollow", world=validate_data(data))
    steps = ["talk to hesta about mine", "go north", "attack wolf!", "go north", "go north"]
    await play(uow, sid, steps)
    settled = await playing.take_turn(uow, sid, "talk to grikka about pact")
    assert settled.state.quests["squatters"].status == "done"


# ------------------------------------------------------------------ dialogue


async def test_stage_directions_are_narration_and_speech_is_always_quoted():
    uow, sid = await _start("ember_hollow")
    result = await playing.take_turn(uow, sid, "go east")
    result = await playing.take_turn(uow, sid, "talk to brannock")
    narration = [line.text for line in result.lines if line.kind == "narration"]
    speech = [line for line in result.lines if line.kind == "dialogue"]
    assert "She doesn't look up from the anvil." in narration
    assert speech and all(line.speaker == "Brannock" for line in speech)
    assert all(line.text.startswith('"') and line.text.endswith('"') for line in speech)
    idle = await playing.take_turn(uow, sid, "talk to brannock")
    said = [line.text for line in idle.lines if line.kind == "dialogue"]
    assert said and all(text.startswith('"') for text in said)
