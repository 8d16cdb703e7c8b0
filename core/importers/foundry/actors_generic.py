"""Actors of game systems the importer does not know, mapped by common field names.

Many Foundry systems share shapes (``hp.value/max``, ``aac.value``, weapons with
a ``damage`` formula), so a generic mapping gets hit points, armor class and
attacks across. What it could not use is counted per system and reported once.
"""

from __future__ import annotations

from typing import Any

from storyai.core.importers.foundry.convert_common import (
    Context,
    TextSection,
    checked_stats,
    clamp,
    clip,
    damage_type_from_name,
    describe_with_sections,
    dice,
    embedded,
    flat_bonus,
    num,
    path,
    system_data,
    whole,
)
from storyai.core.importers.foundry.documents import FoundryDoc

HP_PATHS = ("attributes.hp", "hp", "health", "attributes.health", "wounds", "hitPoints")
AC_PATHS = ("aac", "attributes.ac", "ac", "armor", "armour", "defense", "attributes.defense")
ABILITY_ROOTS = ("abilities", "scores", "stats", "attributes", "characteristics")
ABILITY_KEYS = {
    "str": ("str", "strength"),
    "dex": ("dex", "dexterity", "agi", "agility"),
    "con": ("con", "constitution"),
    "int": ("int", "intelligence"),
    "wis": ("wis", "wisdom"),
    "cha": ("cha", "charisma"),
}
SPEED_PATHS = ("movement.base", "movement.walk", "attributes.speed", "attributes.movement.walk")
SPEED_PATHS += ("speed", "movement")
ATTACK_BONUS_PATHS = ("thac0.bba", "attackBonus", "attack", "bab", "ab", "combat.attack")
BIO_PATHS = ("details.biography", "biography", "description", "details.description", "notes")
PC_TYPES = frozenset({"character", "pc", "player", "hero"})


