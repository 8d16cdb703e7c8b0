"""Small conversions shared by both SRD readers: CR, dice, money, Markdown."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Any

from storyai.core.domain.dice import check_expression
from storyai.core.domain.errors import DiceError

CR_STRINGS = ("0", "1/8", "1/4", "1/2", *(str(n) for n in range(1, 31)))
"""The challenge ratings our stat blocks accept."""


def _cr_value(text: str) -> float:
    if "/" in text:
        top, bottom = text.split("/")
        return int(top) / int(bottom)
    return float(text)


_CR_TABLE = [(_cr_value(s), s) for s in CR_STRINGS]

XP_BY_CR = {
    "0": 10, "1/8": 25, "1/4": 50, "1/2": 100, "1": 200, "2": 450, "3": 700, "4": 1100,
    "5": 1800, "6": 2300, "7": 2900, "8": 3900, "9": 5000, "10": 5900, "11": 7200,
    "12": 8400, "13": 10000, "14": 11500, "15": 13000, "16": 15000, "17": 18000,
    "18": 20000, "19": 22000, "20": 25000, "21": 33000, "22": 41000, "23": 50000,
    "24": 62000, "25": 75000, "26": 90000, "27": 105000, "28": 120000, "29": 135000,
    "30": 155000,
}  # fmt: skip

ABILITY_NAMES = {
    "str": "Strength",
    "dex": "Dexterity",
    "con": "Constitution",
    "int": "Intelligence",
    "wis": "Wisdom",
    "cha": "Charisma",
}
ABILITY_BY_NAME = {name.lower(): short for short, name in ABILITY_NAMES.items()}

DAMAGE_TYPES = (
    "acid",
    "bludgeoning",
    "cold",
    "fire",
    "force",
    "lightning",
    "necrotic",
    "piercing",
    "poison",
    "psychic",
    "radiant",
    "slashing",
    "thunder",
)
_DAMAGE_WORD = re.compile(r"\b(" + "|".join(DAMAGE_TYPES) + r")\b", re.IGNORECASE)


def cr_string(value: Any) -> str:
    """A challenge rating as our stat blocks write it; odd values round to the nearest."""
    try:
        number = float(value)
    except (TypeError, ValueError):
        return "0"
    return min(_CR_TABLE, key=lambda pair: abs(pair[0] - number))[1]


def cr_float(value: Any) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        return 0.0


def proficiency_for_cr(cr: float) -> int:
    """The proficiency bonus a creature of this CR has (2 up to CR 4, 9 at CR 29-30)."""
    return 2 + max(0, (max(1, int(cr)) - 1) // 4)


def clamp(value: Any, low: int, high: int, default: int | None = None) -> int:
    """An int within [low, high]; ``default`` (or ``low``) when it is not a number."""
    try:
        number = int(value)
    except (TypeError, ValueError, OverflowError):
        return low if default is None else default
    return max(low, min(high, number))


def signed(value: int) -> str:
    return f"{value:+d}"


def modifier(score: int) -> int:
    return (score - 10) // 2


_SPACES = re.compile(r"\s+")


def dice(text: Any) -> str | None:
    """Dice in our notation (``"1d6 + 2"`` -> ``"1d6+2"``), or None if not rollable."""
    if isinstance(text, int) and not isinstance(text, bool):
        text = str(text)
    if not isinstance(text, str):
        return None
    compact = _SPACES.sub("", text).replace("D", "d").replace("−", "-").replace("–", "-")
    if not compact or len(compact) > 64:
        return None
    try:
        check_expression(compact)
    except DiceError:
        return None
    return compact


def add_dice(*parts: str | None) -> str | None:
    """Damage parts summed into one expression: ``"2d10+8"``, ``"2d6"`` -> ``"2d10+8+2d6"``."""
    kept = [p for p in parts if p]
    return dice("+".join(kept)) if kept else None


def damage_types_in(texts: list[str]) -> list[str]:
    """The plain damage types named in resistance/immunity phrases, in order, once each."""
    found: list[str] = []
    for text in texts:
        for word in _DAMAGE_WORD.findall(str(text)):
            if word.lower() not in found:
                found.append(word.lower())
    return found


_UNIT_TO_GP = {"cp": Decimal("0.01"), "sp": Decimal("0.1"), "ep": Decimal("0.5"), "gp": 1, "pp": 10}


def money(amount: Any, unit: str = "gp") -> tuple[int, str]:
    """Whole gold pieces (rounded down) and the price as written (``"5 sp"``)."""
    try:
        number = Decimal(str(amount))
    except (InvalidOperation, ValueError):
        return 0, ""
    if not number.is_finite() or number <= 0:
        return 0, ""
    unit = unit if unit in _UNIT_TO_GP else "gp"
    number = min(number, Decimal(10**9))
    gp = min(int(number * _UNIT_TO_GP[unit]), 10**9)
    if unit == "gp" and number < 1:  # open5e writes 1 sp as 0.10 gp
        number, unit = (number * 10, "sp") if (number * 10) % 1 == 0 else (number * 100, "cp")
    return gp, f"{number.normalize():f} {unit}"


def weight(value: Any) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return 0.0
    if number != number:  # NaN
        return 0.0
    return max(0.0, min(10_000.0, number))


def number_text(value: float) -> str:
    """``3.0`` -> ``"3"``, ``0.5`` -> ``"0.5"``."""
    return f"{value:g}"


def paragraphs(parts: Any) -> str:
    """A list of text blocks as Markdown; table rows and list items stay together."""
    if isinstance(parts, str):
        return parts.strip()
    if not isinstance(parts, list):
        return ""
    out: list[str] = []
    previous = ""
    for raw in parts:
        if not isinstance(raw, str) or not raw.strip():
            continue
        line = raw.strip()
        joined = line.startswith("|") and previous.startswith("|")
        listed = line.startswith(("- ", "* ")) and previous.startswith(("- ", "* "))
        out.append(("\n" if joined or listed else "\n\n") + line if out else line)
        previous = line
    return "".join(out)


def truncate(text: str, limit: int, note: str) -> str:
    """``text`` cut at a paragraph break to fit ``limit`` characters with ``note`` appended."""
    if len(text) <= limit:
        return text
    room = limit - len(note) - 2
    cut = text.rfind("\n\n", 0, room)
    if cut <= 0:
        cut = room
    return text[:cut].rstrip() + "\n\n" + note


def ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"
