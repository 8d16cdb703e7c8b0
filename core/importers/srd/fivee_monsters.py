"""SRD 5.1 monsters from 5e-database (``5e-SRD-Monsters.json``)."""

from __future__ import annotations

import re
from typing import Any

from storyai.core.importers.srd.statblocks import Feature, Monster, attacks_from, feet
from storyai.core.importers.srd.values import add_dice, cr_float, dice, paragraphs

_RANGE = re.compile(r"range (\d+)(?:\s*/\s*(\d+))? ?f(?:ee)?t", re.IGNORECASE)
_REACH = re.compile(r"\breach \d+ ?f(?:ee)?t|\bmelee\b", re.IGNORECASE)
SENSES = ("blindsight", "darkvision", "tremorsense", "truesight")
SPEEDS = ("walk", "burrow", "climb", "fly", "swim")


def monster(rec: dict[str, Any]) -> Monster:
    """One 5e-database monster record as a :class:`Monster` (KeyError/TypeError if malformed)."""
    ac, ac_note = _armor_class(rec.get("armor_class") or [])
    speed = rec.get("speed") or {}
    saves: dict[str, int] = {}
    skills: dict[str, int] = {}
    for prof in rec.get("proficiencies") or []:
        index = str(prof["proficiency"]["index"])
        if index.startswith("saving-throw-"):
            saves[index.removeprefix("saving-throw-")] = int(prof["value"])
        elif index.startswith("skill-"):
            name = str(prof["proficiency"]["name"]).removeprefix("Skill: ")
            skills[name] = int(prof["value"])
    senses = rec.get("senses") or {}
    hp_roll = rec.get("hit_points_roll") or rec.get("hit_dice") or ""
    return Monster(
        name=str(rec["name"]),
        size=str(rec.get("size") or "Medium"),
        type=str(rec.get("type") or "creature"),
        subtype=str(rec.get("subtype") or ""),
        alignment=str(rec.get("alignment") or ""),
        ac=ac,
        ac_note=ac_note,
        hp=int(rec["hit_points"]),
        hp_dice=_spaced(hp_roll),
        speeds={mode: feet(speed[mode]) for mode in SPEEDS if mode in speed},
        hover=bool(speed.get("hover")),
        abilities={
            "str": rec.get("strength", 10),
            "dex": rec.get("dexterity", 10),
            "con": rec.get("constitution", 10),
            "int": rec.get("intelligence", 10),
            "wis": rec.get("wisdom", 10),
            "cha": rec.get("charisma", 10),
        },
        saves=saves,
        skills=skills,
        senses=[f"{s} {senses[s]}" for s in SENSES if senses.get(s)],
        passive_perception=senses.get("passive_perception"),
        languages=str(rec.get("languages") or ""),
        cr=cr_float(rec.get("challenge_rating")),
        xp=rec.get("xp"),
        proficiency_bonus=rec.get("proficiency_bonus"),
        resistances=[str(x) for x in rec.get("damage_resistances") or []],
        immunities=[str(x) for x in rec.get("damage_immunities") or []],
        vulnerabilities=[str(x) for x in rec.get("damage_vulnerabilities") or []],
        condition_immunities=[_name(c).lower() for c in rec.get("condition_immunities") or []],
        intro=paragraphs(rec.get("desc") or ""),
        traits=_features(rec.get("special_abilities")),
        actions=_features(rec.get("actions")),
        reactions=_features(rec.get("reactions")),
        legendary_actions=_features(rec.get("legendary_actions")),
        attacks=[a for action in rec.get("actions") or [] for a in _attacks(action)],
        spellcasting=_spellcasting(rec.get("special_abilities")),
    )


