"""dnd5e attacks from an actor's items: 1.x-3.x ``actionType`` items and 4.x+ activities."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from storyai.core.domain.spells import cantrip_dice
from storyai.core.importers.foundry.convert_common import (
    clamp,
    damage_type_from_name,
    dice,
    flat_bonus,
    path,
    system_data,
    whole,
)
from storyai.core.importers.foundry.enrichers import split_args

ABILITIES = ("str", "dex", "con", "int", "wis", "cha")
PROPERTY_WORDS = {
    "fin": "finesse", "lgt": "light", "hvy": "heavy", "two": "two-handed",
    "ver": "versatile", "thr": "thrown", "amm": "ammunition", "rch": "reach",
    "lod": "loading", "spc": "special", "mgc": "magical", "sil": "silvered",
    "ada": "adamantine", "foc": "focus", "rel": "reload", "ret": "returning",
    "fir": "firearm", "bur": "burst fire", "stealthDisadvantage": "stealth disadvantage",
}  # fmt: skip
NOT_DAMAGE = frozenset({"healing", "temphp"})
MAX_ATTACKS = 12


def ability_mod(score: int) -> int:
    return (score - 10) // 2


def item_properties(isys: dict[str, Any]) -> list[str]:
    """Property codes as words: ``["fin", "lgt"]`` or ``{fin: true}`` -> finesse, light."""
    found = isys.get("properties")
    if isinstance(found, dict):
        codes = [k for k, v in found.items() if v is True]
    elif isinstance(found, list):
        codes = [c for c in found if isinstance(c, str)]
    else:
        codes = []
    words = [PROPERTY_WORDS.get(c, c) for c in codes]
    if weapon_kind(isys).endswith("R"):
        words.append("ranged")
    return list(dict.fromkeys(words))


def weapon_kind(isys: dict[str, Any]) -> str:
    """``simpleM``, ``martialR``, ``natural`` ... (3.x+ ``type.value``, earlier ``weaponType``)."""
    kind = path(isys, "type.value")
    if not isinstance(kind, str) or not kind:
        kind = isys.get("weaponType")
    return kind if isinstance(kind, str) else ""


def actor_attacks(
    items: list[dict[str, Any]],
    mods: dict[str, int],
    prof: int,
    spell_ability: Any,
    actor_system: dict[str, Any],
) -> list[dict[str, Any]]:
    """Every attack the actor's items give, as ``D20Attack`` mappings."""
    maker = AttackMaker(mods, prof, spell_ability, actor_system)
    class_levels = [
        whole(path(system_data(i), "levels"), 0) or 0 for i in items if i.get("type") == "class"
    ]
    maker.caster_level = sum(class_levels) or None
    attacks: list[dict[str, Any]] = []
    for item in items:
        attacks.extend(maker.from_item(item))
        if len(attacks) >= MAX_ATTACKS:
            break
    return attacks[:MAX_ATTACKS]


@dataclass
class Roll:
    """One attack or damage roll as the owner would make it."""

    to_hit: int
    parts: list[tuple[str, str]]
    """(formula, damage type) pairs, formulas still holding ``@mod``."""
    refs: dict[str, int]
    ranged: bool
    spell: bool


def legacy_parts(isys: dict[str, Any]) -> list[tuple[str, str]]:
    """1.x-3.x ``damage.parts`` (``[["1d8 + @mod", "slashing"]]``) as (formula, type)."""
    raw = path(isys, "damage.parts", [])
    return [
        (str(p[0]), str(p[1] or ""))
        for p in (raw if isinstance(raw, list) else [])
        if isinstance(p, list | tuple) and len(p) >= 2 and isinstance(p[0], str)
    ]


