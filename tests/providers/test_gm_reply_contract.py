"""The GM's reply contract against a real small model's output (issue 20): what
SmolLM2-135M answered behind llama-server, replayed by the fake server through the
real OpenAI SDK (an openai-compatible provider, as a local llama-server is)."""

from __future__ import annotations

import json

import playing
import pytest
from fakes.replays import PLAYER_ID
from test_gm_end_to_end import bundled, me, opening, settings_for, turn_json

from storyai.core.narrators.configured import narrator_for
from storyai.core.narrators.port import TurnText, extractive_summary
from storyai.core.narrators.reply import parse_reply
from storyai.core.narrators.schema import REPLY_SCHEMA


def local(fake_llm):
    return narrator_for(settings_for(fake_llm, "openai-compatible")).narrator


async def test_a_small_model_spending_gold_on_every_turn_leaves_the_purse_alone(
    fake_llm, uow_factory
):
    narrator = local(fake_llm)
    fake_llm.replay("defaults")
    start = await opening(uow_factory, narrator)
    gold = me(start).sheet.gold
    assert gold > 0
    result = start
    for action, replay in [
        ("ask hesta about mine", "gold_on_ask"),
        ("go west", "gold_on_go"),
        ("go west", "gold_on_go_again"),
    ]:
        fake_llm.replay(replay)
        result = await playing.take_turn(uow_factory, start.session_id, action, narrator=narrator)
    assert me(result).sheet.gold == gold


async def narrator_events(uow_factory, session_id):
    async with uow_factory() as uow:
        events = await uow.events.list(session_id)
    return [e.event for e in events]


async def test_a_reply_left_at_the_schemas_defaults_changes_nothing_and_refuses_nothing(
    fake_llm, uow_factory
):
    narrator = local(fake_llm)
    fake_llm.replay("defaults")
    start = await opening(uow_factory, narrator)
    before = await narrator_events(uow_factory, start.session_id)
    fake_llm.replay("defaults")
    result = await playing.take_turn(uow_factory, start.session_id, "wait", narrator=narrator)
    events = (await narrator_events(uow_factory, start.session_id))[len(before) :]
    changes = [e for e in events if getattr(e, "source", "") == "narrator"]
    assert not changes  # no op, no refused proposal, no choice called "text"
    assert "Hesta shrugs" in " ".join(x.text for x in result.lines)
    assert "text" not in [c.text for c in result.state.choices]


async def test_the_word_narrative_is_never_told_as_the_story(fake_llm, uow_factory):
    narrator = local(fake_llm)
    fake_llm.replay("defaults")
    start = await opening(uow_factory, narrator)
    fake_llm.replay("gold_on_ask")
    fake_llm.replay("gold_on_ask")  # the repair gets the same again
    result = await playing.take_turn(
        uow_factory, start.session_id, "ask hesta about mine", narrator=narrator
    )
    told = [x.text for x in result.lines]
    assert "narrative" not in told and told  # the engine's own words tell the turn
    assert me(result).sheet.gold == me(start).sheet.gold


def _bounds(schema, path="$"):
    """Every string and array in ``schema`` with the bound it carries (None: unbounded)."""
    if isinstance(schema, dict):
        kinds = schema.get("type")
        kinds = kinds if isinstance(kinds, list) else [kinds]
        if "string" in kinds:
            yield path, schema.get("maxLength")
        if "array" in kinds:
            yield path, schema.get("maxItems")
        for key, sub in schema.items():
            if key == "properties":
                for name, prop in sub.items():
                    yield from _bounds(prop, f"{path}.{name}")
            elif isinstance(sub, dict | list):
                yield from _bounds(sub, f"{path}.{key}")
    elif isinstance(schema, list):
        for n, sub in enumerate(schema):
            yield from _bounds(sub, f"{path}[{n}]")


def test_every_string_and_list_of_the_reply_is_bounded_and_the_narrative_comes_first():
    bounds = dict(_bounds(REPLY_SCHEMA))
    assert bounds and all(limit for limit in bounds.values()), bounds
    assert bounds["$.narrative"] == 1500
    assert bounds["$.dialogue"] == 4 and bounds["$.choices"] == 4
    assert max(v for k, v in bounds.items() if k.endswith((".id", ".speaker", ".who"))) <= 60
    assert next(iter(REPLY_SCHEMA["properties"])) == "narrative"


def _sent_schema(body, kind):
    if kind == "anthropic":
        return body["tools"][0]["input_schema"]
    if kind == "openai-responses":
        return body["text"]["format"]["schema"]
    return body["response_format"]["json_schema"]["schema"]


@pytest.mark.parametrize(
    ("kind", "bounded"),
    [
        ("openai-compatible", True),
        ("anthropic", True),
        ("openai", False),
        ("openai-responses", False),
    ],
)
async def test_local_grammars_get_the_bounds_and_hosted_strict_mode_does_not(
    fake_llm, uow_factory, kind, bounded
):
    """llama.cpp turns the bounds into its grammar; OpenAI's hosted strict mode does not
    list maxLength among the keywords it takes, so its adapters leave them out."""
    narrator = narrator_for(settings_for(fake_llm, kind)).narrator
    fake_llm.replay("defaults")
    await opening(uow_factory, narrator)
    sent = json.dumps(_sent_schema(fake_llm.last.body, kind))
    assert ('"maxLength"' in sent and '"maxItems"' in sent) is bounded
    assert ('"maxLength"' in sent or '"maxItems"' in sent) is bounded


