"""Lore for authors: search a world's lore, explain why an input fires an entry or
not, and lint entries that can never fire or never fit.

``why`` runs the same triggering the game master's prompt uses
(``core/memory/lore.py``, ``select_lore``): keywords as whole words in the action,
the two turns before it and the scene's name; known-by lore withheld unless someone
who knows it is there; then cut at the lore budget. Lore does not trigger lore (no
recursion): an entry's own text never fires another entry, and ``why`` says so when
it would have.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from storyai.core.domain.errors import UsageError
from storyai.core.domain.world import LoreEntry, World
from storyai.core.engine.turn import initial_state
from storyai.core.memory.context import Budgets
from storyai.core.memory.lore import LoreHit, _pattern, select_lore

Count = Callable[[str], int]


@dataclass(frozen=True)
class NotFired:
    id: str
    title: str
    reason: str


@dataclass(frozen=True)
class WhyStep:
    """One input and what triggering made of it."""

    input: str
    fired: tuple[LoreHit, ...]
    not_fired: tuple[NotFired, ...]
    recursion: tuple[str, ...] = ()  # "'Old Mine' text names 'ember' (ember_lore): not fired"
    used: int = 0
    budget: int = 0


@dataclass(frozen=True)
class LintIssue:
    id: str
    severity: str  # "error" (can never fire / never fit) or "warning"
    message: str


@dataclass(frozen=True)
class WhyReport:
    steps: tuple[WhyStep, ...]
    at: str = ""
    budget: int = 0
    notes: tuple[str, ...] = field(default_factory=tuple)


def search_lore(world: World, query: str, *, gm: bool = True) -> list[tuple[str, LoreEntry]]:
    """Entries whose title, keywords, tags or text hold every word of ``query``
    (``gm=False`` leaves out gm-only entries)."""
    words = query.lower().split()
    found = []
    for lid, entry in sorted(world.lore.items()):
        if not gm and entry.visibility == "gm-only":
            continue
        hay = " ".join([lid, entry.title, *entry.keywords, *entry.tags, entry.text]).lower()
        if all(w in hay for w in words):
            found.append((lid, entry))
    return found


def why(
    world: World,
    inputs: Sequence[str],
    *,
    at: str | None = None,
    budget: int | None = None,
    count: Count,
    knows: Sequence[str] = (),
) -> WhyReport:
    """Run each input through lore triggering as a turn at ``at`` (default: the start)
    would, the inputs before it standing for the last turns told."""
    place = at or world.start.location
    if place not in world.locations:
        raise UsageError(
            f"the world has no location '{place}'",
            hint="known locations: " + ", ".join(sorted(world.locations)[:12]),
        )
    limit = Budgets().lore if budget is None else budget
    state = initial_state(world)
    state.lore_known = list(knows)
    # a stand-in player at the place, so who is present there counts as in a real turn
    from storyai.core.domain.sheet import Sheet
    from storyai.core.domain.state import PlayerState

    state.players["author"] = PlayerState(
        id="author",
        name="Author",
        location=place,
        sheet=Sheet(id="author", name="Author", system=world.rules.system, hp=1, max_hp=1),
    )
    steps = []
    for i, text in enumerate(inputs):
        sources = [("your action", text)]
        for j in range(i - 1, max(-1, i - 3), -1):
            sources.append((f"input {j + 1}", inputs[j]))
        sources.append(("the scene", world.locations[place].name))
        hits = select_lore(world, state, "author", sources, budget=limit, count=count)
        fired_ids = {h.id for h in hits}
        not_fired = tuple(
            NotFired(
                lid,
                entry.title,
                "no keyword ("
                + ", ".join(f"'{k}'" for k in entry.keywords)
                + ") appears as a whole word in the input, the inputs before it or the scene",
            )
            for lid, entry in sorted(world.lore.items())
            if lid not in fired_ids
        )
        recursion = []
        for hit in hits:
            if hit.status not in ("included", "secret"):
                continue  # its text never reaches the model, so names nothing
            body = world.lore[hit.id].text.lower()
            for lid, entry in sorted(world.lore.items()):
                if lid in fired_ids:
                    continue
                named = next((k for k in entry.keywords if k and _pattern(k).search(body)), None)
                if named:
                    recursion.append(
                        f"'{hit.title}' names '{named}' ({lid}), which does not fire: "
                        "lore never triggers lore"
                    )
        used = sum(h.tokens for h in hits if h.status in ("included", "secret"))
        steps.append(WhyStep(text, tuple(hits), not_fired, tuple(recursion), used, limit))
    return WhyReport(tuple(steps), place, limit)


EXPORTED_ACTION = re.compile(r"^\*\*.+?\*\* \(turn \d+\): (.+)$")
"""A player's input in ``storyai session export``: ``**Ash** (turn 2): go north``."""


