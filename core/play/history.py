"""Reading a story's past: a page of the active line, the turn tree, transcripts."""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from storyai.core.domain.errors import BranchError, HistoryBroken
from storyai.core.domain.events import (
    DiceRolled,
    Narration,
    PlayerAction,
    PlayerLeft,
    PlayerReturned,
)
from storyai.core.domain.records import EventRecord
from storyai.core.play.loading import last_line
from storyai.core.play.pipeline import Deps


@dataclass
class TurnNode:
    """One told turn in the tree: what was done, and how it ended.

    ``event_id`` is the turn's narration, the point a rewind branches from.
    """

    event_id: str
    parent: str | None
    turn: int
    actor: str
    action: str
    last_line: str
    on_active_line: bool = False
    branches: list[str] = field(default_factory=list)
    children: list[str] = field(default_factory=list)


async def history(
    deps: Deps, session_id: str, *, last_turns: int | None = None
) -> list[EventRecord]:
    """The active line's events from the start, or only its last ``last_turns`` turns
    (one indexed read either way; a page costs the same in a story of any length)."""
    async with deps.uow() as uow:
        opened = await uow.sessions.open(session_id)
        head, branch = opened.head, opened.branch
        if head is None or branch is None:
            raise HistoryBroken(f"the branch '{opened.session.active_branch}' has no events")
        turns = None if last_turns is None else (max(0, head.turn - last_turns + 1), head.turn)
        return await uow.events.on_line(
            session_id, branch.lineage, max_depth=head.depth, turns=turns
        )


async def turn_tree(deps: Deps, session_id: str) -> list[TurnNode]:
    """Every told turn of every branch, in the order they were played."""
    async with deps.uow() as uow:
        session = await uow.sessions.get(session_id)
        events = await uow.events.list(session_id)
        branches = await uow.branches.list(session_id)
        players = {p.id: p.display_name for p in await uow.players.list(session_id)}
    by_id = {e.id: e for e in events}

    def told_at(event: EventRecord | None) -> EventRecord | None:
        while event is not None and not isinstance(event.event, Narration):
            event = by_id.get(event.parent_id or "")
        return event

    nodes: dict[str, TurnNode] = {}
    for e in events:
        if not isinstance(e.event, Narration):
            continue
        action, actor = "", ""
        up = by_id.get(e.parent_id or "")
        while up is not None and not isinstance(up.event, Narration):
            if isinstance(up.event, PlayerAction):
                action, actor = up.event.text, players.get(up.actor, up.actor)
            up = by_id.get(up.parent_id or "")
        parent = up.id if up is not None else None
        nodes[e.id] = TurnNode(e.id, parent, e.turn, actor, action, last_line([e]))
        if parent in nodes:
            nodes[parent].children.append(e.id)
    for b in branches:
        node = told_at(by_id.get(b.head_event_id or ""))
        if node is not None and node.id in nodes:
            nodes[node.id].branches.append(b.name)
            if b.name == session.active_branch:
                current: TurnNode | None = nodes[node.id]
                while current is not None:
                    current.on_active_line = True
                    current = nodes.get(current.parent or "")
    return list(nodes.values())


async def transcript(deps: Deps, session_id: str, fmt: str = "markdown") -> str:
    """The active line as Markdown (for people) or JSON (for programs)."""
    if fmt not in ("markdown", "json"):
        raise BranchError(f"Unknown transcript format '{fmt}'.", hint="use markdown or json")
    async with deps.uow() as uow:
        session = await uow.sessions.get(session_id)
        players = {p.id: p.display_name for p in await uow.players.list(session_id)}
    events = await history(deps, session_id)
    if fmt == "json":
        return json.dumps(
            {
                "session": session.id,
                "title": session.title,
                "world": session.world_id,
                "world_version": session.world_version,
                "branch": session.active_branch,
                "players": [{"id": pid, "name": name} for pid, name in players.items()],
                "events": [
                    {
                        "id": e.id,
                        "parent": e.parent_id,
                        "turn": e.turn,
                        "kind": e.kind,
                        "actor": e.actor,
                        "actor_name": players.get(e.actor, e.actor),
                        "payload": e.event.to_payload(),
                        "at": e.created_at.isoformat(),
                    }
                    for e in events
                ],
            },
            indent=2,
            ensure_ascii=False,
        )
    out = [
        f"# {session.title}",
        "",
        f"*World {session.world_id} {session.world_version} · branch {session.active_branch}*",
        "",
    ]
    for e in events:
        event = e.event
        who = players.get(e.actor, e.actor)
        if isinstance(event, PlayerAction):
            out += [f"**{who}** (turn {e.turn}): {event.text}", ""]
        elif isinstance(event, PlayerLeft):
            out += [f"*{event.name} leaves the table.*", ""]
        elif isinstance(event, PlayerReturned):
            out += [f"*{event.name} is back at the table.*", ""]
        elif isinstance(event, DiceRolled):  # rolls made at the table (the rules' are told)
            rolled = [r.text for r in event.rolls if (r.model_extra or {}).get("table")]
            out += [line for text in rolled for line in (f"`🎲 {text}`", "")]
        elif isinstance(event, Narration):
            for line in event.lines:
                if line.kind == "heading":
                    out.append(f"### {line.text}")
                elif line.kind == "dialogue":
                    out.append(f"> **{line.speaker}:** {line.text}")
                elif line.kind == "dice":
                    out.append(f"`🎲 {line.text}`")
                else:
                    out.append(line.text)
                out.append("")
    return "\n".join(out).rstrip() + "\n"
