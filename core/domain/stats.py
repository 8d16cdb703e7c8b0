"""Stat blocks per rule system.

A world's characters and archetypes carry ``stats:`` mappings whose shape
depends on ``rules.system``; these models say what each system expects.
"""

from __future__ import annotations

import builtins
from typing import Literal

from pydantic import Field

from storyai.core.domain.world import Dice, Strict

ABILITIES = ("str", "dex", "con", "int", "wis", "cha")
CHARACTERISTICS = ("str", "con", "siz", "dex", "app", "int", "pow", "edu")


class D20Abilities(Strict):
    str: builtins.int = Field(10, ge=1, le=30)
    dex: builtins.int = Field(10, ge=1, le=30)
    con: builtins.int = Field(10, ge=1, le=30)
    int: builtins.int = Field(10, ge=1, le=30)
    wis: builtins.int = Field(10, ge=1, le=30)
    cha: builtins.int = Field(10, ge=1, le=30)


class D20Attack(Strict):
    name: str = Field(min_length=1)
    to_hit: int = Field(ge=-5, le=30, description="Bonus to the attack roll.")
    damage: Dice
    damage_type: str = "bludgeoning"
    range: str = Field("melee", description="melee, or a range such as 80/320.")


class D20Spellcasting(Strict):
    """A stat block's spellcasting, as the SRD prints it."""

    ability: Literal["int", "wis", "cha"] = "int"
    level: int | None = Field(None, ge=1, le=30, description="Caster level (cantrip damage).")
    dc: int | None = Field(None, ge=1, le=40, description="Spell save DC (default 8+prof+mod).")
    attack_bonus: int | None = Field(None, ge=-5, le=30, description="Spell attack bonus.")
    slots: dict[int, int] = Field(
        default_factory=dict, description="Slots per spell level, e.g. {1: 4, 2: 3}."
    )
    spells: list[str] = Field(default_factory=list, description="Spell ids or names.")


class D20StatBlock(Strict):
    abilities: D20Abilities = Field(default_factory=D20Abilities)
    ac: int = Field(ge=0, le=40, description="Armor class.")
    hp: int = Field(ge=1, le=10_000, description="Hit points.")
    speed: int = Field(30, ge=0, le=500)
    level: int | None = Field(None, ge=1, le=30)
    cr: str | None = Field(None, pattern=r"^(0|1/8|1/4|1/2|[1-9]|[12][0-9]|30)$")
    xp: int = Field(0, ge=0, description="XP awarded when defeated.")
    proficiency_bonus: int = Field(2, ge=0, le=10)
    saves: dict[Literal["str", "dex", "con", "int", "wis", "cha"], int] = Field(
        default_factory=dict
    )
    skills: dict[str, int] = Field(default_factory=dict)
    attacks: list[D20Attack] = Field(default_factory=list)
    resistances: list[str] = Field(default_factory=list)
    immunities: list[str] = Field(default_factory=list)
    vulnerabilities: list[str] = Field(default_factory=list)
    condition_immunities: list[str] = Field(default_factory=list)
    spellcasting: D20Spellcasting | None = None
    tactics: Literal["aggressive", "cautious", "cowardly", "defensive"] = "aggressive"


class PercentileAttack(Strict):
    name: str = Field(min_length=1)
    skill: int = Field(ge=1, le=99, description="Chance to hit, in percent.")
    damage: Dice
    damage_type: str = "bludgeoning"


class PercentileStatBlock(Strict):
    characteristics: dict[Literal["str", "con", "siz", "dex", "app", "int", "pow", "edu"], int] = (
        Field(default_factory=dict)
    )
    hp: int = Field(ge=1, le=1000)
    armor: int = Field(0, ge=0, le=20)
    skills: dict[str, int] = Field(default_factory=dict, description="Skill -> percent.")
    attacks: list[PercentileAttack] = Field(default_factory=list)
    sanity: int | None = Field(None, ge=0, le=99)
    tactics: Literal["aggressive", "cautious", "cowardly", "defensive"] = "aggressive"


class D20ArchetypeStats(Strict):
    hit_die: Literal[6, 8, 10, 12] = 8
    ability_bonus: dict[Literal["str", "dex", "con", "int", "wis", "cha"], int] = Field(
        default_factory=dict, description="Added to the rolled or chosen scores."
    )
    saves: list[Literal["str", "dex", "con", "int", "wis", "cha"]] = Field(default_factory=list)
    skills: list[str] = Field(default_factory=list, description="Proficient skills.")
    spells: list[str] = Field(
        default_factory=list, description="Spells known, by id or name (fire_bolt, Sleep)."
    )
    spellcasting: Literal["int", "wis", "cha"] = Field(
        "int", description="The ability spells are cast with."
    )
    caster: Literal["full", "half"] = Field(
        "full", description="Spell slots by level: a full caster's table or a half caster's."
    )


class PercentileArchetypeStats(Strict):
    skills: dict[str, int] = Field(default_factory=dict, description="Skill -> percent.")
    hp: int | None = Field(None, ge=1, le=100)
    sanity: int | None = Field(None, ge=0, le=99)
    spells: list[str] = Field(
        default_factory=list, description="Spells or powers known, paid with magic points."
    )
    mp: int | None = Field(None, ge=0, le=100, description="Magic points (default POW / 5).")


STAT_BLOCKS: dict[str, type[Strict]] = {"d20": D20StatBlock, "percentile": PercentileStatBlock}
ARCHETYPE_STATS: dict[str, type[Strict]] = {
    "d20": D20ArchetypeStats,
    "percentile": PercentileArchetypeStats,
}


# ------------------------------------------------------------------ challenge ratings

CR_STRINGS = ("0", "1/8", "1/4", "1/2", *(str(n) for n in range(1, 31)))
"""The challenge ratings a d20 stat block accepts."""

XP_BY_CR = {
    "0": 10, "1/8": 25, "1/4": 50, "1/2": 100, "1": 200, "2": 450, "3": 700, "4": 1100,
    "5": 1800, "6": 2300, "7": 2900, "8": 3900, "9": 5000, "10": 5900, "11": 7200,
    "12": 8400, "13": 10000, "14": 11500, "15": 13000, "16": 15000, "17": 18000,
    "18": 20000, "19": 22000, "20": 25000, "21": 33000, "22": 41000, "23": 50000,
    "24": 62000, "25": 75000, "26": 90000, "27": 105000, "28": 120000, "29": 135000,
    "30": 155000,
}  # fmt: skip
"""Experience for defeating a creature of each challenge rating (5e)."""


def cr_number(cr: str) -> float:
    """``"1/4"`` -> 0.25."""
    top, _, bottom = cr.partition("/")
    return int(top) / int(bottom) if bottom else float(top)


_CR_TABLE = [(cr_number(s), s) for s in CR_STRINGS]


def nearest_cr(value: float) -> str:
    """The challenge rating closest to a number: 0.25 -> "1/4", 31 -> "30"."""
    return min(_CR_TABLE, key=lambda pair: abs(pair[0] - value))[1]


def proficiency_for_cr(cr: float) -> int:
    """The proficiency bonus of a creature of this CR (2 up to CR 4, 9 at CR 29-30)."""
    return 2 + max(0, (max(1, int(cr)) - 1) // 4)
