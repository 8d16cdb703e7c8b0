"""Growth as a player meets it: the level-up choice waiting to be made."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from storyai.core.domain.sheet import Sheet
from storyai.core.domain.world import World
from storyai.core.rules.base import RuleSystem
from storyai.core.rules.registry import rule_system_for
from storyai.core.rules.specializations import SpecializationOption, options

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
    specializations: tuple[SpecializationOption, ...] = ()
    """The world's specializations not taken yet, each open or with what it needs: one
    may be taken in place of the improvement."""

    def command(self, keys: list[str] | tuple[str, ...]) -> str:
        """The input that makes this choice: ``improve str`` or ``improve dex con``."""
        return "improve " + " ".join(keys)

    def specialize(self, specialization_id: str) -> str:
        """The input that takes a specialization: ``improve Deep Warden``."""
        spec = next(s for s in self.specializations if s.id == specialization_id)
        return f"improve {spec.name}"


def level_up_view(
    sheet: Sheet, world: World, rules: RuleSystem | None = None, flags: Collection[str] = ()
) -> LevelUpView | None:
    """The choice waiting for ``sheet``, or None when there is none; ``flags`` are the
    story's (a specialization may need one)."""
    rules = rules or rule_system_for(world)
    keys = rules.improvement_options(sheet)
    if not keys:
        return None
    return LevelUpView(
        name=sheet.name,
        level=sheet.level,
        left=sheet.improvements,
        options=tuple(ImprovementOption(k, k.upper(), sheet.score(k)) for k in keys),
        specializations=options(sheet, world, flags),
    )
