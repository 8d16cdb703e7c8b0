"""Class features: what an archetype gains at each level, as its world lists them
(`archetypes.X.features`). A character gains each one once, when it reaches the
feature's level (the starting level's at creation); the rules apply the effects.

Pure. Gaining is idempotent (a sheet records the features it has), and as the story
stores the sheet a level-up made, replaying or rewinding a story never applies one
twice: a branch from before the level-up simply gains it again when it levels there.
"""

from __future__ import annotations

from dataclasses import dataclass

from storyai.core.domain.sheet import Sheet
from storyai.core.domain.world import ClassFeature, World
from storyai.core.rules.growth_effects import apply_effects, effects_text

Notes = tuple[str, ...]


@dataclass(frozen=True)
class FeatureLine:
    """A class feature as a player reads it."""

    name: str
    level: int
    description: str
    gives: str  # "power: Second Wind; +1 PP" ("" for none)


def of(sheet: Sheet, world: World) -> tuple[ClassFeature, ...]:
    """The features ``sheet``'s archetype lists, by level (the world's order within one)."""
    arch = world.archetypes.get(sheet.archetype or "")
    return tuple(sorted(arch.features, key=lambda f: f.level)) if arch else ()


def due(sheet: Sheet, world: World) -> tuple[ClassFeature, ...]:
    """Features of ``sheet``'s level or below that it has not gained yet."""
    if not sheet.is_player:
        return ()
    return tuple(
        f for f in of(sheet, world) if f.level <= sheet.level and f.key not in sheet.features
    )


def gain(sheet: Sheet, world: World) -> tuple[Sheet, tuple[ClassFeature, ...]]:
    """``sheet`` with every feature it is due applied, once, and the features gained."""
    gained = due(sheet, world)
    for feature in gained:
        sheet = apply_effects(sheet, feature.effects, world)
    if gained:
        sheet = sheet.model_copy(update={"features": (*sheet.features, *(f.key for f in gained))})
    return sheet, gained


def line(feature: ClassFeature, world: World) -> FeatureLine:
    return FeatureLine(
        feature.name, feature.level, feature.description, effects_text(feature.effects, world)
    )


def held(sheet: Sheet, world: World) -> tuple[FeatureLine, ...]:
    """The features ``sheet`` has, by level (the world's order within a level)."""
    have = set(sheet.features)
    return tuple(line(f, world) for f in of(sheet, world) if f.key in have)


def at_level(sheet: Sheet, world: World, level: int) -> tuple[FeatureLine, ...]:
    """What ``level`` brings ``sheet``'s archetype (for the level-up)."""
    return tuple(line(f, world) for f in of(sheet, world) if f.level == level)


def told(feature: ClassFeature, world: World) -> str:
    """``New feature: Second Wind (power: Second Wind). Catch your breath...``"""
    what = effects_text(feature.effects, world)
    text = f"New feature: {feature.name}" + (f" ({what})." if what else ".")
    return text + (f" {feature.description}" if feature.description else "")
