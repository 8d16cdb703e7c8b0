"""Media failures mapped like text providers' (``core.providers.errors.ErrorMapper``),
plus content refusals: a prompt the provider will not draw or say is ``ContentRefused``
(the next provider may try; this one will not)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import httpx

from storyai.core.domain.errors import ContentRefused, ProviderError
from storyai.core.providers.errors import ErrorMapper, parse_retry_after

REFUSAL_WORDS = ("content_policy", "safety", "moderation", "nsfw", "refus")


class MediaErrors(ErrorMapper):
    def __init__(
        self, provider: str, *, secrets: Iterable[str | None] = (), base_url: str | None = None
    ) -> None:
        super().__init__(
            provider,
            secrets=secrets,
            base_url=base_url,
            key_hint=f"set the key of media provider {provider!r} (api_key_env in [media])",
        )

    def map(self, exc: BaseException, *, midstream: bool = False) -> ProviderError:
        if isinstance(exc, httpx.TimeoutException):
            exc = TimeoutError(str(exc) or "timed out")
        elif isinstance(exc, httpx.TransportError):
            exc = ConnectionError(str(exc) or type(exc).__name__)
        error = super().map(exc, midstream=midstream)
        return self._refusal(error)

    def status(
        self, status: int, detail: str, headers: Mapping[str, str] | None = None
    ) -> ProviderError:
        error = self.from_status(status, detail, headers=headers)
        error.retry_after = parse_retry_after(headers)
        return self._refusal(error)

    def _refusal(self, error: ProviderError) -> ProviderError:
        lowered = error.message.lower()
        if "HTTP 4" in error.message and any(word in lowered for word in REFUSAL_WORDS):
            refused = ContentRefused(
                self.redact(f"{self.provider}: refused to make this ({error.message})"),
                provider=self.provider,
            )
            return refused
        return error


async def checked(response: httpx.Response, errors: MediaErrors) -> httpx.Response:
    """``response`` when it succeeded, else its mapped error raised."""
    if response.status_code < 400:
        return response
    body = (await response.aread()).decode("utf-8", "replace")
    detail = " ".join(body.split())[:300]
    raise errors.status(response.status_code, detail, response.headers)
