"""Anthropic Messages: text blocks, cache breakpoints, a forced tool whose JSON streams."""

from __future__ import annotations

import json

from provider_helpers import REPLY, TEST_KEY, collect, text_request, turn_request

from storyai.core.llm.port import ModelRequest, PromptSection
from storyai.core.narrators.schema import REPLY_SCHEMA


async def test_system_and_user_are_one_block_per_section_with_cache_breakpoints(
    fake_llm, make_port
):
    fake_llm.push(REPLY)

    await collect(make_port("anthropic"), turn_request())

    body = fake_llm.last.body
    assert body["system"] == [
        {
            "type": "text",
            "text": "You are the game master. Reply in JSON.",
            "cache_control": {"type": "ephemeral", "ttl": "1h"},
        },
        {
            "type": "text",
            "text": "The world of Ember: a town under a volcano.",
            "cache_control": {"type": "ephemeral", "ttl": "1h"},
        },
    ]
    user = body["messages"][0]
    assert user["role"] == "user"
    assert [block["text"] for block in user["content"]] == [
        "Chapter 1: the hero arrived in Ember.",
        "Player: I look around. GM: A quiet square.",
        "The bell tower is cursed.",
        "I open the door of the bell tower.",
    ]
    # five sections ask for a breakpoint; Anthropic allows four: the first four are kept
    marks = [block.get("cache_control") for block in user["content"]]
    assert marks == [{"type": "ephemeral"}, {"type": "ephemeral"}, None, None]
    assert fake_llm.last.key == TEST_KEY


async def test_schema_becomes_one_forced_tool_and_its_json_streams(fake_llm, make_port):
    fake_llm.push(REPLY)

    pieces, done = await collect(make_port("anthropic"), turn_request())

    body = fake_llm.last.body
    assert [tool["name"] for tool in body["tools"]] == ["gm_turn"]
    assert body["tools"][0]["input_schema"] == REPLY_SCHEMA
    assert body["tool_choice"] == {"type": "tool", "name": "gm_turn"}
    assert len(pieces) >= 3
    assert json.loads(done.text) == json.loads(REPLY)
    assert done.finish_reason == "tool_use"


async def test_prompt_mode_sends_no_tool_and_streams_text(fake_llm, make_port):
    fake_llm.push(REPLY)

    _, done = await collect(make_port("anthropic", structured="prompt"), turn_request())

    assert "tools" not in fake_llm.last.body
    assert done.text == REPLY
    assert done.finish_reason == "stop"


async def test_plain_text_reply_has_no_tool(fake_llm, make_port):
    fake_llm.push("The beacon burns.")

    _, done = await collect(make_port("anthropic"), text_request())

    assert "tools" not in fake_llm.last.body
    assert done.text == "The beacon burns."


async def test_breakpoint_on_an_empty_section_moves_to_the_block_before(fake_llm, make_port):
    fake_llm.push("ok")
    request = ModelRequest(
        task="summary",
        sections=(
            PromptSection("rules", "Rules.", "system"),
            PromptSection("world", "", "system", cache=True),
            PromptSection("input", "Go."),
        ),
    )

    await collect(make_port("anthropic"), request)

    assert fake_llm.last.body["system"] == [
        {"type": "text", "text": "Rules.", "cache_control": {"type": "ephemeral", "ttl": "1h"}}
    ]