def test_a_reply_looping_in_its_lists_keeps_only_what_the_schema_allows():
    looped = {
        "narrative": "Hesta talks.",
        "dialogue": [{"speaker": "hesta", "text": f"Line {n}."} for n in range(40)],
        "choices": [{"id": str(n), "text": f"Choice {n}"} for n in range(40)],
    }
    parsed = parse_reply(json.dumps(looped))
    assert len(parsed.dialogue) == 4 and len(parsed.choices) == 4


async def test_a_reply_cut_off_in_its_dialogue_is_closed_not_asked_again(fake_llm, uow_factory):
    """SmolLM2 looped inside "dialogue" until the 500-token cap on 23 turns of 33; the
    narrative had come through whole."""
    narrator = local(fake_llm)
    fake_llm.replay("defaults")
    start = await opening(uow_factory, narrator)
    asked = len(fake_llm.requests)
    fake_llm.replay("cut_in_dialogue")
    result = await playing.take_turn(
        uow_factory, start.session_id, "talk to hesta", narrator=narrator
    )
    assert len(fake_llm.requests) == asked + 1  # no second request
    told = [x.text for x in result.lines]
    assert any(t.startswith("Hesta leans on her broom") for t in told)
    said = [x for x in result.lines if x.kind == "dialogue" and x.text.startswith("We need")]
    assert said and all(x.text == "We need to find the mine and the stone." for x in said)


async def test_a_reply_cut_off_in_its_narrative_asks_for_a_shorter_one(fake_llm, uow_factory):
    narrator = local(fake_llm)
    fake_llm.replay("defaults")
    start = await opening(uow_factory, narrator)
    fake_llm.replay("cut_in_narrative")
    fake_llm.push(turn_json("The wind drops."))
    result = await playing.take_turn(uow_factory, start.session_id, "listen", narrator=narrator)
    assert "The wind drops." in [x.text for x in result.lines]
    repair = fake_llm.last.body["messages"]
    assert "cut off at its token limit" in repair[-1]["content"]
    assert "much shorter" in repair[-1]["content"]
    assert all(m["content"] != '{"narrative": "The wind' for m in repair)  # not sent back


async def test_a_narrative_cut_after_whole_sentences_is_told_without_asking_again(
    fake_llm, uow_factory
):
    """A small model rambling to its token limit inside the narrative: its whole
    sentences are the story, told at once; the half sentence and anything after (no
    choices, no changes) is dropped, and no second request is spent."""
    narrator = local(fake_llm)
    fake_llm.replay("defaults")
    start = await opening(uow_factory, narrator)
    asked = len(fake_llm.requests)
    cut = (
        '{"narrative": "The wind drops over the square. Hesta looks up from the forge '
        "and nods. The smoke of the hearths hangs low and grey, and somewhere a dog"
    )
    fake_llm.push(cut, finish_reason="length")
    result = await playing.take_turn(uow_factory, start.session_id, "listen", narrator=narrator)
    told = [x.text for x in result.lines if x.kind == "narration"]
    assert told[0] == "The wind drops over the square. Hesta looks up from the forge and nods."
    assert "somewhere a dog" not in " ".join(told)
    assert len(fake_llm.requests) == asked + 1  # no repair request
    assert "FALTERED" not in json.dumps(told) and "voice faltered" not in " ".join(told)


async def test_prose_where_json_was_asked_is_told_after_one_repair_and_proposes_nothing(
    fake_llm, uow_factory
):
    """A model that writes a story but never the JSON (SmolLM2 in `prompt` mode): after
    the one repair it is still the model's story the player reads, not the engine's
    'voice faltered', and the rules' own outcome follows it."""
    narrator = local(fake_llm)
    fake_llm.replay("defaults")
    start = await opening(uow_factory, narrator)
    prose = "You step onto the road west. The trees lean close and the light goes thin."
    fake_llm.push(prose)
    fake_llm.push("The road goes on and on, and")  # the repair: worse, and no sentence
    result = await playing.take_turn(uow_factory, start.session_id, "go west", narrator=narrator)
    texts = [x.text for x in result.lines]
    assert prose in texts
    assert not any("voice faltered" in t for t in texts)
    assert me(result).location != me(start).location  # the rules moved the player
    assert me(result).sheet.gold == me(start).sheet.gold  # nothing proposed, nothing spent


async def test_a_speaker_nobody_here_answers_to_is_told_as_narration_never_as_an_id(
    fake_llm, uow_factory
):
    narrator = local(fake_llm)
    fake_llm.replay("defaults")
    start = await opening(uow_factory, narrator)
    fake_llm.replay("id_as_speaker")
    result = await playing.take_turn(uow_factory, start.session_id, "look", narrator=narrator)
    line = next(x for x in result.lines if x.text == "We're on the hunt for the Emberstone.")
    assert line.kind == "narration" and line.speaker is None
    assert PLAYER_ID not in json.dumps([[x.text, x.speaker] for x in result.lines])