class AttackMaker:
    def __init__(
        self, mods: dict[str, int], prof: int, spell_ability: Any, actor: dict[str, Any]
    ) -> None:
        self.mods = mods
        self.prof = prof
        self.spell_ability = spell_ability if spell_ability in ABILITIES else "int"
        self.actor = actor
        self.caster_level: int | None = None
        """A character's class levels; NPCs give ``details.spellLevel``."""
        self._rolls: dict[tuple[int, int], tuple[dict[str, Any], Roll]] = {}
        """Each activity's roll, worked out once: the stat block and every enricher of
        the item's text ask for it (the activity is kept, so its id stays its own)."""

    def from_item(self, item: dict[str, Any]) -> list[dict[str, Any]]:
        isys = system_data(item)
        name = str(item.get("name") or "Attack")
        activities = isys.get("activities")
        if isinstance(activities, dict) and activities:
            found = [
                a for a in activities.values() if isinstance(a, dict) and a.get("type") == "attack"
            ]
            made = [self.from_activity(item, isys, a, name, len(found) > 1) for a in found]
            return [m for m in made if m]
        if isys.get("actionType") in ("mwak", "rwak", "msak", "rsak"):
            made = self.from_legacy(item, isys, name)
            return [made] if made else []
        return []

    # 4.x and later
    def from_activity(
        self, item: dict[str, Any], isys: dict[str, Any], act: dict[str, Any], name: str, many: bool
    ) -> dict[str, Any] | None:
        roll = self.activity_roll(item, isys, act)
        label = act.get("name") if many and isinstance(act.get("name"), str) else ""
        return self.build(
            f"{name} ({label})" if label else name,
            roll.to_hit,
            roll.parts,
            roll.refs,
            roll.ranged,
            isys,
        )

    def activity_roll(
        self, item: dict[str, Any], isys: dict[str, Any], act: dict[str, Any]
    ) -> Roll:
        """The to-hit, damage parts and ability references of one 4.x+ activity."""
        key = (id(item), id(act))
        known = self._rolls.get(key)
        if known is None or known[0] is not act:
            known = (act, self._activity_roll(item, isys, act))
            self._rolls[key] = known
        return known[1]

    def _activity_roll(
        self, item: dict[str, Any], isys: dict[str, Any], act: dict[str, Any]
    ) -> Roll:
        attack = act.get("attack") if isinstance(act.get("attack"), dict) else {}
        kind = path(attack, "type.value") or ("ranged" if weapon_kind(isys).endswith("R") else "")
        spell = path(attack, "type.classification") == "spell" or item.get("type") == "spell"
        ability = self.ability(attack.get("ability"), item, isys, kind == "ranged", spell)
        mod = self.mods.get(ability, 0) if ability else 0
        refs = {"mod": mod, "prof": self.prof}
        parts: list[tuple[str, str]] = []
        with_base = act.get("type", "attack") == "attack" and item.get("type") == "weapon"
        if with_base and path(act, "damage.includeBase", True) is not False:
            base = _part(path(isys, "damage.base"), add_mod=True)
            if base:
                parts.append(base)
        tier = self.cantrip_tier(item, isys)
        for part in path(act, "damage.parts", []) or []:
            made = _part(_cantrip_part(part, tier), add_mod=False)
            if made:
                parts.append(made)
        if attack.get("flat"):
            to_hit = flat_bonus(attack.get("bonus"), refs)
        else:
            to_hit = mod + self.proficiency(isys, spell) + flat_bonus(attack.get("bonus"), refs)
            to_hit += whole(isys.get("magicalBonus"), 0) or 0
        return Roll(to_hit, parts, refs, kind == "ranged", spell)

    # 1.x to 3.x
    def from_legacy(
        self, item: dict[str, Any], isys: dict[str, Any], name: str
    ) -> dict[str, Any] | None:
        roll = self.legacy_roll(item, isys)
        return self.build(name, roll.to_hit, roll.parts, roll.refs, roll.ranged, isys)

    def legacy_roll(self, item: dict[str, Any], isys: dict[str, Any]) -> Roll:
        action = isys.get("actionType")
        spell = action in ("msak", "rsak") or item.get("type") == "spell"
        ranged = action in ("rwak", "rsak")
        ability = self.ability(isys.get("ability"), item, isys, ranged, spell)
        mod = self.mods.get(ability, 0) if ability else 0
        refs = {"mod": mod, "prof": self.prof}
        bonus = isys.get("attackBonus") if "attackBonus" in isys else path(isys, "attack.bonus")
        if path(isys, "attack.flat"):
            to_hit = flat_bonus(bonus, refs)
        else:
            to_hit = mod + self.proficiency(isys, spell) + flat_bonus(bonus, refs)
            to_hit += whole(isys.get("magicalBonus"), 0) or 0
        to_hit += flat_bonus(path(self.actor, f"bonuses.{action}.attack"), refs)
        parts = legacy_parts(isys)
        tier = self.cantrip_tier(item, isys)
        if tier > 1 and path(isys, "scaling.mode") == "cantrip" and parts:
            parts = [(_times_dice(parts[0][0], tier), parts[0][1]), *parts[1:]]
        return Roll(to_hit, parts, refs, ranged, spell)

    def cantrip_tier(self, item: dict[str, Any], isys: dict[str, Any]) -> int:
        """How many times a cantrip's dice are rolled at the owner's caster level (1, then
        2 at 5th, 3 at 11th, 4 at 17th): the lich's Ray of Frost is 4d8. 1 for anything
        that is not a cantrip."""
        if item.get("type") != "spell" or whole(isys.get("level"), None) != 0:
            return 1
        level = (
            self.caster_level
            or whole(path(self.actor, "details.spellLevel"))
            or whole(path(self.actor, "details.level.value", path(self.actor, "details.level")))
        )
        return cantrip_dice(level or 1)

    def save_dc(self, dc: Any, item: dict[str, Any]) -> int | None:
        """A 4.x+ ``save.dc`` (or a check's ``dc``): flat formula, ability or spellcasting."""
        if not isinstance(dc, dict):
            return whole(dc)
        calc = dc.get("calculation")
        if calc == "spellcasting" or (
            not calc and item.get("type") == "spell" and not dc.get("formula")
        ):
            return 8 + self.mods.get(self.spell_ability, 0) + self.prof
        if calc in ABILITIES:
            return 8 + self.mods[calc] + self.prof
        return whole(dc.get("formula")) or whole(dc.get("value"))

    def build(
        self,
        name: str,
        to_hit: int,
        parts: list[tuple[str, str]],
        refs: dict[str, int],
        ranged: bool,
        isys: dict[str, Any],
    ) -> dict[str, Any] | None:
        hurting = [(f, t.lower()) for f, t in parts if t.lower() not in NOT_DAMAGE or not t]
        rolled = [(d, t) for d, t in ((dice(f, refs), t) for f, t in hurting) if d]
        if not rolled:
            return None
        damage = "+".join(d for d, _ in rolled)
        if len(damage) > 64:
            damage = rolled[0][0]
        damage_type = next((t for _, t in rolled if t), "") or damage_type_from_name(name) or ""
        extra = [f"+{d} {t}" for d, t in rolled[1:] if t and t != damage_type]
        if extra:  # the stat block has one damage type: name the others
            name = f"{name} ({', '.join(extra)})"
        return {
            "name": name[:120],
            "to_hit": clamp(to_hit, -5, 30),
            "damage": damage,
            "damage_type": damage_type or "bludgeoning",
            "range": _range(isys) if ranged else "melee",
        }

    def ability(
        self, explicit: Any, item: dict[str, Any], isys: dict[str, Any], ranged: bool, spell: bool
    ) -> str | None:
        if explicit in ABILITIES:
            return str(explicit)
        if explicit == "none":
            return None
        if spell:
            return self.spell_ability
        words = item_properties(isys)
        if "finesse" in words:
            return "dex" if self.mods["dex"] > self.mods["str"] else "str"
        if ranged and "thrown" not in words:
            return "dex"
        return "str"

    def proficiency(self, isys: dict[str, Any], spell: bool) -> int:
        proficient = isys.get("proficient")
        if spell or proficient is None or proficient is True:
            return self.prof
        return self.prof if (whole(proficient, 1) or 0) >= 1 else 0


