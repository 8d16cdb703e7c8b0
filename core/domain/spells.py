"""Spells as an author writes them, and a caster's spellcasting as a sheet keeps it.

A ``Spell`` says what one spell does in rule terms (SRD 5.1 style): its level
(0 is a cantrip), whether it is an attack roll or a saving throw, its damage or
healing, the conditions it applies, how many it affects, what a higher slot
adds, and whether it needs concentration. Percentile worlds use the same spell
with a cost in magic points (``mp``).

``Spellcasting`` is the part of a sheet that casts: the spells known, the
ability they are cast with, slots spent, magic points and the spell being
concentrated on. Slots a caster has follow from their level and progression
(``spell_slots``), or are fixed by a stat block.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_serializer, model_validator

SpellDice = Annotated[
    str, Field(max_length=64, description="Dice notation such as 1d10, 3d4+3 or 5d8.")
]
Ability = Literal["str", "dex", "con", "int", "wis", "cha"]
Affects = Literal["foe", "ally", "self", "object"]
Progression = Literal["full", "half", "none"]


class Spell(BaseModel):
    """One spell: what it costs, whom it reaches and what it does."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    base: str | None = Field(
        None,
        max_length=100,
        description="Take every field not given here from the SRD library, e.g. srd:fireball. "
        "Needs `storyai srd install`.",
    )
    name: str = Field(min_length=1, max_length=120)
    level: int = Field(0, ge=0, le=9, description="0 for a cantrip, else 1-9.")
    school: str = Field("", max_length=40, description="evocation, enchantment, ...")
    casting_time: str = Field("1 action", max_length=60)
    range: str = Field("60 feet", max_length=60)
    duration: str = Field("instantaneous", max_length=60)
    concentration: bool = Field(False, description="Casting another such spell ends this one.")
    description: str = Field("", max_length=4000)
    affects: Affects = Field(
        "foe", description="foe (the default), ally (or yourself), self, or object (no roll)."
    )
    targets: int = Field(1, ge=1, le=20, description="How many creatures one casting affects.")
    area: str = Field(
        "", max_length=60, description="An area such as '15-foot cone': every foe here is in it."
    )
    attack: Literal["melee", "ranged"] | None = Field(
        None, description="A spell attack roll against AC."
    )
    save: Ability | None = Field(None, description="The saving throw the targets make.")
    half_on_save: bool = Field(False, description="A successful save halves the damage.")
    damage: SpellDice | None = None
    damage_type: str | None = Field(None, max_length=40)
    heal: SpellDice | None = Field(None, description="Hit points restored.")
    add_modifier: bool = Field(
        False, description="Add the spellcasting ability modifier to the damage or healing."
    )
    hp_pool: SpellDice | None = Field(
        None,
        description="Like sleep: roll this many hit points; creatures fall under the conditions "
        "weakest first while the pool lasts.",
    )
    conditions: list[str] = Field(
        default_factory=list,
        description="Conditions on a hit, a failed save, or (with neither) on every target.",
    )
    upcast: SpellDice | None = Field(
        None, description="Added to the damage, healing or pool per slot level above the spell's."
    )
    upcast_targets: int = Field(0, ge=0, le=5, description="Extra targets per higher slot level.")
    unaffected: list[str] = Field(
        default_factory=list,
        description="Creature tags this spell does not touch (sleep: undead, construct).",
    )
    cantrip_scaling: bool = Field(
        True, description="Cantrips: one more damage die at caster levels 5, 11 and 17."
    )
    mp: int | None = Field(
        None, ge=0, le=100, description="Percentile worlds: magic points (default: level, min 1)."
    )
    skill: str | None = Field(
        None, max_length=60, description="Percentile worlds: the skill rolled (default: POW)."
    )

    @model_validator(mode="after")
    def _consistent(self) -> Spell:
        if self.attack and self.save:
            raise ValueError("a spell makes an attack roll or asks for a save, not both")
        if self.half_on_save and not (self.save and self.damage):
            raise ValueError("half_on_save needs a save and damage")
        if self.damage and not self.damage_type:
            raise ValueError("a spell with damage needs a damage_type (fire, cold, ...)")
        return self

    @property
    def cantrip(self) -> bool:
        return self.level == 0

    @property
    def cost(self) -> int:
        """Magic points in a percentile world."""
        return self.mp if self.mp is not None else max(1, self.level)


