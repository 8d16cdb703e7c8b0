"""dnd5e actors (system 1.x to 5.x) as world characters with d20 stat blocks."""

from __future__ import annotations

import math
from typing import Any

from storyai.core.domain.stats import XP_BY_CR, nearest_cr
from storyai.core.importers.foundry.attacks_dnd5e import (
    ABILITIES,
    ability_mod,
    actor_attacks,
    item_properties,
)
from storyai.core.importers.foundry.convert_common import (
    Context,
    checked_stats,
    clamp,
    clip,
    embedded,
    first_sentence,
    num,
    path,
    system_data,
    whole,
)
from storyai.core.importers.foundry.documents import FoundryDoc

SKILL_NAMES = {
    "acr": "acrobatics", "ani": "animal_handling", "arc": "arcana", "ath": "athletics",
    "dec": "deception", "his": "history", "ins": "insight", "itm": "intimidation",
    "inv": "investigation", "med": "medicine", "nat": "nature", "prc": "perception",
    "prf": "performance", "per": "persuasion", "rel": "religion", "slt": "sleight_of_hand",
    "ste": "stealth", "sur": "survival",
}  # fmt: skip
SKILL_ABILITY = {
    "acr": "dex", "ani": "wis", "arc": "int", "ath": "str", "dec": "cha", "his": "int",
    "ins": "wis", "itm": "cha", "inv": "int", "med": "wis", "nat": "int", "prc": "wis",
    "prf": "cha", "per": "cha", "rel": "int", "slt": "dex", "ste": "dex", "sur": "wis",
}  # fmt: skip
SIZES = {"tiny": "Tiny", "sm": "Small", "med": "Medium", "lg": "Large", "huge": "Huge"}
SIZES["grg"] = "Gargantuan"
ATTITUDES = {-1: "hostile", 0: "neutral", 1: "friendly"}


def looks_like_dnd5e(system: dict[str, Any]) -> bool:
    return isinstance(path(system, "abilities.str"), dict) and (
        path(system, "abilities.str.value") is not None
        and isinstance(path(system, "attributes.hp"), dict)
        and (path(system, "details.cr") is not None or isinstance(system.get("skills"), dict))
    )


def cr_text(value: Any) -> str | None:
    """``0.25`` -> ``"1/4"``; odd values go to the nearest CR, within 0-30."""
    if isinstance(value, str) and "/" in value:
        top, _, bottom = value.partition("/")
        a, b = num(top), num(bottom)
        value = a / b if a is not None and b else None
    found = num(value)
    if found is None:
        return None
    return nearest_cr(found)


def proficiency(cr: str | None, level: int | None) -> int:
    if level:
        return 2 + (clamp(level, 1, 30) - 1) // 4
    if cr and "/" not in cr and cr != "0":
        return 2 + (int(cr) - 1) // 4
    return 2


def dnd5e_actor(doc: FoundryDoc, ctx: Context) -> dict[str, Any]:
    """A ``Character`` mapping (without id, tags or source) for a dnd5e actor."""
    data = doc.data
    system = system_data(data)
    items = embedded(data, "items")
    name = str(data.get("name") or "")
    is_pc = data.get("type") == "character"
    scores = {
        key: clamp(whole(path(system, f"abilities.{key}.value"), 10) or 10, 1, 30)
        for key in ABILITIES
    }
    mods = {key: ability_mod(score) for key, score in scores.items()}
    classes = [i for i in items if i.get("type") == "class"]
    level = sum(whole(path(system_data(c), "levels"), 0) or 0 for c in classes) or whole(
        path(system, "details.level.value", path(system, "details.level"))
    )
    level = clamp(level, 1, 30) if is_pc and level else None
    cr = None if is_pc else cr_text(path(system, "details.cr"))
    prof = whole(path(system, "attributes.prof")) or proficiency(cr, level)
    prof = clamp(prof, 0, 10)
    spell_ability = path(system, "attributes.spellcasting")
    stats: dict[str, Any] = {
        "abilities": scores,
        "ac": clamp(armor_class(system, items, mods), 0, 40),
        "hp": clamp(hit_points(system), 1, 10_000),
        "speed": clamp(speed(system, items), 0, 500),
        "proficiency_bonus": prof,
        "saves": saves(system, mods, prof),
        "skills": skills(system, mods, prof),
        "attacks": actor_attacks(items, mods, prof, spell_ability, system),
        "resistances": traits(system, "dr"),
        "immunities": traits(system, "di"),
        "vulnerabilities": traits(system, "dv"),
        "condition_immunities": traits(system, "ci"),
    }
    if level:
        stats["level"] = level
    if cr is not None:
        stats["cr"] = cr
        stats["xp"] = XP_BY_CR[cr]
    if hit_points(system) <= 0:
        stats.pop("hp")  # no hit points at all: the stat block check will say so
    bio = ctx.markdown(path(system, "details.biography"), name)
    if not bio.text:
        bio = ctx.markdown(path(system, "details.biography.public"), name)
    character: dict[str, Any] = {
        "name": name,
        "kind": "npc" if is_pc else "creature",
        "description": clip(describe(system, items, bio.text, is_pc, ctx, name)),
        "attitude": _attitude(data),
        "stats": checked_stats(stats, f"{data.get('type')} '{name}'", ctx),
        "gold": _gold(system),
    }
    if bio.secret:
        character["secrets"] = [clip(bio.secret)]
    return character