async def test_speakers_are_matched_by_id_or_name_and_shown_by_name(fake_llm, uow_factory):
    narrator = local(fake_llm)
    fake_llm.replay("defaults")
    start = await opening(uow_factory, narrator)
    ash = me(start)
    said = [
        {"speaker": ash.id, "text": "I'll go."},
        {"speaker": "HESTA", "text": "Take the lantern."},
        {"speaker": "Reeve Hesta", "text": "And mind the wolves."},
        {"speaker": "wren", "text": "Not here to say this."},
    ]
    fake_llm.push(turn_json("The square.", dialogue=said))
    result = await playing.take_turn(uow_factory, start.session_id, "look", narrator=narrator)
    lines = {x.text: (x.kind, x.speaker) for x in result.lines}
    assert lines["I'll go."] == ("dialogue", "Ash")
    assert lines["Take the lantern."] == ("dialogue", "Reeve Hesta")
    assert lines["And mind the wolves."] == ("dialogue", "Reeve Hesta")
    assert lines["Not here to say this."] == ("narration", None)
    prompt = json.dumps(fake_llm.last.body["messages"])
    assert ash.id not in prompt  # the prompt names player characters, never by id


def _told(result):
    return [(x.kind, x.text) for x in result.lines]


async def test_what_the_rules_decided_follows_the_models_prose(fake_llm, uow_factory):
    """Take: the engine's "You take the Emberstone." is told after the model's prose,
    unless the prose already says it."""
    narrator = local(fake_llm)
    fake_llm.replay("defaults")
    start = await opening(uow_factory, narrator)
    fake_llm.push(turn_json("Ash stands in the ashen square, eyes on the ground."))
    took = await playing.take_turn(
        uow_factory, start.session_id, "take emberstone", narrator=narrator
    )
    told = _told(took)
    prose = told.index(("narration", "Ash stands in the ashen square, eyes on the ground."))
    assert told.index(("narration", "You take the Emberstone.")) > prose
    assert me(took).sheet.count("emberstone") == 1

    fake_llm.push(turn_json("You drop the Emberstone into the dust."))
    dropped = await playing.take_turn(
        uow_factory, start.session_id, "drop emberstone", narrator=narrator
    )
    texts = [text for _, text in _told(dropped)]
    assert texts.count("You drop the Emberstone into the dust.") == 1
    assert not any(t.startswith("You drop the Emberstone.") for t in texts)  # already said


async def test_a_move_and_a_hit_are_told_with_the_models_prose(fake_llm, uow_factory):
    narrator = local(fake_llm)
    fake_llm.replay("defaults")
    start = await opening(uow_factory, narrator)
    fake_llm.push(turn_json("The road climbs into the cold."))
    moved = await playing.take_turn(
        uow_factory, start.session_id, "go to mine road", narrator=narrator
    )
    told = _told(moved)
    assert me(moved).location == "mine_road"
    assert ("heading", "Mine Road") in told  # the rules' move
    assert ("narration", "The road climbs into the cold.") in told
    road = bundled("ember_hollow").locations["mine_road"]
    assert all(text != " ".join(road.description.split()) for _, text in told)  # retold, once

    fake_llm.push(turn_json("Steel meets fur."))
    fought = await playing.take_turn(
        uow_factory, start.session_id, "attack wolf", narrator=narrator
    )
    told = _told(fought)
    assert ("narration", "Steel meets fur.") in told
    rolls = [text for kind, text in told if kind == "dice"]
    assert rolls and any("wolf" in text.lower() for text in rolls)  # the rules' attack


CHAPTER = [TurnText(n, "Ash", f"action {n}", f"Thing {n} happened. More.") for n in range(11, 21)]


@pytest.mark.parametrize("bad", ["summary_cut", "summary_future"])
async def test_a_bad_chapter_summary_is_redone_once(fake_llm, bad):
    narrator = local(fake_llm)
    fake_llm.replay(bad)
    fake_llm.push("Ash reached the mine road and learned of the cold hearths.")
    summary, usage = await narrator.summarize(bundled("ember_hollow"), CHAPTER)
    assert summary == "Ash reached the mine road and learned of the cold hearths."
    assert len(fake_llm.requests) == 2 and usage


@pytest.mark.parametrize("bad", ["summary_cut", "summary_future"])
async def test_a_summary_bad_twice_is_replaced_by_the_extractive_one(fake_llm, bad):
    narrator = local(fake_llm)
    fake_llm.replay(bad)
    fake_llm.replay(bad)
    summary, _ = await narrator.summarize(bundled("ember_hollow"), CHAPTER)
    assert summary == extractive_summary(CHAPTER)
    assert "21" not in summary and len(fake_llm.requests) == 2


async def test_an_empty_summary_is_not_kept(fake_llm):
    narrator = local(fake_llm)
    fake_llm.push("  ")
    fake_llm.push("")
    summary, _ = await narrator.summarize(bundled("ember_hollow"), CHAPTER)
    assert summary == extractive_summary(CHAPTER)
