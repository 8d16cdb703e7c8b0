"""Item documents: physical items become world items, rules text (spells, feats ...) lore."""

from __future__ import annotations

import math
from typing import Any

from storyai.core.importers.foundry.attacks_dnd5e import ItemRolls, item_properties
from storyai.core.importers.foundry.convert_common import (
    Context,
    Made,
    clamp,
    clip,
    dice,
    num,
    path,
    system_data,
    whole,
)
from storyai.core.importers.foundry.documents import FoundryDoc
from storyai.core.importers.plan import slug

LORE_TYPES = frozenset(
    {"spell", "feat", "class", "subclass", "background", "race", "facility", "ancestry"}
    | {"heritage", "deity", "action", "effect", "condition", "lore", "spellcastingEntry"}
    | {"ability", "talent", "power", "skill", "feature", "trait", "focus", "art", "career"}
    | {"skills"}  # twodsix
)
LORE_ALIASES = {"skills": "skill"}
"""Rules-text item types other systems spell differently (twodsix ``skills``)."""
KINDS = {
    "weapon": "weapon", "consumable": "consumable", "tool": "tool", "loot": "treasure",
    "treasure": "treasure", "container": "container", "backpack": "container",
    "armor": "armor", "shield": "shield", "kit": "container", "book": "book",
}  # fmt: skip
TO_GP = {"pp": 10.0, "gp": 1.0, "ep": 0.5, "sp": 0.1, "cp": 0.01}
SCHOOLS = {
    "abj": "abjuration", "con": "conjuration", "div": "divination", "enc": "enchantment",
    "evo": "evocation", "ill": "illusion", "nec": "necromancy", "trs": "transmutation",
}  # fmt: skip
DURATIONS = {"inst": "instantaneous", "perm": "permanent", "spec": "special"}
ABILITY_NAMES = {
    "str": "Strength", "dex": "Dexterity", "con": "Constitution",
    "int": "Intelligence", "wis": "Wisdom", "cha": "Charisma",
}  # fmt: skip


PHYSICAL_TYPES = frozenset(
    {"weapon", "equipment", "consumable", "tool", "loot", "container", "backpack"}
    | {"armor", "shield", "treasure", "book", "kit", "item"}
)
"""Item types a character carries (dnd5e, pf2e and common generic names)."""


def is_lore_item(doc: FoundryDoc) -> bool:
    return str(doc.data.get("type")) in LORE_TYPES


def item_entries(
    doc: FoundryDoc, ctx: Context, *, suffix: str = "", carried: bool = False
) -> list[Made]:
    """The entries one item makes: a world item (or lore for rules text), and a GM-only
    lore entry for its secret text, which players would otherwise read on the item."""
    name = str(doc.data.get("name") or "")
    if is_lore_item(doc):
        data, ftype, secret = lore_item(doc, ctx)
        made = [Made("lore", data, ftype, suffix)]
    else:
        data, ftype, secret = world_item(doc, ctx)
        if carried:
            quantity = whole(path(system_data(doc.data), "quantity"))
            if quantity and quantity > 1:
                data["description"] = clip(
                    "\n\n".join(p for p in (data["description"], f"Carried: {quantity}.") if p)
                )
        made = [Made("items", data, ftype, suffix, carried=carried)]
    if secret:
        notes = {
            "title": f"{name or 'Item'} (GM notes)",
            "keywords": [name.lower()] if name else [ftype],
            "text": clip(secret),
            "visibility": "gm-only",
        }
        made.append(Made("lore", notes, "gm notes", f"{suffix}#gm"))
    return made


