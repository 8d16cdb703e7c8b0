"""Spells of either edition: normalized fields and Markdown."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from storyai.core.importers.srd.entries import Draft
from storyai.core.importers.srd.values import ABILITY_NAMES, ordinal


@dataclass
class SpellInfo:
    """A spell as both SRD sources describe it, before conversion."""

    name: str
    level: int
    school: str
    casting_time: str
    range: str
    duration: str
    components: list[str] = field(default_factory=list)
    material: str = ""
    concentration: bool = False
    ritual: bool = False
    classes: list[str] = field(default_factory=list)
    """Lower-case class names: ``wizard``."""
    desc: str = ""
    higher_level: str = ""
    damage: dict[str, str] | None = None
    """``{"dice": "8d6", "type": "fire"}``."""
    save: str | None = None
    """``dex`` ... when the spell calls for a saving throw."""
    attack: str | None = None
    """``melee`` or ``ranged`` for spell attacks."""
    heal: dict[str, Any] | None = None
    """``{"dice": "1d8", "plus_modifier": True}``."""
    area: str = ""


def spell_draft(s: SpellInfo, edition: str) -> Draft:
    data = {
        "level": s.level,
        "school": s.school,
        "casting_time": s.casting_time,
        "range": s.range,
        "components": list(s.components),
        "material": s.material,
        "duration": s.duration,
        "concentration": s.concentration,
        "ritual": s.ritual,
        "classes": list(s.classes),
        "damage": s.damage,
        "save": s.save,
        "attack": s.attack,
        "heal": s.heal,
        "area": s.area,
        "higher_level": s.higher_level,
    }
    return Draft("spell", s.name, _summary(s), _text(s, edition), data)


def level_line(s: SpellInfo, edition: str) -> str:
    """``3rd-level evocation`` (5.1) or ``Level 3 Evocation`` (5.2); cantrips likewise."""
    if edition == "5.1":
        line = (
            f"{s.school.capitalize()} cantrip"
            if s.level == 0
            else (f"{ordinal(s.level)}-level {s.school}")
        )
        return line + (" (ritual)" if s.ritual else "")
    line = (
        f"{s.school.capitalize()} Cantrip"
        if s.level == 0
        else (f"Level {s.level} {s.school.capitalize()}")
    )
    return line + (" (Ritual)" if s.ritual else "")


def _classes(s: SpellInfo) -> str:
    return ", ".join(c.replace("-", " ").title() for c in s.classes)


def _summary(s: SpellInfo) -> str:
    head = f"Level {s.level} {s.school}" if s.level else f"{s.school.capitalize()} cantrip"
    if s.classes:
        head += f" ({_classes(s)})"
    parts = [head]
    if s.damage:
        parts.append(f"{s.damage['dice']} {s.damage['type']}".strip())
    if s.heal:
        parts.append(f"heals {s.heal['dice']}" + (" + mod" if s.heal.get("plus_modifier") else ""))
    if s.save:
        parts.append(f"{s.save.upper()} save")
    if s.attack:
        parts.append(f"{s.attack} spell attack")
    if s.concentration:
        parts.append("concentration")
    if s.ritual:
        parts.append("ritual")
    return ", ".join(parts)


def _duration(s: SpellInfo) -> str:
    if not s.concentration or s.duration.lower().startswith("concentration"):
        return s.duration
    rest = s.duration[0].lower() + s.duration[1:] if s.duration else ""
    if not rest.startswith("up to"):
        rest = f"up to {rest}"
    return f"Concentration, {rest}"


def _text(s: SpellInfo, edition: str) -> str:
    components = ", ".join(s.components)
    if s.material:
        components += f" ({s.material.rstrip('.')})"
    facts = [
        ("Casting Time", s.casting_time),
        ("Range", s.range),
        ("Components", components),
        ("Duration", _duration(s)),
        ("Classes", _classes(s)),
    ]
    lines = "  \n".join(f"**{label}** {value}" for label, value in facts if value)
    higher = ""
    if s.higher_level:
        label = (
            "At Higher Levels"
            if edition == "5.1"
            else ("Cantrip Upgrade" if s.level == 0 else "Using a Higher-Level Spell Slot")
        )
        higher = f"***{label}.*** {s.higher_level.strip()}"
    blocks = [f"# {s.name}", f"*{level_line(s, edition)}*", lines, s.desc.strip(), higher]
    return "\n\n".join(b for b in blocks if b) + "\n"


def save_ability(text: Any) -> str | None:
    """``"DEX"``, ``"dexterity"`` -> ``"dex"``; anything else -> None."""
    if not isinstance(text, str) or not text.strip():
        return None
    word = text.strip().lower()
    if word[:3] in ABILITY_NAMES:
        return word[:3]
    return None
