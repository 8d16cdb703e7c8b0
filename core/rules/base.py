"""The one interface every rule system implements, and what it returns.

The engine asks a ``RuleSystem`` whether an action works and what it does;
it never computes a modifier itself. Every method is pure: sheets go in, new
sheets and result objects come out, and dice come in through the ``Dice``
port. A refused action raises ``RuleError`` with a message for the player and
changes nothing (sheets are immutable, so there is nothing to undo).

Systems share the parts that do not depend on the rules: inventory, gold,
conditions, healing and carrying. Each system says how checks, attacks,
damage, rests, initiative, experience and capacity work.
"""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict

from storyai.core.domain.dice import Dice, RollResult
from storyai.core.domain.errors import RuleError
from storyai.core.domain.sheet import (
    Equipped,
    Sheet,
    SheetAttack,
    has_property,
    item_or_error,
    tag,
    with_defence,
)
from storyai.core.domain.standing import MAX_EXHAUSTION
from storyai.core.domain.world import Item, World
from storyai.core.rules.display import CreationRules, SheetSummary

Notes = tuple[str, ...]
RestKind = Literal["short", "long"]
Slot = Literal["weapon", "armor", "shield"]

INCAPACITATING = frozenset({"dead", "unconscious", "paralyzed", "stunned", "incapacitated"})
"""Conditions under which a creature takes no actions."""


class Advantage(StrEnum):
    """Roll twice and keep the better (advantage) or the worse (disadvantage)."""

    NONE = "none"
    ADVANTAGE = "advantage"
    DISADVANTAGE = "disadvantage"

    @classmethod
    def combine(cls, *sources: Advantage) -> Advantage:
        """Any advantage and any disadvantage cancel out, however many of each."""
        has_adv = cls.ADVANTAGE in sources
        has_dis = cls.DISADVANTAGE in sources
        if has_adv == has_dis:
            return cls.NONE
        return cls.ADVANTAGE if has_adv else cls.DISADVANTAGE