def transcript_inputs(text: str) -> list[str]:
    """The player inputs of a transcript: from a ``storyai session export`` its
    players' actions; else lines quoted with ``> ``; else every line (not ``#``)."""
    lines = [line.strip() for line in text.splitlines()]
    exported = [m.group(1).strip() for line in lines if (m := EXPORTED_ACTION.match(line))]
    quoted = [line[1:].strip() for line in lines if line.startswith(">")]
    chosen = exported or quoted or [line for line in lines if line and not line.startswith("#")]
    return [line for line in chosen if line]


def lint(world: World, *, budget: int | None = None, count: Count) -> list[LintIssue]:
    """Entries that can never fire, never fit the budget, or share keywords."""
    limit = Budgets().lore if budget is None else budget
    issues: list[LintIssue] = []
    owners: dict[str, list[str]] = {}
    for lid, entry in sorted(world.lore.items()):
        keywords = [k.strip() for k in entry.keywords]
        if not any(keywords):
            issues.append(LintIssue(lid, "error", "has only empty keywords: it can never fire"))
        for k in keywords:
            if k:
                owners.setdefault(k.lower(), []).append(lid)
            if k and len(k) < 3:
                issues.append(
                    LintIssue(lid, "warning", f"keyword '{k}' is very short: it fires on any '{k}'")
                )
            if k and not any(ch.isalnum() for ch in k):
                issues.append(
                    LintIssue(lid, "error", f"keyword '{k}' has no letters: it can never fire")
                )
        tokens = count(f"{entry.title}: {' '.join(entry.text.split())}")
        if tokens > limit:
            issues.append(
                LintIssue(
                    lid,
                    "error",
                    f"is {tokens} tokens, over the lore budget of {limit}: it fires but is "
                    "never included",
                )
            )
        elif entry.priority >= 50 and tokens > limit // 2:
            issues.append(
                LintIssue(
                    lid,
                    "warning",
                    f"a high-priority entry of {tokens} tokens takes over half the lore budget "
                    f"({limit}) whenever it fires",
                )
            )
        if entry.visibility == "known-by":
            missing = [c for c in entry.known_by if c not in world.characters]
            placed = {c for loc in world.locations.values() for c in loc.characters}
            if missing:
                issues.append(
                    LintIssue(
                        lid, "error", "known_by names unknown characters: " + ", ".join(missing)
                    )
                )
            elif not placed & set(entry.known_by) and not _revealed(world, lid):
                issues.append(
                    LintIssue(
                        lid,
                        "error",
                        "known-by lore whose knowers are never anywhere and that no topic "
                        "reveals: it is always withheld",
                    )
                )
    for keyword, ids in sorted(owners.items()):
        if len(ids) > 1:
            for lid in ids:
                others = ", ".join(o for o in ids if o != lid)
                issues.append(
                    LintIssue(lid, "warning", f"keyword '{keyword}' is shared with {others}")
                )
    return issues


def _revealed(world: World, lore_id: str) -> bool:
    return any(
        lore_id in topic.reveals
        for character in world.characters.values()
        for topic in character.dialogue.topics.values()
    )
