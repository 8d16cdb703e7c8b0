"""Sessions and their players, in memory."""

from __future__ import annotations

import builtins
from dataclasses import replace
from datetime import datetime
from typing import TYPE_CHECKING

from storyai.core.domain.errors import ChannelBusy, WorldNotFound
from storyai.core.domain.records import Opened, PlayerRecord, SessionRecord
from storyai.core.storage import behaviour
from storyai.core.storage.memory.store import json_copy
from storyai.core.storage.ports import PlayerRepository, SessionRepository

if TYPE_CHECKING:
    from storyai.core.storage.memory.unit_of_work import InMemoryUnitOfWork


def _stored(record: SessionRecord) -> SessionRecord:
    telling = record.telling
    return replace(
        record,
        settings=json_copy(record.settings),
        created_at=behaviour.utc(record.created_at),
        updated_at=behaviour.utc(record.updated_at),
        telling=replace(telling, until=behaviour.utc(telling.until)) if telling else None,
        deadline=behaviour.utc(record.deadline) if record.deadline else None,
    )


def _player(record: PlayerRecord) -> PlayerRecord:
    return replace(
        record,
        character=json_copy(record.character),
        joined_at=behaviour.utc(record.joined_at),
        left_at=behaviour.utc(record.left_at) if record.left_at else None,
    )


def _fresh(record: SessionRecord) -> SessionRecord:
    return replace(record, settings=json_copy(record.settings))


class InMemorySessionRepository(SessionRepository):
    def __init__(self, uow: InMemoryUnitOfWork) -> None:
        self._uow = uow

    async def add(self, record: SessionRecord) -> None:
        view = self._uow.view
        if view.session(record.id) is not None:
            raise behaviour.session_conflict(record.id)
        world = self._uow.worlds
        if await world.find_version(record.world_id, record.world_version) is None:
            raise WorldNotFound(record.world_id, record.world_version)
        if view.channel_taken(record):
            raise ChannelBusy()
        self._uow.pending.sessions[record.id] = _stored(record)
        self._uow.pending.new_sessions.add(record.id)

    async def get(self, session_id: str) -> SessionRecord:
        return _fresh(self._uow.view.require_session(session_id))

    async def open(self, session_id: str, *, lock: bool = False) -> Opened:
        if lock:
            await self.lock(session_id)
        session = await self.get(session_id)
        branch = self._uow.view.branch(session_id, session.active_branch)
        head = None
        if branch is not None and branch.head_event_id is not None:
            head = self._uow.view.event(branch.head_event_id)
        return Opened(session, branch, head)

    async def update(self, record: SessionRecord) -> None:
        stored = self._uow.view.require_session(record.id)
        updated = _stored(
            replace(
                record,
                world_id=stored.world_id,
                world_version=stored.world_version,
                created_at=stored.created_at,
            )
        )
        if self._uow.view.channel_taken(updated):
            raise ChannelBusy()
        self._uow.pending.sessions[record.id] = updated

    async def list(
        self, world_id: str | None = None, *, limit: int | None = None
    ) -> list[SessionRecord]:
        found = [s for s in self._uow.view.sessions() if world_id is None or s.world_id == world_id]
        ordered = behaviour.sessions_in_order(found)
        return [_fresh(s) for s in ordered[:limit]]

    async def starting_with(self, prefix: str, *, limit: int = 2) -> builtins.list[str]:
        return sorted(s.id for s in self._uow.view.sessions() if s.id.startswith(prefix))[:limit]

    async def count_for_world_version(self, world_id: str, version: str) -> int:
        return sum(
            1
            for s in self._uow.view.sessions()
            if s.world_id == world_id and s.world_version == version
        )

    async def remove(self, session_id: str) -> None:
        self._uow.view.require_session(session_id)
        pending = self._uow.pending
        pending.sessions.pop(session_id, None)
        pending.removed_sessions.add(session_id)
        for table in (pending.players, pending.events):
            for key in [k for k, v in table.items() if v.session_id == session_id]:
                del table[key]
        for named in [k for k in pending.branches if k[0] == session_id]:
            del pending.branches[named]
        pending.snapshots = {
            k: v for k, v in pending.snapshots.items() if v.session_id != session_id
        }
        pending.postings = [p for p in pending.postings if p.session_id != session_id]

    async def in_channel(self, channel: str) -> SessionRecord | None:
        here = [s for s in self._uow.view.sessions() if s.channel == channel]
        ordered = behaviour.sessions_in_order(here)
        running = [s for s in ordered if s.status != "ended"]
        found = running or ordered
        return _fresh(found[0]) if found else None

    async def due(self, now: datetime, *, limit: int = 100) -> builtins.list[SessionRecord]:
        found = [
            s
            for s in self._uow.view.sessions()
            if s.deadline is not None and s.deadline <= now and s.status != "ended"
        ]
        found.sort(key=lambda s: (s.deadline, s.id))
        return [_fresh(s) for s in found[:limit]]

    async def lock(self, session_id: str) -> None:
        self._uow.view.require_session(session_id)
        await self._uow.lock(("session", session_id))


class InMemoryPlayerRepository(PlayerRepository):
    def __init__(self, uow: InMemoryUnitOfWork) -> None:
        self._uow = uow

    async def add(self, record: PlayerRecord) -> None:
        view = self._uow.view
        if view.player(record.id) is not None:
            raise behaviour.player_conflict(record.id)
        view.require_session(record.session_id)
        self._uow.pending.players[record.id] = _player(record)
        self._uow.pending.new_players.add(record.id)

    async def update(self, record: PlayerRecord) -> None:
        stored = self._uow.view.player(record.id)
        if stored is None or stored.session_id != record.session_id:
            raise behaviour.player_not_found(record.id, record.session_id)
        self._uow.pending.players[record.id] = _player(record)

    async def list(self, session_id: str) -> list[PlayerRecord]:
        found = behaviour.players_in_order(self._uow.view.players(session_id))
        return [replace(p, character=json_copy(p.character)) for p in found]
