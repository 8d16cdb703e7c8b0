"""Each llmock fault through each SDK adapter alone: what reaches the router is one of
our errors, with a message a player can read, never the SDK's or the parser's own."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from llmock_process import LlmockServer

from storyai.core.config import ProviderSettings
from storyai.core.domain.errors import (
    ProviderError,
    ProviderUnavailable,
    RateLimited,
    StreamBroken,
)
from storyai.core.llm.port import ModelPort, ModelRequest, PromptSection, TextPiece
from storyai.core.narrators.schema import REPLY_SCHEMA
from storyai.core.providers.registry import build_port

KINDS = ["openai-compatible", "openai-responses", "anthropic"]
FAULTS: dict[str, tuple[dict, type[ProviderError], str]] = {
    "429": ({"type": "fail", "status": 429, "retry_after": 3}, RateLimited, "rate limited"),
    "503": ({"type": "fail", "status": 503, "retry_after": 4}, ProviderUnavailable, "HTTP 503"),
    "500": ({"type": "fail", "status": 500}, ProviderUnavailable, "HTTP 500"),
    "disconnect": ({"kind": "disconnect"}, StreamBroken, "broke off"),
    "truncate": ({"kind": "truncate"}, StreamBroken, "ended early"),
    "malformed": ({"kind": "malformed"}, StreamBroken, "could not be read"),
    "stall": ({"kind": "stall", "stall_seconds": 2}, StreamBroken, "stalled"),
}
REQUEST = ModelRequest(
    task="narration",
    sections=(
        PromptSection("rules", "You are the game master. Reply in JSON.", "system"),
        PromptSection("input", "I open the door of the bell tower."),
    ),
    schema=REPLY_SCHEMA,
    max_tokens=300,
)


@pytest.fixture
async def port_for(llmock_clean: LlmockServer) -> AsyncIterator:
    made: list[ModelPort] = []

    def make(kind: str) -> ModelPort:
        settings = ProviderSettings(
            kind=kind,
            model="chaos-model",
            base_url=llmock_clean.base_url(kind),
            api_key=None if kind == "openai-compatible" else "chaos-test-key-5d1e",
            timeout=10,
            stall_timeout=0.5,
        )
        made.append(port := build_port("gm", settings))
        return port

    yield make
    for port in made:
        await port.aclose()


@pytest.mark.parametrize("fault", FAULTS)
@pytest.mark.parametrize("kind", KINDS)
async def test_a_fault_reaches_the_router_as_one_of_our_errors(llmock_clean, port_for, kind, fault):
    behaviour, expected, words = FAULTS[fault]
    if "kind" in behaviour:
        behaviour = {"type": "stream_fault", "after_chunks": 4, **behaviour}
    llmock_clean.script(behaviour)
    pieces: list[str] = []
    with pytest.raises(ProviderError) as caught:
        async for chunk in port_for(kind).stream(REQUEST):
            if isinstance(chunk, TextPiece):
                pieces.append(chunk.text)
    error = caught.value
    assert type(error) is expected
    assert error.message.startswith("gm: ") and words in error.message
    assert "JSONDecodeError" not in error.message and "Traceback" not in error.message
    if "retry_after" in behaviour:  # the server's Retry-After, kept for the router to wait
        assert error.retry_after == behaviour["retry_after"]
    if fault in ("429", "503", "500"):
        assert pieces == []
