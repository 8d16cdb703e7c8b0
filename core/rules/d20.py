"""A d20 rule system in the style of the 5e SRD.

Roll a d20, add a modifier, meet a target: a DC for checks and saves, the
defender's AC for attacks. Advantage rolls two d20 and keeps the higher,
disadvantage the lower. Player characters at 0 HP fall unconscious and make
death saves; NPCs and creatures die. Numbers follow the SRD 5.1 (XP table,
proficiency, carrying capacity STR x 15); the text is our own.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from typing import Any

from storyai.core.domain.dice import Dice, RollResult
from storyai.core.domain.errors import RuleError
from storyai.core.domain.sheet import (
    MAX_LEVEL,
    STANDARD_ARRAY,
    Sheet,
    ability_modifier,
    hit_die_average,
    level_for_xp,
    proficiency_for_level,
    roll_ability_scores,
    with_defence,
)
from storyai.core.domain.standing import MAX_EXHAUSTION
from storyai.core.domain.stats import ABILITIES
from storyai.core.domain.world import D20Options, World
from storyai.core.rules.base import (
    Advantage,
    AttackResult,
    CheckResult,
    Notes,
    RestKind,
    RuleSystem,
    Weapon,
    dead_update,
    normalise,
    typed_damage,
    with_bonus,
)
from storyai.core.rules.display import (
    AttackLine,
    CreationRules,
    Resource,
    Score,
    ScoreMethod,
    SheetSummary,
    SkillEntry,
    Stat,
)

MAX_IMPROVED = 20
"""No ability score improvement raises a score above this (SRD)."""

ABILITY_NAMES = {
    "strength": "str",
    "dexterity": "dex",
    "constitution": "con",
    "intelligence": "int",
    "wisdom": "wis",
    "charisma": "cha",
}
ABILITY_LABELS = {short: long.capitalize() for long, short in ABILITY_NAMES.items()}

SKILL_ABILITIES = {
    "athletics": "str",
    "acrobatics": "dex",
    "sleight_of_hand": "dex",
    "stealth": "dex",
    "arcana": "int",
    "history": "int",
    "investigation": "int",
    "nature": "int",
    "religion": "int",
    "animal_handling": "wis",
    "insight": "wis",
    "medicine": "wis",
    "perception": "wis",
    "survival": "wis",
    "deception": "cha",
    "intimidation": "cha",
    "performance": "cha",
    "persuasion": "cha",
}
"""Each skill and the ability it is rolled with."""

SKILL_ALIASES = {
    "climb": "athletics",
    "jump": "athletics",
    "swim": "athletics",
    "hide": "stealth",
    "sneak": "stealth",
    "pick_lock": "sleight_of_hand",
    "lockpicking": "sleight_of_hand",
    "pickpocket": "sleight_of_hand",
    "search": "investigation",
    "spot": "perception",
    "listen": "perception",
    "notice": "perception",
    "track": "survival",
    "lie": "deception",
    "bluff": "deception",
    "convince": "persuasion",
    "intimidate": "intimidation",
    "first_aid": "medicine",
}
"""Everyday words the narrator or a player might use for a skill."""

DIFFICULTIES = {
    "very_easy": 5,
    "easy": 10,
    "medium": 15,
    "moderate": 15,
    "hard": 20,
    "very_hard": 25,
    "nearly_impossible": 30,
}
DEFAULT_DC = 15

ATTACKING_AT_DISADVANTAGE = frozenset({"poisoned", "frightened", "blinded", "restrained", "prone"})
ATTACKING_AT_ADVANTAGE = frozenset({"invisible", "hidden"})
ATTACKED_AT_ADVANTAGE = frozenset(
    {"blinded", "restrained", "stunned", "paralyzed", "unconscious", "petrified"}
)
ATTACKED_AT_DISADVANTAGE = frozenset({"invisible", "dodging"})
CHECKS_AT_DISADVANTAGE = frozenset({"poisoned", "frightened"})
FAILS_STR_DEX_SAVES = frozenset({"paralyzed", "stunned", "unconscious", "petrified"})
CRIT_WHEN_HIT_IN_MELEE = frozenset({"paralyzed", "unconscious"})

_DICE_TERM = re.compile(r"(\[[^\]]*\])|(\d*)d(\d+|%)")


def double_dice(expr: str) -> str:
    """A critical hit's damage: every die doubled, modifiers not (``1d8+3`` -> ``2d8+3``)."""

    def double(match: re.Match[str]) -> str:
        if match.group(1):
            return match.group(1)
        count = int(match.group(2) or 1)
        return f"{count * 2}d{match.group(3)}"

    return _DICE_TERM.sub(double, expr)