def world_item(doc: FoundryDoc, ctx: Context) -> tuple[dict[str, Any], str, str]:
    """An ``Item`` mapping (without source), the kind for the report, and GM-only text."""
    data = doc.data
    isys = system_data(data)
    name = str(data.get("name") or "")
    ftype = str(data.get("type") or "")
    kind = item_kind(ftype, isys)
    text = ctx.markdown(path(isys, "description"), rolls=ItemRolls(data, None))
    item: dict[str, Any] = {
        "name": name,
        "kind": kind,
        "description": clip(text.text),
        "properties": item_properties(isys) if kind != "armor" else [],
        "value": price_gp(isys.get("price")),
        "weight": weight_lb(isys.get("weight")),
    }
    if kind == "weapon":
        damage, damage_type = weapon_damage(isys)
        if damage:
            item["damage"] = damage
        if damage_type:
            item["damage_type"] = damage_type
        traits = path(isys, "traits.value")
        if isinstance(traits, list):  # pf2e and others keep properties as traits
            item["properties"] = list(
                dict.fromkeys([*item["properties"], *(t for t in traits if isinstance(t, str))])
            )
    armor = whole(path(isys, "armor.value"))
    if armor is None:
        armor = whole(isys.get("acBonus"))
        armor = armor + 10 if armor is not None and kind == "armor" else armor
    if kind == "armor" and armor is not None:
        item["armor_class"] = clamp(armor + (whole(isys.get("magicalBonus"), 0) or 0), 0, 30)
    if kind == "shield" and armor is not None:
        item["ac_bonus"] = clamp(armor, 0, 10)
    if kind == "consumable":
        item["consumed_on_use"] = True
        heal = healing(isys)
        if heal:
            item["effects"] = [{"type": "heal", "amount": heal}]
    return item, kind, text.secret


def item_kind(ftype: str, isys: dict[str, Any]) -> str:
    subtype = path(isys, "type.value") or path(isys, "armor.type") or isys.get("category")
    if ftype in ("equipment", "armor"):
        if subtype in ("light", "medium", "heavy", "natural", "unarmored"):
            return "armor"
        if subtype == "shield":
            return "shield"
        if subtype == "clothing":
            return "clothing"
        return "armor" if ftype == "armor" else "misc"
    if ftype == "loot" and subtype == "junk":
        return "misc"
    return KINDS.get(ftype, "misc")


def price_gp(price: Any) -> int:
    """Gold pieces, rounded down: ``{value: 5, denomination: "sp"}`` -> 0; ``{gp: 3}`` -> 3."""
    total: float | None
    if isinstance(price, dict):
        value = price.get("value")
        if isinstance(value, dict):  # pf2e: {value: {gp: 1, sp: 5}}
            total = sum((num(value.get(k), 0) or 0) * rate for k, rate in TO_GP.items())
        elif any(k in price for k in ("pp", "gp", "sp", "cp")) and value is None:
            total = sum((num(price.get(k), 0) or 0) * rate for k, rate in TO_GP.items())
        else:
            rate = TO_GP.get(str(price.get("denomination") or "gp"), 1.0)
            total = (num(value, 0) or 0) * rate
    else:
        total = num(price, 0)
    total = total or 0
    return clamp(math.floor(total + 1e-9), 0, 10**9)


def weight_lb(weight: Any) -> float:
    if isinstance(weight, dict):
        value = num(weight.get("value"), 0) or 0
        if weight.get("units") == "kg":
            value *= 2.2
    else:
        value = num(weight, 0) or 0
    return round(max(0.0, min(10_000.0, value)), 2)