def generic_actor(doc: FoundryDoc, ctx: Context, system_id: str) -> dict[str, Any]:
    """A ``Character`` mapping for an actor of an unknown system; notes what went unused."""
    data = doc.data
    system = system_data(data)
    name = str(data.get("name") or "")
    used: set[str] = set()
    seen = ctx.generic.setdefault(
        system_id, {"count": 0, "fields": set(), "no_stats": [], "guessed": 0, "defaulted": []}
    )
    seen["count"] += 1

    def find(paths: tuple[str, ...]) -> Any:
        for dotted in paths:
            value = path(system, dotted)
            if value is not None and value != "" and value != {}:
                used.add(dotted.split(".")[0])
                return value
        return None

    hp_value = find(HP_PATHS)
    if isinstance(hp_value, dict):
        hp = whole(hp_value.get("max")) or whole(hp_value.get("value"))
    else:
        hp = whole(hp_value)
    ac_value = find(AC_PATHS)
    ac = whole(ac_value.get("value")) if isinstance(ac_value, dict) else whole(ac_value)
    scores = _abilities(system, used)
    mods = {k: (v - 10) // 2 for k, v in scores.items()}
    speed = find(SPEED_PATHS)
    speed = whole(speed.get("value") if isinstance(speed, dict) else speed)
    base = find(ATTACK_BONUS_PATHS)
    bonus = flat_bonus(base.get("value") if isinstance(base, dict) else base)
    items = embedded(data, "items")
    attacks = [a for a in (_attack(i, bonus, mods, seen) for i in items) if a][:12]
    bio = find(BIO_PATHS)
    text = ctx.markdown(bio, name) if isinstance(bio, str | dict) else ctx.markdown("")
    features = TextSection("Abilities")
    secrets = [text.secret] if text.secret else []
    skills = []  # twodsix and others: a skill item is a name and a level on an actor
    for item in items:
        level = num(path(system_data(item), "value"))
        if item.get("type") in ("skills", "skill") and level is not None:
            skills.append(f"{item.get('name') or 'Skill'} {level:g}")
        elif item.get("type") not in ("weapon", "armor", "item", "equipment"):
            found = ctx.markdown(path(system_data(item), "description"), name)
            features.entries.append((str(item.get("name") or ""), found.text))
            if found.secret:
                secrets.append(f"{item.get('name')}: {found.secret}")
    is_pc = data.get("type") in PC_TYPES or path(system, "character") is True
    character: dict[str, Any] = {
        "name": name,
        "kind": "npc" if is_pc else "creature",
        "description": describe_with_sections(
            [text.text, f"Skills: {', '.join(skills)}." if skills else ""], [features], []
        )
        or name,
    }
    if secrets:
        character["secrets"] = [clip(s) for s in secrets]
    if hp and hp > 0 and ac is not None:
        stats: dict[str, Any] = {
            "abilities": scores,
            "ac": clamp(ac, 0, 40),
            "hp": clamp(hp, 1, 10_000),
            "speed": clamp(speed if speed is not None else 30, 0, 500),
            "attacks": attacks,
        }
        level = whole(find(("details.level", "level", "details.level.value")))
        level = level or _hit_dice(system)
        if level:
            stats["level"] = clamp(level, 1, 30)
        xp = whole(find(("details.xp", "xp")))
        if xp and xp > 0 and not is_pc:
            stats["xp"] = xp
        character["stats"] = checked_stats(stats, f"{system_id} actor '{name}'", ctx)
    else:
        seen["no_stats"].append(name)
    if path(system, "hp.hd") is not None:
        used.add("hp")
    seen["fields"].update(f"system.{k}" for k in system if k not in used)
    return character


def _abilities(system: dict[str, Any], used: set[str]) -> dict[str, int]:
    scores = {}
    for short, names in ABILITY_KEYS.items():
        for root in ABILITY_ROOTS:
            for key in names:
                value = path(system, f"{root}.{key}")
                found = whole(value.get("value")) if isinstance(value, dict) else whole(value)
                if found is not None and found > 0:
                    scores[short] = clamp(found, 1, 30)
                    used.add(root)
                    break
            if short in scores:
                break
        scores.setdefault(short, 10)
    return scores


def _hit_dice(system: dict[str, Any]) -> int | None:
    hd = path(system, "hp.hd")
    if isinstance(hd, str) and "d" in hd:
        return whole(hd.split("d")[0])
    return None


def _attack(
    item: dict[str, Any], bonus: int, mods: dict[str, int], seen: dict[str, Any]
) -> dict[str, Any] | None:
    if item.get("type") not in ("weapon", "attack", "melee", "ranged"):
        return None
    isys = system_data(item)
    formula = isys.get("damage")
    if isinstance(formula, dict):
        formula = formula.get("value") or formula.get("formula") or formula.get("dice")
    damage = dice(formula)
    if not damage:
        return None
    score = isys.get("score") if isys.get("score") in mods else None
    to_hit = bonus + (whole(isys.get("bonus"), 0) or 0) + (mods.get(score, 0) if score else 0)
    short = whole(path(isys, "range.short", path(isys, "range.value")))
    long = whole(path(isys, "range.long"))
    ranged = bool(isys.get("missile")) or (short or 0) > 0
    if ranged and short and long and long > short:
        reach = f"{short}/{long}"
    else:
        reach = str(short) if ranged and short else ("ranged" if ranged else "melee")
    name = str(item.get("name") or "Attack")
    kind = isys.get("damageType") or path(isys, "damage.type")
    if not isinstance(kind, str) or not kind.strip():
        kind = damage_type_from_name(name)
        if kind:
            seen["guessed"] += 1
        else:
            seen["defaulted"].append(name)
    return {
        "name": name[:120],
        "to_hit": clamp(to_hit, -5, 30),
        "damage": damage,
        "damage_type": kind.strip().lower() if kind else "bludgeoning",
        "range": reach,
    }


def generic_warnings(ctx: Context) -> None:
    """One warning per unknown system: how many actors, and which fields were not used."""
    for system_id, seen in ctx.generic.items():
        fields = sorted(seen["fields"])
        shown = ", ".join(fields[:12]) + (" ..." if len(fields) > 12 else "")
        message = (
            f"{system_id or 'unknown system'}: {seen['count']} actors imported generically "
            "(system not recognised)"
        )
        if fields:
            message += f"; fields not understood: {shown}"
        if seen["no_stats"]:
            names = ", ".join(seen["no_stats"][:10]) + (
                " ..." if len(seen["no_stats"]) > 10 else ""
            )
            message += f"; no stat block (no hit points or armor class found) for: {names}"
        if seen.get("guessed"):
            message += (
                f"; the system gives no damage types: {seen['guessed']} attacks have the usual "
                "type of their weapon's name (sword: slashing, bow: piercing, club: bludgeoning)"
            )
        defaulted = list(dict.fromkeys(seen.get("defaulted", [])))
        if defaulted:
            shown = ", ".join(defaulted[:10]) + (" ..." if len(defaulted) > 10 else "")
            message += (
                f"; {len(seen['defaulted'])} attacks whose name tells no damage type are "
                f"bludgeoning by default: {shown}"
            )
        ctx.plan.warn(message)