class Concentration(BaseModel):
    """The spell a caster is holding, and the conditions it keeps on whom."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    spell: str
    targets: tuple[str, ...] = ()
    conditions: tuple[str, ...] = ()


class Spellcasting(BaseModel):
    """What a sheet needs to cast: spells known, ability, slots and magic points."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    ability: str = Field("int", description="d20: the spellcasting ability.")
    spells: tuple[str, ...] = Field((), description="Spell ids known or prepared.")
    progression: Progression = "full"
    caster_level: int | None = Field(None, ge=1, le=30, description="Default: the sheet's level.")
    slots: dict[int, int] = Field(
        default_factory=dict, description="Fixed slots per spell level (stat blocks)."
    )
    spent: dict[int, int] = Field(default_factory=dict, description="Slots used per level.")
    dc: int | None = Field(None, ge=1, le=40, description="A stat block's save DC, if given.")
    attack_bonus: int | None = Field(None, ge=-5, le=30)
    mp: int = Field(0, ge=0, description="Percentile: magic points left.")
    max_mp: int = Field(0, ge=0)
    concentration: Concentration | None = None

    @field_serializer("slots", "spent")
    def _sorted_levels(self, value: dict[int, int]) -> dict[int, int]:
        return {k: value[k] for k in sorted(value) if value[k]}


# ------------------------------------------------------------- slot tables

FULL_CASTER_SLOTS: tuple[tuple[int, ...], ...] = (
    (2,),
    (3,),
    (4, 2),
    (4, 3),
    (4, 3, 2),
    (4, 3, 3),
    (4, 3, 3, 1),
    (4, 3, 3, 2),
    (4, 3, 3, 3, 1),
    (4, 3, 3, 3, 2),
    (4, 3, 3, 3, 2, 1),
    (4, 3, 3, 3, 2, 1),
    (4, 3, 3, 3, 2, 1, 1),
    (4, 3, 3, 3, 2, 1, 1),
    (4, 3, 3, 3, 2, 1, 1, 1),
    (4, 3, 3, 3, 2, 1, 1, 1),
    (4, 3, 3, 3, 2, 1, 1, 1, 1),
    (4, 3, 3, 3, 3, 1, 1, 1, 1),
    (4, 3, 3, 3, 3, 2, 1, 1, 1),
    (4, 3, 3, 3, 3, 2, 2, 1, 1),
)
"""Spell slots per spell level (1st first) of a full caster at levels 1-20 (SRD 5.1)."""


def spell_slots(progression: Progression, level: int) -> dict[int, int]:
    """Slots per spell level: a full caster's table, a half caster's (from level 2)
    at half their level rounded up, none for ``none``."""
    if progression == "none":
        return {}
    row = min(20, max(1, level))
    if progression == "half":
        if level < 2:
            return {}
        row = (row + 1) // 2
    return {i + 1: n for i, n in enumerate(FULL_CASTER_SLOTS[row - 1])}


def cantrip_dice(caster_level: int) -> int:
    """How many times a cantrip's damage dice are rolled: 1, then 2 at 5th level,
    3 at 11th and 4 at 17th."""
    return 1 + sum(caster_level >= n for n in (5, 11, 17))


def spell_id(name: str) -> str:
    """How a listed spell is looked up: ``Fire Bolt`` -> ``fire_bolt``, ``fire_bolt`` stays."""
    words = name.strip().lower().replace("-", " ").replace("'", "").replace("/", " ")
    return "_".join(words.split())


def ordinal(level: int) -> str:
    """``1`` -> ``1st``; 0 is a cantrip."""
    if level == 0:
        return "cantrip"
    return f"{level}{ {1: 'st', 2: 'nd', 3: 'rd'}.get(level, 'th') }"
