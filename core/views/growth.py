"""Growth as a player meets it: the level-up choice waiting to be made."""

from __future__ import annotations

from dataclasses import dataclass

from storyai.core.domain.sheet import Sheet
from storyai.core.domain.world import World
from storyai.core.rules.base import RuleSystem
from storyai.core.rules.registry import rule_system_for

IMPROVED_LIMIT = 20
"""No improvement raises a score above this (SRD)."""


@dataclass(frozen=True)
class ImprovementOption:
    key: str  # "str": what `improve` takes
    label: str  # "STR"
    score: int


@dataclass(frozen=True)
class LevelUpView:
    """An ability score improvement to choose: +2 to one option or +1 to two."""

    name: str
    level: int
    left: int  # improvements still to choose, this one included
    options: tuple[ImprovementOption, ...]
    limit: int = IMPROVED_LIMIT

    def command(self, keys: list[str] | tuple[str, ...]) -> str:
        """The input that makes this choice: ``improve str`` or ``improve dex con``."""
        return "improve " + " ".join(keys)


def level_up_view(
    sheet: Sheet, world: World, rules: RuleSystem | None = None
) -> LevelUpView | None:
    """The choice waiting for ``sheet``, or None when there is none."""
    rules = rules or rule_system_for(world)
    keys = rules.improvement_options(sheet)
    if not keys:
        return None
    return LevelUpView(
        name=sheet.name,
        level=sheet.level,
        left=sheet.improvements,
        options=tuple(ImprovementOption(k, k.upper(), sheet.score(k)) for k in keys),
    )
