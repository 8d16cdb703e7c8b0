"""What a rule system shows a player about a sheet, in its own words.

Each ``RuleSystem`` fills a ``SheetSummary``: its scores with their labels (and
modifiers, where the system has them), its defence, its resources, its skills
and attacks, already labelled. Interfaces draw these values and never ask
which system a world uses. ``CreationRules`` says how a player makes scores
at character creation.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from storyai.core.domain.dice import Dice


@dataclass(frozen=True)
class Score:
    """An ability score or characteristic: ``STR 17 +3`` or ``STR 45``."""

    key: str  # "str"
    label: str  # "STR"
    name: str  # "Strength"
    value: int
    modifier: int | None = None  # only where the system derives one (d20)


@dataclass(frozen=True)
class Stat:
    """One labelled value: a defence (``AC 15``), experience (``XP 300``)."""

    key: str
    label: str
    value: str


@dataclass(frozen=True)
class Resource:
    """Something that is spent and regained: hit points, hit dice, sanity.

    ``maximum`` is None when the resource has no fixed ceiling on the sheet.
    ``temporary`` is extra on top (temporary hit points). ``note`` says more
    (the hit die's size).
    """

    key: str  # "hp", "hit_dice", "sanity"
    label: str  # "HP", "Hit dice", "Sanity"
    current: int
    maximum: int | None = None
    temporary: int = 0
    note: str = ""

    @property
    def fraction(self) -> float:
        """How full, 0..1 (1 when there is no maximum)."""
        if self.maximum is None:
            return 1.0
        return max(0.0, min(1.0, self.current / max(1, self.maximum)))

    @property
    def amount(self) -> str:
        """``6/13`` or ``45``."""
        return f"{self.current}/{self.maximum}" if self.maximum is not None else str(self.current)


@dataclass(frozen=True)
class SkillEntry:
    """A skill as the sheet has it: ``Perception +4`` or ``Spot Hidden 60%``."""

    key: str
    label: str
    value: int
    text: str  # the value as the system writes it: "+4", "60%"


@dataclass(frozen=True)
class AttackLine:
    """An attack the character can make, as the rules would resolve it now."""

    name: str
    chance: str  # "+5 to hit", "50%"
    damage: str  # "1d8+3 slashing"
    ranged: bool = False


@dataclass(frozen=True)
class SheetSummary:
    """Everything rule-specific about a sheet, labelled by its rule system."""

    score_label: str  # "Abilities", "Characteristics"
    scores: tuple[Score, ...]
    scores_per_row: int  # how many fit on a line the way the system groups them
    defence: Stat
    resources: tuple[Resource, ...]  # hit points first
    stats: tuple[Stat, ...] = ()  # level-free extras: XP, proficiency bonus
    level: int | None = None  # None where the system has no levels
    skill_label: str = "Skills"
    skills: tuple[SkillEntry, ...] = ()  # best or most relevant first
    attacks: tuple[AttackLine, ...] = ()


@dataclass(frozen=True)
class ScoreMethod:
    """A way to make scores at character creation."""

    id: str  # "standard_array", "4d6kh3", "roll"
    label: str  # "Standard array"
    arrangeable: bool  # the player may swap the values between scores
    rerollable: bool
    hint: str
    values: Callable[[Dice], list[int]] = field(compare=False, repr=False)
    """The values for ``CreationRules.score_keys``, in order (arrangeable: any order)."""


@dataclass(frozen=True)
class CreationRules:
    """What character creation offers in this rule system."""

    score_label: str  # "Ability scores", "Characteristics"
    score_keys: tuple[str, ...]
    methods: tuple[ScoreMethod, ...]
