"""A character sheet and a pack as a player reads them, whatever the rule system.

The rule system labels its own numbers (``RuleSystem.summarize``); this adds
what every system shares: the name and archetype, conditions, gold, gear and
what is carried. Interfaces draw a ``SheetView`` as it is.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

from storyai.core.domain.sheet import Sheet, archetype_spellcasting
from storyai.core.domain.standing import rank_title, reputation_with, wearing
from storyai.core.domain.world import World
from storyai.core.rules import features
from storyai.core.rules.base import RuleSystem
from storyai.core.rules.display import AttackLine, Resource, Score, SkillEntry, Stat
from storyai.core.rules.features import FeatureLine
from storyai.core.rules.registry import rule_system_for
from storyai.core.rules.spell_lines import SpellLine, spell_lines, spell_resources

SLOTS = (("weapon", "Weapon"), ("armor", "Armor"), ("shield", "Shield"))


@dataclass(frozen=True)
class SheetView:
    """Who a character is and what the rules say about them, labelled.

    ``resources`` holds hit points first, then whatever else the system
    tracks (hit dice, sanity). ``level`` is None where the system has none.
    """

    id: str
    name: str
    archetype: str  # the archetype's name, "" for none
    level: int | None
    resources: tuple[Resource, ...]
    defence: Stat
    stats: tuple[Stat, ...]
    score_label: str
    scores: tuple[Score, ...]
    scores_per_row: int
    conditions: tuple[str, ...]  # as read: "major wound", sorted
    skill_label: str
    skills: tuple[SkillEntry, ...]
    attacks: tuple[AttackLine, ...]
    gold: int
    currency: str  # what the world calls its money: "gold", "credits"
    equipped: tuple[Stat, ...]  # ("weapon", "Weapon", "Longsword"), worn slots only
    dead: bool = False
    down: bool = False  # dead, or at 0 HP / unconscious
    spells: tuple[SpellLine, ...] = ()  # cantrips first; slots / MP are in ``resources``
    identity: tuple[tuple[str, str], ...] = ()  # ("Origin", "the mine chapel"), fixed order
    standing: tuple[tuple[str, str], ...] = ()
    """What the story changed, labelled, only what there is: ("Exhaustion", "2: d20 tests
    −4, speed −10 ft"), ("Titles", ...), ("Reputation", "Wardens +30 (Trusted)"),
    ("Scars", ...)."""
    features: tuple[FeatureLine, ...] = ()
    """The archetype's class features the character has, by level."""

    @property
    def hp(self) -> Resource:
        return next(r for r in self.resources if r.key == "hp")

    @property
    def other_resources(self) -> tuple[Resource, ...]:
        """Everything tracked besides hit points."""
        return tuple(r for r in self.resources if r.key != "hp")

    @property
    def currency_label(self) -> str:
        """The currency as a label: "credits" -> "Credits"."""
        return money_label(self.currency)


@dataclass(frozen=True)
class ItemView:
    id: str
    name: str
    count: int = 1
    equipped: bool = False


@dataclass(frozen=True)
class InventoryView:
    """What a character carries, in the order they got it, and how heavy it is."""

    items: tuple[ItemView, ...]
    gold: int
    currency: str
    carried: float  # lb
    capacity: float  # lb; inf when the world does not count weight

    @property
    def currency_label(self) -> str:
        return money_label(self.currency)

    @property
    def load(self) -> str:
        """``12/225 lb``, or ``12 lb`` when weight is not limited."""
        if math.isinf(self.capacity):
            return f"{self.carried:g} lb"
        return f"{self.carried:g}/{self.capacity:g} lb"


def money_label(currency: str) -> str:
    """A currency as a label, the rest of it as written: "gold" -> "Gold"."""
    return currency[:1].upper() + currency[1:]


def item_name(world: World, item_id: str) -> str:
    item = world.items.get(item_id)
    return item.name if item is not None else item_id


def conditions_text(conditions: Iterable[str]) -> tuple[str, ...]:
    """Condition names as a player reads them, sorted: ``major_wound`` -> ``major wound``."""
    return tuple(sorted(c.replace("_", " ") for c in conditions))


def sheet_view(sheet: Sheet, world: World, rules: RuleSystem | None = None) -> SheetView:
    """A sheet as its owner reads it; ``rules`` defaults to the world's system."""
    rules = rules or rule_system_for(world)
    sheet = archetype_spellcasting(sheet, world)  # a story begun before spells existed
    summary = rules.summarize(sheet, world)
    archetype = world.archetypes.get(sheet.archetype or "")
    equipped = tuple(
        Stat(slot, label, item_name(world, item_id))
        for slot, label in SLOTS
        if (item_id := getattr(sheet.equipped, slot))
    )
    return SheetView(
        id=sheet.id,
        name=sheet.name,
        archetype=archetype.name if archetype else (sheet.archetype or "").replace("_", " "),
        level=summary.level,
        resources=(*summary.resources, *spell_resources(sheet)),
        defence=summary.defence,
        stats=summary.stats,
        score_label=summary.score_label,
        scores=summary.scores,
        scores_per_row=summary.scores_per_row,
        conditions=conditions_text(sheet.conditions),
        skill_label=summary.skill_label,
        skills=summary.skills,
        attacks=summary.attacks,
        gold=sheet.gold,
        currency=world.world.currency,
        equipped=equipped,
        dead=sheet.is_dead,
        down=sheet.is_down,
        spells=spell_lines(sheet, world),
        identity=tuple(sheet.identity.facts()) if sheet.identity else (),
        standing=standing_lines(sheet, world, rules),
        features=features.held(sheet, world),
    )


def standing_lines(sheet: Sheet, world: World, rules: RuleSystem) -> tuple[tuple[str, str], ...]:
    """Specializations, exhaustion, titles, reputation per faction and scars, as a
    player reads them."""
    lines: list[tuple[str, str]] = []
    if sheet.specializations:
        names = [
            world.specializations[s].name if s in world.specializations else s
            for s in sheet.specializations
        ]
        lines.append(("Specializations", ", ".join(names)))
    if sheet.exhaustion:
        lines.append(
            ("Exhaustion", f"{sheet.exhaustion}: {rules.exhaustion_effect(sheet.exhaustion)}")
        )
    titles = wearing(sheet, world)
    if titles:
        lines.append(("Titles", ", ".join(titles)))
    standings = []
    for fid, faction in world.factions.items():
        value = reputation_with(sheet, fid, world)
        rank = rank_title(value, faction.titles)
        standings.append(f"{faction.name} {value:+d}" + (f" ({rank})" if rank else ""))
    if standings:
        lines.append(("Reputation", ", ".join(standings)))
    if sheet.scars:
        lines.append(("Scars", "; ".join(sheet.scars)))
    return tuple(lines)


def inventory_view(sheet: Sheet, world: World, rules: RuleSystem | None = None) -> InventoryView:
    """The pack: every item by name with its count, equipped ones marked."""
    rules = rules or rule_system_for(world)
    items = tuple(
        ItemView(item_id, item_name(world, item_id), count, sheet.equipped.holds(item_id))
        for item_id, count in sheet.inventory.items()
    )
    return InventoryView(
        items=items,
        gold=sheet.gold,
        currency=world.world.currency,
        carried=rules.carried_weight(sheet, world),
        capacity=rules.capacity(sheet),
    )
