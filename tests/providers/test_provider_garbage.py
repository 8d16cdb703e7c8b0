"""Whatever a server sends, an adapter gives a reply or a ``ProviderError``: never a
traceback (issue 13: a malformed SSE line ended ``storyai run`` with a JSONDecodeError).

Each adapter is driven through its real SDK over an ``httpx2.MockTransport`` with
arbitrary bytes as the response body, and with arbitrary SSE events.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator

import httpx2
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from provider_helpers import TEST_KEY, collect, turn_request

from storyai.core.domain.errors import ProviderError, StreamBroken
from storyai.core.providers.anthropic_messages import AnthropicMessagesAdapter
from storyai.core.providers.base import SdkAdapter
from storyai.core.providers.openai_chat import OpenAIChatAdapter
from storyai.core.providers.openai_responses import OpenAIResponsesAdapter

ADAPTERS: dict[str, type[SdkAdapter]] = {
    "chat": OpenAIChatAdapter,
    "responses": OpenAIResponsesAdapter,
    "anthropic": AnthropicMessagesAdapter,
}
FEW = settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))

EVENT_TYPES = [
    "message_start",
    "content_block_start",
    "content_block_delta",
    "message_delta",
    "message_stop",
    "error",
    "ping",
    "response.created",
    "response.output_text.delta",
    "response.refusal.delta",
    "response.completed",
    "response.incomplete",
    "response.failed",
]
KEYS = [
    "type",
    "choices",
    "delta",
    "content",
    "refusal",
    "finish_reason",
    "index",
    "usage",
    "message",
    "response",
    "text",
    "partial_json",
    "stop_reason",
    "error",
    "code",
    "tool_calls",
    "function",
    "arguments",
    "prompt_tokens",
    "prompt_tokens_details",
    "input_tokens",
    "output_tokens",
    "incomplete_details",
    "reason",
]
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(st.sampled_from(KEYS) | st.text(max_size=4), inner, max_size=4)
    ),
    max_leaves=12,
)
event_objects = st.builds(
    lambda kind, rest: {"type": kind, **rest},
    st.sampled_from(EVENT_TYPES) | st.text(max_size=12),
    st.dictionaries(st.sampled_from(KEYS), json_values, max_size=5),
)
data_payloads = st.one_of(
    event_objects.map(json.dumps),
    json_values.map(json.dumps),
    event_objects.map(lambda e: json.dumps(e)[: len(json.dumps(e)) // 2]),  # cut short
    st.text(max_size=40).map(lambda t: t.replace("\n", " ").replace("\r", " ")),
    st.sampled_from(["[DONE]", "", "{", '{"type": "message_stop"', TEST_KEY]),
)
event_names = (
    st.none() | st.sampled_from(EVENT_TYPES) | st.from_regex(r"[a-z_.]{0,12}", fullmatch=True)
)
sse_events = st.lists(st.tuples(event_names, data_payloads), max_size=6)
content_types = st.sampled_from(
    ["text/event-stream", "application/json", "text/plain", "text/html", "application/x-ndjson"]
)
statuses = st.sampled_from([200, 200, 200, 201, 204, 400, 401, 404, 408, 422, 429, 500, 503, 529])


def sse(events: list[tuple[str | None, str]]) -> bytes:
    out = []
    for name, data in events:
        head = f"event: {name}\n" if name is not None else ""
        out.append(f"{head}data: {data}\n\n")
    return "".join(out).encode()


class Server:
    """One adapter over a mock transport that answers with whatever is set in ``reply``."""

    def __init__(self, adapter: str) -> None:
        self.adapter = adapter
        self.reply = httpx2.Response(200)
        self.client = httpx2.AsyncClient(transport=httpx2.MockTransport(lambda _: self.reply))
        self.port = ADAPTERS[adapter](
            adapter, "m", base_url="http://model.test/v1", api_key=TEST_KEY, http_client=self.client
        )

    async def outcome(self, status: int, content_type: str, body: bytes) -> object:
        """The reply's ``ModelDone``, or the ``ProviderError`` raised; anything else fails."""
        self.reply = httpx2.Response(status, content=body, headers={"content-type": content_type})
        try:
            return (await collect(self.port, turn_request()))[1]
        except ProviderError as error:
            assert error.message.startswith(f"{self.adapter}: ")
            assert TEST_KEY not in str(error)
            return error


async def outcome(adapter: str, status: int, content_type: str, body: bytes) -> object:
    server = Server(adapter)
    try:
        return await server.outcome(status, content_type, body)
    finally:
        await server.client.aclose()


@pytest.mark.parametrize("adapter", list(ADAPTERS))
def test_any_body_gives_a_reply_or_a_provider_error(adapter: str) -> None:
    with asyncio.Runner() as runner:
        server = Server(adapter)

        @FEW
        @given(statuses, content_types, st.binary(max_size=200) | data_payloads.map(str.encode))
        def check(status: int, content_type: str, body: bytes) -> None:
            runner.run(server.outcome(status, content_type, body))

        check()
        runner.run(server.client.aclose())


@pytest.mark.parametrize("adapter", list(ADAPTERS))
def test_any_sse_events_give_a_reply_or_a_provider_error(adapter: str) -> None:
    with asyncio.Runner() as runner:
        server = Server(adapter)

        @FEW
        @given(sse_events)
        def check(events: list[tuple[str | None, str]]) -> None:
            runner.run(server.outcome(200, "text/event-stream", sse(events)))

        check()
        runner.run(server.client.aclose())


@pytest.mark.parametrize("adapter", list(ADAPTERS))
async def test_a_malformed_sse_line_is_a_retryable_unreadable_reply(adapter: str) -> None:
    body = b'data: {"type": "message_start", "choices": [{"delta": {"content": "unterminated\n\n'

    error = await outcome(adapter, 200, "text/event-stream", body)

    if adapter == "anthropic":  # its SDK skips a data line it cannot decode
        assert isinstance(error, StreamBroken)
    else:
        assert isinstance(error, StreamBroken) and error.retryable
        assert "could not be read (not valid JSON: Unterminated string" in error.message


@pytest.mark.parametrize("adapter", list(ADAPTERS))
async def test_an_empty_stream_is_a_broken_stream(adapter: str) -> None:
    error = await outcome(adapter, 200, "text/event-stream", b"")

    assert isinstance(error, StreamBroken) and error.retryable
    assert "ended early" in error.message


@pytest.mark.parametrize("adapter", list(ADAPTERS))
async def test_cancelling_a_turn_still_cancels_it(adapter: str) -> None:
    reached = asyncio.Event()
    never = asyncio.Event()

    async def body() -> AsyncIterator[bytes]:
        reached.set()
        await never.wait()
        yield b""

    def handler(request: httpx2.Request) -> httpx2.Response:
        return httpx2.Response(200, content=body(), headers={"content-type": "text/event-stream"})

    async with httpx2.AsyncClient(transport=httpx2.MockTransport(handler)) as client:
        port = ADAPTERS[adapter](adapter, "m", base_url="http://model.test/v1", http_client=client)
        task = asyncio.create_task(collect(port, turn_request()))
        await reached.wait()
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
