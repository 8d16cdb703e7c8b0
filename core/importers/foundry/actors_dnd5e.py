"""dnd5e actors (system 1.x to 5.x) as world characters with d20 stat blocks."""

from __future__ import annotations

import math
from typing import Any

from storyai.core.domain.stats import XP_BY_CR, cr_number, nearest_cr, proficiency_for_cr
from storyai.core.importers.foundry.attacks_dnd5e import (
    ABILITIES,
    AttackMaker,
    ItemRolls,
    ability_mod,
    actor_attacks,
    item_properties,
)
from storyai.core.importers.foundry.convert_common import (
    DAMAGE_TYPES,
    Context,
    TextSection,
    checked_stats,
    clamp,
    clip,
    describe_with_sections,
    embedded,
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
CONDITIONS = frozenset(
    {"blinded", "charmed", "deafened", "diseased", "exhaustion", "frightened", "grappled"}
    | {"incapacitated", "invisible", "paralyzed", "petrified", "poisoned", "prone"}
    | {"restrained", "stunned", "unconscious"}
)
"""The dnd5e conditions a creature can be immune to."""
TRAIT_WORDS = {
    "di": "Damage immunities",
    "dr": "Damage resistances",
    "dv": "Damage vulnerabilities",
    "ci": "Condition immunities",
}
BYPASSES = {"mgc": "magical", "ada": "adamantine", "sil": "silvered"}
PHYSICAL = ("bludgeoning", "piercing", "slashing")
SPEEDS = ("burrow", "climb", "fly", "swim")
SENSES = ("blindsight", "darkvision", "tremorsense", "truesight")


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
    """By character level when there is one (the same table as CR), else by CR."""
    if level:
        return proficiency_for_cr(clamp(level, 1, 30))
    return proficiency_for_cr(cr_number(cr)) if cr else 2


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
    maker = AttackMaker(mods, prof, spell_ability, system)
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
    secrets = [bio.secret] if bio.secret else []
    character: dict[str, Any] = {
        "name": name,
        "kind": "npc" if is_pc else "creature",
        "description": describe(system, items, bio.text, is_pc, ctx, name, maker, secrets),
        "attitude": _attitude(data),
        "stats": checked_stats(stats, f"{data.get('type')} '{name}'", ctx),
        "gold": _gold(system),
    }
    if secrets:
        character["secrets"] = [clip(s) for s in secrets]
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
    """Known damage types (``di``, ``dr``, ``dv``) or conditions (``ci``) only."""
    return _trait_values(system, key)[0]


def _trait_values(system: dict[str, Any], key: str) -> tuple[list[str], list[str]]:
    """(known names for the stat block, free text for the description)."""
    trait = path(system, f"traits.{key}")
    if not isinstance(trait, dict):
        return [], []
    known_names = CONDITIONS if key == "ci" else DAMAGE_TYPES
    values = trait.get("value")
    found = (
        [str(v).lower() for v in values if isinstance(v, str)] if isinstance(values, list) else []
    )
    if "physical" in found and key != "ci":  # 1.x: bludgeoning, piercing and slashing
        found = [v for v in found if v != "physical"] + list(PHYSICAL)
    known = [v for v in found if v in known_names]
    other = [v for v in found if v not in known_names]
    custom = trait.get("custom")
    if isinstance(custom, str):
        for piece in (c.strip() for c in custom.split(";")):
            if piece.lower() in known_names:
                known.append(piece.lower())
            elif piece:
                other.append(piece)
    return list(dict.fromkeys(known)), list(dict.fromkeys(other))


def trait_line(system: dict[str, Any]) -> str:
    """What the stat block cannot hold: free-text traits, and resistances with exceptions."""
    lines = []
    for key, label in TRAIT_WORDS.items():
        known, other = _trait_values(system, key)
        bypasses = path(system, f"traits.{key}.bypasses")
        words = [BYPASSES[b] for b in bypasses or [] if b in BYPASSES]
        physical = [v for v in known if v in PHYSICAL]
        shown = []
        if words and physical and key != "ci":
            rest = [v for v in known if v not in PHYSICAL]
            shown = [*rest, f"{', '.join(physical)} from non{' or non'.join(words)} attacks"]
        shown += other
        if shown:
            lines.append(f"{label}: {'; '.join(shown)}.")
    return ("Traits: " + " ".join(lines)) if lines else ""


def movement_line(system: dict[str, Any], items: list[dict[str, Any]]) -> str:
    """``Speed 40 ft., climb 40 ft., fly 80 ft. Senses: darkvision 120 ft.``, when there is
    more than a walking speed (the stat block's)."""
    movement = _first_dict(path(system, "attributes.movement"), items, "movement")
    senses = _first_dict(path(system, "attributes.senses"), items, "senses")
    units = str(movement.get("units") or "ft") if movement else "ft"
    speeds = []
    for key in SPEEDS:
        value = whole(movement.get(key)) or 0
        if value > 0:
            hover = " (hover)" if key == "fly" and movement.get("hover") else ""
            speeds.append(f"{key} {value} {units}.{hover}")
    ranges = senses.get("ranges") if isinstance(senses.get("ranges"), dict) else senses
    sense_units = str(senses.get("units") or "ft")
    seen = [
        f"{k} {whole(ranges.get(k))} {sense_units}."
        for k in SENSES
        if (whole(ranges.get(k)) or 0) > 0
    ]
    special = senses.get("special")
    if isinstance(special, str) and special.strip():
        seen.append(special.strip())
    parts = []
    if speeds:
        walk = whole(movement.get("walk"))
        parts.append("Speed " + ", ".join(([f"{walk} {units}."] if walk else []) + speeds))
    if seen:
        parts.append("Senses: " + ", ".join(seen))
    return " ".join(p if p.endswith(".") else p + "." for p in parts)


def _first_dict(own: Any, items: list[dict[str, Any]], key: str) -> dict[str, Any]:
    """The actor's own movement/senses, else its race's (2.x characters keep them there)."""
    candidates = [own] + [path(system_data(i), key) for i in items if i.get("type") == "race"]
    for found in candidates:
        if isinstance(found, dict) and any(
            (whole(v) or 0) > 0 for k, v in found.items() if k not in ("units", "hover")
        ):
            return found
    return own if isinstance(own, dict) else {}


def describe(
    system: dict[str, Any],
    items: list[dict[str, Any]],
    biography: str,
    is_pc: bool,
    ctx: Context,
    name: str,
    maker: AttackMaker,
    secrets: list[str],
) -> str:
    """A summary, movement and traits, the biography, every feature's (and a monster's
    actions') full text, then the spells. GM-only parts of the texts go to ``secrets``."""
    head = [summary(system, items, is_pc), movement_line(system, items), trait_line(system)]
    head.append(biography)
    features = TextSection("Features")
    actions = TextSection("Actions")
    timed = {kind: TextSection(title) for kind, title in TIMED_SECTIONS.items()}
    named: set[str] = set()
    for item in items:
        kind = item.get("type")
        item_name = str(item.get("name") or "")
        if kind == "weapon" and is_pc:
            continue  # a character's weapons are in the inventory and the stat block
        if kind not in ("feat", "weapon") or (kind, item_name) in named:
            continue
        named.add((kind, item_name))
        rolls = ItemRolls(item, maker)
        text = ctx.markdown(path(system_data(item), "description"), name, rolls=rolls)
        if text.secret:
            secrets.append(f"{item_name}: {text.secret}")
        if kind == "weapon" and not text.text:
            continue
        shown = item_name + recharge_note(system_data(item))
        when = "passive" if is_pc else feature_timing(system_data(item))
        if kind == "weapon" and when not in timed:
            when = "action"  # a weapon is used as an action unless it says otherwise
        section = actions if when == "action" else timed.get(when, features)
        section.entries.append((shown, text.text))
    spells = spell_list(items)
    tail = ["## Spells\n\n" + spells] if spells else []
    sections = [features, actions, *timed.values()]
    return describe_with_sections(head, sections, tail) or str(name)


TIMED_SECTIONS = {
    "bonus": "Bonus Actions",
    "reaction": "Reactions",
    "legendary": "Legendary Actions",
    "lair": "Lair Actions",
}
_ACTIVE = frozenset({"attack", "save", "damage"})
_ACTION_TYPES = frozenset({"mwak", "rwak", "msak", "rsak", "save"})


def feature_timing(item: dict[str, Any]) -> str:
    """``action``, ``bonus``, ``reaction``, ``legendary``, ``lair`` or ``passive``.

    dnd5e 3.x keeps ``activation.type`` and ``actionType`` on the item; 4.x+ keeps
    them on its activities. A feature that attacks, forces a save or deals damage is
    an action unless it says otherwise; healing with no activation (regeneration) is not.
    """
    activities = system_data_values(item.get("activities"))
    kinds = [str(path(a, "activation.type") or "") for a in activities]
    kinds.append(str(path(item, "activation.type") or ""))
    for kind in kinds:
        if kind in TIMED_SECTIONS:
            return kind
    if "action" in kinds:
        return "action"
    if any(a.get("type") in _ACTIVE for a in activities):
        return "action"
    if item.get("actionType") in _ACTION_TYPES:
        return "action"
    return "passive"


def system_data_values(found: Any) -> list[dict[str, Any]]:
    values = found.values() if isinstance(found, dict) else found if isinstance(found, list) else []
    return [v for v in values if isinstance(v, dict)]


def recharge_note(item: dict[str, Any]) -> str:
    """`` (Recharge 5–6)`` for a feature that recharges on a roll, else ``""``."""
    value = None
    recovery = path(item, "uses.recovery")
    if isinstance(recovery, list):
        for rule in recovery:
            if isinstance(rule, dict) and rule.get("period") == "recharge":
                value = whole(rule.get("formula"), 6)
                break
    if value is None and isinstance(item.get("recharge"), dict):
        value = whole(item["recharge"].get("value"))
    if value is None or not 2 <= value <= 6:
        return ""
    return " (Recharge 6)" if value == 6 else f" (Recharge {value}–6)"


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
    line = (words[:1].upper() + words[1:] + ".") if words else ""
    spoken = languages(system)
    if spoken:
        line += f" Languages: {', '.join(spoken)}."
    return line.strip()


LANGUAGE_NAMES = {"deep": "Deep Speech", "cant": "Thieves' Cant"}


def languages(system: dict[str, Any]) -> list[str]:
    """``value`` codes (``common``, ``deep``) by name, then the ``custom`` text split on
    ``;`` (``Understands Draconic but can't speak``); the ``custom`` marker itself is not
    a language."""
    trait = path(system, "traits.languages")
    if not isinstance(trait, dict):
        return []
    values = trait.get("value")
    codes = [v.strip() for v in values if isinstance(v, str)] if isinstance(values, list) else []
    names = [LANGUAGE_NAMES.get(c.lower(), c[:1].upper() + c[1:]) for c in codes if c]
    names = [n for n in names if n.lower() != "custom"]
    custom = trait.get("custom")
    if isinstance(custom, str):
        names += [piece.strip() for piece in custom.split(";") if piece.strip()]
    return list(dict.fromkeys(names))


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