def weapon_damage(isys: dict[str, Any]) -> tuple[str | None, str | None]:
    """Damage dice and type, without the wielder's modifier."""
    base = path(isys, "damage.base")
    if isinstance(base, dict) and whole(base.get("number")) and whole(base.get("denomination")):
        formula = f"{whole(base.get('number'))}d{whole(base.get('denomination'))}"
        bonus = base.get("bonus")
        if isinstance(bonus, str | int) and str(bonus).strip().lstrip("+-").isdigit():
            text = str(bonus).strip()
            formula += text if text[0] in "+-" else f"+{text}"
        types = base.get("types")
        kind = (
            next((t for t in types if isinstance(t, str)), None)
            if isinstance(types, list)
            else None
        )
        return dice(formula), kind
    parts = path(isys, "damage.parts")
    if isinstance(parts, list) and parts and isinstance(parts[0], list | tuple) and parts[0]:
        kind = parts[0][1] if len(parts[0]) > 1 and isinstance(parts[0][1], str) else None
        return dice(parts[0][0], {"mod": 0}), kind or None
    pf2e = isys.get("damage")
    if isinstance(pf2e, dict) and pf2e.get("die"):
        count = whole(pf2e.get("dice"), 1) or 1
        return dice(f"{count}{pf2e.get('die')}"), pf2e.get("damageType")
    if isinstance(pf2e, str):
        return dice(pf2e), isys.get("damageType") if isinstance(
            isys.get("damageType"), str
        ) else None
    return None, None


def healing(isys: dict[str, Any]) -> str | None:
    """Dice healed by a potion-like item (a ``heal`` activity, or 2.x/3.x healing parts)."""
    acts = isys.get("activities")
    for act in acts.values() if isinstance(acts, dict) else []:
        if isinstance(act, dict) and act.get("type") == "heal":
            part = act.get("healing") if isinstance(act.get("healing"), dict) else {}
            number, faces = whole(part.get("number")), whole(part.get("denomination"))
            if number and faces:
                bonus = str(part.get("bonus") or "").strip()
                extra = bonus if bonus[:1] in "+-" else f"+{bonus}" if bonus else ""
                return dice(f"{number}d{faces}{extra}", {"mod": 0})
    if isys.get("actionType") == "heal":
        for part in path(isys, "damage.parts", []) or []:
            if isinstance(part, list | tuple) and len(part) > 1 and part[1] == "healing":
                return dice(part[0], {"mod": 0})
    return None


# ---------------------------------------------------------------------- lore


def lore_item(doc: FoundryDoc, ctx: Context) -> tuple[dict[str, Any], str, str]:
    """A ``LoreEntry`` mapping (without source) for a spell, feature, class ..., its
    kind, and its GM-only text (kept apart: lore items are public)."""
    data = doc.data
    isys = system_data(data)
    name = str(data.get("name") or "")
    ftype = str(data.get("type") or "")
    ftype = LORE_ALIASES.get(ftype, ftype)
    # no name: [[lookup @name]] means the owner here, and there is none
    text = ctx.markdown(path(isys, "description"), rolls=ItemRolls(data, None))
    if not text.text and isinstance(isys.get("shortdescr"), str):  # twodsix
        text = ctx.markdown(isys["shortdescr"])
    tags = [slug(ftype, fallback="item")]
    if ftype == "spell":
        head, extra = spell_summary(isys)
        tags += extra
    else:
        head = other_summary(ftype, isys)
    body = "\n\n".join(p for p in (head, text.text) if p) or name
    keywords = [name.lower()] if name else [ftype]
    lore = {"title": name, "keywords": keywords, "text": clip(body), "tags": tags}
    return lore, ftype, text.secret


def spell_summary(isys: dict[str, Any]) -> tuple[str, list[str]]:
    level = whole(path(isys, "level.value", isys.get("level")), 0) or 0
    school = SCHOOLS.get(str(isys.get("school")), str(isys.get("school") or ""))
    first = f"Level {level} {school} spell".replace("  ", " ") if level else f"{school} cantrip"
    lines = [first.strip().capitalize() + "."]
    activation = isys.get("activation") if isinstance(isys.get("activation"), dict) else {}
    if activation.get("type"):
        count = whole(activation.get("value", activation.get("cost")), 1) or 1
        lines.append(f"Casting time: {count} {activation['type']}.")
    reach = _range_words(isys.get("range"))
    if reach:
        lines.append(f"Range: {reach}.")
    comps = _components(isys)
    if comps:
        lines.append(f"Components: {comps}.")
    duration = isys.get("duration") if isinstance(isys.get("duration"), dict) else {}
    if duration.get("units"):
        units = DURATIONS.get(str(duration["units"]), str(duration["units"]))
        amount = duration.get("value")
        lead = f"{amount} " if amount not in (None, "") else ""
        lines.append(f"Duration: {lead}{units}.")
    effect = _spell_effect(isys)
    if effect:
        lines.append(effect)
    tags = ["spell", f"level_{level}"] + ([slug(school)] if school else [])
    return " ".join(lines), tags


