"""Failover for media: each task (``image``, ``speech``) has its providers in order; a
retryable failure (timeout, 429, 5xx) is retried (honouring ``Retry-After``, capped),
then the next provider is tried; a refusal or a bad key goes straight to the next.
Every provider failing raises ``NoProviderAnswered``, which the media service turns
into a notice: it never reaches the turn."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import TypeVar

from storyai.core.domain.errors import NoProviderAnswered, ProviderError
from storyai.core.media.port import (
    ImageGenerator,
    ImageRequest,
    Media,
    SpeechRequest,
    SpeechSynthesizer,
)

T = TypeVar("T")
MAX_WAIT = 5.0
"""The longest pause before a retry, whatever ``Retry-After`` says (media can wait for
the next turn instead)."""


@dataclass
class MediaRouter:
    images: Sequence[ImageGenerator] = ()
    speech: Sequence[SpeechSynthesizer] = ()
    retries: int = 1
    sleep: Callable[[float], Awaitable[None]] = field(default=asyncio.sleep)

    @property
    def can_draw(self) -> bool:
        return bool(self.images)

    @property
    def can_speak(self) -> bool:
        return bool(self.speech)

    @property
    def voices(self) -> tuple[str, ...]:
        return self.speech[0].voices if self.speech else ()

    async def draw(self, request: ImageRequest, *, reference: bytes | None = None) -> Media:
        return await self._first(
            "image", self.images, lambda one: one.generate(request, reference=reference)
        )

    async def say(self, request: SpeechRequest) -> Media:
        return await self._first("speech", self.speech, lambda one: one.synthesize(request))

    async def _first(
        self, task: str, providers: Sequence[T], call: Callable[[T], Awaitable[Media]]
    ) -> Media:
        errors: list[ProviderError] = []
        for provider in providers:
            for attempt in range(self.retries + 1):
                try:
                    return await call(provider)
                except ProviderError as exc:
                    if not exc.provider:
                        exc.provider = getattr(provider, "name", "")
                    if not exc.retryable or attempt == self.retries:
                        errors.append(exc)
                        break
                    await self.sleep(min(MAX_WAIT, exc.retry_after or 0.5 * (attempt + 1)))
        raise NoProviderAnswered(task, errors)

    async def aclose(self) -> None:
        providers: list[ImageGenerator | SpeechSynthesizer] = [*self.images, *self.speech]
        for provider in providers:
            await provider.aclose()
