"""Chat Completions (OpenAI and compatible servers): what goes on the wire."""

from __future__ import annotations

import json

import pytest
from provider_helpers import REPLY, TEST_KEY, collect, text_request, turn_request

from storyai.core.llm.port import Message
from storyai.core.llm.schemas import without_bounds
from storyai.core.narrators.schema import REPLY_SCHEMA


async def test_one_system_and_one_user_message_then_the_repair_messages(fake_llm, make_port):
    fake_llm.push(REPLY)
    request = turn_request(
        messages=(Message("assistant", "{broken"), Message("user", "That was not JSON."))
    )

    await collect(make_port("openai"), request)

    messages = fake_llm.last.body["messages"]
    assert [m["role"] for m in messages] == ["system", "user", "assistant", "user"]
    assert messages[0]["content"] == request.system_text
    assert messages[1]["content"] == request.user_text
    assert messages[2]["content"] == "{broken"
    assert messages[3]["content"] == "That was not JSON."


async def test_structured_reply_asks_for_strict_json_schema_and_streamed_usage(fake_llm, make_port):
    fake_llm.push(REPLY)

    await collect(make_port("openai"), turn_request())

    body = fake_llm.last.body
    assert body["response_format"] == {
        "type": "json_schema",
        "json_schema": {"name": "gm_turn", "schema": without_bounds(REPLY_SCHEMA), "strict": True},
    }
    assert body["stream"] is True
    assert body["stream_options"] == {"include_usage": True}
    assert body["max_completion_tokens"] == 300
    assert body["temperature"] == 0.7
    assert fake_llm.last.headers["authorization"] == f"Bearer {TEST_KEY}"


async def test_compatible_server_gets_json_schema_max_tokens_and_a_placeholder_key(
    fake_llm, make_port
):
    fake_llm.push(REPLY)

    _, done = await collect(make_port("openai-compatible"), turn_request())

    body = fake_llm.last.body
    assert done.text == REPLY
    assert body["response_format"]["type"] == "json_schema"
    assert body["max_tokens"] == 300
    assert "max_completion_tokens" not in body
    assert fake_llm.last.headers["authorization"] == "Bearer not-needed"


async def test_json_object_mode(fake_llm, make_port):
    fake_llm.push(REPLY)

    await collect(make_port("openai-compatible", structured="json_object"), turn_request())

    assert fake_llm.last.body["response_format"] == {"type": "json_object"}


async def test_prompt_mode_sends_no_response_format(fake_llm, make_port):
    fake_llm.push(REPLY)

    _, done = await collect(make_port("openai-compatible", structured="prompt"), turn_request())

    assert done.text == REPLY
    assert "response_format" not in fake_llm.last.body
    assert "tools" not in fake_llm.last.body


async def test_tool_mode_forces_one_function_and_streams_its_arguments(fake_llm, make_port):
    fake_llm.push(REPLY)

    pieces, done = await collect(make_port("openai-compatible", structured="tool"), turn_request())

    body = fake_llm.last.body
    assert body["tools"][0]["function"]["name"] == "gm_turn"
    assert body["tools"][0]["function"]["parameters"] == REPLY_SCHEMA
    assert body["tool_choice"] == {"type": "function", "function": {"name": "gm_turn"}}
    assert "response_format" not in body
    assert len(pieces) >= 3
    assert json.loads(done.text) == json.loads(REPLY)
    assert done.finish_reason == "tool_use"


@pytest.mark.parametrize("kind", ["openai", "openai-compatible"])
async def test_plain_text_has_no_response_format(fake_llm, make_port, kind):
    fake_llm.push("A short summary.")

    await collect(make_port(kind), text_request())

    assert "response_format" not in fake_llm.last.body
