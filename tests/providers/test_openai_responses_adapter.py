"""The Responses API: instructions, input, text.format, usage from response.completed."""

from __future__ import annotations

from provider_helpers import REPLY, collect, turn_request

from storyai.core.llm.port import Message
from storyai.core.llm.schemas import without_bounds
from storyai.core.narrators.schema import REPLY_SCHEMA


async def test_request_carries_instructions_input_and_a_strict_text_format(fake_llm, make_port):
    fake_llm.push(REPLY)
    request = turn_request(messages=(Message("assistant", "{bad"), Message("user", "Fix it.")))

    await collect(make_port("openai-responses"), request)

    body = fake_llm.last.body
    assert fake_llm.last.path == "/v1/responses"
    assert body["instructions"] == request.system_text
    assert body["input"] == [
        {"type": "message", "role": "user", "content": request.user_text},
        {"type": "message", "role": "assistant", "content": "{bad"},
        {"type": "message", "role": "user", "content": "Fix it."},
    ]
    assert body["text"] == {
        "format": {
            "type": "json_schema",
            "name": "gm_turn",
            "schema": without_bounds(REPLY_SCHEMA),
            "strict": True,
        }
    }
    assert body["stream"] is True
    assert body["store"] is False
    assert body["max_output_tokens"] == 300


async def test_json_object_mode_uses_text_format_json_object(fake_llm, make_port):
    fake_llm.push(REPLY)

    await collect(make_port("openai-responses", structured="json_object"), turn_request())

    assert fake_llm.last.body["text"] == {"format": {"type": "json_object"}}
