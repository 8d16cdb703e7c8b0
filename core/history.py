"""Reading a session's past: the active line, the turn tree, and transcripts."""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from storyai.core.domain.errors import StoryError
from storyai.core.domain.records import EventRecord
from storyai.core.sessions import head_of, last_line, path_to
from storyai.core.storage.ports import UnitOfWorkFactory


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


async def history(uow_factory: UnitOfWorkFactory, session_id: str) -> list[EventRecord]:
    """The active branch's events from the start."""
    async with uow_factory() as uow:
        session = await uow.sessions.get(session_id)
        return await path_to(uow, session_id, (await head_of(uow, session)).id)


async def turn_tree(uow_factory: UnitOfWorkFactory, session_id: str) -> list[TurnNode]:
    """Every told turn of every branch, in the order they were played."""
    async with uow_factory() as uow:
        session = await uow.sessions.get(session_id)
        events = await uow.events.list(session_id)
        branches = await uow.branches.list(session_id)
        players = {p.id: p.display_name for p in await uow.players.list(session_id)}
    by_id = {e.id: e for e in events}

    def told_at(event: EventRecord | None) -> EventRecord | None:
        while event is not None and event.kind != "narration":
            event = by_id.get(event.parent_id or "")
        return event

    nodes: dict[str, TurnNode] = {}
    for e in events:
        if e.kind != "narration":
            continue
        action, actor = "", ""
        up = by_id.get(e.parent_id or "")
        while up is not None and up.kind != "narration":
            if up.kind == "player_action":
                action, actor = up.payload.get("text", ""), players.get(up.actor, up.actor)
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


async def transcript(uow_factory: UnitOfWorkFactory, session_id: str, fmt: str = "markdown") -> str:
    """The active branch as Markdown (for people) or JSON (for programs)."""
    async with uow_factory() as uow:
        session = await uow.sessions.get(session_id)
        players = {p.id: p.display_name for p in await uow.players.list(session_id)}
    events = await history(uow_factory, session_id)
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
                        "payload": e.payload,
                        "at": e.created_at.isoformat(),
                    }
                    for e in events
                ],
            },
            indent=2,
            ensure_ascii=False,
        )
    if fmt != "markdown":
        raise StoryError(f"Unknown transcript format '{fmt}'.", hint="use markdown or json")
    out = [
        f"# {session.title}",
        "",
        f"*World {session.world_id} {session.world_version} · branch {session.active_branch}*",
        "",
    ]
    for e in events:
        if e.kind == "player_action":
            out += [f"**{players.get(e.actor, e.actor)}** (turn {e.turn}): {e.payload['text']}", ""]
        elif e.kind == "narration":
            for line in e.payload["lines"]:
                text = line["text"]
                if line["kind"] == "heading":
                    out.append(f"### {text}")
                elif line["kind"] == "dialogue":
                    out.append(f"> **{line['speaker']}:** {text}")
                elif line["kind"] == "dice":
                    out.append(f"`🎲 {text}`")
                else:
                    out.append(text)
                out.append("")
    return "\n".join(out).rstrip() + "\n"
