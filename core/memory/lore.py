"""Keyword-triggered lore, with a trace of why each entry fired or did not.

An entry fires when one of its keywords appears, as whole words, in the
player's action or the last turns told. What fires is then scoped:

* ``public`` lore is included;
* ``known-by`` lore only when the player already learned it, or someone who
  knows it is in the scene to tell it;
* ``gm-only`` lore is the hidden truth the GM plays toward: it is included,
  marked as a secret the narrative must not state (the AI narrator also drops
  any paragraph that quotes it, so it never reaches a player's view).

Included entries are ordered by priority, then by where they fired (the
action first), and cut at the lore budget. The trace lists every fired entry.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache

from storyai.core.domain.state import GameState
from storyai.core.domain.world import World
from storyai.core.engine.story import holds


@dataclass(frozen=True)
class LoreHit:
    id: str
    title: str
    text: str
    why: str  # e.g. "'mine' in your action"
    status: str  # "included", "secret" (gm-only, included), "over budget", "withheld: ..."
    tokens: int = 0

    def as_dict(self) -> dict[str, object]:
        return {"id": self.id, "why": self.why, "status": self.status, "tokens": self.tokens}


@lru_cache(maxsize=4096)
def _pattern(keyword: str) -> re.Pattern[str]:
    return re.compile(r"(?<!\w)" + re.escape(keyword.lower()) + r"(?!\w)")


def select_lore(
    world: World,
    state: GameState,
    actor: str,
    sources: Sequence[tuple[str, str]],
    *,
    budget: int,
    count: Callable[[str], int],
    brief: Callable[[str], str] | None = None,
) -> list[LoreHit]:
    """Every entry a keyword fired, best first, with its status. ``sources`` are
    ``(label, text)`` pairs, most important first, e.g. ``("your action", "look at the mine")``.
    ``brief`` shortens each entry's text (the compact prompt keeps its first sentence)."""
    lowered = [(label, text.lower()) for label, text in sources]
    fired: list[tuple[int, int, str, str]] = []
    for lore_id in sorted(world.lore):
        entry = world.lore[lore_id]
        trigger = _first_trigger(entry.keywords, lowered)
        if trigger is not None:
            fired.append((-entry.priority, trigger[0], lore_id, trigger[1]))
    fired.sort()
    here = _location(state, actor)
    present = set(state.characters_at(here)) if here else set()
    hits, used = [], 0
    for _, _, lore_id, why in fired:
        entry = world.lore[lore_id]
        body = " ".join(entry.text.split())
        text = f"{entry.title}: {brief(body) if brief else body}"
        tokens = count(text)
        if entry.requires is not None and not (
            actor in state.players and holds(entry.requires, state, actor, world)
        ):
            status = "withheld: its condition does not hold for this character"
        elif (
            entry.visibility == "known-by"
            and lore_id not in state.lore_known
            and not present & set(entry.known_by)
        ):
            status = "withheld: known only by " + ", ".join(entry.known_by) + ", none here"
        elif used + tokens > budget:
            status = "over budget"
        else:
            status = "secret" if entry.visibility == "gm-only" else "included"
            used += tokens
        hits.append(LoreHit(lore_id, entry.title, text, why, status, tokens))
    return hits


def _first_trigger(
    keywords: Sequence[str], sources: Sequence[tuple[str, str]]
) -> tuple[int, str] | None:
    for rank, (label, text) in enumerate(sources):
        for keyword in keywords:
            if keyword and _pattern(keyword).search(text):
                return rank, f"'{keyword}' in {label}"
    return None


def _location(state: GameState, actor: str) -> str | None:
    player = state.players.get(actor)
    return player.location if player else None
