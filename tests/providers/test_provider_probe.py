"""``probe``: what `storyai providers check` reports for a provider."""

from __future__ import annotations

import pytest
from provider_helpers import KINDS, TEST_KEY

from storyai.core.providers.probe import probe


@pytest.mark.parametrize("kind", KINDS)
async def test_probe_of_an_answering_provider(fake_llm, make_port, kind):
    fake_llm.push("OK")

    result = await probe(make_port(kind))

    assert result.ok
    assert "'OK'" in result.detail
    assert result.latency_ms > 0
    body = fake_llm.last.body
    limits = ("max_tokens", "max_completion_tokens", "max_output_tokens")
    assert [body[k] for k in limits if k in body] == [8]
    assert "tools" not in body and "response_format" not in body


@pytest.mark.parametrize("kind", ["openai", "anthropic"])
async def test_probe_of_a_provider_refusing_the_key(fake_llm, make_port, kind):
    fake_llm.push_fault(status=401)

    result = await probe(make_port(kind))

    assert not result.ok
    assert "HTTP 401" in result.detail
    assert TEST_KEY not in result.detail


async def test_probe_of_a_stalled_provider(fake_llm, make_port):
    port = make_port("openai-compatible", stall_timeout=0.3)
    fake_llm.push("warm-up")  # the SDK's first parse loads types: keep it out of the stall
    assert (await probe(port)).ok
    fake_llm.push_fault(stall_after=0, stall_seconds=30)

    result = await probe(port)

    assert not result.ok
    assert "stalled" in result.detail
