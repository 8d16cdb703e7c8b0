"""The fake server itself: defaults, the journal, non-streamed replies through the SDKs."""

from __future__ import annotations

import json

import anthropic
import jsonschema
import openai
import pytest
from fakes.llm_server import DEFAULT_TEXT, example_for_schema, fake_llm_server
from provider_helpers import collect, turn_request

from storyai.core.narrators.schema import REPLY_SCHEMA


def test_example_for_the_reply_schema_is_valid():
    jsonschema.validate(example_for_schema(REPLY_SCHEMA), REPLY_SCHEMA)


@pytest.mark.parametrize("kind", ["openai", "openai-responses", "anthropic"])
async def test_empty_queue_answers_a_schema_request_with_valid_json(fake_llm, make_port, kind):
    _, done = await collect(make_port(kind), turn_request())

    jsonschema.validate(json.loads(done.text), REPLY_SCHEMA)


async def test_default_callable_sees_the_request_body(fake_llm, make_port):
    fake_llm.default = lambda body: f"model was {body['model']}"

    _, done = await collect(make_port("openai-compatible"), turn_request(schema=False))

    assert done.text == "model was local-test"


async def test_queue_is_used_in_order_then_the_default(fake_llm, make_port):
    port = make_port("openai")
    fake_llm.push("first")
    fake_llm.push("second")

    texts = [(await collect(port, turn_request(schema=False)))[1].text for _ in range(3)]

    assert texts == ["first", "second", DEFAULT_TEXT]
    assert fake_llm.pending == 0
    assert [r.path for r in fake_llm.requests] == ["/v1/chat/completions"] * 3


def test_push_fault_needs_exactly_one_kind_of_fault():
    from fakes.llm_server import FakeLLMServer

    server = FakeLLMServer()
    with pytest.raises(ValueError):
        server.push_fault()
    with pytest.raises(ValueError):
        server.push_fault(status=500, truncate=True)


async def test_non_streamed_replies_parse_in_the_real_sdks():
    async with fake_llm_server() as server:
        server.push("plain chat")
        server.push("plain responses")
        server.push("plain messages")
        oa = openai.AsyncOpenAI(api_key="k", base_url=server.openai_base_url, max_retries=0)
        an = anthropic.AsyncAnthropic(
            api_key="k", base_url=server.anthropic_base_url, max_retries=0
        )
        try:
            chat = await oa.chat.completions.create(
                model="m", messages=[{"role": "user", "content": "hi"}]
            )
            resp = await oa.responses.create(model="m", input="hi")
            msg = await an.messages.create(
                model="m", max_tokens=10, messages=[{"role": "user", "content": "hi"}]
            )
        finally:
            await oa.close()
            await an.close()

    assert chat.choices[0].message.content == "plain chat"
    assert chat.usage.prompt_tokens == 120
    assert resp.output_text == "plain responses"
    assert msg.content[0].text == "plain messages"
    assert msg.stop_reason == "end_turn"
