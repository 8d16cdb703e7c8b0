"""The warm-up on a real llama-server: after a turn, storyai sends the next prompt's
stable part ahead (``play/warming.py``; ``prewarm = "auto"`` turns it on because the
server said it is llama.cpp), and the server then takes the next turn's prompt from its
cache up to what changes every turn: the player's next first word waits only for that."""

from __future__ import annotations

from pathlib import Path

import pytest

from realmodel.conftest import RealModel
from realmodel.proxy import Reply
from realmodel.wire import first_narration_requests, is_warmup, write_config
from storyai.core import services
from storyai.core.config import load_settings
from storyai.core.narrators.configured import narrator_for
from storyai.core.play import Play
from storyai.core.storage.memory import InMemoryStore
from storyai.core.worlds.validate import load_world

pytestmark = pytest.mark.real_model

ACTIONS = ["look around", "ask tam about the lighthouse door"]
TEMPLATE_TAIL = 8
"""Tokens at the end of a warm-up that the turn's prompt does not share: the chat
template's end of the user message and the start of the reply."""


def timings(reply: Reply) -> dict:
    found = [e["timings"] for e in reply.events() if isinstance(e, dict) and e.get("timings")]
    assert found, "llama-server sent no timings"
    return found[-1]


async def test_the_turn_after_a_warm_up_is_read_from_the_servers_cache(
    real_model: RealModel, world_dir: Path, tmp_path: Path
):
    config = write_config(
        tmp_path / "config.toml", "openai-compatible", real_model.openai_base_url, "json_schema"
    )
    narrator = narrator_for(load_settings(environ={}, config_file=config)).narrator
    uow = InMemoryStore().unit_of_work
    world = load_world(world_dir)
    await services.install_world(uow, world, source="test")
    play = Play(uow, narrator=narrator)
    since = real_model.proxy.mark()
    try:
        started = await play.start(world.id, player_name="Ash", seed=3)
        await play.warmed_up()
        for action in ACTIONS:
            await play.act(started.session_id, action)
            await play.warmed_up()  # the player reads; the server reads ahead
    finally:
        await narrator.router.aclose()  # type: ignore[attr-defined]

    sent = real_model.proxy.requests(since)
    replies = real_model.proxy.replies(since)
    turns = first_narration_requests(sent)
    assert len(turns) == 1 + len(ACTIONS)
    pairs = 0
    for i, request in enumerate(sent):
        if request.method != "POST" or not is_warmup(request.json()):
            continue
        later = [j for j in range(i + 1, len(sent)) if sent[j] in turns]
        if not later:
            continue  # the warm-up after the last turn
        warm, turn = timings(replies[i]), timings(replies[later[0]])
        warmed = warm["prompt_n"] + warm["cache_n"]  # the warm-up's whole prompt
        # the turn's prompt came from the cache up to where the warm-up's ended
        assert turn["cache_n"] >= warmed - TEMPLATE_TAIL, (warm, turn, real_model.log_tail())
        pairs += 1
    assert pairs == len(ACTIONS)