def _spellcasting(abilities: Any) -> dict[str, Any] | None:
    """The Spellcasting trait as a stat block's ``spellcasting`` (the lich: INT, 18th
    level, DC 20, +12, slots 4/3/3/3/3/1/1/1/1); innate casting is left as text."""
    for item in abilities or []:
        casting = item.get("spellcasting") if isinstance(item, dict) else None
        if not isinstance(casting, dict) or not casting.get("spells"):
            continue
        ability = _name(casting.get("ability")).lower()
        if ability not in ("int", "wis", "cha") or "slots" not in casting:
            continue
        found: dict[str, Any] = {
            "ability": ability,
            "spells": [_name(s) for s in casting["spells"] if _name(s)],
            "slots": {
                int(k): int(v)
                for k, v in (casting.get("slots") or {}).items()
                if str(k).isdigit() and 1 <= int(k) <= 9 and int(v) > 0
            },
        }
        if isinstance(casting.get("level"), int) and 1 <= casting["level"] <= 30:
            found["level"] = casting["level"]
        if isinstance(casting.get("dc"), int) and 1 <= casting["dc"] <= 40:
            found["dc"] = casting["dc"]
        if isinstance(casting.get("modifier"), int) and -5 <= casting["modifier"] <= 30:
            found["attack_bonus"] = casting["modifier"]
        return found
    return None


def _name(ref: Any) -> str:
    return str(ref.get("name", "")) if isinstance(ref, dict) else str(ref)


def _armor_class(entries: list[dict[str, Any]]) -> tuple[int, str]:
    if not entries:
        return 10, ""
    notes = []
    for n, entry in enumerate(entries):
        kind = entry.get("type")
        if kind == "armor":
            what = ", ".join(_name(a).lower() for a in entry.get("armor") or []) or "armor"
        elif kind == "natural":
            what = "natural armor"
        elif kind == "spell":
            what = f"with {_name(entry.get('spell')).lower()}"
        elif kind == "condition":
            what = f"while {_name(entry.get('condition')).lower()}"
        else:
            what = ""
        if n == 0:
            if what:
                notes.append(what)
        else:
            notes.append(f"{entry.get('value')} {what}".strip())
    return int(entries[0]["value"]), ", ".join(notes)


def _usage(usage: Any) -> str:
    if not isinstance(usage, dict):
        return ""
    kind = usage.get("type")
    if kind == "recharge on roll":
        low = usage.get("min_value", 6)
        return "Recharge 6" if low == 6 else f"Recharge {low}–6"
    if kind == "per day":
        return f"{usage.get('times', 1)}/Day"
    if kind == "recharge after rest":
        rests = " or ".join(str(r).capitalize() for r in usage.get("rest_types") or ["long"])
        return f"Recharges after a {rests} Rest"
    return ""


def _features(items: Any) -> list[Feature]:
    out = []
    for item in items or []:
        name = str(item.get("name") or "").strip() or "Feature"
        usage = _usage(item.get("usage"))
        if usage and "(" not in name:
            name = f"{name} ({usage})"
        out.append(Feature(name, paragraphs(item.get("desc") or "")))
    return out


def _spaced(expr: str) -> str:
    """``"19d12+133"`` -> ``"19d12 + 133"``, as printed in the book."""
    return re.sub(r"\s*([+-])\s*", r" \1 ", str(expr)).strip()


def _damage_part(part: dict[str, Any]) -> tuple[str | None, str]:
    if "damage_dice" in part:
        return dice(part["damage_dice"]), _name(part.get("damage_type")).lower()
    options = (part.get("from") or {}).get("options") or []
    for option in options:
        if isinstance(option, dict) and "damage_dice" in option:
            return dice(option["damage_dice"]), _name(option.get("damage_type")).lower()
    return None, ""


def _attacks(action: dict[str, Any]) -> list[dict[str, Any]]:
    if "attack_bonus" not in action or not action.get("damage"):
        return []
    parts = [_damage_part(p) for p in action["damage"] if isinstance(p, dict)]
    damage = add_dice(*(d for d, _ in parts))
    damage_type = next((t for d, t in parts if d and t), "")
    desc = str(action.get("desc") or "")
    found = _RANGE.search(desc)
    span = ""
    if found:
        span = found.group(1) + (f"/{found.group(2)}" if found.group(2) else "")
    reach = bool(_REACH.search(desc))
    return attacks_from(
        str(action["name"]), action["attack_bonus"], damage, damage_type, reach, span
    )
