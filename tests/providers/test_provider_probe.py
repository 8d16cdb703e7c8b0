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


def _longest(schema: dict) -> object:
    """The longest reply ``schema`` allows: every array full, every string at its bound."""
    if schema.get("type") == "object" or "properties" in schema:
        return {k: _longest(v) for k, v in schema.get("properties", {}).items()}
    if schema.get("type") == "array":
        return [_longest(schema.get("items", {})) for _ in range(schema.get("maxItems", 0))]
    return "word " * (schema.get("maxLength", 0) // 5)


async def test_a_mode_is_probed_with_room_for_the_longest_reply_its_schema_allows(
    fake_llm, make_port
):
    """A small model decoding greedily may fill every field to its bound; cut off by the
    probe's own token cap, its JSON would fail a mode that works (seen with SmolLM2)."""
    import json

    from storyai.core.narrators.compact_schema import COMPACT_REPLY_SCHEMA
    from storyai.core.providers.probe import probe_mode

    longest = json.dumps(_longest(COMPACT_REPLY_SCHEMA))
    fake_llm.push(longest)

    result = await probe_mode(make_port("openai-compatible"), "json_schema", COMPACT_REPLY_SCHEMA)

    assert result.ok, result.detail
    sent = fake_llm.last.body
    cap = sent.get("max_tokens") or sent.get("max_completion_tokens")
    assert cap * 3 >= len(longest)  # about three characters a token, at worst
