"""Reading a story's state and lines from storage.

State at an event = the nearest snapshot on its line (taken every ``SNAPSHOT_EVERY``
levels of depth) plus the events since, folded with their own ``apply``: at most
``SNAPSHOT_EVERY`` events, one read, whatever the length of the story. A state
already folded in this process comes from the ``StateCache`` instead.
"""

from __future__ import annotations

from storyai.core.domain.errors import HistoryBroken
from storyai.core.domain.events import Narration
from storyai.core.domain.records import BranchRecord, EventRecord, Lineage, on_line
from storyai.core.domain.state import GameState
from storyai.core.play.caches import StateCache
from storyai.core.storage.ports import UnitOfWork

SNAPSHOT_EVERY = 50


def snapshot_due(depth: int) -> bool:
    return depth == 1 or depth % SNAPSHOT_EVERY == 0


async def state_at(
    uow: UnitOfWork, lineage: Lineage, event: EventRecord, cache: StateCache | None = None
) -> GameState:
    """The state right after ``event`` (on the line ``lineage``, which must see it).
    Never change what comes back: fork it first."""
    if cache is not None:
        found = cache.get(event.id)
        if found is not None:
            return found
    base = max(1, (event.depth // SNAPSHOT_EVERY) * SNAPSHOT_EVERY)
    while True:
        line = await uow.events.on_line(
            event.session_id, lineage, min_depth=base, max_depth=event.depth
        )
        if not line or line[0].depth != base or line[-1].id != event.id:
            raise HistoryBroken(f"the events up to turn {event.turn} are not all there")
        snapshot = await uow.snapshots.get(line[0].id)
        if snapshot is not None:
            break
        if base == 1:
            raise HistoryBroken("the story's first snapshot is missing")
        base = max(1, base - SNAPSHOT_EVERY)
    state = GameState.from_json(snapshot.state)
    for record in line[1:]:
        record.event.apply(state)
    if cache is not None:
        cache.put(event.id, state)
    return state


def line_of(branches: list[BranchRecord], event: EventRecord) -> Lineage:
    """A lineage that sees ``event``, cut at its depth: the line from the root to it."""
    for branch in branches:
        if on_line(branch.lineage, event.segment, event.depth):
            return tuple(
                (s, event.depth if limit is None or limit > event.depth else limit)
                for s, limit in branch.lineage
            )
    raise HistoryBroken(f"no branch leads to the event {event.id}")


async def last_told(uow: UnitOfWork, lineage: Lineage, head: EventRecord | None) -> str:
    """The last line a player read at ``head``: the nearest narration on its line."""
    if head is None:
        return ""
    if isinstance(head.event, Narration):
        told = [head]
    else:
        told = await uow.events.on_line(
            head.session_id, lineage, max_depth=head.depth, kinds=("narration",), newest=1
        )
    return last_line(told)


def last_line(events: list[EventRecord]) -> str:
    """The last thing told: prose or speech when there is some, else a roll or notice."""
    for e in reversed(events):
        if isinstance(e.event, Narration):
            lines = e.event.lines
            for line in reversed(lines):
                if line.kind in ("narration", "dialogue", "ending"):
                    return line.text
            if lines:
                return lines[-1].text
    return ""
