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
