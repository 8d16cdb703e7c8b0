"""Stats the story changes: exhaustion, scars, titles and reputation per faction.

They live on a player's ``Sheet`` and change only through authored effects
(``exhaustion``, ``scar``, ``title``, ``reputation``) and the rules (a long rest
eases exhaustion by one level); a player's words or a model's proposal never
move them. A faction's titles follow its reputation: the highest one reached is
worn, and it is lost again when the reputation falls below it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from storyai.core.domain.sheet import Sheet
    from storyai.core.domain.world import World

MAX_EXHAUSTION = 6
"""SRD: exhaustion goes from 1 to 6; a creature reaching level 6 dies."""
REPUTATION_RANGE = (-100, 100)
MAX_SCARS = 20
MAX_TITLES = 20


class RankTitle(Protocol):
    at: int
    title: str


def clamp_reputation(value: int) -> int:
    low, high = REPUTATION_RANGE
    return max(low, min(high, value))


def rank_title(value: int, titles: Sequence[RankTitle]) -> str | None:
    """The title a reputation earns with a faction: the one with the highest ``at``
    that ``value`` reaches (negative thresholds reached by falling to them)."""
    best: RankTitle | None = None
    for t in titles:
        reached = value >= t.at if t.at >= 0 else value <= t.at
        if not reached:
            continue
        if best is None or abs(t.at) > abs(best.at):
            best = t
    return best.title if best else None


def faction_titles(
    reputation: Mapping[str, int], factions: Mapping[str, Sequence[RankTitle]]
) -> tuple[str, ...]:
    """Every title the reputations earn now, in faction order."""
    out = []
    for fid, titles in factions.items():
        title = rank_title(reputation.get(fid, 0), titles)
        if title:
            out.append(title)
    return tuple(out)


def reputation_with(sheet: Sheet, faction_id: str, world: World) -> int:
    """A character's reputation with a faction (the faction's ``starting`` until moved)."""
    faction = world.factions.get(faction_id)
    start = faction.starting if faction else 0
    return sheet.reputation.get(faction_id, start)


def wearing(sheet: Sheet, world: World) -> tuple[str, ...]:
    """Every title a character wears now: those the story gave, then the ones their
    reputation with each faction earns."""
    ranks = faction_titles(
        {fid: reputation_with(sheet, fid, world) for fid in world.factions},
        {fid: f.titles for fid, f in world.factions.items()},
    )
    return (*sheet.titles, *(t for t in ranks if t not in sheet.titles))
