"""SDK exceptions → ``ProviderError`` subclasses, in one place, with keys redacted.

Both SDKs (``openai``, ``anthropic``) raise exceptions with the same shape:
status errors carry ``status_code``, ``response`` and ``body``; connection and
timeout errors derive from ``APIConnectionError`` / ``APITimeoutError``. A
stream that breaks midway may also surface a raw ``httpx2`` transport error
(the Anthropic SDK does not wrap those). This module maps all of them without
importing either SDK, so it stays cheap to import.

Every message built here goes through ``redact``: the configured key (and
anything that looks like a bearer token or an ``sk-`` key) is replaced by
``***`` before it can reach a message, a log line or a repr.
"""

from __future__ import annotations

import email.utils
import json
import re
import ssl
import time
from collections.abc import Iterable, Mapping
from typing import Any

import httpx2

from storyai.core.domain.errors import (
    AuthFailed,
    BadRequest,
    ProviderError,
    ProviderTimeout,
    ProviderUnavailable,
    RateLimited,
    StreamBroken,
)

REDACTED = "***"

_TOKEN_PATTERNS = (
    re.compile(r"(?i)\bbearer\s+[^\s,;'\"}]+"),
    re.compile(r"\bsk-[A-Za-z0-9_\-.*]{6,}"),
)
_DETAIL_LIMIT = 300


def redact(text: str, secrets: Iterable[str | None] = ()) -> str:
    """``text`` with every secret, bearer token and ``sk-…`` key replaced by ``***``."""
    for secret in secrets:
        if secret and len(secret) >= 4:
            text = text.replace(secret, REDACTED)
    for pattern in _TOKEN_PATTERNS:
        text = pattern.sub(REDACTED, text)
    return text


def parse_retry_after(
    headers: Mapping[str, str] | None, *, now: float | None = None
) -> float | None:
    """Seconds to wait, from ``retry-after-ms`` or ``retry-after`` (seconds or an HTTP date)."""
    if not headers:
        return None
    lowered = {k.lower(): v for k, v in headers.items()}
    raw_ms = lowered.get("retry-after-ms")
    if raw_ms:
        try:
            return max(0.0, float(raw_ms) / 1000.0)
        except ValueError:
            pass
    raw = lowered.get("retry-after")
    if not raw:
        return None
    raw = raw.strip()
    try:
        return max(0.0, float(raw))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(raw)
    except (TypeError, ValueError):
        return None
    if when is None:
        return None
    current = time.time() if now is None else now
    return max(0.0, when.timestamp() - current)


def _class_names(exc: BaseException) -> set[str]:
    return {cls.__name__ for cls in type(exc).__mro__}


def _body_detail(exc: BaseException) -> str:
    """The provider's own words: ``error.message`` from the body, else the raw text."""
    body = getattr(exc, "body", None)
    detail: Any = None
    if isinstance(body, Mapping):
        error = body.get("error", body)
        if isinstance(error, Mapping):
            detail = error.get("message")
        elif isinstance(error, str):
            detail = error
        if detail is None:
            detail = body.get("message")
    elif isinstance(body, str):
        detail = body
    if not detail:
        detail = getattr(exc, "message", None) or str(exc)
    text = " ".join(str(detail).split())
    if len(text) > _DETAIL_LIMIT:
        text = text[: _DETAIL_LIMIT - 1] + "…"
    return text


_SDK_BASES = {"OpenAIError", "AnthropicError", "APIError"}
UNREADABLE = (ValueError, TypeError, AttributeError, LookupError, UnicodeError)
"""What decoding a garbled reply raises: ``json.JSONDecodeError`` and ``UnicodeDecodeError``
from the SDKs (both ``ValueError``), pydantic's ``ValidationError``, and the
``AttributeError`` / ``TypeError`` / ``KeyError`` / ``IndexError`` of an unexpected shape."""


