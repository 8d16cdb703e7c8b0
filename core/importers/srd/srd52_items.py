"""SRD 5.2 equipment (Item joined with Weapon/Armor) and magic items from open5e."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from storyai.core.importers.srd.items import ItemInfo, plus_bonus
from storyai.core.importers.srd.values import add_dice, dice, money, weight

Fields = dict[str, Any]

_KINDS = {
    "weapon": "weapon",
    "armor": "armor",
    "tools": "tool",
    "equipment-pack": "container",
    "ammunition": "consumable",
    "potion": "consumable",
    "scroll": "consumable",
}
_CONTAINERS = {"backpack", "barrel", "basket", "bucket", "chest", "pouch", "sack", "quiver"}
_THROWN_CONSUMABLES = {"acid", "alchemist's fire", "holy water", "oil"}
_VEHICLES = {"mount", "waterborne-vehicle", "land-vehicle"}


@dataclass
class Arsenal:
    """The weapons and armor items refer to, with each weapon's properties."""

    weapons: dict[str, Fields] = field(default_factory=dict)
    armor: dict[str, Fields] = field(default_factory=dict)
    properties: dict[str, list[tuple[str, str | None, bool]]] = field(default_factory=dict)
    """Weapon pk -> (property name, detail, is a mastery)."""


def _label(category: str) -> str:
    return category.replace("-", " ").capitalize()


def equipment(f: Fields, arsenal: Arsenal) -> ItemInfo:
    """One srd-2024 Item (``fields``), joined with its Weapon or Armor."""
    category = str(f.get("category") or "")
    value, cost = money(f.get("cost") or 0, "gp")
    name = str(f["name"])
    info = ItemInfo(
        name=name,
        kind=_KINDS.get(category, "misc"),
        category=_label(category) or "Equipment",
        desc=str(f.get("desc") or ""),
        cost=cost,
        value=value,
        weight=weight(f.get("weight")),
    )
    if name.lower() in _CONTAINERS:
        info.kind = "container"
    if category in _VEHICLES:
        info.category = "Mount" if category == "mount" else _label(category)
    weapon = arsenal.weapons.get(str(f.get("weapon")))
    armor = arsenal.armor.get(str(f.get("armor")))
    if weapon is not None:
        _weapon(info, str(f["weapon"]), weapon, arsenal, 0)
    elif armor is not None:
        _armor(info, armor, 0)
    elif info.kind == "weapon":  # thrown gear such as Acid or a Net: no weapon statistics
        info.kind = "consumable" if name.lower() in _THROWN_CONSUMABLES else "misc"
    return info


def magic_item(f: Fields, arsenal: Arsenal) -> ItemInfo:
    """One srd-2024 MagicItem (``fields``); magic weapons and armor get their base item's stats."""
    category = str(f.get("category") or "")
    name = str(f["name"])
    info = ItemInfo(
        name=name,
        kind=_KINDS.get(category, "misc"),
        category=_label(category) or "Wondrous item",
        desc=str(f.get("desc") or ""),
        rarity=str(f.get("rarity") or "").replace("-", " "),
        attunement=bool(f.get("requires_attunement")),
    )
    value, info.cost = money(f.get("cost") or 0, "gp")
    info.value = value
    info.weight = weight(f.get("weight"))
    weapon = arsenal.weapons.get(str(f.get("weapon")))
    armor = arsenal.armor.get(str(f.get("armor")))
    if weapon is not None:
        _weapon(info, str(f["weapon"]), weapon, arsenal, plus_bonus(name))
        info.category = f"Weapon ({weapon.get('name', '')})"
    elif armor is not None:
        _armor(info, armor, plus_bonus(name))
        info.category = f"Armor ({armor.get('name', '')})"
    elif category == "armor" and "shield" in name.lower():
        info.kind = "shield"
        info.ac_bonus = 2 + plus_bonus(name)
        info.ac_text = f"+{info.ac_bonus}"
    return info


def _weapon(info: ItemInfo, pk: str, w: Fields, arsenal: Arsenal, plus: int) -> None:
    info.kind = "weapon"
    props: list[str] = []
    mastery = ""
    for prop, detail, is_mastery in arsenal.properties.get(pk, []):
        if is_mastery:
            mastery = prop
            continue
        props.append(prop)
        if detail:
            info.property_notes[prop] = detail
    long_range = w.get("long_range") or 0
    short = w.get("range") or 0
    ranged = "ammunition" in props or (bool(short) and "thrown" not in props)
    if ranged and "ranged" not in props:
        props.insert(0, "ranged")
    info.properties = props
    base = dice(w.get("damage_dice"))
    info.damage = add_dice(base, str(plus)) if base and plus else base
    info.damage_type = str(w.get("damage_type") or "") or None
    if short:
        info.weapon_range = f"{short}/{long_range} ft." if long_range else f"{short} ft."
    simple = "Simple" if w.get("is_simple") else "Martial"
    if info.category.lower() == "weapon":
        info.category = f"{simple} {'ranged' if ranged else 'melee'} weapon"
    info.extra = {
        "weapon_category": simple.lower(),
        "weapon_range": "ranged" if ranged else "melee",
        "mastery": mastery,
    }


def _armor(info: ItemInfo, a: Fields, plus: int) -> None:
    base = int(a.get("ac_base") or 10)
    if str(a.get("name", "")).lower() == "shield":
        info.kind = "shield"
        info.ac_bonus = base + plus
        info.ac_text = f"+{base + plus}"
        info.category = "Shield" if info.category.lower() == "armor" else info.category
        weight_class = ""
    else:
        info.kind = "armor"
        info.armor_class = base
        if plus:
            info.ac_bonus = plus
        cap = a.get("ac_cap_dexmod")
        if not a.get("ac_add_dexmod"):
            weight_class, dex = "heavy", ""
        elif cap:
            weight_class, dex = "medium", f" + Dex modifier (max {cap})"
        else:
            weight_class, dex = "light", " + Dex modifier"
        info.ac_text = f"{base + plus}{dex}"
        if info.category.lower() == "armor":
            info.category = f"{weight_class.capitalize()} armor"
    props = [weight_class] if weight_class else []
    if a.get("grants_stealth_disadvantage"):
        props.append("stealth disadvantage")
    info.properties = props
    info.extra = {
        "armor_category": weight_class or "shield",
        "strength_minimum": int(a.get("strength_score_required") or 0),
    }
