"""Small conversions shared by both SRD readers: CR, dice, money, Markdown."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Any

from storyai.core.domain.dice import check_expression
from storyai.core.domain.errors import DiceError
from storyai.core.domain.stats import nearest_cr

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
    return nearest_cr(number)


def cr_float(value: Any) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        return 0.0


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
