"""Failures a player would otherwise see as a hang, a half reply or a leaked key."""

from __future__ import annotations

import asyncio
import logging
import socket
import traceback

import pytest
from provider_helpers import KINDS, TEST_KEY, collect, stream_until_error, turn_request

from storyai.core.config import ProviderSettings
from storyai.core.domain.errors import (
    AuthFailed,
    BadRequest,
    ProviderTimeout,
    ProviderUnavailable,
    RateLimited,
    StreamBroken,
)
from storyai.core.providers.registry import build_port

KEYED = ["openai", "openai-responses", "anthropic"]


@pytest.mark.parametrize("kind", KINDS)
async def test_429_is_rate_limited_with_the_servers_retry_after(fake_llm, make_port, kind):
    fake_llm.push_fault(status=429, retry_after=2)

    with pytest.raises(RateLimited) as caught:
        await collect(make_port(kind), turn_request())

    assert caught.value.retry_after == 2.0
    assert caught.value.retryable
    assert caught.value.provider == kind


@pytest.mark.parametrize("kind", KINDS)
async def test_retry_after_ms_wins_over_retry_after(fake_llm, make_port, kind):
    fake_llm.push_fault(status=429, retry_after=9, retry_after_ms=1500)

    with pytest.raises(RateLimited) as caught:
        await collect(make_port(kind), turn_request())

    assert caught.value.retry_after == 1.5


async def test_anthropic_529_overloaded_is_rate_limited(fake_llm, make_port):
    fake_llm.push_fault(status=529)

    with pytest.raises(RateLimited, match="overloaded"):
        await collect(make_port("anthropic"), turn_request())


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("status", [500, 503])
async def test_server_errors_are_provider_unavailable(fake_llm, make_port, kind, status):
    fake_llm.push_fault(status=status)

    with pytest.raises(ProviderUnavailable, match=f"HTTP {status}") as caught:
        await collect(make_port(kind), turn_request())

    assert caught.value.retryable


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("status", [400, 404, 422])
async def test_refused_requests_are_bad_requests_and_not_retried(fake_llm, make_port, kind, status):
    fake_llm.push_fault(status=status)

    with pytest.raises(BadRequest) as caught:
        await collect(make_port(kind), turn_request())

    assert not caught.value.retryable


@pytest.mark.parametrize("kind", KEYED)
@pytest.mark.parametrize("status", [401, 403])
async def test_auth_failure_never_shows_the_key(fake_llm, make_port, kind, status, caplog):
    caplog.set_level(logging.DEBUG)
    fake_llm.push_fault(status=status)  # the fake echoes the key it got in its error body

    with pytest.raises(AuthFailed) as caught:
        await collect(make_port(kind), turn_request())

    error = caught.value
    assert fake_llm.last.key == TEST_KEY
    assert "***" in error.message  # the echo was there, and was redacted
    everything = "".join(traceback.format_exception(error)) + repr(error) + str(error)
    assert TEST_KEY not in everything
    assert TEST_KEY not in caplog.text
    assert "API_KEY" in (error.hint or "")
    assert not error.retryable


async def test_auth_hint_names_the_configured_variable(fake_llm):
    cfg = ProviderSettings(
        kind="openai",
        model="gpt-test",
        base_url=fake_llm.openai_base_url,
        api_key=TEST_KEY,
        api_key_env="MY_OPENAI_KEY",
    )
    port = build_port("work", cfg)
    fake_llm.push_fault(status=401)
    try:
        with pytest.raises(AuthFailed) as caught:
            await collect(port, turn_request())
    finally:
        await port.aclose()

    assert "MY_OPENAI_KEY" in (caught.value.hint or "")
    assert TEST_KEY not in str(caught.value)