def _cantrip_part(part: Any, tier: int) -> Any:
    """A 4.x damage part of a cantrip at its tier: ``whole`` scaling adds its dice per tier."""
    if tier <= 1 or not isinstance(part, dict) or path(part, "scaling.mode") != "whole":
        return part
    number = whole(part.get("number"))
    step = whole(path(part, "scaling.number"), 1) or 1
    if not number:
        return part
    return {**part, "number": number + step * (tier - 1)}


def _times_dice(formula: str, tier: int) -> str:
    """``1d8`` at tier 4 -> ``4d8``: the first dice term of a legacy cantrip's formula."""
    return re.sub(
        r"(\d*)d(\d+)", lambda m: f"{int(m.group(1) or 1) * tier}d{m.group(2)}", formula, count=1
    )


def _part(part: Any, *, add_mod: bool) -> tuple[str, str] | None:
    """A 4.x damage part object as (formula, type)."""
    if not isinstance(part, dict):
        return None
    types = part.get("types")
    kind = (
        next((str(t) for t in types if isinstance(t, str)), "") if isinstance(types, list) else ""
    )
    custom = part.get("custom")
    if (
        isinstance(custom, dict)
        and custom.get("enabled")
        and isinstance(custom.get("formula"), str)
    ):
        return custom["formula"], kind
    number, faces = whole(part.get("number")), whole(part.get("denomination"))
    if not number or not faces:
        return None
    formula = f"{number}d{faces}"
    bonus = part.get("bonus")
    if isinstance(bonus, str | int | float) and str(bonus).strip():
        text = str(bonus).strip()
        formula += text if text[0] in "+-" else f"+{text}"
    if add_mod:
        formula += "+@mod"
    return formula, kind


