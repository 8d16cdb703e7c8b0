"""Gathering what the story remembers for one narration, from storage.

* **Recent turns**: every turn after the end of the second-newest closed chapter,
  read from the branch's line above it (at most ``MAX_WINDOW`` events). The window
  only moves when a chapter closes, so this block is append-only. A ``WindowCache``
  keeps each story's window between turns, so a turn reads only what was stored
  since the last one (a window is fixed by the event it ends at, so it is right
  whatever other processes do).
* **Recall**: full-text search over the rest of the branch for the player's words,
  kept to what the acting character witnessed (``storage.recall``: its cost does not
  grow with the story).
"""

from __future__ import annotations

import re
from collections import OrderedDict
from dataclasses import dataclass

from storyai.core.domain.events import Narration, PlayerAction
from storyai.core.domain.records import EventRecord, Lineage, on_line
from storyai.core.domain.state import GameState
from storyai.core.narrators.port import Memory, Recalled, TurnText
from storyai.core.storage.ports import UnitOfWork

MAX_WINDOW = 240  # events; bounds the read when a long story has no chapters yet
RECALL_LIMIT = 8
WINDOW_KINDS = ("player_action", "narration")
_WORD = re.compile(r"[^\W_]{3,}")


@dataclass(frozen=True)
class _Window:
    low: int  # the first depth read
    end: EventRecord  # the newest event read: everything on its line up to it is here
    events: tuple[EventRecord, ...]  # the window's actions and narrations, oldest first


class WindowCache:
    """Each story's last recent-turns window, by session id. A window read up to an
    event holds every action and narration on that event's line between two depths;
    those never change, so a later turn on a line through that event reuses them."""

    def __init__(self, size: int = 256) -> None:
        self._size = size
        self._windows: OrderedDict[str, _Window] = OrderedDict()

    def reusable(
        self, session_id: str, lineage: Lineage, low: int, head: EventRecord
    ) -> _Window | None:
        """The cached window if ``head``'s line runs through its end and it starts at or
        before ``low``."""
        found = self._windows.get(session_id)
        if (
            found is None
            or found.low > low
            or found.end.depth > head.depth
            or not on_line(lineage, found.end.segment, found.end.depth)
        ):
            return None
        self._windows.move_to_end(session_id)
        return found

    def put(self, session_id: str, window: _Window) -> None:
        self._windows[session_id] = window
        self._windows.move_to_end(session_id)
        while len(self._windows) > self._size:
            self._windows.popitem(last=False)


def window_start(state: GameState) -> tuple[int, int]:
    """(last turn, depth) before the recent-turns window: the second-newest chapter's end."""
    if len(state.chapters) >= 2:
        c = state.chapters[-2]
        return c.last_turn, c.end_depth
    return 0, 0


async def gather_memory(
    uow: UnitOfWork,
    lineage: Lineage,
    head: EventRecord | None,
    state: GameState,
    actor: str,
    action: str,
    turn: int,
    windows: WindowCache | None = None,
) -> Memory:
    """What the narrator of turn ``turn`` (whose action is ``head``) may remember."""
    if head is None:
        return Memory(witness=actor)
    names = {pid: p.name for pid, p in state.players.items()}
    _, start_depth = window_start(state)
    low = max(start_depth + 1, head.depth - MAX_WINDOW, 1)
    chain = await _window(uow, lineage, head, low, windows)
    recent = _turns(chain, names, turn)
    recalled: tuple[Recalled, ...] = ()
    if action.strip():
        recalled = await _recall(uow, head, lineage, action, actor, low)
    return Memory(recent=tuple(recent), recalled=recalled, witness=actor)


async def _window(
    uow: UnitOfWork,
    lineage: Lineage,
    head: EventRecord,
    low: int,
    windows: WindowCache | None,
) -> tuple[EventRecord, ...]:
    """The actions and narrations on ``lineage`` from depth ``low`` to ``head``."""
    cached = windows.reusable(head.session_id, lineage, low, head) if windows else None
    kept: tuple[EventRecord, ...] = ()
    start = low
    if cached is not None:
        start = cached.end.depth + 1
        kept = tuple(e for e in cached.events if e.depth >= low)
    newer: list[EventRecord] = []
    if start <= head.depth:
        newer = await uow.events.on_line(
            head.session_id, lineage, min_depth=start, max_depth=head.depth, kinds=WINDOW_KINDS
        )
    chain = kept + tuple(newer)
    if windows is not None and chain:
        # Up to the newest event read, not to ``head``: a pending action is gathered
        # for before it is stored.
        windows.put(head.session_id, _Window(low, chain[-1], chain))
    return chain


def _turns(chain: tuple[EventRecord, ...], names: dict[str, str], current: int) -> list[TurnText]:
    turns: dict[int, dict] = {}
    for e in chain:
        event = e.event
        if isinstance(event, PlayerAction):
            if e.turn >= current:
                continue  # the action being narrated now is the input, not history
            t = turns.setdefault(e.turn, {"actor": "", "action": "", "told": [], "w": ()})
            t["actor"], t["action"] = names.get(e.actor, e.actor), event.text
        elif isinstance(event, Narration):
            t = turns.setdefault(e.turn, {"actor": "", "action": "", "told": [], "w": ()})
            t["told"] += [
                f"{line.speaker}: {line.text}"
                if line.kind == "dialogue" and line.speaker
                else line.text
                for line in event.lines
            ]
            t["w"] = tuple(event.witnesses or ())
    return [
        TurnText(n, t["actor"], t["action"], "\n".join(t["told"]), t["w"])
        for n, t in sorted(turns.items())
        if t["told"] or t["action"]
    ]


async def _recall(
    uow: UnitOfWork,
    head: EventRecord,
    lineage: Lineage,
    action: str,
    actor: str,
    before_depth: int,
) -> tuple[Recalled, ...]:
    hits = await uow.recall.search(
        head.session_id,
        action,
        limit=RECALL_LIMIT,
        before_depth=before_depth,
        witness=actor,
        lineage=lineage,
    )
    asked = {w.lower() for w in _WORD.findall(action)}
    out = []
    for hit in hits:
        text = " ".join(hit.text.split())
        if len(text) > 400:
            text = text[:399].rsplit(" ", 1)[0] + "…"
        shared = sorted(asked & {w.lower() for w in _WORD.findall(hit.text)})
        why = "matches " + ", ".join(f"'{w}'" for w in shared[:4]) if shared else "related"
        out.append(Recalled(hit.turn, text, why))
    return tuple(out)
