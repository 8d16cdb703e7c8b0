"""SRD 5.1 equipment and magic items from 5e-database."""

from __future__ import annotations

from typing import Any

from storyai.core.importers.srd.items import ItemInfo, plus_bonus
from storyai.core.importers.srd.values import dice, money, paragraphs, weight

_CONTAINERS = {
    "backpack",
    "barrel",
    "basket",
    "bucket",
    "chest",
    "pouch",
    "sack",
    "case, crossbow bolt",
    "case, map or scroll",
    "component pouch",
    "quiver",
}
_GEAR_KINDS = {
    "equipment-packs": "container",
    "ammunition": "consumable",
    "kits": "tool",
}
_MAGIC_KINDS = {
    "weapon": "weapon",
    "armor": "armor",
    "potion": "consumable",
    "scroll": "consumable",
    "ammunition": "consumable",
}


def _ref(value: Any) -> str:
    return str(value.get("index", "")) if isinstance(value, dict) else ""


def _ref_name(value: Any) -> str:
    return str(value.get("name", "")) if isinstance(value, dict) else ""


def equipment(rec: dict[str, Any]) -> ItemInfo:
    """One 5e-database equipment record (KeyError/TypeError if malformed)."""
    name = str(rec["name"])
    category = _ref(rec.get("equipment_category"))
    cost = rec.get("cost") or {}
    value, cost_text = money(cost.get("quantity", 0), str(cost.get("unit", "gp")))
    info = ItemInfo(
        name=name,
        kind="misc",
        category=_ref_name(rec.get("equipment_category")) or "Equipment",
        desc=paragraphs(rec.get("desc") or []),
        cost=cost_text,
        value=value,
        weight=weight(rec.get("weight", 0)),
    )
    if category == "weapon":
        _weapon(rec, info)
    elif category == "armor":
        _armor(rec, info)
    elif category == "tools":
        info.kind = "tool"
        info.category = str(rec.get("tool_category") or "Tool")
    elif category == "mounts-and-vehicles":
        info.category = str(rec.get("vehicle_category") or "Mounts and Vehicles")
    else:
        gear = _ref(rec.get("gear_category"))
        info.category = _ref_name(rec.get("gear_category")) or info.category
        info.kind = _GEAR_KINDS.get(gear, "misc")
        if name.lower() in _CONTAINERS:
            info.kind = "container"
        if rec.get("contents"):
            items = [
                f"{c.get('quantity', 1)} × {_ref_name(c.get('item'))}"
                for c in rec["contents"]
                if isinstance(c, dict)
            ]
            info.desc = (info.desc + "\n\n" if info.desc else "") + "Contains: " + ", ".join(items)
    return info


def _weapon(rec: dict[str, Any], info: ItemInfo) -> None:
    info.kind = "weapon"
    ranged = rec.get("weapon_range") == "Ranged"
    info.category = f"{rec.get('weapon_category', '')} {str(rec.get('weapon_range', '')).lower()}"
    info.category = info.category.strip().capitalize() + " weapon"
    damage = rec.get("damage") or {}
    info.damage = dice(damage.get("damage_dice"))
    info.damage_type = _ref(damage.get("damage_type")) or None
    props = [_ref(p) for p in rec.get("properties") or [] if _ref(p)]
    if ranged and "ranged" not in props:
        props.insert(0, "ranged")
    info.properties = props
    versatile = (rec.get("two_handed_damage") or {}).get("damage_dice")
    if versatile and "versatile" in props:
        info.property_notes["versatile"] = str(versatile)
    spans = [rec.get("range") or {}, rec.get("throw_range") or {}]
    for key, span in zip(("range", "thrown"), spans, strict=True):
        if span.get("long"):
            text = f"{span.get('normal')}/{span.get('long')} ft."
            if ranged or key == "thrown":
                info.weapon_range = text
                note = "ammunition" if "ammunition" in props else "thrown"
                info.property_notes.setdefault(note, f"range {text}")
    info.extra = {
        "weapon_category": str(rec.get("weapon_category", "")).lower(),
        "weapon_range": str(rec.get("weapon_range", "")).lower(),
    }


def _armor(rec: dict[str, Any], info: ItemInfo) -> None:
    category = str(rec.get("armor_category") or "")
    ac = rec.get("armor_class") or {}
    base = int(ac.get("base", 10))
    if category.lower() == "shield":
        info.kind = "shield"
        info.category = "Shield"
        info.ac_bonus = base
        info.ac_text = f"+{base}"
    else:
        info.kind = "armor"
        info.category = f"{category} armor".strip().capitalize()
        info.armor_class = base
        dex = ""
        if ac.get("dex_bonus"):
            cap = ac.get("max_bonus")
            dex = f" + Dex modifier (max {cap})" if cap else " + Dex modifier"
        info.ac_text = f"{base}{dex}"
    props = [category.lower()] if category.lower() in ("light", "medium", "heavy") else []
    if rec.get("stealth_disadvantage"):
        props.append("stealth disadvantage")
    info.properties = props
    info.extra = {
        "armor_category": category.lower(),
        "strength_minimum": int(rec.get("str_minimum") or 0),
    }


def magic_item(rec: dict[str, Any]) -> ItemInfo:
    """One 5e-database magic item record (KeyError/TypeError if malformed)."""
    name = str(rec["name"])
    category = _ref(rec.get("equipment_category"))
    desc = [str(p) for p in rec.get("desc") or [] if isinstance(p, str)]
    headline = desc[0] if desc else ""
    body = paragraphs(desc[1:]) if len(desc) > 1 else paragraphs(desc)
    rarity = _ref_name(rec.get("rarity")).lower()
    info = ItemInfo(
        name=name,
        kind=_MAGIC_KINDS.get(category, "misc"),
        category=headline.split(",")[0].strip() or _ref_name(rec.get("equipment_category")),
        desc=body,
        rarity=rarity,
        attunement="requires attunement" in headline.lower(),
    )
    if info.attunement:
        after = headline.lower().split("requires attunement", 1)[1]
        info.attunement_note = after.strip(" )")
    if info.kind == "armor" and "shield" in headline.lower():
        info.kind = "shield"
        info.ac_bonus = 2 + plus_bonus(name)
        info.ac_text = f"+{info.ac_bonus}"
    elif info.kind == "armor" and plus_bonus(name):
        info.ac_bonus = plus_bonus(name)
        info.ac_text = f"+{info.ac_bonus} to the armor's AC"
    info.extra = {
        "variant": bool(rec.get("variant")),
        "variants": [_ref_name(v) for v in rec.get("variants") or []],
    }
    return info
