"""pf2e actors: NPC stat blocks converted directly, player characters summarised."""

from __future__ import annotations

import re
from typing import Any

from storyai.core.importers.foundry.convert_common import (
    Context,
    TextSection,
    checked_stats,
    clamp,
    clip,
    describe_with_sections,
    dice,
    embedded,
    path,
    system_data,
    whole,
)
from storyai.core.importers.foundry.documents import FoundryDoc

ABILITIES = ("str", "dex", "con", "int", "wis", "cha")
SAVES = {"fortitude": "con", "reflex": "dex", "will": "wis"}
CONDITIONS = frozenset(
    {"blinded", "clumsy", "confused", "controlled", "dazzled", "deafened", "doomed", "drained"}
    | {"dying", "enfeebled", "fascinated", "fatigued", "fleeing", "frightened", "grabbed"}
    | {"immobilized", "off-guard", "paralyzed", "petrified", "prone", "quickened", "restrained"}
    | {"sickened", "slowed", "stunned", "stupefied", "unconscious", "wounded", "sleep", "fear"}
)
SIZES = {"tiny": "Tiny", "sm": "Small", "med": "Medium", "lg": "Large", "huge": "Huge"}
SIZES["grg"] = "Gargantuan"
_RANGE_TRAIT = re.compile(r"^range(?:-increment)?-(\d+)$")


def looks_like_pf2e(system: dict[str, Any]) -> bool:
    return isinstance(path(system, "abilities.str.mod"), int | float) or isinstance(
        path(system, "saves.fortitude"), dict
    )


def pf2e_actor(doc: FoundryDoc, ctx: Context) -> dict[str, Any]:
    """A ``Character`` mapping (without id, tags or source) for a pf2e actor."""
    data = doc.data
    system = system_data(data)
    items = embedded(data, "items")
    name = str(data.get("name") or "")
    is_pc = data.get("type") == "character"
    notes = ctx.markdown(path(system, "details.publicNotes"), name)
    private = ctx.markdown(path(system, "details.privateNotes"), name)
    head = [summary(system, items, is_pc), movement_line(system)]
    blurb = path(system, "details.blurb")
    if isinstance(blurb, str) and blurb.strip():
        head.append(ctx.markdown(blurb, name).text)
    head.append(notes.text)
    abilities = TextSection("Abilities")
    hidden = []
    for item in items:
        if item.get("type") == "action":
            text = ctx.markdown(path(system_data(item), "description"), name)
            said = text.text or _ability_facts(system_data(item))
            if said:  # a bare name tells the reader nothing
                abilities.entries.append((str(item.get("name") or ""), said))
            if text.secret:
                hidden.append(f"{item.get('name')}: {text.secret}")
    character: dict[str, Any] = {
        "name": name,
        "kind": "npc" if is_pc else "creature",
        "description": describe_with_sections(head, [abilities], [_license(system)]) or name,
    }
    secrets = [s for s in (private.text, private.secret, notes.secret, *hidden) if s]
    if secrets:
        character["secrets"] = [clip(s) for s in secrets]
    stats = npc_stats(system, items)
    if stats is None:
        ctx.plan.warn(
            f"pf2e {data.get('type')} '{name}': imported without a stat block "
            "(no armor class or hit points stored)"
        )
    else:
        character["stats"] = checked_stats(stats, f"pf2e {data.get('type')} '{name}'", ctx)
    return character


def npc_stats(system: dict[str, Any], items: list[dict[str, Any]]) -> dict[str, Any] | None:
    ac = whole(path(system, "attributes.ac.value"))
    hp = whole(path(system, "attributes.hp.max")) or whole(path(system, "attributes.hp.value"))
    if ac is None or not hp:
        return None
    scores = {
        key: clamp(10 + 2 * (whole(path(system, f"abilities.{key}.mod"), 0) or 0), 1, 30)
        for key in ABILITIES
    }
    level = whole(path(system, "details.level.value", path(system, "details.level")), 1) or 1
    stats: dict[str, Any] = {
        "abilities": scores,
        "ac": clamp(ac, 0, 40),
        "hp": clamp(hp, 1, 10_000),
        "speed": clamp(_speed(system), 0, 500),
        "level": clamp(level, 1, 30),
        "saves": {
            SAVES[k]: clamp(whole(path(system, f"saves.{k}.value"), 0) or 0, -10, 60)
            for k in SAVES
            if whole(path(system, f"saves.{k}.value")) is not None
        },
        "skills": _skills(system),
        "attacks": [a for a in (_strike(i) for i in items if i.get("type") == "melee") if a],
    }
    immune = _trait_types(path(system, "attributes.immunities"))
    stats["immunities"] = [t for t in immune if t not in CONDITIONS]
    stats["condition_immunities"] = [t for t in immune if t in CONDITIONS]
    stats["resistances"] = _trait_types(path(system, "attributes.resistances"))
    stats["vulnerabilities"] = _trait_types(path(system, "attributes.weaknesses"))
    return stats


