"""SRD 5.2 creatures from open5e: Creature, joined with its traits, actions and attacks.

Upstream stores most attacks' damage type in ``extra_damage_type`` with
``damage_type`` null (349 of 390 in srd-2024); :func:`attack_damage` moves it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from storyai.core.importers.srd.statblocks import Feature, Monster, attacks_from
from storyai.core.importers.srd.values import (
    ABILITY_NAMES,
    DAMAGE_TYPES,
    add_dice,
    cr_float,
    dice,
)

Fields = dict[str, Any]

_ACTION_SECTIONS = {
    "ACTION": "actions",
    "BONUS_ACTION": "bonus_actions",
    "REACTION": "reactions",
    "LEGENDARY_ACTION": "legendary_actions",
}
_SENSES = ("blindsight", "darkvision", "tremorsense", "truesight")
_SPEEDS = ("walk", "burrow", "climb", "fly", "swim")
_ATTACK_TEXT = re.compile(
    r"^(?:Melee or Ranged|Melee|Ranged) Attack Roll:\s*(?P<bonus>[+-]\d+)[^,]*,\s*"
    r"(?:reach (?P<reach>\d+) (?:ft\.|feet))?(?:\s*or\s*)?"
    r"(?:range (?P<short>\d+)(?:/(?P<long>\d+))? (?:ft\.|feet))?\.?\s*"
    r"(?:\d+ \((?P<dice>[^)]+)\)|(?P<flat>\d+)) (?P<type>[a-z]+) damage"
    r"(?: plus \d+ \((?P<extra>[^)]+)\) [a-z]+ damage)?",
    re.IGNORECASE,
)
_TYPED_DAMAGE = re.compile(r"\)\s+(" + "|".join(DAMAGE_TYPES) + r")\s+damage", re.IGNORECASE)


@dataclass
class CreatureParts:
    """A creature's joined children: traits, and actions with their attacks."""

    traits: list[Fields] = field(default_factory=list)
    actions: list[Fields] = field(default_factory=list)
    attacks: dict[str, list[Fields]] = field(default_factory=dict)
    """Action pk -> its attacks."""


def creature(f: Fields, parts: CreatureParts) -> Monster:
    """One srd-2024 Creature (``fields``) as a :class:`Monster` (KeyError/TypeError if bad)."""
    abilities = {
        a: int(f.get(f"ability_score_{name.lower()}") or 10) for a, name in ABILITY_NAMES.items()
    }
    saves = {}
    for a, name in ABILITY_NAMES.items():
        value = f.get(f"saving_throw_{name.lower()}")
        if value is not None and int(value) != (abilities[a] - 10) // 2:
            saves[a] = int(value)
    skills = {}
    for key, value in sorted(f.items()):
        if key.startswith("skill_bonus_") and value is not None:
            skills[key.removeprefix("skill_bonus_").replace("_", " ").title()] = int(value)
    skills = {name.replace(" Of ", " of "): v for name, v in skills.items()}
    m = Monster(
        name=str(f["name"]),
        size=str(f.get("size") or "medium"),
        type=str(f.get("type") or "creature"),
        alignment=str(f.get("alignment") or ""),
        ac=int(f["armor_class"]),
        hp=int(f["hit_points"]),
        hp_dice=str(f.get("hit_dice") or ""),
        speeds={s: int(f[s]) for s in _SPEEDS if f.get(s)},
        hover=bool(f.get("hover")),
        abilities=abilities,
        saves=saves,
        skills=skills,
        senses=[f"{s} {f[f'{s}_range']} ft." for s in _SENSES if f.get(f"{s}_range")],
        passive_perception=f.get("passive_perception"),
        languages=str(f.get("languages_desc") or ""),
        cr=cr_float(f.get("challenge_rating")),
        xp=f.get("experience_points_integer"),
        proficiency_bonus=f.get("proficiency_bonus"),
        initiative=f.get("initiative_bonus"),
        resistances=[str(x) for x in f.get("damage_resistances") or []],
        immunities=[str(x) for x in f.get("damage_immunities") or []],
        vulnerabilities=[str(x) for x in f.get("damage_vulnerabilities") or []],
        condition_immunities=[str(x) for x in f.get("condition_immunities") or []],
        traits=[Feature(str(t["name"]), str(t.get("desc") or "")) for t in parts.traits],
        category=str(f.get("category") or ""),
    )
    ordered = sorted(parts.actions, key=lambda a: int(a.get("order_in_statblock") or 0))
    for action in ordered:
        section = _ACTION_SECTIONS.get(str(action.get("action_type")), "actions")
        getattr(m, section).append(Feature(_action_name(action), str(action.get("desc") or "")))
        if section != "actions":
            continue
        rows = parts.attacks.get(str(action.get("_pk")), [])
        for attack in rows:
            m.attacks.extend(_attack(action, attack))
        if not rows:
            m.attacks.extend(_attack_from_text(action))
    return m


