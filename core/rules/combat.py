"""Combat helpers that work the same under every rule system.

Turn order and what an NPC decides to do are choices, not resolutions: these
functions return small records (``InitiativeEntry``, ``NpcAction``) and the
engine carries them out through a ``RuleSystem`` (``attack``, ``add_condition``
for ``dodging``, or removing a fleeing NPC from the fight).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

from storyai.core.domain.dice import Dice, expected_value
from storyai.core.domain.sheet import Sheet, SheetAttack, Tactics
from storyai.core.rules.base import INCAPACITATING, RuleSystem
from storyai.core.rules.registry import get_rule_system

ActionKind = Literal["attack", "dodge", "flee", "wait"]


@dataclass(frozen=True)
class InitiativeEntry:
    """One combatant's place in the turn order."""

    sheet_id: str
    name: str
    score: int


@dataclass(frozen=True)
class NpcAction:
    """What an NPC chose to do on its turn.

    Attributes:
        kind: ``attack`` (``target_id`` with ``attack``, the name of a listed
            attack, or None for the wielded weapon), ``dodge`` (the engine adds
            the ``dodging`` condition until the NPC's next turn), ``flee`` (it
            leaves the fight), or ``wait`` (it cannot act or has no one to fight).
        reason: A short phrase for the narrator, e.g. "badly hurt and cowardly".
    """

    kind: ActionKind
    actor_id: str
    target_id: str | None = None
    attack: str | None = None
    reason: str = ""


def roll_initiative(
    combatants: Sequence[Sheet], dice: Dice, system: RuleSystem | None = None
) -> list[InitiativeEntry]:
    """Everyone's initiative, highest first.

    Dice are rolled in the order given. Ties go to the higher DEX, then to
    player characters, then to the lower id, so the order never depends on
    anything but the rolls.

    Raises:
        ValueError: Two combatants share an id.
    """
    ids = [sheet.id for sheet in combatants]
    if len(set(ids)) != len(ids):
        raise ValueError("combatants must have distinct ids")
    rolled = []
    for sheet in combatants:
        rules = system or get_rule_system(sheet.system)
        score = rules.initiative(sheet, dice)
        rolled.append(((-score, -sheet.score("dex"), not sheet.is_player, sheet.id), sheet, score))
    rolled.sort(key=lambda entry: entry[0])
    return [InitiativeEntry(sheet.id, sheet.name, score) for _, sheet, score in rolled]


def best_attack(attacks: Iterable[SheetAttack]) -> SheetAttack | None:
    """The listed attack with the most expected damage (then the surest to hit)."""
    ranked = sorted(
        attacks, key=lambda a: (-expected_value(a.damage), -(a.to_hit + a.skill), a.name)
    )
    return ranked[0] if ranked else None


def npc_action(
    npc: Sheet,
    tactics: Tactics | None = None,
    allies: Sequence[Sheet] = (),
    enemies: Sequence[Sheet] = (),
    dice: Dice | None = None,
) -> NpcAction:
    """Choose an NPC's action from its tactics.

    * aggressive: attack the weakest standing enemy with its best attack.
    * cautious: the same, but below half HP dodge while allies stand, else flee.
    * cowardly: flee below half HP.
    * defensive: dodge once hurt at all.

    Args:
        npc: The acting NPC or creature.
        tactics: Overrides the sheet's own ``tactics``.
        allies: Its side (it may be included; it is skipped).
        enemies: The other side.
        dice: Picks between equally weak targets; without dice, the lowest id.
    """
    tactics = tactics or npc.tactics
    if npc.is_down or npc.conditions & INCAPACITATING:  # asleep, paralyzed, stunned ...
        return NpcAction("wait", npc.id, reason="cannot act")
    targets = [e for e in enemies if e.id != npc.id and not e.is_down]
    if not targets:
        return NpcAction("wait", npc.id, reason="no one left to fight")
    bloodied = npc.hp * 2 < npc.max_hp
    friends = [a for a in allies if a.id != npc.id and not a.is_down]
    if tactics == "cowardly" and bloodied:
        return NpcAction("flee", npc.id, reason="badly hurt and cowardly")
    if tactics == "cautious" and bloodied:
        if friends:
            return NpcAction("dodge", npc.id, reason="badly hurt, holding back behind allies")
        return NpcAction("flee", npc.id, reason="badly hurt and alone")
    if tactics == "defensive" and npc.hp < npc.max_hp:
        return NpcAction("dodge", npc.id, reason="hurt and defensive")
    target = _weakest(targets, dice)
    attack = best_attack(npc.attacks)
    return NpcAction(
        "attack",
        npc.id,
        target_id=target.id,
        attack=attack.name if attack else None,
        reason=f"{tactics}: goes for the weakest foe",
    )


def _weakest(targets: Sequence[Sheet], dice: Dice | None) -> Sheet:
    ranked = sorted(targets, key=lambda s: (s.hp, s.hp_fraction, s.id))
    first = ranked[0]
    tied = [s for s in ranked if (s.hp, s.hp_fraction) == (first.hp, first.hp_fraction)]
    if dice is None or len(tied) == 1:
        return first
    return tied[dice.roll(f"1d{len(tied)}").total - 1]
