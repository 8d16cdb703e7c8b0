"""What the app is given from outside: storage, time, dice, narrator, where to export.

Tests pass an in-memory store or a temporary SQLite database, a fixed clock and a
seed; ``storyai play`` passes the user's database.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from storyai.core.domain.dice import Dice, SeededDice
from storyai.core.narrators.port import Narrator
from storyai.core.sessions import Clock
from storyai.core.storage.ports import UnitOfWorkFactory


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
        return SeededDice(self.seed)
