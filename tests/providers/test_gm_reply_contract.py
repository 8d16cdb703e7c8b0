"""The GM's reply contract against a real small model's output (issue 20): what
SmolLM2-135M answered behind llama-server, replayed by the fake server through the
real OpenAI SDK (an openai-compatible provider, as a local llama-server is)."""

from __future__ import annotations

import playing
from test_gm_end_to_end import me, opening, settings_for

from storyai.core.narrators.configured import narrator_for


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
