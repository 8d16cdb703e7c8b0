"""What the app is given from outside: storage, time, dice, narrator, where to export.

Tests pass an in-memory store or a temporary SQLite database, a fixed clock and a
seed; ``storyai play`` passes the user's database.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any, cast

if TYPE_CHECKING:  # the title screen draws before the story engine is imported
    from storyai.core.domain.dice import Dice
    from storyai.core.narrators.port import Narrator
    from storyai.core.sessions import Clock
    from storyai.core.storage.ports import UnitOfWork, UnitOfWorkFactory


@dataclass
class Deps:
    uow: UnitOfWorkFactory
    seed: int | None = None
    """Seeds new stories and the dice of character creation (None: random)."""
    clock: Clock | None = None
    narrator: Narrator | None = None
    """None: the offline narrator."""
    narrator_label: str = "offline"
    """Who narrates, as the title screen says it ("offline", "anthropic/claude-...")."""
    notices: list[str] = field(default_factory=list)
    """Things to tell the player once the app starts (a provider without a key, ...)."""
    dice: Callable[[], Dice] | None = None
    """Dice for rolling ability scores; default: seeded from ``seed``."""
    export_dir: Path = field(default_factory=Path.cwd)

    def new_dice(self) -> Dice:
        if self.dice is not None:
            return self.dice()
        from storyai.core.domain.dice import SeededDice

        return SeededDice(self.seed)


def when_ready(ready: asyncio.Future[Any], factory: UnitOfWorkFactory) -> UnitOfWorkFactory:
    """A unit-of-work factory whose units first wait for ``ready`` (the database being
    opened after the first frame); if it failed, each unit raises its error."""

    class Waiting:
        inner: UnitOfWork

        async def __aenter__(self) -> UnitOfWork:
            await asyncio.shield(ready)
            self.inner = factory()
            return await self.inner.__aenter__()

        async def __aexit__(
            self,
            exc_type: type[BaseException] | None,
            exc: BaseException | None,
            tb: TracebackType | None,
        ) -> None:
            await self.inner.__aexit__(exc_type, exc, tb)

    return lambda: cast("UnitOfWork", Waiting())