def _range_words(reach: Any) -> str:
    if not isinstance(reach, dict):
        return str(reach) if isinstance(reach, str) else ""
    units = str(reach.get("units") or "")
    value = reach.get("value")
    if units in ("touch", "self", "spec", "any"):
        return {"spec": "special", "any": "any"}.get(units, units)
    if value not in (None, ""):
        return f"{value} {'feet' if units == 'ft' else units}".strip()
    return ""


def _components(isys: dict[str, Any]) -> str:
    found = isys.get("components")
    flags = set()
    if isinstance(found, dict):
        flags = {k for k, v in found.items() if v is True}
    props = isys.get("properties")
    if isinstance(props, list):
        flags |= {p for p in props if isinstance(p, str)}
    letters = [
        c for key, c in (("vocal", "V"), ("somatic", "S"), ("material", "M")) if key in flags
    ]
    material = path(isys, "materials.value")
    text = ", ".join(letters)
    if "M" in letters and isinstance(material, str) and material:
        text += f" ({material})"
    extra = [w for w in ("concentration", "ritual") if w in flags]
    return "; ".join(p for p in (text, ", ".join(extra)) if p)


def _spell_effect(isys: dict[str, Any]) -> str:
    words: list[str] = []
    acts = isys.get("activities")
    for act in acts.values() if isinstance(acts, dict) else []:
        if not isinstance(act, dict):
            continue
        for part in path(act, "damage.parts", []) or []:
            if (
                isinstance(part, dict)
                and whole(part.get("number"))
                and whole(part.get("denomination"))
            ):
                kind = " ".join(t for t in part.get("types") or [] if isinstance(t, str))
                bonus = str(part.get("bonus") or "").strip()
                extra = f" + {bonus}" if bonus and bonus != "@mod" else ""
                words.append(f"{part['number']}d{part['denomination']}{extra} {kind}".strip())
        ability = path(act, "save.ability")
        ability = ability[0] if isinstance(ability, list) and ability else ability
        if isinstance(ability, str) and ability in ABILITY_NAMES:
            words.append(f"({ABILITY_NAMES[ability]} save)")
    for part in path(isys, "damage.parts", []) or []:
        if isinstance(part, list | tuple) and part and isinstance(part[0], str):
            words.append(" ".join(str(p) for p in part if p))
    ability = path(isys, "save.ability")
    if isinstance(ability, str) and ability in ABILITY_NAMES:
        words.append(f"({ABILITY_NAMES[ability]} save)")
    return f"Effect: {' '.join(words)}." if words else ""


def other_summary(ftype: str, isys: dict[str, Any]) -> str:
    if ftype == "class":
        die = isys.get("hitDice") or path(isys, "hd.denomination")
        return f"Class. Hit die: {die}." if die else "Class."
    if ftype == "subclass":
        parent = isys.get("classIdentifier")
        return f"Subclass of {parent}." if parent else "Subclass."
    if ftype == "feat":
        kind = path(isys, "type.value")
        requirement = isys.get("requirements")
        line = f"Feature ({kind})." if kind else "Feature."
        return line + (f" Requires: {requirement}." if requirement else "")
    if ftype == "skill":
        facts = [
            f"{label} {value}"
            for label, value in (
                ("characteristic", isys.get("characteristic")),
                ("difficulty", isys.get("difficulty")),
            )
            if isinstance(value, str) and value.strip()
        ]
        return f"Skill ({', '.join(facts)})." if facts else "Skill."
    return ftype.capitalize() + "." if ftype else ""