@pytest.mark.parametrize("kind", KINDS)
async def test_stalled_stream_is_broken_after_the_stall_timeout(fake_llm, make_port, kind):
    port = make_port(kind, stall_timeout=0.3)
    fake_llm.push("warm-up")  # the SDK's first parse loads types: keep it out of the stall
    await collect(port, turn_request())
    fake_llm.push_fault(stall_after=2, stall_seconds=30)
    received: list[str] = []

    with pytest.raises(StreamBroken, match="stalled") as caught:
        await stream_until_error(port, turn_request(), received)

    assert len(received) == 2  # the two chunks before the stall arrived
    assert caught.value.retryable


@pytest.mark.parametrize("kind", KINDS)
async def test_disconnect_midstream_is_broken(fake_llm, make_port, kind):
    fake_llm.push_fault(disconnect_after=2)
    received: list[str] = []

    with pytest.raises(StreamBroken):
        await stream_until_error(make_port(kind), turn_request(), received)

    assert len(received) == 2


@pytest.mark.parametrize("kind", KINDS)
async def test_stream_without_a_finish_is_broken_not_a_quiet_partial_reply(
    fake_llm, make_port, kind
):
    fake_llm.push_fault(truncate=True, text="The door opens onto a stair that")
    received: list[object] = []

    with pytest.raises(StreamBroken, match="ended early"):
        await stream_until_error(make_port(kind), turn_request(), received)

    assert "".join(str(r) for r in received) == "The door opens onto a stair that"


@pytest.mark.parametrize(
    ("kind", "code", "error"),
    [
        ("openai", "server_error", ProviderUnavailable),
        ("openai-compatible", "rate_limit_exceeded", RateLimited),
        ("openai-responses", "server_error", ProviderUnavailable),
        ("openai-responses", "rate_limit_exceeded", RateLimited),
        ("anthropic", "overloaded_error", RateLimited),
        ("anthropic", "api_error", ProviderUnavailable),
    ],
)
async def test_error_event_inside_the_stream(fake_llm, make_port, kind, code, error):
    fake_llm.push_fault(error_after=2, error_code=code)
    received: list[str] = []

    with pytest.raises(error, match=code):
        await stream_until_error(make_port(kind), turn_request(), received)

    assert len(received) == 2


@pytest.mark.parametrize("kind", KINDS)
async def test_nothing_listening_is_provider_unavailable(kind):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port_number = sock.getsockname()[1]
    base = f"http://127.0.0.1:{port_number}" + ("" if kind == "anthropic" else "/v1")
    port = build_port(kind, ProviderSettings(kind=kind, model="m", base_url=base, api_key="k"))
    try:
        with pytest.raises(ProviderUnavailable, match="cannot reach"):
            await collect(port, turn_request())
    finally:
        await port.aclose()


@pytest.mark.parametrize("kind", KINDS)
async def test_server_that_never_answers_times_out(kind):
    release = asyncio.Event()

    async def silent(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.read(65536)
        await release.wait()
        writer.close()

    server = await asyncio.start_server(silent, "127.0.0.1", 0)
    port_number = server.sockets[0].getsockname()[1]
    base = f"http://127.0.0.1:{port_number}" + ("" if kind == "anthropic" else "/v1")
    cfg = ProviderSettings(kind=kind, model="m", base_url=base, api_key="k", first_byte_timeout=0.3)
    port = build_port(kind, cfg)
    try:
        with pytest.raises(ProviderTimeout) as caught:
            await collect(port, turn_request())
        assert caught.value.retryable
    finally:
        await port.aclose()
        release.set()
        server.close()
        await server.wait_closed()


@pytest.mark.parametrize("kind", KINDS)
async def test_a_port_keeps_working_after_a_failure(fake_llm, make_port, kind):
    port = make_port(kind, stall_timeout=0.3)
    fake_llm.push_fault(stall_after=1, stall_seconds=30)
    fake_llm.push("Fine again.")

    with pytest.raises(StreamBroken):
        await collect(port, turn_request(schema=False))
    _, done = await collect(port, turn_request(schema=False))

    assert done.text == "Fine again."
