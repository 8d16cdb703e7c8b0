"""The configured narrator, made when a story first needs it.

An AI narrator takes seconds to make (its SDK, its tokenizer). ``storyai play`` hands
the play service this stand-in instead, so listing stories never waits for it, and
makes the real one on a thread after the first frame.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Any

from storyai.core.narrators.port import NarrationChunk, NarrationRequest, Narrator

if TYPE_CHECKING:
    from storyai.core.domain.world import World
    from storyai.core.narrators.configured import Configured
    from storyai.core.narrators.port import TurnText


class DeferredNarrator(Narrator):
    """Stands in for ``configured.narrator``; the first use of anything makes it."""

    def __init__(self, configured: Configured) -> None:
        self.configured = configured

    @property
    def inner(self) -> Narrator:
        return self.configured.narrator

    @property
    def name(self) -> str:
        return self.inner.name

    @property
    def wants_memory(self) -> bool:
        return self.inner.wants_memory

    @property
    def proposes(self) -> bool:
        return self.inner.proposes

    async def summarize(self, world: World, turns: list[TurnText]) -> tuple[str, dict[str, Any]]:
        return await self.inner.summarize(world, turns)

    def stream(self, request: NarrationRequest) -> AsyncIterator[NarrationChunk]:
        return self.inner.stream(request)
