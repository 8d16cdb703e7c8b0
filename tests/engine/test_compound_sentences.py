"""One sentence, several actions: "I open the door and step inside", "take the key,
then go north". Played through the services on the in-memory store with the offline
game master: the actions run in order as one turn (one stored input, one rewind
point), each taking its own time, and the line stops at the first action that fails
or starts a fight. ``and`` inside a name or a topic stays part of it."""

from __future__ import annotations

import json

import playing
from walkthrough import bundled, hero

from storyai.core import services
from storyai.core.engine.intent import split_actions
from storyai.core.storage.memory import InMemoryStore


async def _start(seed: int = 3):
    uow = InMemoryStore().unit_of_work
    await services.install_world(uow, bundled("ember_hollow"))
    opening = await playing.start_session(uow, "ember_hollow", player_name="Ash", seed=seed)
    return uow, opening.session_id, opening


def _text(result) -> str:
    return "\n".join(line.text for line in result.lines)


async def _actions(uow, sid: str) -> list[str]:
    events = json.loads(await playing.transcript(uow, sid, "json"))["events"]
    return [e["payload"]["text"] for e in events if e["kind"] == "player_action"]


def test_a_sentence_splits_only_between_whole_actions() -> None:
    assert split_actions("I open the chapel door and step inside") == [
        "I open the chapel door",
        "step inside",
    ]
    assert split_actions("take the key, then go north") == ["take the key", "go north"]
    assert split_actions("use hammer on nail and then pull lever") == [
        "use hammer on nail",
        "pull lever",
    ]
    # "and" inside names, topics and objects: one action
    assert split_actions("take salt and iron") == ["take salt and iron"]
    assert split_actions("ask dunnick about road and hens") == ["ask dunnick about road and hens"]
    assert split_actions("ask about fire and light") == ["ask about fire and light"]
    assert split_actions("take salt and iron and go north") == ["take salt and iron", "go north"]
    assert split_actions("dance and sing") == ["dance and sing"]


async def test_two_actions_in_one_sentence_are_one_turn_in_order() -> None:
    uow, sid, opening = await _start()
    result = await playing.take_turn(uow, sid, "I step into the forge and take the shield")
    assert result.understood and result.turn == opening.turn + 1
    assert hero(result).location == "forge" and hero(result).sheet.count("shield") == 1
    text = _text(result)
    assert text.index("Brannock's Forge") < text.index("You take the Shield")
    assert await _actions(uow, sid) == ["I step into the forge and take the shield"]

    # the topic keeps its "and"; the two goes are two actions
    asked = await playing.take_turn(
        uow, sid, "go west, then go west and ask dunnick about road and hens"
    )
    assert hero(asked).location == "tavern" and asked.turn == result.turn + 1
    assert "wolf on the mine road" in _text(asked)

    # one rewind undoes the whole sentence
    await playing.rewind(uow, sid, result.turn)
    back = await playing.resume(uow, sid)
    assert hero(back).location == "forge" and back.turn == result.turn


async def test_the_line_stops_at_the_first_action_that_fails() -> None:
    uow, sid, opening = await _start()
    result = await playing.take_turn(uow, sid, "go east and take the unicorn, then go west")
    assert result.understood and result.turn == opening.turn + 1
    assert hero(result).location == "forge", "done: go east; not done: go west"
    assert "You don't see any 'unicorn' to take." in _text(result)
    assert "leave the rest undone: go west" in _text(result)

    # the first action failing is a line the engine cannot act on: nothing is spent
    nothing = await playing.take_turn(uow, sid, "take the unicorn and go west")
    assert not nothing.understood and nothing.turn == result.turn
    assert "'unicorn'" in _text(nothing) and "go west" not in _text(nothing)
    assert await _actions(uow, sid) == ["go east and take the unicorn, then go west"]


async def test_open_the_chapel_door_and_step_inside() -> None:
    uow, sid, opening = await _start()
    result = await playing.take_turn(uow, sid, "I open the chapel door and step inside")
    assert result.understood and result.turn == opening.turn + 1
    assert "The way south to Hearth Chapel stands open." in _text(result)
    assert hero(result).location == "chapel"
    # a door that is not there is still not there
    back = await playing.take_turn(uow, sid, "go north")
    nothing = await playing.take_turn(uow, sid, "open the moon door and step inside")
    assert not nothing.understood and nothing.turn == back.turn
    assert "'moon door'" in _text(nothing)


async def test_a_fight_stops_the_line_and_foes_act_between_actions() -> None:
    uow, sid, _ = await _start()
    ambushed = await playing.take_turn(
        uow, sid, "I take the emberstone and go north, then go south"
    )
    assert hero(ambushed).sheet.count("emberstone") == 1
    assert hero(ambushed).location == "mine_road", "the wolf's ambush stopped the line"
    assert "Initiative:" in _text(ambushed)
    assert "leave the rest undone: go south" in _text(ambushed)

    fought = await playing.take_turn(uow, sid, "attack wolf and attack wolf")
    rolls = [line.text.split(" (")[0] for line in fought.lines if line.kind == "dice"]
    assert rolls[:4] == [
        "Ash attacks Wolf",
        "Wolf attacks Ash",
        "Ash attacks Wolf",
        "Wolf attacks Ash",
    ]

    # a locked gate stays shut, says why, and the line stops there
    await playing.take_turn(uow, sid, "go north")  # the wolf: break away past it
    at_gate = await playing.take_turn(uow, sid, "go north")
    assert hero(at_gate).location == "mine_mouth"
    shut = await playing.take_turn(uow, sid, "open the gate and step inside")
    assert "The padlock does not budge." in _text(shut)
    assert "leave the rest undone: step inside" in _text(shut)
    assert hero(shut).location == "mine_mouth"