def _range(isys: dict[str, Any]) -> str:
    """``80/320`` from the item's range, or from its attack activity's."""
    short, long = whole(path(isys, "range.value")), whole(path(isys, "range.long"))
    if not short:
        acts = isys.get("activities")
        for act in acts.values() if isinstance(acts, dict) else []:
            short = short or whole(path(act, "range.value"))
    if short and long and long > short:
        return f"{short}/{long}"
    return str(short) if short else "ranged"


# ------------------------------------------------------------ rolls in text

ACTION_ROLLS = frozenset({"attack", "damage", "heal", "healing", "save", "check"})
_FLAGS = frozenset({"extended", "average", "long", "short"})
_NAMED_OPTIONS = frozenset({"activity", "format", "attackmode", "average", "rules"})
ABILITY_NAMES = {
    "str": "Strength", "dex": "Dexterity", "con": "Constitution",
    "int": "Intelligence", "wis": "Wisdom", "cha": "Charisma",
}  # fmt: skip


class ItemRolls:
    """Words for the rolls an item's text makes without numbers of its own.

    dnd5e 4.x+ writes ``[[/attack extended]]. [[/damage extended]].`` or ``make a
    [[/save]] saving throw, taking [[/damage average]] damage``: the numbers come
    from the item's activities and its owner. Called by the enricher reader with
    the roll's command and arguments; ``None`` means "read it as written".
    """

    def __init__(self, item: dict[str, Any], maker: AttackMaker | None) -> None:
        self.item = item
        self.isys = system_data(item)
        self.maker = maker or AttackMaker({a: 0 for a in ABILITIES}, 0, None, {})
        self.owned = maker is not None
        acts = self.isys.get("activities")
        self.acts = {
            str(k): a
            for k, a in (acts.items() if isinstance(acts, dict) else [])
            if isinstance(a, dict)
        }

    def __call__(self, command: str, rest: str) -> str | None:
        if command not in ACTION_ROLLS:
            return None
        positional, named = split_args(rest)
        if [p for p in positional if p.lower() not in _FLAGS] or set(named) - _NAMED_OPTIONS:
            return None  # the roll says what it rolls
        flags = {p.lower() for p in positional} | (
            {named["format"]} if "format" in named else set()
        )
        act = self._activity(command, named.get("activity"))
        if command == "attack":
            return self._attack(act, "extended" in flags)
        if command in ("damage", "heal", "healing"):
            two_handed = named.get("attackmode", "").lower() == "twohanded"
            return self._damage(act, command, flags, two_handed)
        return self._save_or_check(act, command)

    def _activity(self, command: str, wanted: str | None) -> dict[str, Any] | None:
        if wanted:
            return self.acts.get(wanted) or next(
                (a for a in self.acts.values() if a.get("_id") == wanted), None
            )
        kinds = {
            "attack": ("attack",),
            "damage": ("attack", "save", "damage"),
            "heal": ("heal",),
            "healing": ("heal",),
            "save": ("save",),
            "check": ("check",),
        }[command]
        for kind in kinds:
            for act in self.acts.values():
                if act.get("type") != kind:
                    continue
                if command != "damage" or self._parts(act):
                    return act
        return None

    def _roll(self, act: dict[str, Any] | None) -> Roll | None:
        if act is not None:
            return self.maker.activity_roll(self.item, self.isys, act)
        if not self.acts and self.isys.get("actionType"):
            return self.maker.legacy_roll(self.item, self.isys)
        return None

    def _parts(self, act: dict[str, Any]) -> list[tuple[str, str]]:
        roll = self.maker.activity_roll(self.item, self.isys, act)
        if act.get("type") == "heal":
            part = _part(act.get("healing"), add_mod=False)
            return [part] if part else []
        return roll.parts

    def _versatile(self) -> tuple[str, str] | None:
        """A versatile weapon's two-handed damage (4.x+ ``damage.versatile``)."""
        base, other = path(self.isys, "damage.base"), path(self.isys, "damage.versatile")
        if not isinstance(base, dict) or not isinstance(other, dict):
            return None
        merged = dict(base)
        merged.update({k: v for k, v in other.items() if v not in (None, "", [], {})})
        return _part(merged, add_mod=True)

    def _attack(self, act: dict[str, Any] | None, extended: bool) -> str:
        roll = self._roll(act)
        if roll is None:
            return ""
        bonus = f"{roll.to_hit:+d} to hit" if self.owned else ""
        if not extended:
            return bonus
        thrown = not roll.ranged and "thrown" in item_properties(self.isys)
        where = "Melee or Ranged" if thrown else ("Ranged" if roll.ranged else "Melee")
        what = f"{where} {'Spell' if roll.spell else 'Weapon'} Attack"
        reach = self._reach(act, roll.ranged, thrown)
        return f"{what}: " + ", ".join(p for p in (bonus, reach) if p) if bonus or reach else what

    def _reach(self, act: dict[str, Any] | None, ranged: bool, thrown: bool) -> str:
        found = _range(self.isys)
        distance = f"range {found} ft." if found != "ranged" else ""
        if ranged:
            return distance
        reach = whole(path(self.isys, "range.reach"))
        if not reach and not thrown and not isinstance(self.isys.get("range"), dict):
            reach = whole(path(act, "range.value"))
        if not reach and not thrown:
            reach = whole(path(self.isys, "range.value"))
        reach_words = f"reach {reach or 5} ft."
        return f"{reach_words} or {distance}" if thrown and distance else reach_words

    def _damage(
        self, act: dict[str, Any] | None, command: str, flags: set[str], two_handed: bool
    ) -> str:
        if act is None and self.acts:
            return ""
        roll = self._roll(act)
        if roll is None:
            return ""
        parts = self._parts(act) if act is not None else roll.parts
        versatile = self._versatile()
        if two_handed and versatile and parts and act is not None and act.get("type") == "attack":
            parts = [versatile, *parts[1:]]
        words = []
        for formula, kind in parts:
            rolled = dice(formula, roll.refs)
            if not rolled:
                continue
            shown = rolled.replace("+", " + ").replace("-", " - ")
            average = _average(rolled)
            if average is not None and flags & {"average", "extended"}:
                shown = f"{average} ({shown})"
            kind = kind or ("healing" if command != "damage" else "")
            words.append(f"{shown} {kind}".strip())
        if not words:
            return ""
        text = " plus ".join(words)
        if "extended" in flags and command == "damage":
            text += " damage"
        return text

    def _save_or_check(self, act: dict[str, Any] | None, command: str) -> str:
        if act is not None:
            found = path(act, f"{command}.ability")
            dc = self.maker.save_dc(path(act, f"{command}.dc"), self.item)
        elif command == "save" and not self.acts:  # 1.x-3.x: save.{ability, dc, scaling}
            found = path(self.isys, "save.ability")
            scaling = path(self.isys, "save.scaling")
            dc = whole(path(self.isys, "save.dc"))
            if scaling in ABILITIES or scaling == "spell":
                calc = "spellcasting" if scaling == "spell" else scaling
                dc = self.maker.save_dc({"calculation": calc}, self.item) if self.owned else None
        else:
            return ""
        abilities = found if isinstance(found, list) else [found]
        names = [ABILITY_NAMES[a] for a in abilities if a in ABILITY_NAMES]
        if not names:
            return ""
        known = dc and (self.owned or not self._owner_dc(act))
        lead = f"DC {dc} " if known else ""
        noun = "saving throw" if command == "save" else "check"
        return f"{lead}{' or '.join(names)} {noun}"

    def _owner_dc(self, act: dict[str, Any] | None) -> bool:
        """Whether the DC depends on the owner's abilities (unknown without an owner)."""
        calc = path(act, "save.dc.calculation") or path(act, "check.dc.calculation")
        return calc == "spellcasting" or calc in ABILITIES


@lru_cache(maxsize=4096)
def _average(formula: str) -> int | None:
    """The average of ``2d10+6`` (17); ``None`` for anything but dice and numbers. The
    same formula recurs in many texts (every ``1d6+2`` dagger): worked out once."""
    total = 0.0
    for sign, term in _TERMS.findall(formula):
        match = _DICE_TERM.fullmatch(term)
        if match:
            value = int(match.group(1) or 1) * (int(match.group(2)) + 1) / 2
        elif term.isdigit():
            value = int(term)
        else:
            return None
        total += -value if sign == "-" else value
    return max(0, int(total))


_TERMS = re.compile(r"([+-]?)([^+-]+)")
_DICE_TERM = re.compile(r"(\d*)d(\d+)")