def armor_class(system: dict[str, Any], items: list[dict[str, Any]], mods: dict[str, int]) -> int:
    ac = path(system, "attributes.ac")
    if not isinstance(ac, dict):
        return whole(ac, 10 + mods["dex"]) or 0
    calc = ac.get("calc")
    flat = whole(ac.get("flat"))
    if not calc and whole(ac.get("value")) is not None:
        return whole(ac.get("value")) or 0  # 1.x stores the final value
    if calc in ("flat", "natural") and flat is not None:
        return flat
    if calc in ("mage", "draconic"):
        return 13 + mods["dex"]
    if calc == "unarmoredMonk":
        return 10 + mods["dex"] + mods["wis"]
    if calc == "unarmoredBarb":
        return 10 + mods["dex"] + mods["con"]
    if calc is None and flat is not None:
        return flat
    return worn_armor(items, mods)


def worn_armor(items: list[dict[str, Any]], mods: dict[str, int]) -> int:
    """AC from equipped armor (dex capped by its type) plus an equipped shield."""
    base = 10 + mods["dex"]
    shield = 0
    for item in items:
        isys = system_data(item)
        if item.get("type") != "equipment" or isys.get("equipped") is False:
            continue
        kind = path(isys, "type.value") or path(isys, "armor.type")
        value = whole(path(isys, "armor.value"))
        if value is None:
            continue
        value += whole(isys.get("magicalBonus"), 0) or 0
        if kind == "shield":
            shield = max(shield, value)
        elif kind in ("light", "medium", "heavy"):
            cap = whole(path(isys, "armor.dex"))
            if cap is None:
                cap = {"light": 99, "medium": 2, "heavy": 0}[kind]
            base = max(base, value + min(mods["dex"], cap))
    return base + shield


def hit_points(system: dict[str, Any]) -> int:
    hp = path(system, "attributes.hp")
    if not isinstance(hp, dict):
        return whole(hp, 0) or 0
    top = whole(hp.get("max"))
    return top if top and top > 0 else (whole(hp.get("value"), 0) or 0)


def speed(system: dict[str, Any], items: list[dict[str, Any]]) -> int:
    """Walking speed; else the best other speed; else the race's (characters); else 30."""
    sources = [path(system, "attributes.movement")]
    sources += [path(system_data(i), "movement") for i in items if i.get("type") == "race"]
    for movement in sources:
        if not isinstance(movement, dict):
            continue
        walk = whole(movement.get("walk"))
        others = [whole(movement.get(k)) or 0 for k in ("fly", "swim", "climb", "burrow")]
        if walk is not None or any(others):
            return walk or max(others)
    old = whole(path(system, "attributes.speed.value", path(system, "attributes.speed")))
    return 30 if old is None else old


def saves(system: dict[str, Any], mods: dict[str, int], prof: int) -> dict[str, int]:
    out = {}
    for key in ABILITIES:
        proficient = num(path(system, f"abilities.{key}.proficient"), 0) or 0
        if proficient >= 1:
            out[key] = clamp(mods[key] + math.floor(proficient * prof), -10, 40)
    return out