def _action_name(action: Fields) -> str:
    name = str(action.get("name") or "Action")
    uses, param = action.get("uses_type"), action.get("uses_param")
    suffix = ""
    if uses in ("RECHARGE_ON_ROLL", "RECHARGE"):
        suffix = (
            "Recharge" if param is None else ("Recharge 6" if param == 6 else f"Recharge {param}–6")
        )
    elif uses == "PER_DAY":
        suffix = f"{param or 1}/Day"
    cost = action.get("legendary_action_cost")
    if action.get("action_type") == "LEGENDARY_ACTION" and isinstance(cost, int) and cost > 1:
        suffix = f"Costs {cost} Actions"
    if suffix and "(" not in name:
        name = f"{name} ({suffix})"
    return name


def _dice(count: Any, die: Any, bonus: Any) -> str | None:
    rolled = ""
    if isinstance(count, int) and count > 0 and isinstance(die, str) and die[:1] in "dD":
        rolled = f"{count}{die.lower()}"
    if isinstance(bonus, int) and bonus:
        return f"{rolled}{bonus:+d}" if rolled else str(bonus)
    return rolled or (str(bonus) if isinstance(bonus, int) and count == 0 else None)


def attack_damage(action: Fields, a: Fields) -> tuple[str | None, str]:
    """Damage dice and type of one CreatureActionAttack, with the upstream bug fixed."""
    main = _dice(a.get("damage_die_count"), a.get("damage_die_type"), a.get("damage_bonus"))
    extra = _dice(
        a.get("extra_damage_die_count"), a.get("extra_damage_die_type"), a.get("extra_damage_bonus")
    )
    damage_type = a.get("damage_type")
    if not damage_type and a.get("extra_damage_type") and not extra:
        damage_type = a["extra_damage_type"]
    elif not damage_type:
        found = _TYPED_DAMAGE.search(str(action.get("desc") or ""))
        if found:
            damage_type = found.group(1)
    return add_dice(main, extra), str(damage_type or "").lower()


def _attack(action: Fields, a: Fields) -> list[dict[str, Any]]:
    damage, damage_type = attack_damage(action, a)
    span = ""
    if a.get("range"):
        span = str(a["range"]) + (f"/{a['long_range']}" if a.get("long_range") else "")
    name = str(action.get("name") or a.get("name") or "Attack")
    reach = a.get("reach") is not None
    return attacks_from(name, a.get("to_hit_mod"), damage, damage_type, reach, span)


def _attack_from_text(action: Fields) -> list[dict[str, Any]]:
    """An attack read from an action's text (``Melee Attack Roll: +2, reach 5 ft. 1 ...``)."""
    found = _ATTACK_TEXT.match(str(action.get("desc") or ""))
    if not found:
        return []
    damage = add_dice(dice(found["dice"] or found["flat"]), dice(found["extra"]))
    damage_type = found["type"].lower()
    if not damage or damage_type not in DAMAGE_TYPES:
        return []
    span = (
        (found["short"] + (f"/{found['long']}" if found["long"] else "")) if found["short"] else ""
    )
    name = str(action.get("name") or "Attack")
    return attacks_from(name, int(found["bonus"]), damage, damage_type, bool(found["reach"]), span)
