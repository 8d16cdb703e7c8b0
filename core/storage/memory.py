"""The in-memory adapter of the storage port, for unit tests and throwaway runs.

It behaves like the SQL adapter, transactions included: a unit of work works on
its own copy of the committed state, so its changes are invisible to other
units of work until ``commit()``, and ``rollback()`` (or leaving the block
without committing) discards them. ``commit()`` replays the changes onto the
newest committed state, so a conflict that appeared meanwhile is still caught,
as a database constraint would catch it.

Usage::

    store = InMemoryStore()
    services.install_world(store.unit_of_work, ...)   # a UnitOfWorkFactory
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime

from storyai.core.domain.errors import SessionNotFound, WorldNotFound
from storyai.core.domain.records import SessionRecord, WorldSummary, WorldVersionRecord
from storyai.core.storage import behaviour
from storyai.core.storage.ports import SessionRepository, UnitOfWork, WorldRepository


@dataclass
class _World:
    title: str
    forked_from: str | None
    created_at: datetime
    versions: list[WorldVersionRecord] = field(default_factory=list)
    """In install order: the last one is the newest."""


@dataclass
class _State:
    """Everything stored; records are frozen, so copying the containers is enough."""

    worlds: dict[str, _World] = field(default_factory=dict)
    sessions: dict[str, SessionRecord] = field(default_factory=dict)

    def copy(self) -> _State:
        return _State(
            worlds={k: replace(w, versions=list(w.versions)) for k, w in self.worlds.items()},
            sessions=dict(self.sessions),
        )

    def add_version(self, record: WorldVersionRecord) -> None:
        world = self.worlds.get(record.world_id)
        if world is None:
            world = _World(record.title, record.forked_from, record.installed_at)
            self.worlds[record.world_id] = world
        if any(v.version == record.version for v in world.versions):
            raise behaviour.version_conflict(record.world_id, record.version)
        world.title = record.title
        world.versions.append(record)

    def add_session(self, record: SessionRecord) -> None:
        if record.id in self.sessions:
            raise behaviour.session_conflict(record.id)
        world = self.worlds.get(record.world_id)
        if world is None or all(v.version != record.world_version for v in world.versions):
            raise WorldNotFound(record.world_id, record.world_version)
        self.sessions[record.id] = record


Change = Callable[[_State], None]


class InMemoryStore:
    """The committed state, shared by every unit of work made from it."""

    def __init__(self) -> None:
        self._state = _State()

    def unit_of_work(self) -> InMemoryUnitOfWork:
        """A new unit of work; pass the bound method as a ``UnitOfWorkFactory``."""
        return InMemoryUnitOfWork(self)

    def _snapshot(self) -> _State:
        return self._state.copy()

    def _apply(self, changes: list[Change]) -> None:
        """All changes or none: replay them on a copy, then swap it in."""
        state = self._state.copy()
        for change in changes:
            change(state)
        self._state = state


class InMemoryWorldRepository(WorldRepository):
    def __init__(self, uow: InMemoryUnitOfWork) -> None:
        self._uow = uow

    async def add_version(self, record: WorldVersionRecord) -> None:
        record = replace(
            record,
            content=copy.deepcopy(record.content),
            installed_at=behaviour.utc(record.installed_at),
        )
        self._uow._change(lambda state: state.add_version(record))

    async def get_version(self, world_id: str, version: str | None = None) -> WorldVersionRecord:
        world = self._uow._state.worlds.get(world_id)
        if world is None:
            raise WorldNotFound(world_id)
        if version is None:
            return _fresh(world.versions[-1])
        found = await self.find_version(world_id, version)
        if found is None:
            raise WorldNotFound(world_id, version)
        return found

    async def find_version(self, world_id: str, version: str) -> WorldVersionRecord | None:
        world = self._uow._state.worlds.get(world_id)
        for record in world.versions if world else ():
            if record.version == version:
                return _fresh(record)
        return None

    async def list(self) -> list[WorldSummary]:
        state = self._uow._state
        counts: dict[str, int] = {}
        for session in state.sessions.values():
            counts[session.world_id] = counts.get(session.world_id, 0) + 1
        return [
            behaviour.summary(
                world_id,
                world.title,
                world.forked_from,
                [v.version for v in reversed(world.versions)],
                counts.get(world_id, 0),
            )
            for world_id, world in sorted(state.worlds.items())
        ]

    async def exists(self, world_id: str) -> bool:
        return world_id in self._uow._state.worlds


class InMemorySessionRepository(SessionRepository):
    def __init__(self, uow: InMemoryUnitOfWork) -> None:
        self._uow = uow

    async def add(self, record: SessionRecord) -> None:
        record = replace(
            record,
            settings=copy.deepcopy(record.settings),
            created_at=behaviour.utc(record.created_at),
            updated_at=behaviour.utc(record.updated_at),
        )
        self._uow._change(lambda state: state.add_session(record))

    async def get(self, session_id: str) -> SessionRecord:
        record = self._uow._state.sessions.get(session_id)
        if record is None:
            raise SessionNotFound(session_id)
        return replace(record, settings=copy.deepcopy(record.settings))

    async def list(self, world_id: str | None = None) -> list[SessionRecord]:
        records = [
            replace(r, settings=copy.deepcopy(r.settings))
            for r in self._uow._state.sessions.values()
            if world_id is None or r.world_id == world_id
        ]
        return behaviour.sessions_in_order(records)

    async def count_for_world_version(self, world_id: str, version: str) -> int:
        return sum(
            1
            for r in self._uow._state.sessions.values()
            if r.world_id == world_id and r.world_version == version
        )


class InMemoryUnitOfWork(UnitOfWork):
    """A unit of work over an ``InMemoryStore``; see the module docstring."""

    def __init__(self, store: InMemoryStore) -> None:
        self._store = store
        self._state = store._snapshot()
        self._changes: list[Change] = []
        self.committed = False
        """True once ``commit()`` has succeeded (handy in tests)."""
        self.worlds = InMemoryWorldRepository(self)
        self.sessions = InMemorySessionRepository(self)

    def _change(self, change: Change) -> None:
        change(self._state)  # raises before anything is recorded
        self._changes.append(change)

    async def commit(self) -> None:
        self._store._apply(self._changes)
        self._changes = []
        self._state = self._store._snapshot()
        self.committed = True

    async def rollback(self) -> None:
        self._changes = []
        self._state = self._store._snapshot()


def _fresh(record: WorldVersionRecord) -> WorldVersionRecord:
    """A copy the caller may mutate without touching the store, like a new DB read."""
    return replace(record, content=copy.deepcopy(record.content))