def skills(system: dict[str, Any], mods: dict[str, int], prof: int) -> dict[str, int]:
    out = {}
    found = system.get("skills")
    for key, skill in (found if isinstance(found, dict) else {}).items():
        if not isinstance(skill, dict) or (num(skill.get("value"), 0) or 0) < 1:
            continue
        ability = skill.get("ability") if skill.get("ability") in mods else SKILL_ABILITY.get(key)
        bonus = mods.get(ability or "", 0) + math.floor((num(skill.get("value")) or 0) * prof)
        out[SKILL_NAMES.get(key, str(key))] = clamp(bonus, -10, 40)
    return out


def traits(system: dict[str, Any], key: str) -> list[str]:
    trait = path(system, f"traits.{key}")
    if not isinstance(trait, dict):
        return []
    values = trait.get("value")
    found = [str(v) for v in values if isinstance(v, str)] if isinstance(values, list) else []
    custom = trait.get("custom")
    if isinstance(custom, str):
        found += [c.strip() for c in custom.replace(",", ";").split(";") if c.strip()]
    return list(dict.fromkeys(v.lower() for v in found))


def describe(
    system: dict[str, Any],
    items: list[dict[str, Any]],
    biography: str,
    is_pc: bool,
    ctx: Context,
    name: str,
) -> str:
    """A summary line, the biography, then short lists of features and spells."""
    parts = [summary(system, items, is_pc)]
    if biography:
        parts.append(biography)
    features = []
    named: set[str] = set()
    for item in items:
        if item.get("type") != "feat" or item.get("name") in named:
            continue
        named.add(str(item.get("name")))
        text = first_sentence(ctx.markdown(path(system_data(item), "description"), name).text)
        features.append(f"- **{item.get('name')}**" + (f": {text}" if text else ""))
    if features:
        parts.append("## Features\n\n" + "\n".join(features))
    spells = spell_list(items)
    if spells:
        parts.append("## Spells\n\n" + spells)
    return "\n\n".join(p for p in parts if p) or str(name)


def summary(system: dict[str, Any], items: list[dict[str, Any]], is_pc: bool) -> str:
    if is_pc:
        classes = [
            f"{c.get('name')} {whole(path(system_data(c), 'levels'), 1)}"
            for c in items
            if c.get("type") == "class"
        ]
        origin = [str(i.get("name")) for i in items if i.get("type") in ("race", "background")]
        text = ", ".join(classes) or "Adventurer"
        return text + (f" ({', '.join(origin)})" if origin else "") + "."
    size = SIZES.get(str(path(system, "traits.size")), "")
    kind = path(system, "details.type")
    if isinstance(kind, dict):
        sub = kind.get("subtype")
        kind = (kind.get("custom") or kind.get("value") or "") + (f" ({sub})" if sub else "")
    alignment = path(system, "details.alignment")
    words = " ".join(str(w) for w in (size, kind) if w)
    words = f"{words}, {alignment}".strip(", ") if isinstance(alignment, str) else words
    languages = path(system, "traits.languages.value")
    line = (words[:1].upper() + words[1:] + ".") if words else ""
    if isinstance(languages, list) and languages:
        line += f" Languages: {', '.join(str(x) for x in languages)}."
    return line.strip()


def spell_list(items: list[dict[str, Any]]) -> str:
    by_level: dict[int, list[str]] = {}
    for item in items:
        if item.get("type") == "spell":
            level = clamp(whole(path(system_data(item), "level"), 0) or 0, 0, 9)
            by_level.setdefault(level, []).append(str(item.get("name")))
    lines = []
    for level in sorted(by_level):
        label = "Cantrips" if level == 0 else f"Level {level}"
        lines.append(f"- {label}: {', '.join(by_level[level])}")
    return "\n".join(lines)


def _attitude(data: dict[str, Any]) -> str:
    token = data.get("prototypeToken") or data.get("token")
    disposition = whole(path(token, "disposition")) if isinstance(token, dict) else None
    return ATTITUDES.get(disposition if disposition is not None else 0, "neutral")


def _gold(system: dict[str, Any]) -> int:
    currency = system.get("currency")
    if not isinstance(currency, dict):
        return 0
    rates = {"pp": 10, "gp": 1, "ep": 0.5, "sp": 0.1, "cp": 0.01}
    total = sum((num(currency.get(k), 0) or 0) * rate for k, rate in rates.items())
    return clamp(int(total), 0, 10**9)


__all__ = ["dnd5e_actor", "item_properties", "looks_like_dnd5e"]
