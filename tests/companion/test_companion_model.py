"""The companion with a model: its bounded tool loop through the real OpenAI and
Anthropic SDKs against the local fake model server, with scripted tool calls (a good
one, a tool it may not use, another player's data, a model that never stops)."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest
from fakes.llm_server import fake_llm_server

from storyai.core import services
from storyai.core.companion.model_loop import LoopLimits
from storyai.core.companion.service import Companions
from storyai.core.llm.router import RouteEntry, Router
from storyai.core.play import Play
from storyai.core.providers.anthropic_messages import AnthropicMessagesAdapter
from storyai.core.providers.openai_chat import OpenAIChatAdapter
from storyai.core.quotas import QuotaPolicy
from storyai.core.storage.memory import InMemoryStore
from storyai.core.worlds.bundled import bundled_world_paths
from storyai.core.worlds.validate import load_world

WORLD = load_world(bundled_world_paths()["ember_hollow"])


def step(tool: str, answer: str = "", **arguments: object) -> str:
    return json.dumps({"tool": tool, "arguments": arguments, "answer": answer})


@pytest.fixture(params=["openai-tools", "anthropic"])
async def setup(request):
    async with fake_llm_server() as server:
        if request.param == "anthropic":
            port = AnthropicMessagesAdapter(
                "anthropic", "claude-test", base_url=server.anthropic_base_url, api_key="k"
            )
        else:
            port = OpenAIChatAdapter(
                "local", "m", base_url=server.openai_base_url, api_key="k", structured="tool"
            )
        router = Router({"narration": [RouteEntry(port)]})
        store = InMemoryStore()
        await services.install_world(store.unit_of_work, WORLD, source="test")
        play = Play(store.unit_of_work)
        started = await play.start_in_channel(
            "c1", WORLD.id, user_ref="u1", player_name="Ines", seed=1
        )
        await play.join(started.session_id, user_ref="u2", name="Oskar")
        companion = Companions(play.deps, model=router, limits=LoopLimits(max_calls=3))
        try:
            yield server, play, companion, started.session_id, request.param
        finally:
            await port.aclose()


async def test_the_model_looks_lore_up_then_answers_in_character(setup):
    server, play, companion, sid, kind = setup
    server.push(step("lore_lookup", topic="village"))
    server.push(step("answer", "Forty-one hearths, and every one of them cold."))
    reply = await companion.ask(sid, "what is this village?", user_ref="u1")
    assert reply.text == "Forty-one hearths, and every one of them cold."
    assert reply.tools == ("lore_lookup",) and reply.ended == "answered"
    used = await play.quota_report(user="u1")
    assert used.user.credits >= 1 and used.user.turns == 0, "billed in credits, no turn"
    second = server.requests[-1]
    assert "forty-one hearths" in json.dumps(second.body), "the tool's result went back"
    server.push(step("answer", "Again? The village, as before."))
    await companion.ask(sid, "and the village again?", user_ref="u1")
    assert "You asked me about village" in json.dumps(server.requests[-1].body)
    if kind == "anthropic":
        assert second.body["tool_choice"]["name"] == "companion_step"
    else:
        assert second.body["tool_choice"]["function"]["name"] == "companion_step"


async def test_a_tool_it_may_not_use_or_another_players_data_is_refused(setup):
    server, play, companion, sid, _ = setup
    before = await play.history(sid)
    server.push(step("take_turn", text="attack hesta"))
    server.push(step("memory_search", query="secret", player="u2"))
    server.push(step("answer", "I cannot do that."))
    reply = await companion.ask(sid, "act for me", user_ref="u1")
    assert reply.tools == ("take_turn (refused)", "memory_search (refused)")
    assert await play.history(sid) == before, "the model never took a turn"
    sent = json.dumps(server.requests[-1].body)
    assert "no tool" in sent and "takes no" in sent


async def test_a_model_that_never_answers_is_stopped_and_the_offline_companion_answers(setup):
    server, _play, companion, sid, _ = setup
    server.default = lambda body: step("quest_tracker")
    reply = await companion.ask(sid, "what is our quest?", user_ref="u1")
    assert reply.ended == "max_calls" and reply.by == "offline"
    assert len(server.requests) == 4, "three calls, then the fourth step is not run"
    assert "Ask Reeve Hesta about the mine" in reply.text


async def test_a_player_out_of_credits_is_answered_offline_without_calling_the_model(setup):
    server, play, _, sid, _ = setup
    broke = Companions(
        replace(play.deps, quota=QuotaPolicy(user_credits=0)), model=Router({"narration": []})
    )
    reply = await broke.ask(sid, "what is our quest?", user_ref="u1")
    assert reply.by == "offline" and "Ask Reeve Hesta about the mine" in reply.text
    assert server.requests == []