def _d20(advantage: Advantage) -> str:
    return {
        Advantage.NONE: "1d20",
        Advantage.ADVANTAGE: "2d20kh1",
        Advantage.DISADVANTAGE: "2d20kl1",
    }[advantage]


def _label(name: str) -> str:
    if name in ABILITY_LABELS:
        return ABILITY_LABELS[name]
    return " ".join(w if w == "of" else w.capitalize() for w in name.split("_"))


def _a(label: str) -> str:
    return f"{'an' if label[0].lower() in 'aeiou' else 'a'} {label}"


def _save_ability(key: str) -> str | None:
    for prefix in ("save_", "saving_throw_", "save:"):
        if key.startswith(prefix):
            key = key[len(prefix) :]
            break
    else:
        for suffix in ("_save", "_saving_throw"):
            if key.endswith(suffix):
                key = key[: -len(suffix)]
                break
        else:
            return None
    key = ABILITY_NAMES.get(key, key)
    return key if key in ABILITIES else None


def _automatic_failure(label: str) -> RollResult:
    return RollResult(total=0, expression="", breakdown=f"{label}: automatic failure")


class D20System(RuleSystem):
    """5e-SRD-style rules. ``options`` are the world's ``rules.options``."""

    name = "d20"
    skills = frozenset(SKILL_ABILITIES)
    open_skills = False  # a proficiency is one of the 18 skills, spelled as they are

    def __init__(self, options: D20Options | None = None) -> None:
        self.options = options or D20Options()

    def skill_key(self, name: str) -> str:
        key = normalise(name)
        return SKILL_ALIASES.get(key, key)

    # -------------------------------------------------------------- checks

    def dc(self, difficulty: int | str | None) -> int:
        """A difficulty class from a number or a word (``"hard"`` -> 20)."""
        if difficulty is None:
            return DEFAULT_DC
        if isinstance(difficulty, str):
            key = normalise(difficulty).removeprefix("dc_").removeprefix("dc")
            if key.isdigit():
                difficulty = int(key)
            elif key in DIFFICULTIES:
                return DIFFICULTIES[key]
            else:
                words = ", ".join(DIFFICULTIES)
                raise RuleError(f"'{difficulty}' isn't a difficulty; use a DC or one of: {words}.")
        if not 0 <= difficulty <= 40:
            raise RuleError(f"A DC of {difficulty} is off the scale (0 to 40).")
        return difficulty

    def check(
        self,
        sheet: Sheet,
        skill: str,
        difficulty: int | str | None,
        dice: Dice,
        *,
        advantage: Advantage = Advantage.NONE,
    ) -> CheckResult:
        dc = self.dc(difficulty)
        key = normalise(skill)
        save = _save_ability(key)
        if save:
            return self.saving_throw(sheet, save, dc, dice, advantage=advantage)
        self._require_able(sheet, "do that")
        label, bonus = self._check_bonus(sheet, key)
        sources = [advantage]
        if sheet.conditions & CHECKS_AT_DISADVANTAGE:
            sources.append(Advantage.DISADVANTAGE)
        adv = Advantage.combine(*sources)
        roll = dice.roll(with_bonus(_d20(adv), bonus - self.exhaustion_penalty(sheet)))
        return self._verdict(sheet, f"{label} check", dc, roll, adv)

    def _check_bonus(self, sheet: Sheet, key: str) -> tuple[str, int]:
        ability = ABILITY_NAMES.get(key, key)
        if ability in ABILITIES:
            return _label(ability), sheet.mod(ability)
        skill = SKILL_ALIASES.get(key, key)
        if skill in sheet.skills:
            return _label(skill), sheet.skills[skill]
        if skill in SKILL_ABILITIES:
            bonus = sheet.mod(SKILL_ABILITIES[skill])
            if skill in sheet.skill_proficiencies:
                bonus += sheet.proficiency_bonus
            return _label(skill), bonus
        known = ", ".join(sorted(SKILL_ABILITIES))
        raise RuleError(
            f"'{key}' isn't a skill or ability here. Skills: {known}; "
            "abilities: str, dex, con, int, wis, cha."
        )

    def saving_throw(
        self,
        sheet: Sheet,
        ability: str,
        dc: int,
        dice: Dice,
        *,
        advantage: Advantage = Advantage.NONE,
    ) -> CheckResult:
        """A saving throw: d20 + the ability modifier (+ proficiency) against a DC."""
        ability = ABILITY_NAMES.get(normalise(ability), normalise(ability))
        if ability not in ABILITIES:
            raise RuleError(f"'{ability}' isn't an ability (str, dex, con, int, wis, cha).")
        if sheet.is_dead:
            raise RuleError(f"{sheet.name} is dead.")
        label = f"{_label(ability)} save"
        if ability in ("str", "dex") and sheet.conditions & FAILS_STR_DEX_SAVES:
            return self._verdict(sheet, label, dc, _automatic_failure(label), Advantage.NONE)
        if ability in sheet.saves:
            bonus = sheet.saves[ability]
        else:
            bonus = sheet.mod(ability)
            if ability in sheet.save_proficiencies:
                bonus += sheet.proficiency_bonus
        sources = [advantage]
        if ability == "dex" and "restrained" in sheet.conditions:
            sources.append(Advantage.DISADVANTAGE)
        if ability == "dex" and "dodging" in sheet.conditions:
            sources.append(Advantage.ADVANTAGE)
        adv = Advantage.combine(*sources)
        roll = dice.roll(with_bonus(_d20(adv), bonus - self.exhaustion_penalty(sheet)))
        return self._verdict(sheet, label, dc, roll, adv)

    def _verdict(
        self, sheet: Sheet, label: str, dc: int, roll: RollResult, adv: Advantage
    ) -> CheckResult:
        success = bool(roll.faces) and roll.total >= dc
        natural = roll.natural
        if success:
            degree = "critical_success" if natural == 20 else "success"
        else:
            degree = "critical_failure" if natural == 1 else "failure"
        margin = roll.total - dc
        outcome = f"success by {margin}" if success else f"failure by {-margin}"
        if not roll.faces:
            outcome = "failure"
        return CheckResult(
            sheet_id=sheet.id,
            skill=label,
            success=success,
            degree=degree,
            target=dc,
            margin=margin,
            roll=roll,
            advantage=adv,
            text=f"{sheet.name} makes {_a(label)}: {roll.breakdown} vs DC {dc} — {outcome}.",
        )

    # ------------------------------------------------------------- attacks

    def attack(
        self,
        attacker: Sheet,
        defender: Sheet,
        weapon: str | None,
        dice: Dice,
        world: World,
        *,
        advantage: Advantage = Advantage.NONE,
    ) -> AttackResult:
        self._require_able(attacker, "attack")
        if defender.is_dead:
            raise RuleError(f"{defender.name} is already dead.")
        chosen = self.choose_weapon(attacker, weapon, world)
        to_hit, damage, damage_type, ranged = self.attack_profile(attacker, chosen)
        adv = self.attack_advantage(attacker, defender, ranged, advantage)
        roll = dice.roll(with_bonus(_d20(adv), to_hit - self.exhaustion_penalty(attacker)))
        natural = roll.natural
        hit = natural != 1 and (natural == 20 or roll.total >= defender.ac)
        critical = hit and (
            natural == 20 or (not ranged and bool(defender.conditions & CRIT_WHEN_HIT_IN_MELEE))
        )
        head = (
            f"{attacker.name} attacks {defender.name} ({chosen.name}): "
            f"{roll.breakdown} vs AC {defender.ac}"
        )
        common: dict[str, Any] = {
            "attacker_id": attacker.id,
            "defender_id": defender.id,
            "attack": chosen.name,
            "roll": roll,
            "target": defender.ac,
        }
        if not hit:
            why = "natural 1, a miss" if natural == 1 else "miss"
            return AttackResult(
                **common, hit=False, fumble=natural == 1, defender=defender, text=f"{head} — {why}."
            )
        damage_roll = dice.roll(double_dice(damage) if critical else damage)
        hurt, notes, dealt = self._take(defender, max(0, damage_roll.total), damage_type, critical)
        verdict = "critical hit!" if critical else "hit!"
        text = f"{head} — {verdict} {damage_roll.breakdown} {damage_type} damage."
        if dealt != max(0, damage_roll.total):
            text += f" {dealt} taken."
        return AttackResult(
            **common,
            hit=True,
            critical=critical,
            damage_roll=damage_roll,
            damage=dealt,
            damage_type=damage_type,
            defender=hurt,
            notes=notes,
            text=" ".join([text, *notes]),
        )

    def attack_profile(self, attacker: Sheet, weapon: Weapon) -> tuple[int, str, str, bool]:
        """To-hit bonus, damage dice, damage type and whether the attack is ranged.

        Weapons use STR, or DEX when ranged (``ranged``/``ammunition``), or the
        better of the two with ``finesse``; wielders add their proficiency bonus.
        """
        if weapon.listed is not None:
            a = weapon.listed
            return a.to_hit, a.damage, normalise(a.damage_type), a.ranged
        if weapon.item is None:
            mod = attacker.mod("str")
            return mod + attacker.proficiency_bonus, str(max(1, 1 + mod)), "bludgeoning", False
        props = {normalise(p) for p in weapon.item.properties}
        ranged = bool(props & {"ranged", "ammunition"})
        if ranged:
            mod = attacker.mod("dex")
        elif "finesse" in props:
            mod = max(attacker.mod("str"), attacker.mod("dex"))
        else:
            mod = attacker.mod("str")
        damage = with_bonus(weapon.item.damage or "1d4", mod)
        damage_type = normalise(weapon.item.damage_type or "bludgeoning")
        return mod + attacker.proficiency_bonus, damage, damage_type, ranged

    def attack_advantage(
        self,
        attacker: Sheet,
        defender: Sheet,
        ranged: bool,
        advantage: Advantage = Advantage.NONE,
    ) -> Advantage:
        """Combine a requested advantage with what both sides' conditions impose."""
        sources = [advantage]
        if attacker.conditions & ATTACKING_AT_DISADVANTAGE:
            sources.append(Advantage.DISADVANTAGE)
        if attacker.conditions & ATTACKING_AT_ADVANTAGE:
            sources.append(Advantage.ADVANTAGE)
        if defender.conditions & ATTACKED_AT_ADVANTAGE:
            sources.append(Advantage.ADVANTAGE)
        if defender.conditions & ATTACKED_AT_DISADVANTAGE:
            sources.append(Advantage.DISADVANTAGE)
        if "prone" in defender.conditions:
            sources.append(Advantage.DISADVANTAGE if ranged else Advantage.ADVANTAGE)
        return Advantage.combine(*sources)

    # -------------------------------------------------------------- damage

    def apply_damage(
        self, sheet: Sheet, amount: int, damage_type: str | None = None, *, critical: bool = False
    ) -> tuple[Sheet, Notes]:
        """Take damage.

        Immunity ignores it, resistance halves it (rounded down), vulnerability
        doubles it; temporary HP soak it first. A player character dropped to 0
        falls unconscious (or dies outright if the damage left over is at least
        their maximum HP); damage while at 0 counts as a failed death save (two
        on a critical hit). NPCs and creatures die at 0 HP.
        """
        hurt, notes, _ = self._take(sheet, amount, damage_type, critical)
        return hurt, notes

    def _take(
        self, sheet: Sheet, amount: int, damage_type: str | None, critical: bool
    ) -> tuple[Sheet, Notes, int]:
        if amount < 0:
            raise ValueError("damage must not be negative")
        if sheet.is_dead:
            return sheet, (f"{sheet.name} is already dead.",), 0
        notes: list[str] = []
        dealt = typed_damage(sheet, amount, damage_type, notes)
        if dealt == 0:
            return sheet, tuple(notes), 0
        soaked = min(sheet.temp_hp, dealt)
        rest = dealt - soaked
        update: dict[str, Any] = {"temp_hp": sheet.temp_hp - soaked}
        if soaked:
            notes.append(f"Temporary hit points absorb {soaked}.")
        if rest == 0:
            return sheet.model_copy(update=update), tuple(notes), dealt
        if sheet.hp == 0:
            update.update(self._hit_while_down(sheet, rest, critical, notes))
        elif rest < sheet.hp:
            update["hp"] = sheet.hp - rest
        else:
            update.update(self._drop(sheet, rest - sheet.hp, notes))
        return sheet.model_copy(update=update), tuple(notes), dealt

    def _drop(self, sheet: Sheet, overflow: int, notes: list[str]) -> dict[str, Any]:
        if not sheet.is_player:
            notes.append(f"{sheet.name} dies.")
            return dead_update(sheet)
        if overflow >= sheet.max_hp:
            notes.append(f"{sheet.name} is killed outright.")
            return dead_update(sheet)
        down = {"hp": 0, "death_saves": sheet.death_saves.model_copy(update=_NO_SAVES)}
        if not self.options.death_saves:
            notes.append(f"{sheet.name} falls unconscious.")
            return {**down, "conditions": sheet.conditions | {"unconscious", "prone", "stable"}}
        notes.append(f"{sheet.name} falls unconscious and is dying.")
        return {**down, "conditions": sheet.conditions | {"unconscious", "prone"}}

    def _hit_while_down(
        self, sheet: Sheet, amount: int, critical: bool, notes: list[str]
    ) -> dict[str, Any]:
        if not sheet.is_player or amount >= sheet.max_hp:
            notes.append(f"{sheet.name} dies.")
            return dead_update(sheet)
        failures = min(3, sheet.death_saves.failures + (2 if critical else 1))
        if failures >= 3:
            notes.append(f"{sheet.name} dies.")
            return dead_update(sheet)
        notes.append(f"{sheet.name} fails a death save ({failures} of 3).")
        stable = sheet.conditions if not self.options.death_saves else sheet.conditions - {"stable"}
        return {
            "conditions": stable,
            "death_saves": sheet.death_saves.model_copy(update={"failures": failures}),
        }

    # -------------------------------------------------------- death saves

    def is_dying(self, sheet: Sheet) -> bool:
        return (
            self.options.death_saves
            and sheet.is_player
            and sheet.hp == 0
            and not sheet.is_dead
            and "stable" not in sheet.conditions
        )

    def death_save(self, sheet: Sheet, dice: Dice) -> tuple[Sheet, CheckResult]:
        """A death saving throw: 10 or more succeeds, a natural 1 fails twice, a
        natural 20 brings the character back with 1 HP. Three successes make
        them stable; three failures, dead."""
        if not self.is_dying(sheet):
            raise RuleError(f"{sheet.name} isn't dying, so there is no death save to make.")
        roll = dice.roll("1d20")
        natural = roll.total
        saves = sheet.death_saves
        if natural == 20:
            after = self.heal(sheet, 1)
            degree, outcome = "critical_success", f"{sheet.name} rallies with 1 HP!"
        elif natural >= 10:
            successes = saves.successes + 1
            degree = "success"
            if successes >= 3:
                after = sheet.model_copy(
                    update={
                        "conditions": sheet.conditions | {"stable"},
                        "death_saves": saves.model_copy(update=_NO_SAVES),
                    }
                )
                outcome = f"{sheet.name} is stable."
            else:
                after = sheet.model_copy(
                    update={"death_saves": saves.model_copy(update={"successes": successes})}
                )
                outcome = f"success ({successes} of 3)."
        else:
            failures = min(3, saves.failures + (2 if natural == 1 else 1))
            degree = "critical_failure" if natural == 1 else "failure"
            if failures >= 3:
                after = sheet.model_copy(update=dead_update(sheet))
                outcome = f"{sheet.name} dies."
            else:
                after = sheet.model_copy(
                    update={"death_saves": saves.model_copy(update={"failures": failures})}
                )
                outcome = f"failure ({failures} of 3)."
        success = natural >= 10
        return after, CheckResult(
            sheet_id=sheet.id,
            skill="Death save",
            success=success,
            degree=degree,
            target=10,
            margin=natural - 10,
            roll=roll,
            text=f"{sheet.name} makes a death save: {roll.breakdown} — {outcome}",
        )

    # ---------------------------------------------------------- exhaustion

    def exhaustion_penalty(self, sheet: Sheet) -> int:
        """SRD 5.2: every d20 test is reduced by twice the exhaustion level."""
        return 2 * sheet.exhaustion

    def exhaustion_effect(self, level: int) -> str:
        if level <= 0 or level >= MAX_EXHAUSTION:
            return super().exhaustion_effect(level)
        return f"d20 tests −{2 * level}, speed −{5 * level} ft"

    # ---------------------------------------------------------------- rest

    def rest(
        self, sheet: Sheet, kind: RestKind, dice: Dice, *, hit_dice: int | None = None
    ) -> tuple[Sheet, Notes]:
        after, notes = self._rest(sheet, kind, dice, hit_dice=hit_dice)
        return self._rested_exhaustion(after, kind, notes)

    def _rest(
        self, sheet: Sheet, kind: RestKind, dice: Dice, *, hit_dice: int | None = None
    ) -> tuple[Sheet, Notes]:
        """Short rest: spend hit dice (each d{hit_die} + CON) until healed or
        ``hit_dice`` are spent. Long rest: full HP, half the hit dice back (at
        least one), death saves cleared. A stable character at 0 HP wakes with 1."""
        if sheet.is_dead:
            raise RuleError(f"{sheet.name} is dead.")
        if self.is_dying(sheet):
            raise RuleError(f"{sheet.name} is dying and can't rest; stabilise them first.")
        if kind not in ("short", "long"):
            raise RuleError(f"A rest is short or long, not '{kind}'.")
        rested = self.remove_condition(sheet, "dodging")
        if sheet.hp == 0:
            woken = self.remove_condition(self.heal(rested, 1), "prone")
            return woken, (f"{sheet.name} comes round with 1 HP.",)
        if kind == "long":
            regained = min(sheet.level, sheet.hit_dice + max(1, sheet.level // 2)) - sheet.hit_dice
            after = rested.model_copy(
                update={
                    "hp": sheet.max_hp,
                    "temp_hp": 0,
                    "hit_dice": sheet.hit_dice + regained,
                    "death_saves": sheet.death_saves.model_copy(update=_NO_SAVES),
                }
            )
            note = f"{sheet.name} rests long and is back to {sheet.max_hp} HP"
            return after, (note + (f", regaining {regained} hit dice." if regained else "."),)
        budget = sheet.hit_dice if hit_dice is None else min(hit_dice, sheet.hit_dice)
        after, spent, notes = rested, 0, []
        while spent < budget and after.hp < after.max_hp:
            roll = dice.roll(with_bonus(f"1d{sheet.hit_die}", sheet.mod("con")))
            spent += 1
            before = after.hp
            after = self.heal(after, max(0, roll.total))
            notes.append(f"Hit die: {roll.breakdown}, +{after.hp - before} HP.")
        after = after.model_copy(update={"hit_dice": sheet.hit_dice - spent})
        if not spent:
            why = "no hit dice left" if sheet.hit_dice == 0 else "no need to spend hit dice"
            notes.append(f"{sheet.name} takes a short rest ({why}).")
        else:
            notes.append(f"{sheet.name} is at {after.hp} of {after.max_hp} HP.")
        return after, tuple(notes)

    # ---------------------------------------------- initiative, XP, carrying

    def initiative(self, sheet: Sheet, dice: Dice) -> int:
        """d20 + DEX modifier."""
        return dice.roll(with_bonus("1d20", sheet.mod("dex"))).total

    def award_xp(self, sheet: Sheet, xp: int) -> tuple[Sheet, bool]:
        """Add XP; each level gained adds the hit die's average + CON to max HP."""
        if xp < 0:
            raise ValueError("xp must not be negative")
        total = sheet.xp + xp
        level = min(MAX_LEVEL, max(sheet.level, level_for_xp(total)))
        gained = level - sheet.level
        if gained <= 0:
            return sheet.model_copy(update={"xp": total}), False
        per_level = max(1, hit_die_average(sheet.hit_die) + sheet.mod("con"))
        update: dict[str, Any] = {
            "xp": total,
            "level": level,
            "max_hp": sheet.max_hp + per_level * gained,
            "hit_dice": sheet.hit_dice + gained,
        }
        if sheet.is_player:
            crossed = sum(1 for at in self.options.improvement_levels if sheet.level < at <= level)
            update["improvements"] = min(20, sheet.improvements + crossed)
        if not sheet.is_down:
            update["hp"] = sheet.hp + per_level * gained
        if sheet.is_player:
            update["proficiency_bonus"] = proficiency_for_level(level)
        return sheet.model_copy(update=update), True

    def improvement_options(self, sheet: Sheet) -> tuple[str, ...]:
        if sheet.improvements <= 0:
            return ()
        return tuple(a for a in ABILITIES if sheet.abilities.get(a, 10) < MAX_IMPROVED)

    def improve(self, sheet: Sheet, abilities: Sequence[str], world: World) -> tuple[Sheet, Notes]:
        """+2 to one ability or +1 to two different ones, none above 20 (SRD). A higher
        CON adds its extra modifier to max HP for every level; a higher DEX moves AC."""
        if sheet.improvements <= 0:
            raise RuleError(
                f"{sheet.name} has no ability score improvement to choose.",
            )
        keys = [normalise(a)[:3] for a in abilities]
        if not 1 <= len(keys) <= 2 or any(k not in ABILITIES for k in keys):
            raise RuleError(
                "Name one ability (+2) or two different ones (+1 each).",
                hint="e.g. improve str, or improve dex con",
            )
        if len(keys) == 2 and keys[0] == keys[1]:
            keys = keys[:1]
        gain = 2 if len(keys) == 1 else 1
        abilities_now = dict(sheet.abilities)
        for key in keys:
            after = abilities_now.get(key, 10) + gain
            if after > MAX_IMPROVED:
                raise RuleError(
                    f"{key.upper()} would go above {MAX_IMPROVED}.",
                    hint="pick another ability, or split the improvement",
                )
            abilities_now[key] = after
        update: dict[str, Any] = {
            "abilities": abilities_now,
            "improvements": sheet.improvements - 1,
        }
        con_gain = ability_modifier(abilities_now.get("con", 10)) - sheet.mod("con")
        if con_gain:
            update["max_hp"] = sheet.max_hp + con_gain * sheet.level
            update["hp"] = sheet.hp + con_gain * sheet.level if sheet.hp else 0
        dex_gain = ability_modifier(abilities_now.get("dex", 10)) - sheet.mod("dex")
        if dex_gain:
            update["natural_ac"] = sheet.natural_ac + dex_gain
        raised = sheet.model_copy(update=update)
        if dex_gain:
            raised = with_defence(raised, world)
        notes = [
            ", ".join(
                f"{k.upper()} {sheet.abilities.get(k, 10)} → {abilities_now[k]}" for k in keys
            )
            + "."
        ]
        if con_gain:
            notes.append(f"Max HP {sheet.max_hp} → {raised.max_hp}.")
        return raised, tuple(notes)

    def capacity(self, sheet: Sheet) -> float:
        """STR x 15 lb, or unlimited when the world turns encumbrance off."""
        if not self.options.encumbrance:
            return math.inf
        return float(sheet.score("str") * 15)

    # ------------------------------------------------------------- display

    def summarize(self, sheet: Sheet, world: World) -> SheetSummary:
        """Abilities with modifiers, AC, HP and hit dice, XP, proficient skills and
        the attacks the character would make."""
        keys = [a for a in ABILITIES if a in sheet.abilities]
        keys += [a for a in sheet.abilities if a not in keys]
        scores = tuple(
            Score(a, a.upper(), _label(a), sheet.abilities[a], ability_modifier(sheet.abilities[a]))
            for a in keys
        )
        resources = [Resource("hp", "HP", sheet.hp, sheet.max_hp, temporary=sheet.temp_hp)]
        stats: list[Stat] = []
        if sheet.is_player:
            resources.append(
                Resource(
                    "hit_dice", "Hit dice", sheet.hit_dice, sheet.level, note=f"d{sheet.hit_die}"
                )
            )
            stats.append(Stat("xp", "XP", str(sheet.xp)))
        if self.is_dying(sheet):
            saves = sheet.death_saves
            stats.append(
                Stat("death_saves", "Death saves", f"{saves.successes}✓ {saves.failures}✗")
            )
        return SheetSummary(
            score_label="Abilities",
            scores=scores,
            scores_per_row=3,
            defence=Stat("ac", "AC", str(sheet.ac)),
            resources=tuple(resources),
            stats=tuple(stats),
            level=sheet.level,
            skill_label="Skills",
            skills=self._skill_entries(sheet),
            attacks=self._attack_lines(sheet, world),
        )

    def _skill_entries(self, sheet: Sheet) -> tuple[SkillEntry, ...]:
        entries: dict[str, SkillEntry] = {}
        for name in [*sorted(sheet.skill_proficiencies), *sheet.skills]:
            key = SKILL_ALIASES.get(normalise(name), normalise(name))
            if key in entries:
                continue
            try:
                label, bonus = self._check_bonus(sheet, key)
            except RuleError:  # a skill these rules don't know: nothing to roll with
                continue
            entries[key] = SkillEntry(key, label, bonus, f"{bonus:+d}")
        return tuple(sorted(entries.values(), key=lambda e: e.label))

    def _attack_lines(self, sheet: Sheet, world: World) -> tuple[AttackLine, ...]:
        lines = []
        for weapon in self.ready_weapons(sheet, world):
            to_hit, damage, damage_type, ranged = self.attack_profile(sheet, weapon)
            lines.append(
                AttackLine(weapon.name, f"{to_hit:+d} to hit", f"{damage} {damage_type}", ranged)
            )
        return tuple(lines)

    def creation(self) -> CreationRules:
        """The standard array and/or 4d6-drop-lowest, as the world allows; both are
        arranged over the six abilities by the player."""
        methods = {
            "4d6kh3": ScoreMethod(
                "4d6kh3",
                "Roll 4d6, drop lowest",
                arrangeable=True,
                rerollable=True,
                hint="Rolled. Pick a value to swap",
                values=lambda dice: list(roll_ability_scores(dice).values()),
            ),
            "standard_array": ScoreMethod(
                "standard_array",
                "Standard array",
                arrangeable=True,
                rerollable=False,
                hint="Pick a value for an ability to swap it with another",
                values=lambda dice: list(STANDARD_ARRAY),
            ),
        }
        offered = [methods[m] for m in self.options.ability_generation if m in methods]
        return CreationRules(
            score_label="Ability scores",
            score_keys=ABILITIES,
            methods=tuple(offered or [methods["standard_array"]]),
        )


_NO_SAVES = {"successes": 0, "failures": 0}
