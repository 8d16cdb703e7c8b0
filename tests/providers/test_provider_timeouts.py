"""Two limits (issue 20): the wait for the first byte, while a local server reads the
prompt, and pauses once the reply streams. A cold first turn on a CPU server must not
be abandoned by the mid-stream stall limit."""

from __future__ import annotations

import asyncio
import contextlib
from pathlib import Path

import pytest
from aiohttp import web
from fakes.llm_server import DEFAULT_TEXT, FakeLLMServer, Fault, RecordedRequest, Reply
from provider_helpers import KINDS, collect, stream_until_error, turn_request

from storyai.core.config import ProviderSettings, load_settings
from storyai.core.domain.errors import ProviderTimeout, StreamBroken
from storyai.core.providers.registry import build_port

STALL = 0.2
HELD = 4 * STALL  # how long the server "reads the prompt" before it answers


class SlowToStart(FakeLLMServer):
    """Holds each answer ``hold`` seconds before sending anything (headers included),
    or, with ``after_headers``, sends the headers at once and holds the first event,
    as llama-server does while it processes the prompt. ``held`` counts the holds."""

    hold: float = 0.0
    after_headers = False
    held = 0

    async def _wait(self) -> None:
        self.held += 1
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._closing.wait(), self.hold)

    async def _take(self, request: web.Request) -> tuple[RecordedRequest, Reply | Fault]:
        taken = await super()._take(request)
        if self.hold and not self.after_headers:
            await self._wait()
        return taken

    async def _chat(self, request: web.Request) -> web.StreamResponse:
        if not (self.hold and self.after_headers):
            return await super()._chat(request)
        await self._take(request)
        response = web.StreamResponse(headers={"content-type": "text/event-stream"})
        await response.prepare(request)
        await self._wait()
        chunk = '{"id": "c1", "object": "chat.completion.chunk", "created": 1, "model": "m", '
        await response.write(
            f'data: {chunk}"choices": [{{"index": 0, "delta": {{"content": "{DEFAULT_TEXT}"}}, '
            '"finish_reason": "stop"}]}\n\ndata: [DONE]\n\n'.encode()
        )
        await response.write_eof()
        return response


@pytest.fixture
async def slow():
    server = SlowToStart()
    await server.start()
    yield server
    await server.close()


def port_for(server: FakeLLMServer, kind: str, **limits: float):
    base_url = server.anthropic_base_url if kind == "anthropic" else server.openai_base_url
    cfg = ProviderSettings(kind=kind, model="m", base_url=base_url, api_key="k", **limits)
    return build_port(kind, cfg)


@pytest.mark.parametrize("kind", KINDS)
async def test_a_slow_first_byte_is_waited_for_beyond_the_stall_limit(slow, kind):
    slow.hold = HELD
    port = port_for(slow, kind, first_byte_timeout=30, stall_timeout=STALL)
    try:
        _, done = await collect(port, turn_request(schema=False))
    finally:
        await port.aclose()

    assert slow.held == 1
    assert done.text == DEFAULT_TEXT


async def test_headers_at_once_then_a_slow_first_event_is_waited_for(slow):
    slow.hold, slow.after_headers = HELD, True
    port = port_for(slow, "openai-compatible", first_byte_timeout=30, stall_timeout=STALL)
    try:
        _, done = await collect(port, turn_request(schema=False))
    finally:
        await port.aclose()

    assert slow.held == 1
    assert done.text == DEFAULT_TEXT


@pytest.mark.parametrize("after_headers", [False, True])
async def test_no_first_byte_within_its_limit_is_a_timeout_naming_the_setting(slow, after_headers):
    slow.hold, slow.after_headers = 60, after_headers  # until the server closes
    port = port_for(slow, "openai-compatible", first_byte_timeout=STALL, stall_timeout=30)
    try:
        with pytest.raises(ProviderTimeout) as caught:
            await collect(port, turn_request(schema=False))
    finally:
        await port.aclose()

    assert caught.value.message == f"openai-compatible: no reply within {STALL:g} s"
    assert "first_byte_timeout" in (caught.value.hint or "")
    assert caught.value.retryable


@pytest.mark.parametrize("kind", KINDS)
async def test_a_stall_mid_stream_is_broken_after_the_stall_limit_not_the_first_byte_one(
    fake_llm, kind
):
    port = port_for(fake_llm, kind, first_byte_timeout=60, stall_timeout=STALL)
    fake_llm.push_fault(stall_after=2, stall_seconds=60)
    received: list[str] = []
    try:
        with pytest.raises(StreamBroken, match="stalled") as caught:
            await stream_until_error(port, turn_request(), received)
    finally:
        await port.aclose()

    assert len(received) == 2
    assert "stall_timeout" in (caught.value.hint or "")


def test_first_byte_limits_default_to_generous_for_local_servers_and_shorter_for_hosted():
    settings = load_settings(
        environ={
            "STORYAI_PROVIDERS__HOSTED__FIRST_BYTE_TIMEOUT": "90",
            "STORYAI_LOCAL_BASE_URL": "http://127.0.0.1:8080/v1",
        },
        config_file=Path("/nonexistent/storyai.toml"),
        providers={
            "openai": {"kind": "openai", "model": "gpt", "api_key": "k"},
            "anthropic": {"kind": "anthropic", "model": "claude", "api_key": "k"},
            "box": {"kind": "anthropic", "model": "m", "base_url": "http://192.168.1.9:8080"},
            "rented": {"kind": "openai-compatible", "model": "m", "base_url": "https://x.ai/v1"},
            "hosted": {"kind": "openai", "model": "gpt", "api_key": "k"},
        },
    )
    limits = {name: cfg.first_byte_limit() for name, cfg in settings.providers.items()}

    assert limits == {
        "openai": 60.0,
        "anthropic": 60.0,
        "box": 300.0,
        "rented": 300.0,
        "hosted": 90.0,
        "local": 300.0,
    }
    assert build_port("local", settings.providers["local"]).first_byte_timeout == 300.0
    assert build_port("openai", settings.providers["openai"]).stall_timeout == 30.0
