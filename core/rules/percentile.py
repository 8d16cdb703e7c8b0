"""A percentile rule system in the style of Basic Roleplaying (our own wording).

Roll d100 and hope to roll low: at or under the skill succeeds, under half of
it is a hard success, under a fifth an extreme one, and 01 is a critical.
Rolling at or above the world's ``fumble_on`` (default 100, or 96 and up for
skills under 50) is a fumble. Harder tasks need a better degree. Armor soaks
damage; a blow of half the maximum HP or more is a major wound, and a wounded
character who reaches 0 HP is dying. Characteristics use the 15-90 scale, so a
characteristic can be rolled like a skill.
"""

from __future__ import annotations

from typing import Any

from storyai.core.domain.dice import Dice, MaxDice, RollResult
from storyai.core.domain.errors import RuleError
from storyai.core.domain.sheet import BASE_SKILLS, Sheet, roll_characteristics
from storyai.core.domain.standing import MAX_EXHAUSTION
from storyai.core.domain.stats import CHARACTERISTICS
from storyai.core.domain.world import PercentileOptions, World
from storyai.core.rules.base import (
    Advantage,
    AttackResult,
    CheckResult,
    Downed,
    Notes,
    RestKind,
    RuleSystem,
    Weapon,
    dead_update,
    normalise,
    typed_damage,
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

DEGREES = ("fumble", "failure", "regular", "hard", "extreme", "critical")
"""Degrees of success, worst first."""
IMPROVE_ALWAYS = 96
"""A development roll this high improves a skill however good it is."""
MAX_SKILL = 99
"""No skill develops past this."""
RANK = {degree: i for i, degree in enumerate(DEGREES)}
DIFFICULTIES = {"regular": 1, "hard": 2, "extreme": 5}
"""Each difficulty and what the skill is divided by to get the target."""
DIFFICULTY_ALIASES = {
    "normal": "regular",
    "easy": "regular",
    "medium": "regular",
    "very_hard": "extreme",
}
UNTRAINED = 5
"""The chance for a skill nobody listed and no base value covers."""

CHARACTERISTIC_NAMES = {
    "strength": "str",
    "constitution": "con",
    "size": "siz",
    "dexterity": "dex",
    "appearance": "app",
    "intelligence": "int",
    "power": "pow",
    "education": "edu",
}
SKILL_ALIASES = {
    "brawl": "fighting",
    "fighting_brawl": "fighting",
    "melee": "fighting",
    "spot": "spot_hidden",
    "search": "spot_hidden",
    "perception": "spot_hidden",
    "hide": "stealth",
    "sneak": "stealth",
    "persuasion": "persuade",
    "intimidation": "intimidate",
    "medicine_first_aid": "first_aid",
}

PENALTY_WHEN = frozenset({"poisoned", "blinded", "frightened", "restrained", "prone"})
"""The actor's conditions that add a penalty die to attacks and checks."""
BONUS_AGAINST = frozenset({"unconscious", "restrained", "stunned", "paralyzed", "prone"})
"""The target's conditions that give a melee attacker a bonus die."""


def damage_bonus(sheet: Sheet) -> str:
    """Extra melee damage from STR + SIZ, as dice text to append (may be empty)."""
    total = sheet.score("str") + sheet.score("siz")
    if total < 65:
        return "-2"
    if total < 85:
        return "-1"
    if total < 125:
        return ""
    if total < 165:
        return "+1d4"
    if total < 205:
        return "+1d6"
    return "+2d6"


def _d100(advantage: Advantage) -> str:
    return {
        Advantage.NONE: "1d100",
        Advantage.ADVANTAGE: "2d100kl1",
        Advantage.DISADVANTAGE: "2d100kh1",
    }[advantage]


def _skill_key(name: str) -> str:
    key = normalise(name)
    return SKILL_ALIASES.get(key, CHARACTERISTIC_NAMES.get(key, key))


def _skills_by_key(sheet: Sheet) -> dict[str, tuple[int, str]]:
    """The sheet's skills under one spelling: "Spot Hidden", "spot_hidden" and "spot"
    are one skill, at the best value written for it, named as the author wrote that
    one (ties: the later, the author's over a base skill). The sheet and the rolls
    both use this name, so "Brawl 50%" on the sheet is "Brawl" in the fight."""
    out: dict[str, tuple[int, str]] = {}
    for name, value in sheet.skills.items():
        key = _skill_key(name)
        shown = name.replace("_", " ").strip()
        shown = shown[:1].upper() + shown[1:]
        if key not in out or value >= out[key][0]:
            out[key] = (value, shown)
    return out


def _label(name: str) -> str:
    if name in CHARACTERISTICS:
        return name.upper()
    return name.replace("_", " ").capitalize()


def _article(degree: str) -> str:
    return {
        "critical": "a critical success",
        "extreme": "an extreme success",
        "hard": "a hard success",
        "regular": "a success",
        "failure": "a failure",
        "fumble": "a fumble",
    }[degree]


class PercentileSystem(RuleSystem):
    """BRP-style rules. ``options`` are the world's ``rules.options``."""

    name = "percentile"
    skills = frozenset(BASE_SKILLS)

    def __init__(self, options: PercentileOptions | None = None) -> None:
        self.options = options or PercentileOptions()

    def skill_key(self, name: str) -> str:
        return _skill_key(name)

    # -------------------------------------------------------------- checks

    def skill_value(self, sheet: Sheet, skill: str) -> tuple[str, int]:
        """The label and percent for a skill or characteristic name.

        Listed skills first, then characteristics (rolled at their value), then
        the base skills anyone has, then ``UNTRAINED``.
        """
        key = _skill_key(skill)
        known = _skills_by_key(sheet)
        if key in known:
            value, shown = known[key]
            return shown, value
        if key in CHARACTERISTICS:
            return _label(key), sheet.score(key)
        if key == "dodge":
            return _label(key), sheet.score("dex") // 2
        return _label(key), BASE_SKILLS.get(key, UNTRAINED)

    def skill_rating(self, sheet: Sheet, skill: str) -> tuple[str, int]:
        """The percent a skill is at, from its base when the sheet does not list it."""
        return self.skill_value(sheet, skill)

    def difficulty(self, difficulty: int | str | None) -> str:
        """``regular``, ``hard`` or ``extreme``."""
        if difficulty is None:
            return "regular"
        if isinstance(difficulty, str):
            key = normalise(difficulty)
            key = DIFFICULTY_ALIASES.get(key, key)
            if key in DIFFICULTIES:
                return key
        raise RuleError(
            f"'{difficulty}' isn't a difficulty here; percentile checks are regular, "
            "hard or extreme."
        )

    def degree(self, roll: int, skill: int) -> str:
        """The degree of success of a d100 roll against a skill."""
        if roll == 1:
            return "critical"
        fumble_at = self.options.fumble_on if skill >= 50 else min(self.options.fumble_on, 96)
        if roll >= fumble_at:
            return "fumble"
        if roll <= skill // 5:
            return "extreme"
        if roll <= skill // 2:
            return "hard"
        if roll <= skill:
            return "regular"
        return "failure"

    def check(
        self,
        sheet: Sheet,
        skill: str,
        difficulty: int | str | None,
        dice: Dice,
        *,
        advantage: Advantage = Advantage.NONE,
    ) -> CheckResult:
        """Roll d100 under a skill. Advantage is a bonus die (two rolls, keep the
        lower), disadvantage a penalty die (keep the higher)."""
        level = self.difficulty(difficulty)
        self._require_able(sheet, "do that")
        label, value = self.skill_value(sheet, skill)
        sources = [advantage]
        if sheet.conditions & PENALTY_WHEN:
            sources.append(Advantage.DISADVANTAGE)
        adv = Advantage.combine(*sources)
        roll = dice.roll(_d100(adv))
        value = max(1, value - self.exhaustion_penalty(sheet)) if sheet.exhaustion else value
        return self._verdict(sheet, label, value, level, roll, adv)

    def _verdict(
        self, sheet: Sheet, label: str, value: int, level: str, roll: RollResult, adv: Advantage
    ) -> CheckResult:
        degree = self.degree(roll.total, value)
        target = value // DIFFICULTIES[level]
        success = RANK[degree] >= RANK[level]
        wanted = "" if level == "regular" else f", {level}"
        verdict = _article(degree)
        if degree not in ("failure", "fumble") and not success:
            verdict += f", not enough for {level}"
        return CheckResult(
            sheet_id=sheet.id,
            skill=label,
            success=success,
            degree=degree,
            target=target,
            margin=target - roll.total,
            roll=roll,
            advantage=adv,
            text=f"{sheet.name} rolls {label} ({value}%{wanted}): {roll.breakdown} — {verdict}.",
        )

    # ------------------------------------------------------------- attacks

    def attack_profile(self, attacker: Sheet, weapon: Weapon) -> tuple[str, int, str, str, bool]:
        """Skill label, chance, damage dice, damage type, and whether it is ranged."""
        if weapon.listed is not None:
            a = weapon.listed
            return a.name, a.skill, a.damage, normalise(a.damage_type), a.ranged
        item = weapon.item
        props = {normalise(p) for p in item.properties} if item else set()
        ranged = bool(props & {"ranged", "ammunition", "firearm"})
        default_skill = "firearms" if "firearm" in props else "throw" if ranged else "fighting"
        label, chance = self.skill_value(attacker, (item.skill if item else None) or default_skill)
        damage = (item.damage if item else None) or "1d3"
        if not ranged:
            damage += damage_bonus(attacker)
        damage_type = normalise((item.damage_type if item else None) or "bludgeoning")
        return label, chance, damage, damage_type, ranged

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
        """Roll under the attack's skill; an extreme success deals maximum damage.
        A defender who is ``dodging`` rolls Dodge, and the attack lands only if it
        beats the dodge's degree. The defender's armor soaks damage."""
        self._require_able(attacker, "attack")
        if defender.is_dead:
            raise RuleError(f"{defender.name} is already dead.")
        chosen = self.choose_weapon(attacker, weapon, world)
        label, chance, damage, damage_type, ranged = self.attack_profile(attacker, chosen)
        if attacker.exhaustion:
            chance = max(1, chance - self.exhaustion_penalty(attacker))
        sources = [advantage]
        if attacker.conditions & PENALTY_WHEN:
            sources.append(Advantage.DISADVANTAGE)
        if not ranged and defender.conditions & BONUS_AGAINST:
            sources.append(Advantage.ADVANTAGE)
        adv = Advantage.combine(*sources)
        roll = dice.roll(_d100(adv))
        degree = self.degree(roll.total, chance)
        using = chosen.name if label == chosen.name else f"{chosen.name}, {label}"
        head = (
            f"{attacker.name} attacks {defender.name} ({using} {chance}%): "
            f"{roll.breakdown} — {_article(degree)}"
        )
        common: dict[str, Any] = {
            "skill": label,
            "attacker_id": attacker.id,
            "defender_id": defender.id,
            "attack": chosen.name,
            "roll": roll,
            "target": chance,
            "fumble": degree == "fumble",
        }
        notes: list[str] = []
        hit = RANK[degree] >= RANK["regular"]
        if hit and "dodging" in defender.conditions and self.can_act(defender):
            _, dodge = self.skill_value(defender, "dodge")
            dodge_roll = dice.roll("1d100")
            dodge_degree = self.degree(dodge_roll.total, dodge)
            hit = RANK[degree] > RANK[dodge_degree]
            notes.append(
                f"{defender.name} dodges ({dodge}%): {dodge_roll.breakdown} — "
                f"{_article(dodge_degree)}" + (", too slow." if hit else ", and avoids the blow.")
            )
        if not hit:
            text = " ".join([f"{head}, a miss.", *notes])
            return AttackResult(**common, hit=False, defender=defender, notes=(), text=text)
        critical = degree in ("extreme", "critical")
        damage_roll = MaxDice().roll(damage) if critical else dice.roll(damage)
        rolled = max(0, damage_roll.total)
        soaked = min(defender.armor, rolled)
        if soaked:
            through = "" if rolled > soaked else "; nothing gets through"
            notes.append(f"Armor soaks {soaked}{through}.")
        hurt, taken_notes, dealt = self._take(defender, rolled - soaked, damage_type)
        notes.extend(taken_notes)
        how = "maximum damage, " if critical else ""
        text = f"{head}, a hit! {how}{damage_roll.breakdown} {damage_type} damage."
        return AttackResult(
            **common,
            hit=True,
            critical=critical,
            damage_roll=damage_roll,
            damage=dealt,
            damage_type=damage_type,
            defender=hurt,
            notes=tuple(notes),
            text=" ".join([text, *notes]),
        )

    # -------------------------------------------------------------- damage

    def apply_damage(
        self, sheet: Sheet, amount: int, damage_type: str | None = None, *, critical: bool = False
    ) -> tuple[Sheet, Notes]:
        """Take damage (armor is for attacks and is not subtracted here).

        A single blow of at least the maximum HP kills. One of at least half the
        maximum is a major wound. At 0 HP a character with a major wound is
        dying, one without falls unconscious; more damage at 0 HP makes the
        unconscious dying and the dying dead. NPCs and creatures die at 0 HP.
        """
        hurt, notes, _ = self._take(sheet, amount, damage_type)
        return hurt, notes

    def _take(self, sheet: Sheet, amount: int, damage_type: str | None) -> tuple[Sheet, Notes, int]:
        if amount < 0:
            raise ValueError("damage must not be negative")
        if sheet.is_dead:
            return sheet, (f"{sheet.name} is already dead.",), 0
        notes: list[str] = []
        dealt = typed_damage(sheet, amount, damage_type, notes)
        soaked = min(sheet.temp_hp, dealt)
        rest = dealt - soaked
        update: dict[str, Any] = {"temp_hp": sheet.temp_hp - soaked}
        if rest == 0:
            return sheet.model_copy(update=update), tuple(notes), dealt
        conditions = set(sheet.conditions)
        if rest >= sheet.max_hp:
            notes.append(f"{sheet.name} is killed outright.")
            return sheet.model_copy(update={**update, **dead_update(sheet)}), tuple(notes), dealt
        if rest * 2 >= sheet.max_hp and "major_wound" not in conditions:
            conditions.add("major_wound")
            notes.append(f"{sheet.name} suffers a major wound.")
        hp = max(0, sheet.hp - rest)
        if hp == 0:
            if not sheet.is_player or "dying" in conditions:
                notes.append(f"{sheet.name} dies.")
                return (
                    sheet.model_copy(update={**update, **dead_update(sheet)}),
                    tuple(notes),
                    dealt,
                )
            conditions |= {"unconscious", "prone"}
            conditions.discard("stable")
            if "major_wound" in conditions or sheet.hp == 0:
                conditions.add("dying")
                notes.append(f"{sheet.name} collapses, dying.")
            else:
                notes.append(f"{sheet.name} falls unconscious.")
        update.update(hp=hp, conditions=frozenset(conditions))
        return sheet.model_copy(update=update), tuple(notes), dealt

    # -------------------------------------------------------------- dying

    def is_dying(self, sheet: Sheet) -> bool:
        return "dying" in sheet.conditions and not sheet.is_dead

    def death_save(self, sheet: Sheet, dice: Dice) -> tuple[Sheet, CheckResult]:
        """A dying character rolls CON each round: failure is death, an extreme
        success (or better) stabilises, anything else clings on."""
        if not self.is_dying(sheet):
            raise RuleError(f"{sheet.name} isn't dying.")
        value = sheet.score("con")
        roll = dice.roll("1d100")
        degree = self.degree(roll.total, value)
        if RANK[degree] < RANK["regular"]:
            after = sheet.model_copy(update=dead_update(sheet))
            outcome = f"{sheet.name} dies."
        elif RANK[degree] >= RANK["extreme"]:
            after = sheet.model_copy(
                update={"conditions": (sheet.conditions - {"dying"}) | {"stable"}}
            )
            outcome = f"{sheet.name} is stable."
        else:
            after = sheet
            outcome = f"{sheet.name} clings to life."
        return after, CheckResult(
            sheet_id=sheet.id,
            skill="CON",
            success=RANK[degree] >= RANK["regular"],
            degree=degree,
            target=value,
            margin=value - roll.total,
            roll=roll,
            text=f"{sheet.name} fights for life (CON {value}%): {roll.breakdown} — {outcome}",
        )

    def downed(self, sheet: Sheet) -> Downed | None:
        """The dying fight for life with CON; the merely unconscious try to come round."""
        if sheet.is_dead or sheet.hp > 0:
            return None
        if self.is_dying(sheet):
            return Downed("unconscious and dying", "Fight for life (CON roll)", "fight for life")
        return Downed("unconscious", "Try to come round (CON roll)", "come round")

    def downed_turn(self, sheet: Sheet, dice: Dice) -> tuple[Sheet, CheckResult | None, Notes]:
        """Dying: the CON roll of ``death_save``. Unconscious (no major wound, or
        stabilised): a CON roll to come round with 1 HP; a miss stays out cold."""
        if self.downed(sheet) is None:
            raise RuleError(f"{sheet.name} isn't down, so there is nothing to recover from.")
        if self.is_dying(sheet):
            after, result = self.death_save(sheet, dice)
            return after, result, ()
        value = sheet.score("con")
        roll = dice.roll("1d100")
        degree = self.degree(roll.total, value)
        success = RANK[degree] >= RANK["regular"]
        if success:
            after = self.remove_condition(self.heal(sheet, 1), "prone")
            outcome = f"{sheet.name} comes round with 1 HP."
        else:
            after, outcome = sheet, f"{sheet.name} stays out cold."
        return (
            after,
            CheckResult(
                sheet_id=sheet.id,
                skill="CON",
                success=success,
                degree=degree,
                target=value,
                margin=value - roll.total,
                roll=roll,
                text=f"{sheet.name} tries to come round (CON {value}%): {roll.breakdown} — "
                + outcome,
            ),
            (),
        )

    # ---------------------------------------------------------------- rest

    def exhaustion_penalty(self, sheet: Sheet) -> int:
        """Each level of exhaustion takes 10 points off skill and attack rolls."""
        return 10 * sheet.exhaustion

    def exhaustion_effect(self, level: int) -> str:
        if level <= 0 or level >= MAX_EXHAUSTION:
            return super().exhaustion_effect(level)
        return f"skill rolls −{10 * level}%"

    def rest(self, sheet: Sheet, kind: RestKind, dice: Dice) -> tuple[Sheet, Notes]:
        after, notes = self._rest(sheet, kind, dice)
        return self._rested_exhaustion(after, kind, notes)

    def _rest(self, sheet: Sheet, kind: RestKind, dice: Dice) -> tuple[Sheet, Notes]:
        """Short rest: 1 HP back (none with a major wound). Long rest: 1d3+1 HP,
        and a major wound closes once HP are back to half or more."""
        if sheet.is_dead:
            raise RuleError(f"{sheet.name} is dead.")
        if self.is_dying(sheet):
            raise RuleError(f"{sheet.name} is dying and can't rest; give first aid first.")
        if kind not in ("short", "long"):
            raise RuleError(f"A rest is short or long, not '{kind}'.")
        rested = self.remove_condition(sheet, "dodging")
        wounded = "major_wound" in sheet.conditions
        if kind == "short":
            gain, how = (0, "the major wound needs longer") if wounded else (1, "+1 HP")
        else:
            roll = dice.roll("1d3+1")
            gain, how = roll.total, f"{roll.breakdown} HP"
        after = self.heal(rested, gain) if gain else rested
        notes = [f"{sheet.name} rests ({how}) and is at {after.hp} of {after.max_hp} HP."]
        if kind == "long" and wounded and after.hp * 2 >= after.max_hp:
            after = self.remove_condition(after, "major_wound")
            notes.append(f"{sheet.name}'s major wound has closed.")
        return after, tuple(notes)

    # ------------------------------------------------ skills grow with use

    def mark_skill(self, sheet: Sheet, skill: str) -> Sheet:
        """A player's successful use of a skill marks it for the next development."""
        key = self.skill_key(skill)
        has = key in _skills_by_key(sheet)  # "Mechanical Repair" as the author wrote it
        if not sheet.is_player or not has or key in sheet.marked_skills:
            return sheet
        return sheet.model_copy(update={"marked_skills": sheet.marked_skills | {key}})

    def develop_skills(self, sheet: Sheet, dice: Dice) -> tuple[Sheet, Notes]:
        """For each marked skill, roll d100: over the skill (or 96+) it improves by 1d10,
        to at most 99. The marks are cleared either way."""
        if not sheet.marked_skills:
            return sheet, ()
        skills = dict(sheet.skills)
        notes = []
        for key in sorted(sheet.marked_skills):
            label, value = self.skill_value(sheet, key)  # the best written: "Spot Hidden" 60
            entry = self.skill_entry(sheet, key)
            roll = dice.roll("1d100").total
            if roll > value or roll >= IMPROVE_ALWAYS:
                gain = dice.roll("1d10").total
                skills[entry] = min(MAX_SKILL, value + gain)
                notes.append(
                    f"{label} improves: rolled {roll} over {value}%, "
                    f"+{skills[entry] - value} → {skills[entry]}%."
                )
            else:
                notes.append(f"{label} does not improve (rolled {roll}, {value}%).")
        return sheet.model_copy(update={"skills": skills, "marked_skills": frozenset()}), tuple(
            notes
        )

    # ---------------------------------------------- initiative, XP, carrying

    def initiative(self, sheet: Sheet, dice: Dice) -> int:
        """DEX: the quickest acts first (no roll; ties are broken by the caller)."""
        return sheet.score("dex")

    def award_xp(self, sheet: Sheet, xp: int) -> tuple[Sheet, bool]:
        """Percentile characters have no levels: XP is kept as a tally."""
        if xp < 0:
            raise ValueError("xp must not be negative")
        return sheet.model_copy(update={"xp": sheet.xp + xp}), False

    def capacity(self, sheet: Sheet) -> float:
        """STR + SIZ in lb (about 115 lb for an average adult)."""
        return float(sheet.score("str") + sheet.score("siz"))

    # ------------------------------------------------------------- display

    def summarize(self, sheet: Sheet, world: World) -> SheetSummary:
        """Characteristics, armor, HP (and sanity where the world keeps it), every
        skill once at its best value, best first, and the attacks the character
        would make."""
        keys = [c for c in CHARACTERISTICS if c in sheet.characteristics]
        keys += [c for c in sheet.characteristics if c not in keys]
        scores = tuple(
            Score(c, c.upper(), CHARACTERISTIC_LABELS.get(c, c.upper()), sheet.characteristics[c])
            for c in keys
        )
        resources = [Resource("hp", "HP", sheet.hp, sheet.max_hp, temporary=sheet.temp_hp)]
        if sheet.sanity is not None:
            resources.append(Resource("sanity", "Sanity", sheet.sanity))
        return SheetSummary(
            score_label="Characteristics",
            scores=scores,
            scores_per_row=4,
            defence=Stat("armor", "Armor", str(sheet.armor)),
            resources=tuple(resources),
            level=None,
            skill_label="Skills",
            skills=_skill_entries(sheet),
            attacks=self._attack_lines(sheet, world),
        )

    def _attack_lines(self, sheet: Sheet, world: World) -> tuple[AttackLine, ...]:
        lines = []
        for weapon in self.ready_weapons(sheet, world):
            _, chance, damage, damage_type, ranged = self.attack_profile(sheet, weapon)
            lines.append(AttackLine(weapon.name, f"{chance}%", f"{damage} {damage_type}", ranged))
        return tuple(lines)

    def creation(self) -> CreationRules:
        """Characteristics are rolled in place (each has its own dice)."""
        method = ScoreMethod(
            "roll",
            "Roll (3d6×5, 2d6+6 ×5)",
            arrangeable=False,
            rerollable=True,
            hint="Rolled for you",
            values=lambda dice: list(roll_characteristics(dice).values()),
        )
        return CreationRules(
            score_label="Characteristics", score_keys=CHARACTERISTICS, methods=(method,)
        )


CHARACTERISTIC_LABELS = {short: long.capitalize() for long, short in CHARACTERISTIC_NAMES.items()}


def _skill_entries(sheet: Sheet) -> tuple[SkillEntry, ...]:
    """Each skill once (a sheet may hold "Spot Hidden" and "spot_hidden", "Brawl"
    and "fighting"), at its best value, named as the rolls name it."""
    entries = [
        SkillEntry(key, shown, value, f"{value}%")
        for key, (value, shown) in _skills_by_key(sheet).items()
    ]
    return tuple(sorted(entries, key=lambda e: (-e.value, e.label)))
