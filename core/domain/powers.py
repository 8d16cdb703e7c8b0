"""Powers: what a world's special abilities do in rules terms, what they cost, what
limits them, and the combinations an author declares.

A ``Power`` is authored (``powers:`` in a world); a character's ``PowerState`` (on
its sheet) says which it knows, the power points left, the uses spent since the last
long rest and the turn each power is ready again. The engine resolves a power and
refuses what its cost or limits forbid; a narrator only tells what it did.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

Id = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$", max_length=64)]
Dice = Annotated[str, Field(max_length=64, description="Dice such as 1d8+2, or a number.")]

CATEGORIES = ("physical", "mental", "elemental", "reality", "cosmic")
"""The plan's categories; a world may name its own."""


class Strict(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class PowerEffect(Strict):
    """What a power (or combo) does when it works."""

    type: Literal["damage", "heal", "condition", "reveal"] = Field(
        description="damage or a condition on a foe, healing on yourself, or a secret "
        "the character could not otherwise know revealed (a lore entry)."
    )
    amount: Dice | None = Field(None, description="damage / heal: dice or a number.")
    damage_type: str | None = None
    condition: str | None = Field(None, description="condition: the condition a foe gets.")
    lore: Id | None = Field(None, description="reveal: the lore entry the character learns.")

    @model_validator(mode="after")
    def _fields_for_type(self) -> PowerEffect:
        needs = {
            "damage": "amount",
            "heal": "amount",
            "condition": "condition",
            "reveal": "lore",
        }[self.type]
        if getattr(self, needs) in (None, ""):
            raise ValueError(f"a {self.type} effect needs `{needs}`")
        return self

    @property
    def targets_foe(self) -> bool:
        return self.type in ("damage", "condition")


class PowerCost(Strict):
    points: int = Field(0, ge=0, le=100, description="Power points spent.")
    hp: int = Field(0, ge=0, le=100, description="Hit points paid (never the last one).")


class PowerUpgrade(Strict):
    """A stronger effect from a level on, or once a flag is set (a quest, an event)."""

    level: int | None = Field(None, ge=1, le=30)
    flag: Id | None = None
    amount: Dice = Field(description="The effect's new amount.")

    @model_validator(mode="after")
    def _has_a_gate(self) -> PowerUpgrade:
        if self.level is None and self.flag is None:
            raise ValueError("an upgrade needs `level` or `flag`")
        return self


class Power(Strict):
    name: str = Field(min_length=1, max_length=80)
    category: str = Field("physical", max_length=40, description=", ".join(CATEGORIES) + "...")
    description: str = Field("", max_length=2000)
    tags: list[Id] = Field(default_factory=list, description="For combos: fire, wind...")
    effect: PowerEffect
    cost: PowerCost = Field(default_factory=PowerCost)
    cooldown: int = Field(
        0,
        ge=0,
        le=100,
        description="Turns (actions that take time) before it can be used again; a rest ends it.",
    )
    uses: int | None = Field(None, ge=1, le=100, description="Uses per long rest (none: any).")
    cannot_affect: list[str] = Field(
        default_factory=list, description="Creature tags it has no effect on (undead...)."
    )
    min_level: int = Field(1, ge=1, le=30, description="The level it unlocks at.")
    unlock_flag: Id | None = Field(None, description="Unlocked only once this flag is set.")
    upgrades: list[PowerUpgrade] = Field(default_factory=list)


class Combo(Strict):
    """Two powers used together ("use X with Y"): when their tags include all of
    ``tags``, this effect replaces theirs; both costs are paid, both cool down."""

    name: str = Field(min_length=1, max_length=80)
    tags: list[Id] = Field(min_length=2, max_length=2)
    effect: PowerEffect
    text: str = Field("", max_length=2000, description="What it looks like, for the story.")


class PowerState(Strict):
    """A character's powers now: known ids, points, uses spent, cooldowns running."""

    known: tuple[str, ...] = ()
    points: int = Field(0, ge=0)
    max_points: int = Field(0, ge=0)
    used: dict[str, int] = Field(default_factory=dict, description="Uses since a long rest.")
    cooldowns: dict[str, int] = Field(
        default_factory=dict,
        description="Power id -> actions that take time still to pass before it is ready.",
    )

    @model_validator(mode="after")
    def _points_within_max(self) -> PowerState:
        if self.points > self.max_points:
            raise ValueError(f"power points {self.points} above the maximum {self.max_points}")
        return self
