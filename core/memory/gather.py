"""Gathering what the story remembers for one narration, from storage.

* **Recent turns**: every turn after the end of the second-newest closed chapter,
  read from the branch's line above it (at most ``MAX_WINDOW`` events). The window
  only moves when a chapter closes, so this block is append-only.
* **Recall**: full-text search over the rest of the branch for the player's words,
  kept to what the acting character witnessed (``storage.recall``: its cost does not
  grow with the story).
"""

from __future__ import annotations

import re

from storyai.core.domain.events import Narration, PlayerAction
from storyai.core.domain.records import EventRecord, Lineage
from storyai.core.domain.state import GameState
from storyai.core.narrators.port import Memory, Recalled, TurnText
from storyai.core.storage.ports import UnitOfWork

MAX_WINDOW = 240  # events; bounds the read when a long story has no chapters yet
RECALL_LIMIT = 8
_WORD = re.compile(r"[^\W_]{3,}")


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
) -> Memory:
    """What the narrator of turn ``turn`` (whose action is ``head``) may remember."""
    if head is None:
        return Memory(witness=actor)
    names = {pid: p.name for pid, p in state.players.items()}
    _, start_depth = window_start(state)
    low = max(start_depth + 1, head.depth - MAX_WINDOW, 1)
    chain = await uow.events.on_line(
        head.session_id,
        lineage,
        min_depth=low,
        max_depth=head.depth,
        kinds=("player_action", "narration"),
    )
    recent = _turns(chain, names, turn)
    recalled: tuple[Recalled, ...] = ()
    if action.strip():
        recalled = await _recall(uow, head, lineage, action, actor, low)
    return Memory(recent=tuple(recent), recalled=recalled, witness=actor)


def _turns(chain: list[EventRecord], names: dict[str, str], current: int) -> list[TurnText]:
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