def is_provider_failure(exc: BaseException) -> bool:
    """True for SDK, transport and timeout errors; False for bugs, which must propagate."""
    if isinstance(exc, ProviderError):
        return True
    if _class_names(exc) & (_SDK_BASES | {"EndOfStream", "BrokenResourceError"}):
        return True
    return isinstance(
        exc, httpx2.HTTPError | httpx2.StreamError | TimeoutError | ConnectionError | ssl.SSLError
    )


class ErrorMapper:
    """Maps exceptions for one configured provider.

    ``key_hint`` tells the user where the key comes from, e.g. "set OPENAI_API_KEY
    or providers.openai.api_key_env in the config file".
    """

    def __init__(
        self,
        provider: str,
        *,
        secrets: Iterable[str | None] = (),
        key_hint: str | None = None,
        base_url: str | None = None,
    ) -> None:
        self.provider = provider
        self.secrets = tuple(s for s in secrets if s)
        self.key_hint = key_hint
        self.base_url = base_url

    def redact(self, text: str) -> str:
        return redact(text, self.secrets)

    def _msg(self, text: str) -> str:
        return self.redact(f"{self.provider}: {text}")

    def map(self, exc: BaseException, *, midstream: bool = False) -> ProviderError:
        """The ``ProviderError`` for ``exc``. ``midstream``: text had started to arrive."""
        if isinstance(exc, ProviderError):
            return exc
        names = _class_names(exc)
        status = getattr(exc, "status_code", None)
        response = getattr(exc, "response", None)
        if isinstance(status, int) and response is not None and status >= 400:
            headers = getattr(response, "headers", None)
            return self.from_status(status, _body_detail(exc), headers=headers)
        timeout = "APITimeoutError" in names or isinstance(
            exc, httpx2.TimeoutException | TimeoutError
        )
        connection = (
            "APIConnectionError" in names
            or isinstance(exc, httpx2.TransportError | ConnectionError | ssl.SSLError)
            or "EndOfStream" in names
            or "BrokenResourceError" in names
        )
        if midstream and (timeout or connection):
            return StreamBroken(
                self._msg(f"the reply stream broke off ({_describe(exc)})"),
                provider=self.provider,
            )
        if timeout:
            return ProviderTimeout(
                self._msg("the request timed out"),
                provider=self.provider,
                hint="raise `timeout` for this provider in the config file if the model is slow",
            )
        if connection:
            where = f" at {self.base_url}" if self.base_url else ""
            return ProviderUnavailable(
                self._msg(f"cannot reach the server{where} ({_describe(exc)})"),
                provider=self.provider,
            )
        if "APIError" in names:  # an error event inside a stream that began with HTTP 200
            return self.from_code(_body_code(exc), _body_detail(exc))
        if isinstance(exc, (*UNREADABLE, httpx2.DecodingError)):
            return self.unreadable(exc)
        if midstream:
            return StreamBroken(
                self._msg(f"the reply stream broke off ({_describe(exc)})"),
                provider=self.provider,
            )
        return ProviderError(
            self._msg(f"unexpected error ({_describe(exc)})"), provider=self.provider
        )

    def unreadable(self, exc: BaseException) -> StreamBroken:
        """A reply that could not be decoded or had an unexpected shape (retryable: a
        garbled stream is usually a one-off)."""
        if isinstance(exc, json.JSONDecodeError):
            why = f"not valid JSON: {exc.msg}, character {exc.pos}"
        elif isinstance(exc, UnicodeDecodeError):
            why = f"not valid text: {exc.reason}"
        else:
            why = _describe(exc)
        return StreamBroken(
            self._msg(f"the server sent a reply that could not be read ({why})"),
            provider=self.provider,
        )

    def from_status(
        self, status: int, detail: str, *, headers: Mapping[str, str] | None = None
    ) -> ProviderError:
        """The error for an HTTP ``status``, with the server's ``Retry-After`` whatever
        the status (a 503 or 529 asks for a pause as often as a 429 does)."""
        error = self._from_status(status, detail)
        error.retry_after = parse_retry_after(headers)
        return error

    def _from_status(self, status: int, detail: str) -> ProviderError:
        detail = f": {detail}" if detail else ""
        if status == 429:
            return RateLimited(
                self._msg(f"rate limited (HTTP 429){detail}"), provider=self.provider
            )
        if status == 529:
            return RateLimited(self._msg(f"overloaded (HTTP 529){detail}"), provider=self.provider)
        if status in (401, 403):
            what = "rejected the API key" if status == 401 else "refused access"
            return AuthFailed(
                self._msg(f"{what} (HTTP {status}){detail}"),
                provider=self.provider,
                hint=self.key_hint,
            )
        if status == 402:
            return AuthFailed(
                self._msg(f"payment required (HTTP 402){detail}"),
                provider=self.provider,
                hint="check the billing of this account",
            )
        if status == 408:
            return ProviderTimeout(
                self._msg(f"the server timed out (HTTP 408){detail}"), provider=self.provider
            )
        if status in (409, 425) or status >= 500:
            return ProviderUnavailable(
                self._msg(f"server error (HTTP {status}){detail}"), provider=self.provider
            )
        hint = "check the model name in the config file" if status == 404 else None
        return BadRequest(
            self._msg(f"the request was refused (HTTP {status}){detail}"),
            provider=self.provider,
            hint=hint,
        )

    def from_code(self, code: str | None, message: str | None) -> ProviderError:
        """An error reported inside a stream (Responses ``error`` / ``response.failed``)."""
        code = code or "error"
        text = " ".join((message or "no details").split())[:_DETAIL_LIMIT]
        lowered = code.lower()
        if lowered == "insufficient_quota":
            return AuthFailed(
                self._msg(f"{code}: {text}"),
                provider=self.provider,
                hint="check the billing of this account",
            )
        if "rate_limit" in lowered:
            return RateLimited(self._msg(f"rate limited ({code}): {text}"), provider=self.provider)
        if "overloaded" in lowered:
            return RateLimited(self._msg(f"overloaded ({code}): {text}"), provider=self.provider)
        if lowered in ("invalid_api_key", "authentication_error", "permission_error"):
            return AuthFailed(
                self._msg(f"{code}: {text}"), provider=self.provider, hint=self.key_hint
            )
        if lowered.startswith("invalid") or lowered in ("model_not_found", "not_found_error"):
            return BadRequest(self._msg(f"{code}: {text}"), provider=self.provider)
        return ProviderUnavailable(self._msg(f"{code}: {text}"), provider=self.provider)

    def stalled(self, seconds: float) -> StreamBroken:
        return StreamBroken(
            self._msg(f"the reply stream stalled (no data for {seconds:g} s)"),
            provider=self.provider,
            hint="raise `stall_timeout` for this provider if the model pauses mid-reply",
        )

    def no_first_byte(self, seconds: float) -> ProviderTimeout:
        return ProviderTimeout(
            self._msg(f"no reply within {seconds:g} s"),
            provider=self.provider,
            hint="raise `first_byte_timeout` for this provider if the model is slow to start "
            "(a local server reads the prompt before it answers)",
        )

    def truncated(self, what: str) -> StreamBroken:
        return StreamBroken(
            self._msg(f"the reply stream ended early ({what})"), provider=self.provider
        )


def _body_code(exc: BaseException) -> str | None:
    body = getattr(exc, "body", None)
    if not isinstance(body, Mapping):
        return None
    error = body.get("error", body)
    if not isinstance(error, Mapping):
        return None
    code = error.get("code") or error.get("type")
    return str(code) if code else None


def _describe(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    if len(text) > _DETAIL_LIMIT:
        text = text[: _DETAIL_LIMIT - 1] + "…"
    name = type(exc).__name__
    return f"{name}: {text}" if text else name