def movement_line(system: dict[str, Any]) -> str:
    """``Speed 30 feet, climb 30 feet. Senses: darkvision, scent (imprecise) 30 feet.``"""
    speeds = []
    for other in path(system, "attributes.speed.otherSpeeds", []) or []:
        value = whole(path(other, "value"))
        kind = path(other, "type")
        if isinstance(kind, str) and value:
            speeds.append(f"{kind} {value} feet")
    senses = []
    for sense in path(system, "perception.senses", []) or []:
        kind = path(sense, "type")
        if not isinstance(kind, str) or not kind:
            continue
        words = kind.replace("-", " ")
        acuity = path(sense, "acuity")
        if isinstance(acuity, str) and acuity and acuity != "precise":
            words += f" ({acuity})"
        if whole(path(sense, "range")):
            words += f" {whole(path(sense, 'range'))} feet"
        senses.append(words)
    parts = []
    if speeds:
        land = whole(path(system, "attributes.speed.value"), 0) or 0
        parts.append("Speed " + ", ".join(([f"{land} feet"] if land else []) + speeds) + ".")
    if senses:
        parts.append("Senses: " + ", ".join(senses) + ".")
    return " ".join(parts)


def _speed(system: dict[str, Any]) -> int:
    land = whole(path(system, "attributes.speed.value"), 0) or 0
    if land:
        return land
    others = path(system, "attributes.speed.otherSpeeds")
    values = [whole(path(o, "value"), 0) or 0 for o in others] if isinstance(others, list) else []
    return max([0, *values])


def _skills(system: dict[str, Any]) -> dict[str, int]:
    out: dict[str, int] = {}
    found = system.get("skills")
    for key, skill in (found if isinstance(found, dict) else {}).items():
        value = whole(path(skill, "base", path(skill, "value", path(skill, "mod"))))
        if value is not None:
            out[str(key).replace("-", "_")] = clamp(value, -10, 60)
    perception = whole(path(system, "perception.mod", path(system, "attributes.perception.value")))
    if perception is not None:
        out["perception"] = clamp(perception, -10, 60)
    return out


def _trait_types(entries: Any) -> list[str]:
    if not isinstance(entries, list):
        return []
    found = [str(e.get("type")) for e in entries if isinstance(e, dict) and e.get("type")]
    return list(dict.fromkeys(found))


def _strike(item: dict[str, Any]) -> dict[str, Any] | None:
    isys = system_data(item)
    rolls = isys.get("damageRolls")
    formulas, kinds = [], []
    for roll in rolls.values() if isinstance(rolls, dict) else []:
        if not isinstance(roll, dict) or roll.get("category") == "persistent":
            continue
        made = dice(roll.get("damage"))
        if made:
            formulas.append(made)
            kinds.append(str(roll.get("damageType") or ""))
    if not formulas:
        return None
    damage = "+".join(formulas)
    traits = path(isys, "traits.value", [])
    increment = next(
        (int(m.group(1)) for t in traits if isinstance(t, str) and (m := _RANGE_TRAIT.match(t))),
        None,
    )
    increment = increment or whole(path(isys, "range.increment"))
    return {
        "name": str(item.get("name") or "Strike")[:120],
        "to_hit": clamp(whole(path(isys, "bonus.value"), 0) or 0, -5, 30),
        "damage": damage if len(damage) <= 64 else formulas[0],
        "damage_type": next((k for k in kinds if k and k != "untyped"), "bludgeoning"),
        "range": f"{increment}/{increment * 6}" if increment else "melee",
    }


def summary(system: dict[str, Any], items: list[dict[str, Any]], is_pc: bool) -> str:
    level = whole(path(system, "details.level.value"))
    traits = [t for t in path(system, "traits.value", []) or [] if isinstance(t, str)]
    size = path(system, "traits.size.value")
    if is_pc:
        build = [
            str(i.get("name"))
            for i in items
            if i.get("type") in ("ancestry", "heritage", "class", "background")
        ]
        line = f"Level {level} character" if level is not None else "Character"
        return line + (f" ({', '.join(build)})" if build else "") + "."
    if level is not None and level < 1:
        # the stat block's level starts at 1; the text keeps the creature's own level
        words = [f"Level {level} creature (its stat block says level 1, the lowest it holds)"]
    else:
        words = [f"Creature {level}" if level is not None else "Creature"]
    if isinstance(size, str) and size:
        words.append(SIZES.get(size, size))
    words.extend(traits)
    return ", ".join(words) + "."


ACTION_COSTS = {"reaction": "Reaction", "free": "Free action", "passive": ""}


def _ability_facts(item: dict[str, Any]) -> str:
    """``Reaction. Traits: aura.`` for an ability stored without a description."""
    kind = str(path(item, "actionType.value") or "")
    cost = whole(path(item, "actions.value"))
    facts = []
    if kind == "action" and cost:
        facts.append(f"{cost} action" + ("s" if cost > 1 else ""))
    elif ACTION_COSTS.get(kind):
        facts.append(ACTION_COSTS[kind])
    traits = [t for t in path(item, "traits.value", []) or [] if isinstance(t, str) and t]
    if traits:
        facts.append("Traits: " + ", ".join(traits))
    return ". ".join(facts) + "." if facts else ""


def _license(system: dict[str, Any]) -> str:
    publication = path(system, "details.publication")
    if not isinstance(publication, dict) or not publication.get("license"):
        return ""
    title = publication.get("title")
    where = f"{title}, " if isinstance(title, str) and title else ""
    return f"*Source: {where}{publication['license']} license.*"