class Result(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class CheckResult(Result):
    """A check, saving throw or death save.

    ``degree`` is system-specific: d20 uses critical_success, success, failure,
    critical_failure; percentile uses critical, extreme, hard, regular,
    failure, fumble. ``margin`` is positive when the roll beat the target by
    that much (d20: total - DC; percentile: target - roll).
    """

    sheet_id: str
    skill: str
    success: bool
    degree: str
    target: int
    margin: int
    roll: RollResult
    advantage: Advantage = Advantage.NONE
    text: str


class AttackResult(Result):
    """One attack, resolved. ``defender`` is the defender's sheet afterwards."""

    attacker_id: str
    defender_id: str
    attack: str
    skill: str | None = None
    """The skill the attack rolled, where skills grow with use ("Brawl")."""
    hit: bool
    critical: bool = False
    fumble: bool = False
    roll: RollResult
    target: int
    damage_roll: RollResult | None = None
    damage: int = 0
    damage_type: str | None = None
    defender: Sheet
    notes: Notes = ()
    text: str


@dataclass(frozen=True)
class Downed:
    """A living character at 0 HP, as the rule system sees them.

    Attributes:
        state: How they are, to follow "You are ...": "unconscious and dying".
        action: The one thing they can do on their turn, as a choice's text:
            "Make a death saving throw".
        command: What choosing it types (the engine reads it as ``recover``).
    """

    state: str
    action: str
    command: str


@dataclass(frozen=True)
class Weapon:
    """What an attack is made with: a carried item, a listed attack, or bare hands."""

    name: str
    item_id: str | None = None
    item: Item | None = None
    listed: SheetAttack | None = None

    @property
    def unarmed(self) -> bool:
        return self.item is None and self.listed is None


UNARMED_NAMES = frozenset({"unarmed", "unarmed_strike", "fists", "fist", "punch", "brawl"})


normalise = tag
"""``"Sleight of Hand"`` -> ``"sleight_of_hand"``: how names are compared everywhere."""


def with_bonus(die: str, bonus: int) -> str:
    """``with_bonus("1d20", 5)`` -> ``"1d20+5"``; no ``+0``."""
    return f"{die}{bonus:+d}" if bonus else die


class RuleSystem(ABC):
    """A rule system: d20 (5e SRD style), percentile (BRP style), later others."""

    name: ClassVar[str]
    skills: ClassVar[frozenset[str]] = frozenset()
    """The skills these rules know, spelled as a world writes them in an archetype."""
    open_skills: ClassVar[bool] = True
    """Whether a world may add skills of its own (BRP style), or use only ``skills``."""

    def skill_key(self, name: str) -> str:
        """How these rules read a skill name a world wrote (spelling and aliases)."""
        return normalise(name)

    def skill_entry(self, sheet: Sheet, skill: str) -> str:
        """The sheet's entry for a skill, however it is spelled: the one with the best
        value ("Spot Hidden" 60 over the base "spot_hidden" 25; ties: the later), or
        ``skill`` itself when the sheet lists none. Growth writes there, so the sheet
        keeps the author's name."""
        key = self.skill_key(skill)
        best: tuple[int, str] | None = None
        for name, value in sheet.skills.items():
            if self.skill_key(name) == key and (best is None or value >= best[0]):
                best = (value, name)
        return best[1] if best else skill

    def skill_rating(self, sheet: Sheet, skill: str) -> tuple[str, int]:
        """A skill's label and the value growth measures (specialization minimums, skill
        points): what the sheet lists, 0 when it lists none."""
        entry = self.skill_entry(sheet, skill)
        return entry, sheet.skills.get(entry, 0)

    # ------------------------------------------------------------ rolls

    @abstractmethod
    def check(
        self,
        sheet: Sheet,
        skill: str,
        difficulty: int | str | None,
        dice: Dice,
        *,
        advantage: Advantage = Advantage.NONE,
    ) -> CheckResult:
        """Test a skill, ability (or d20 saving throw, ``"dex_save"``) against a difficulty.

        Raises:
            RuleError: Unknown skill or difficulty, or the character cannot act.
        """

    @abstractmethod
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
        """Attack with a listed attack's name, a carried weapon's item id, or (None)
        the wielded weapon, the first listed attack, or bare hands.

        Raises:
            RuleError: The attacker cannot act, lacks that weapon, or the defender is dead.
        """

    @abstractmethod
    def apply_damage(
        self, sheet: Sheet, amount: int, damage_type: str | None = None, *, critical: bool = False
    ) -> tuple[Sheet, Notes]:
        """Take damage after immunities, resistances and vulnerabilities."""

    @abstractmethod
    def death_save(self, sheet: Sheet, dice: Dice) -> tuple[Sheet, CheckResult]:
        """The roll a dying character makes each turn.

        Raises:
            RuleError: The character is not dying.
        """

    @abstractmethod
    def is_dying(self, sheet: Sheet) -> bool:
        """Whether the character must make ``death_save`` rolls."""

    def downed(self, sheet: Sheet) -> Downed | None:
        """What a living character at 0 HP can do; None when they are up (or dead).

        The default: the dying make death saves, the stable lie still until they
        come round."""
        if sheet.is_dead or sheet.hp > 0:
            return None
        if self.is_dying(sheet):
            return Downed("unconscious and dying", "Make a death saving throw", "death save")
        return Downed("unconscious but stable", "Lie still and come round", "come round")

    def downed_turn(self, sheet: Sheet, dice: Dice) -> tuple[Sheet, CheckResult | None, Notes]:
        """The start of a downed character's turn: the dying make their ``death_save``;
        the stable come round with 1 HP (the SRD's hours pass in a breath here).

        Raises:
            RuleError: The character is not down (or is dead).
        """
        if self.downed(sheet) is None:
            raise RuleError(f"{sheet.name} isn't down, so there is nothing to recover from.")
        if self.is_dying(sheet):
            after, result = self.death_save(sheet, dice)
            if after.hp > 0:  # a natural 20: up, and standing costs nothing here
                after = self.remove_condition(after, "prone")
            return after, result, ()
        woken = self.remove_condition(self.heal(sheet, 1), "prone")
        return woken, None, (f"{sheet.name} comes to, battered and bleeding, with 1 HP.",)

    @abstractmethod
    def rest(self, sheet: Sheet, kind: RestKind, dice: Dice) -> tuple[Sheet, Notes]:
        """Rest and recover. Raises RuleError if the character cannot rest."""

    @abstractmethod
    def initiative(self, sheet: Sheet, dice: Dice) -> int:
        """The character's place in the turn order (higher acts first)."""

    @abstractmethod
    def award_xp(self, sheet: Sheet, xp: int) -> tuple[Sheet, bool]:
        """Add experience; says whether the character gained a level."""

    def improve(self, sheet: Sheet, abilities: Sequence[str], world: World) -> tuple[Sheet, Notes]:
        """Spend an ability score improvement (d20). Systems without them refuse.

        Raises:
            RuleError: None to spend, or a choice the rules do not allow.
        """
        raise RuleError("This world's rules have no ability score improvements.")

    def improvement_options(self, sheet: Sheet) -> tuple[str, ...]:
        """The abilities an improvement could raise now (none when none is pending)."""
        return ()

    def mark_skill(self, sheet: Sheet, skill: str) -> Sheet:
        """Note a successful use of a skill, for systems where skills grow with use."""
        return sheet

    def develop_skills(self, sheet: Sheet, dice: Dice) -> tuple[Sheet, Notes]:
        """Roll to improve the skills marked since the last time (percentile)."""
        return sheet, ()

    @abstractmethod
    def capacity(self, sheet: Sheet) -> float:
        """The most weight (lb) the character can carry; ``inf`` if unlimited."""

    # ------------------------------------------------------------ display

    @abstractmethod
    def summarize(self, sheet: Sheet, world: World) -> SheetSummary:
        """The sheet as a player reads it: scores, defence, resources, skills and
        attacks, labelled the way this system names them."""

    @abstractmethod
    def creation(self) -> CreationRules:
        """How a player makes scores at character creation in this system."""

    # ------------------------------------------------------------ health

    def heal(self, sheet: Sheet, amount: int) -> Sheet:
        """Regain hit points, never above ``max_hp``; any healing wakes the fallen.

        Raises:
            RuleError: The character is dead.
        """
        if amount < 0:
            raise ValueError("heal amount must not be negative")
        if sheet.is_dead:
            raise RuleError(f"{sheet.name} is dead; healing can't help now.")
        hp = min(sheet.max_hp, sheet.hp + amount)
        if amount == 0 or hp == 0:
            return sheet
        update: dict = {"hp": hp}
        if sheet.hp == 0:
            update["conditions"] = sheet.conditions - {"unconscious", "stable", "dying"}
            update["death_saves"] = sheet.death_saves.model_copy(
                update={"successes": 0, "failures": 0}
            )
        return sheet.model_copy(update=update)

    def can_act(self, sheet: Sheet) -> bool:
        """Whether the character can take actions at all."""
        return sheet.hp > 0 and not (sheet.conditions & INCAPACITATING)

    def _require_able(self, sheet: Sheet, doing: str) -> None:
        if sheet.is_dead:
            raise RuleError(f"{sheet.name} is dead and can't {doing}.")
        blocking = sorted(sheet.conditions & INCAPACITATING)
        if blocking:
            raise RuleError(f"{sheet.name} is {blocking[0]} and can't {doing}.")
        if sheet.hp == 0:
            raise RuleError(f"{sheet.name} is down and can't {doing}.")

    # -------------------------------------------------------- exhaustion

    def exhaustion_penalty(self, sheet: Sheet) -> int:
        """What exhaustion takes off a roll: d20 tests lose 2 a level (SRD 5.2),
        percentile skill rolls 10 points a level."""
        return 0

    def exhaustion_effect(self, level: int) -> str:
        """What a level of exhaustion does, as a player reads it."""
        if level <= 0:
            return "none"
        if level >= MAX_EXHAUSTION:
            return "dead"
        return f"rolls −{level}"

    def change_exhaustion(self, sheet: Sheet, delta: int) -> tuple[Sheet, Notes]:
        """Gain (or with a negative ``delta``, lose) levels of exhaustion, 0 to 6;
        reaching 6 kills (SRD)."""
        if sheet.is_dead or delta == 0:
            return sheet, ()
        level = max(0, min(MAX_EXHAUSTION, sheet.exhaustion + delta))
        if level == sheet.exhaustion:
            return sheet, ()
        after = sheet.model_copy(update={"exhaustion": level})
        if level >= MAX_EXHAUSTION:
            after = after.model_copy(update={"hp": 0, "conditions": after.conditions | {"dead"}})
            return after, (f"{sheet.name} succumbs to exhaustion and dies.",)
        if level == 0:
            return after, (f"{sheet.name} is no longer exhausted.",)
        return after, (f"Exhaustion {level}: {self.exhaustion_effect(level)}.",)

    def _rested_exhaustion(self, sheet: Sheet, kind: RestKind, notes: Notes) -> tuple[Sheet, Notes]:
        """A long rest takes one level of exhaustion away (SRD)."""
        if kind != "long" or sheet.exhaustion == 0 or sheet.is_dead:
            return sheet, notes
        after, more = self.change_exhaustion(sheet, -1)
        if after.exhaustion:
            more = (f"Exhaustion eases to {after.exhaustion}.",)
        return after, (*notes, *more)

    # -------------------------------------------------------- conditions

    def add_condition(self, sheet: Sheet, condition: str) -> Sheet:
        """Add a condition such as ``poisoned`` or ``prone``.

        Raises:
            RuleError: The character is immune to it.
        """
        name = normalise(condition)
        if not name:
            raise RuleError("Name the condition to add.")
        if name in sheet.condition_immunities:
            raise RuleError(f"{sheet.name} can't be {name}.")
        if name in sheet.conditions:
            return sheet
        return sheet.model_copy(update={"conditions": sheet.conditions | {name}})

    def remove_condition(self, sheet: Sheet, condition: str) -> Sheet:
        """Remove a condition (nothing happens if it was not there)."""
        name = normalise(condition)
        if name not in sheet.conditions:
            return sheet
        return sheet.model_copy(update={"conditions": sheet.conditions - {name}})

    # ------------------------------------------------------ carrying, gear

    def carried_weight(self, sheet: Sheet, world: World) -> float:
        """Total weight (lb) of everything carried; unknown item ids weigh nothing."""
        return sum(
            world.items[item_id].weight * qty
            for item_id, qty in sheet.inventory.items()
            if item_id in world.items
        )

    def can_carry(self, sheet: Sheet, item_id: str, world: World, qty: int = 1) -> bool:
        """Whether ``qty`` more of an item fit under the carrying capacity."""
        item = item_or_error(world, item_id)
        extra = item.weight * qty
        return extra == 0 or self.carried_weight(sheet, world) + extra <= self.capacity(sheet)

    def give_item(self, sheet: Sheet, item_id: str, world: World, qty: int = 1) -> Sheet:
        """Add items to the inventory.

        Raises:
            RuleError: Unknown item, one that cannot be picked up, or too heavy.
        """
        if qty < 1:
            raise ValueError("qty must be at least 1")
        item = item_or_error(world, item_id)
        if not item.portable:
            raise RuleError(f"The {item.name} can't be carried.")
        if not self.can_carry(sheet, item_id, world, qty):
            carried = self.carried_weight(sheet, world)
            raise RuleError(
                f"The {item.name} ({_lb(item.weight * qty)}) is too heavy for {sheet.name}: "
                f"already carrying {_lb(carried)} of {_lb(self.capacity(sheet))}."
            )
        inventory = {**sheet.inventory, item_id: sheet.count(item_id) + qty}
        return sheet.model_copy(update={"inventory": inventory})

    def take_item(self, sheet: Sheet, item_id: str, world: World, qty: int = 1) -> Sheet:
        """Remove items from the inventory, unequipping the last one if worn.

        Raises:
            RuleError: The character does not carry that many.
        """
        if qty < 1:
            raise ValueError("qty must be at least 1")
        have = sheet.count(item_id)
        if have < qty:
            what = world.items[item_id].name if item_id in world.items else item_id
            raise RuleError(
                f"{sheet.name} isn't carrying {qty if qty > 1 else 'the'} {what}"
                + (f" (only {have})." if have else ".")
            )
        inventory = dict(sheet.inventory)
        if have == qty:
            del inventory[item_id]
        else:
            inventory[item_id] = have - qty
        taken = sheet.model_copy(update={"inventory": inventory})
        if have == qty and sheet.equipped.holds(item_id):
            slots = {s: None for s in ("weapon", "armor", "shield") if _slot(sheet, s) == item_id}
            taken = with_defence(
                taken.model_copy(update={"equipped": sheet.equipped.model_copy(update=slots)}),
                world,
            )
        return taken

    def equip(self, sheet: Sheet, item_id: str, world: World) -> Sheet:
        """Wield a weapon, wear armor or ready a shield from the inventory.

        Raises:
            RuleError: Not carried, not equippable, or a shield with a two-handed weapon.
        """
        item = item_or_error(world, item_id)
        if sheet.count(item_id) < 1:
            raise RuleError(f"{sheet.name} isn't carrying the {item.name}.")
        if item.kind not in ("weapon", "armor", "shield"):
            raise RuleError(f"The {item.name} isn't something to wield or wear.")
        slot: Slot = item.kind
        eq = sheet.equipped
        update: dict[str, str | None] = {slot: item_id}
        if slot == "shield" and eq.weapon and _two_handed(world, eq.weapon):
            weapon = world.items[eq.weapon].name
            raise RuleError(f"{sheet.name} needs both hands for the {weapon}.")
        if slot == "weapon" and has_property(item, "two-handed") and eq.shield:
            update["shield"] = None
        equipped = eq.model_copy(update=update)
        return with_defence(sheet.model_copy(update={"equipped": equipped}), world)

    def unequip(self, sheet: Sheet, slot_or_item: str, world: World) -> Sheet:
        """Put away what is in a slot (``weapon``/``armor``/``shield``) or a given item.

        Raises:
            RuleError: Nothing like that is equipped.
        """
        slots = [s for s in ("weapon", "armor", "shield") if slot_or_item in (s, _slot(sheet, s))]
        slots = [s for s in slots if _slot(sheet, s)]
        if not slots:
            raise RuleError(f"{sheet.name} has no {slot_or_item} equipped.")
        equipped: Equipped = sheet.equipped.model_copy(update={s: None for s in slots})
        return with_defence(sheet.model_copy(update={"equipped": equipped}), world)

    def adjust_gold(self, sheet: Sheet, delta: int, *, currency: str = "gold") -> Sheet:
        """Gain (positive) or spend (negative) money, named ``currency`` in messages.

        Raises:
            RuleError: Not enough money.
        """
        if sheet.gold + delta < 0:
            raise RuleError(f"{sheet.name} has only {sheet.gold} {currency}; that costs {-delta}.")
        return sheet.model_copy(update={"gold": sheet.gold + delta})

    # ------------------------------------------------------------ weapons

    def choose_weapon(self, attacker: Sheet, choice: str | None, world: World) -> Weapon:
        """Resolve what an attack is made with.

        ``None`` means the wielded weapon, else the first listed attack, else bare
        hands. A string names a listed attack (any case) or a carried item id.

        Raises:
            RuleError: No such attack, or the item is not carried or not a weapon.
        """
        if choice is None:
            if attacker.equipped.weapon and attacker.equipped.weapon in world.items:
                item_id = attacker.equipped.weapon
                return Weapon(world.items[item_id].name, item_id, world.items[item_id])
            if attacker.attacks:
                return Weapon(attacker.attacks[0].name, listed=attacker.attacks[0])
            return Weapon("Unarmed strike")
        wanted = normalise(choice)
        for listed in attacker.attacks:
            if normalise(listed.name) == wanted:
                return Weapon(listed.name, listed=listed)
        if wanted in UNARMED_NAMES:
            return Weapon("Unarmed strike")
        item = world.items.get(choice)
        if item is None:
            names = [a.name for a in attacker.attacks]
            hint = f" (attacks: {', '.join(names)})" if names else ""
            raise RuleError(f"{attacker.name} has no weapon or attack called '{choice}'{hint}.")
        if attacker.count(choice) < 1:
            raise RuleError(f"{attacker.name} isn't carrying the {item.name}.")
        if item.kind != "weapon" and not item.damage:
            raise RuleError(f"The {item.name} isn't a weapon.")
        return Weapon(item.name, choice, item)

    def ready_weapons(self, sheet: Sheet, world: World) -> list[Weapon]:
        """What the character would attack with: the wielded weapon, then each
        listed attack; bare hands when there is neither."""
        weapons: list[Weapon] = []
        if sheet.equipped.weapon and sheet.equipped.weapon in world.items:
            weapons.append(self.choose_weapon(sheet, None, world))
        weapons += [Weapon(a.name, listed=a) for a in sheet.attacks]
        return weapons or [Weapon("Unarmed strike")]


def dead_update(sheet: Sheet) -> dict[str, Any]:
    """The fields that make a sheet dead: 0 HP, ``dead``, no longer dying or stable."""
    return {
        "hp": 0,
        "conditions": (sheet.conditions - {"stable", "unconscious", "dying"}) | {"dead"},
    }


def typed_damage(sheet: Sheet, amount: int, damage_type: str | None, notes: list[str]) -> int:
    """Damage after immunity (none), resistance (halved, rounded down) and
    vulnerability (doubled) to its type; explains itself in ``notes``."""
    if not damage_type:
        return amount
    kind = normalise(damage_type)
    if kind in sheet.immunities:
        notes.append(f"{sheet.name} is immune to {kind} damage.")
        return 0
    if kind in sheet.resistances:
        amount //= 2
        notes.append(f"{sheet.name} resists {kind} damage (halved to {amount}).")
    if kind in sheet.vulnerabilities:
        amount *= 2
        notes.append(f"{sheet.name} is vulnerable to {kind} damage (doubled to {amount}).")
    return amount


def _slot(sheet: Sheet, slot: str) -> str | None:
    return getattr(sheet.equipped, slot)


def _two_handed(world: World, item_id: str) -> bool:
    item = world.items.get(item_id)
    return item is not None and has_property(item, "two-handed")


def _lb(weight: float) -> str:
    if math.isinf(weight):
        return "any weight"
    return f"{weight:g} lb"
