"""Equipment and magic items of either edition: an ``Item`` mapping and Markdown."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from storyai.core.domain.world import Item
from storyai.core.importers.srd.entries import Draft
from storyai.core.importers.srd.values import clamp, dice, number_text, truncate

TRUNCATED = "*(Shortened to fit; the SRD library has the whole text.)*"

_HEALING = re.compile(r"regain\s+(\d+d\d+(?:\s*[+-]\s*\d+)?)\s+hit points", re.IGNORECASE)
_PLUS = re.compile(r"\+([1-3])\b")


@dataclass
class ItemInfo:
    """An item as both SRD sources describe it, before conversion."""

    name: str
    kind: str
    """Our Item kind: weapon, armor, shield, consumable, tool, container, misc ..."""
    category: str
    """As printed under the name: ``Martial melee weapon``, ``Wondrous item``."""
    desc: str = ""
    cost: str = ""
    value: int = 0
    weight: float = 0.0
    damage: str | None = None
    damage_type: str | None = None
    properties: list[str] = field(default_factory=list)
    """Lower-case names, as the rules compare them: ``versatile``, ``ammunition``."""
    property_notes: dict[str, str] = field(default_factory=dict)
    """Property -> detail for the text: ``versatile`` -> ``1d10``."""
    weapon_range: str = ""
    armor_class: int | None = None
    ac_bonus: int | None = None
    ac_text: str = ""
    rarity: str = ""
    attunement: bool = False
    attunement_note: str = ""
    extra: dict[str, Any] = field(default_factory=dict)
    """More fields for ``data`` (weapon category, strength needed, mastery ...)."""


def item_draft(info: ItemInfo, kind: str, source: dict[str, Any]) -> Draft:
    """The library entry for one item (validated; raises ``ValidationError`` if not)."""
    item: dict[str, Any] = {
        "name": info.name[:120],
        "kind": info.kind,
        "description": truncate(info.desc, 20_000, TRUNCATED),
        "properties": list(info.properties),
        "value": max(0, info.value),
        "weight": info.weight,
        "tags": ["srd"] + ([info.rarity.replace(" ", "_")] if info.rarity else []),
        "source": source,
    }
    if info.damage:
        item["damage"] = info.damage
        item["damage_type"] = info.damage_type or "bludgeoning"
    if info.armor_class is not None:
        item["armor_class"] = clamp(info.armor_class, 0, 30)
    if info.ac_bonus is not None:
        item["ac_bonus"] = clamp(info.ac_bonus, 0, 10)
    if info.kind == "consumable":
        item["consumed_on_use"] = True
        healing = _HEALING.search(info.desc)
        amount = dice(healing.group(1)) if healing else None
        if amount:
            item["effects"] = [{"type": "heal", "amount": amount}]
    if info.kind == "misc" and info.category.lower().startswith(
        ("mount", "vehicle", "land", "water")
    ):
        item["portable"] = False
    Item.model_validate(item)
    data = {
        "category": info.category,
        "cost": info.cost,
        "rarity": info.rarity,
        "attunement": info.attunement,
        **info.extra,
        "item": item,
    }
    return Draft(kind, info.name, _summary(info), _text(info), data)


def plus_bonus(name: str) -> int:
    """The ``+N`` of a magic weapon or armor's name (``Longsword (+2)`` -> 2), else 0.

    A generic entry (``Armor, +1, +2, or +3``) has no single bonus: 0.
    """
    found = _PLUS.findall(name)
    return int(found[0]) if len(found) == 1 else 0


def _category_line(info: ItemInfo) -> str:
    parts = [info.category]
    if info.rarity:
        parts.append(info.rarity)
    line = ", ".join(p for p in parts if p)
    if info.attunement:
        line += (
            f" (requires attunement{' ' + info.attunement_note if info.attunement_note else ''})"
        )
    return line


def _properties_text(info: ItemInfo) -> str:
    shown = []
    for prop in info.properties:
        note = info.property_notes.get(prop)
        shown.append(f"{prop} ({note})" if note else prop)
    return ", ".join(shown)


def _summary(info: ItemInfo) -> str:
    parts = [_category_line(info)]
    if info.damage:
        parts.append(f"{info.damage} {info.damage_type or ''}".strip())
    if info.ac_text:
        parts.append(f"AC {info.ac_text}")
    if info.properties:
        parts.append(_properties_text(info))
    if info.cost:
        parts.append(info.cost)
    if info.weight:
        parts.append(f"{number_text(info.weight)} lb.")
    return ", ".join(p for p in parts if p)


def _text(info: ItemInfo) -> str:
    lines = [
        ("Armor Class", info.ac_text),
        ("Damage", f"{info.damage} {info.damage_type or ''}".strip() if info.damage else ""),
        ("Range", info.weapon_range),
        ("Properties", _properties_text(info)),
        ("Cost", info.cost),
        ("Weight", f"{number_text(info.weight)} lb." if info.weight else ""),
    ]
    facts = "  \n".join(f"**{label}** {value}" for label, value in lines if value)
    blocks = [f"# {info.name}", f"*{_category_line(info)}*", facts, info.desc.strip()]
    return "\n\n".join(b for b in blocks if b) + "\n"
