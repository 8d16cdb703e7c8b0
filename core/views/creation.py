"""Character creation as a player meets it: the archetypes on offer, what each
brings, and how this world's rule system makes scores."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from storyai.core.domain.world import World
from storyai.core.rules.display import ScoreMethod
from storyai.core.rules.registry import rule_system_for


@dataclass(frozen=True)
class ArchetypeChoice:
    id: str
    name: str
    description: str
    facts: tuple[str, ...]  # "hit die d10", "HP 11", "starts with Recorder, Flashlight"
    bonus: tuple[tuple[str, int], ...] = ()  # added to scores: (("str", 2),)

    def bonus_for(self, score: str) -> int:
        return dict(self.bonus).get(score, 0)


@dataclass(frozen=True)
class BackgroundChoice:
    """One of the world's background tables: pick an option, or leave it to the dice."""

    id: str
    label: str
    fills: str | None  # the identity field its option fills ("origin"), None for a trait
    options: tuple[tuple[str, str], ...]  # (option id, text), in the author's order


IDENTITY_FIELDS: tuple[tuple[str, str, bool], ...] = (
    ("title", "Title", False),
    ("origin", "Origin", False),
    ("appearance", "Appearance", False),
    ("backstory", "Backstory", False),
    ("goals", "Goals", True),
    ("fears", "Fears", True),
    ("desires", "Desires", True),
    ("family", "Family", True),
    ("friends", "Friends", True),
    ("enemies", "Enemies", True),
)
"""The identity a player may type: (field, label, is a list). Lists are typed
separated by semicolons."""


@dataclass(frozen=True)
class CreationView:
    score_label: str  # "Ability scores", "Characteristics"
    score_keys: tuple[str, ...]  # in the order they are shown and submitted
    methods: tuple[ScoreMethod, ...]  # the first is the default
    archetypes: tuple[ArchetypeChoice, ...]
    backgrounds: tuple[BackgroundChoice, ...] = ()
    identity_fields: tuple[tuple[str, str, bool], ...] = IDENTITY_FIELDS

    def method(self, method_id: str) -> ScoreMethod:
        return next(m for m in self.methods if m.id == method_id)

    def archetype(self, archetype_id: str) -> ArchetypeChoice:
        return next(a for a in self.archetypes if a.id == archetype_id)


def creation_view(world: World) -> CreationView:
    rules = rule_system_for(world).creation()
    return CreationView(
        score_label=rules.score_label,
        score_keys=rules.score_keys,
        methods=rules.methods,
        archetypes=tuple(archetype_choice(world, aid) for aid in world.archetypes),
        backgrounds=tuple(
            BackgroundChoice(tid, t.label, t.fills, tuple((o.id, o.text) for o in t.options))
            for tid, t in world.backgrounds.items()
        ),
    )


def archetype_choice(world: World, archetype_id: str) -> ArchetypeChoice:
    arch = world.archetypes[archetype_id]
    stats: Mapping[str, Any] = arch.stats or {}
    bonus = {str(k): int(v) for k, v in (stats.get("ability_bonus") or {}).items()}
    facts: list[str] = []
    if bonus:
        facts.append("Bonus " + ", ".join(f"{k.upper()} {v:+d}" for k, v in bonus.items()))
    if stats.get("hit_die"):
        facts.append(f"hit die d{stats['hit_die']}")
    if stats.get("hp"):
        facts.append(f"HP {stats['hp']}")
    skills = stats.get("skills")
    if isinstance(skills, Mapping):
        best = sorted(skills.items(), key=lambda kv: -kv[1])[:4]
        facts.append("skills " + ", ".join(f"{k} {v}%" for k, v in best))
    elif skills:
        facts.append("skills " + ", ".join(skills))
    if arch.starting_items:
        names = [world.items[i].name if i in world.items else i for i in arch.starting_items]
        facts.append("starts with " + ", ".join(names))
    if arch.starting_gold:
        facts.append(f"{arch.starting_gold} {world.world.currency}")
    if arch.features:
        by_level = sorted(arch.features, key=lambda f: f.level)
        facts.append(  # a starting feature without its level: percentile worlds have none
            "features "
            + ", ".join(f.name + (f" (level {f.level})" if f.level > 1 else "") for f in by_level)
        )
    return ArchetypeChoice(
        archetype_id, arch.name, arch.description.strip(), tuple(facts), tuple(bonus.items())
    )
