"""Every adapter, through its real SDK, against the fake server: text streams, usage adds up."""

from __future__ import annotations

import pytest
from fakes.llm_server import FakeUsage
from provider_helpers import KINDS, MODELS, REPLY, TEST_KEY, collect, text_request, turn_request


@pytest.mark.parametrize("kind", KINDS)
async def test_reply_streams_in_pieces_and_done_carries_the_whole_text(fake_llm, make_port, kind):
    fake_llm.push(REPLY)
    port = make_port(kind)

    pieces, done = await collect(port, turn_request())

    assert len(pieces) >= 3
    assert "".join(pieces) == REPLY
    assert done.text == REPLY
    assert done.usage.provider == kind
    assert done.usage.model == MODELS[kind]
    assert done.usage.calls == 1


@pytest.mark.parametrize("kind", KINDS)
async def test_usage_reports_prompt_output_and_cached_tokens(fake_llm, make_port, kind):
    fake_llm.usage = FakeUsage(input_tokens=2000, cached_tokens=1536, cache_write_tokens=0)
    fake_llm.push(REPLY)

    pieces, done = await collect(make_port(kind), turn_request())

    assert done.usage.input_tokens == 2000
    assert done.usage.cached_tokens == 1536
    assert done.usage.output_tokens == len(pieces)  # the fake counts one token per chunk


async def test_anthropic_usage_adds_cache_reads_and_writes_to_the_prompt(fake_llm, make_port):
    fake_llm.usage = FakeUsage(input_tokens=3000, cached_tokens=2048, cache_write_tokens=512)
    fake_llm.push(REPLY)

    _, done = await collect(make_port("anthropic"), turn_request())

    # the wire says input_tokens=440 (uncached), cache_read=2048, cache_creation=512
    assert fake_llm.usage.input_tokens - 2048 - 512 == 440
    assert done.usage.input_tokens == 3000
    assert done.usage.cached_tokens == 2048
    assert done.usage.cache_write_tokens == 512


@pytest.mark.parametrize("kind", KINDS)
async def test_plain_text_request_asks_for_no_structure(fake_llm, make_port, kind):
    fake_llm.push("The hero lit the beacon and the town slept.")

    _, done = await collect(make_port(kind), text_request())

    body = fake_llm.last.body
    assert done.text == "The hero lit the beacon and the town slept."
    assert done.finish_reason == "stop"
    assert "response_format" not in body
    assert "text" not in body
    assert "tools" not in body


@pytest.mark.parametrize("kind", KINDS)
async def test_reply_cut_by_max_tokens_finishes_with_length(fake_llm, make_port, kind):
    fake_llm.push('{"narrative": "The door', finish_reason="length")

    _, done = await collect(make_port(kind), turn_request())

    assert done.finish_reason == "length"
    assert done.text == '{"narrative": "The door'


@pytest.mark.parametrize("kind", KINDS)
async def test_model_override_in_the_request_is_sent(fake_llm, make_port, kind):
    from dataclasses import replace

    fake_llm.push("ok")

    _, done = await collect(make_port(kind), replace(text_request(), model="bigger-model"))

    assert fake_llm.last.body["model"] == "bigger-model"
    assert done.usage.model == "bigger-model"


@pytest.mark.parametrize("kind", KINDS)
async def test_port_repr_names_the_provider_but_not_the_key(make_port, kind):
    text = repr(make_port(kind))

    assert kind in text
    assert MODELS[kind] in text
    assert TEST_KEY not in text


async def test_a_shared_http_client_serves_several_ports_and_outlives_them(fake_llm):
    import httpx2

    from storyai.core.config import ProviderSettings
    from storyai.core.providers.registry import build_port

    shared = httpx2.AsyncClient()
    ports = [
        build_port(
            kind,
            ProviderSettings(kind=kind, model="m", base_url=url, api_key=TEST_KEY),
            http_client=shared,
        )
        for kind, url in (
            ("openai", fake_llm.openai_base_url),
            ("anthropic", fake_llm.anthropic_base_url),
        )
    ]
    try:
        for port in ports:
            fake_llm.push(f"hello from {port.name}")
            _, done = await collect(port, text_request())
            assert done.text == f"hello from {port.name}"
        for port in ports:
            await port.aclose()
        assert not shared.is_closed
    finally:
        await shared.aclose()
