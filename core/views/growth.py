"""Growth as a player meets it: the level-up choice waiting to be made, and what the
level brought (class features)."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from storyai.core.domain.sheet import Sheet
from storyai.core.domain.world import World
from storyai.core.rules import features
from storyai.core.rules.base import RuleSystem
from storyai.core.rules.features import FeatureLine
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
    """A level-up choice to make: an ability score improvement (+2 to one option or +1
    to two), or a specialization in its place; with no ``options`` (percentile: a skill
    grew on a long rest) only a specialization."""

    name: str
    level: int
    left: int  # improvements still to choose, this one included
    options: tuple[ImprovementOption, ...]
    limit: int = IMPROVED_LIMIT
    specializations: tuple[SpecializationOption, ...] = ()
    """The world's specializations not taken yet, each open or with what it needs: one
    may be taken in place of the improvement."""
    features: tuple[FeatureLine, ...] = ()
    """The class features this level brought (already gained: shown, not chosen)."""

    @property
    def heading(self) -> str:
        if self.options:
            return f"{self.name} reached level {self.level} — choose an improvement"
        return f"{self.name} has grown — choose a specialization"

    @property
    def specializations_intro(self) -> str:
        return "Or take a specialization in its place:" if self.options else "Take one:"

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
    if sheet.improvements <= 0:
        return None
    keys = rules.improvement_options(sheet)
    specs = options(sheet, world, flags)
    if not keys and not specs:
        return None
    return LevelUpView(
        name=sheet.name,
        level=sheet.level,
        left=sheet.improvements,
        options=tuple(ImprovementOption(k, k.upper(), sheet.score(k)) for k in keys),
        specializations=specs,
        features=features.at_level(sheet, world, sheet.level) if keys else (),
    )
