"""Retry-After parsing and key redaction, the pieces every adapter's errors go through."""

from __future__ import annotations

import email.utils

from storyai.core.domain.errors import AuthFailed, ProviderUnavailable, RateLimited
from storyai.core.providers.errors import ErrorMapper, parse_retry_after, redact

NOW = 1_800_000_000.0


def test_retry_after_in_seconds():
    assert parse_retry_after({"Retry-After": "7"}) == 7.0
    assert parse_retry_after({"retry-after": "0.5"}) == 0.5


def test_retry_after_ms_is_preferred():
    assert parse_retry_after({"retry-after": "7", "retry-after-ms": "250"}) == 0.25


def test_retry_after_as_an_http_date():
    date = email.utils.formatdate(NOW + 30, usegmt=True)

    assert parse_retry_after({"retry-after": date}, now=NOW) == 30.0


def test_retry_after_in_the_past_or_unreadable():
    past = email.utils.formatdate(NOW - 30, usegmt=True)

    assert parse_retry_after({"retry-after": past}, now=NOW) == 0.0
    assert parse_retry_after({"retry-after": "soon"}) is None
    assert parse_retry_after({}) is None
    assert parse_retry_after(None) is None


def test_redact_removes_the_key_and_anything_that_looks_like_one():
    text = "key abc-secret-123456 sent as Authorization: Bearer tok_999 and sk-proj-ABCDEF123456"

    cleaned = redact(text, ["abc-secret-123456"])

    assert "abc-secret-123456" not in cleaned
    assert "tok_999" not in cleaned
    assert "sk-proj-ABCDEF123456" not in cleaned
    assert cleaned.count("***") == 3


def test_stream_error_codes_map_to_what_the_router_needs():
    mapper = ErrorMapper("p", secrets=["the-key-42"])

    assert isinstance(mapper.from_code("rate_limit_exceeded", "slow down"), RateLimited)
    assert isinstance(mapper.from_code("overloaded_error", "busy"), RateLimited)
    assert isinstance(mapper.from_code("insufficient_quota", "pay"), AuthFailed)
    assert isinstance(mapper.from_code("server_error", "oops"), ProviderUnavailable)
    assert "the-key-42" not in mapper.from_code("invalid_api_key", "bad key the-key-42").message
