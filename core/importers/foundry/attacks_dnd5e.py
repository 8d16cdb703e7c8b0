"""dnd5e attacks from an actor's items: 1.x-3.x ``actionType`` items and 4.x+ activities."""

from __future__ import annotations

from typing import Any

from storyai.core.importers.foundry.convert_common import (
    clamp,
    dice,
    flat_bonus,
    path,
    system_data,
    whole,
)

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
    maker = _AttackMaker(mods, prof, spell_ability, actor_system)
    attacks: list[dict[str, Any]] = []
    for item in items:
        attacks.extend(maker.from_item(item))
        if len(attacks) >= MAX_ATTACKS:
            break
    return attacks[:MAX_ATTACKS]


class _AttackMaker:
    def __init__(
        self, mods: dict[str, int], prof: int, spell_ability: Any, actor: dict[str, Any]
    ) -> None:
        self.mods = mods
        self.prof = prof
        self.spell_ability = spell_ability if spell_ability in ABILITIES else "int"
        self.actor = actor

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
        attack = act.get("attack") if isinstance(act.get("attack"), dict) else {}
        kind = path(attack, "type.value") or ("ranged" if weapon_kind(isys).endswith("R") else "")
        spell = path(attack, "type.classification") == "spell" or item.get("type") == "spell"
        ability = self.ability(attack.get("ability"), item, isys, kind == "ranged", spell)
        mod = self.mods.get(ability, 0) if ability else 0
        refs = {"mod": mod, "prof": self.prof}
        parts: list[tuple[str, str]] = []
        if path(act, "damage.includeBase", True) is not False and item.get("type") == "weapon":
            base = _part(path(isys, "damage.base"), add_mod=True)
            if base:
                parts.append(base)
        for part in path(act, "damage.parts", []) or []:
            made = _part(part, add_mod=False)
            if made:
                parts.append(made)
        if attack.get("flat"):
            to_hit = flat_bonus(attack.get("bonus"), refs)
        else:
            to_hit = mod + self.proficiency(isys, spell) + flat_bonus(attack.get("bonus"), refs)
            to_hit += whole(isys.get("magicalBonus"), 0) or 0
        label = act.get("name") if many and isinstance(act.get("name"), str) else ""
        ranged = kind == "ranged"
        return self.build(f"{name} ({label})" if label else name, to_hit, parts, refs, ranged, isys)

    # 1.x to 3.x
    def from_legacy(
        self, item: dict[str, Any], isys: dict[str, Any], name: str
    ) -> dict[str, Any] | None:
        action = isys.get("actionType")
        spell = action in ("msak", "rsak") or item.get("type") == "spell"
        ranged = action in ("rwak", "rsak")
        ability = self.ability(isys.get("ability"), item, isys, ranged, spell)
        mod = self.mods.get(ability, 0) if ability else 0
        refs = {"mod": mod, "prof": self.prof}
        raw = path(isys, "damage.parts", [])
        parts = [
            (str(p[0]), str(p[1] or ""))
            for p in (raw if isinstance(raw, list) else [])
            if isinstance(p, list | tuple) and len(p) >= 2 and isinstance(p[0], str)
        ]
        bonus = isys.get("attackBonus") if "attackBonus" in isys else path(isys, "attack.bonus")
        if path(isys, "attack.flat"):
            to_hit = flat_bonus(bonus, refs)
        else:
            to_hit = mod + self.proficiency(isys, spell) + flat_bonus(bonus, refs)
            to_hit += whole(isys.get("magicalBonus"), 0) or 0
        to_hit += flat_bonus(path(self.actor, f"bonuses.{action}.attack"), refs)
        return self.build(name, to_hit, parts, refs, ranged, isys)

    def build(
        self,
        name: str,
        to_hit: int,
        parts: list[tuple[str, str]],
        refs: dict[str, int],
        ranged: bool,
        isys: dict[str, Any],
    ) -> dict[str, Any] | None:
        hurting = [(f, t) for f, t in parts if t.lower() not in NOT_DAMAGE or not t]
        formulas = [d for d in (dice(f, refs) for f, _ in hurting) if d]
        if not formulas:
            return None
        damage = "+".join(formulas)
        if len(damage) > 64:
            damage = formulas[0]
        damage_type = next((t for _, t in hurting if t), "") or "bludgeoning"
        return {
            "name": name[:120],
            "to_hit": clamp(to_hit, -5, 30),
            "damage": damage,
            "damage_type": damage_type.lower(),
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
