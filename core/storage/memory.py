"""The in-memory adapter of the storage port, for unit tests and throwaway runs.

It behaves like the SQL adapter, transactions included: a unit of work works on
its own copy of the committed state, so its changes are invisible to other
units of work until ``commit()``, and ``rollback()`` (or leaving the block
without committing) discards them. ``commit()`` replays the changes onto the
newest committed state, so a conflict that appeared meanwhile is still caught,
as a database constraint would catch it.

``sessions.lock`` takes an ``asyncio.Lock`` per session id (and every ``quotas``
write one per counter, as a database row lock), shared by the units
of work of one store and held until the unit of work ends. Taking it also
refreshes the unit of work's copy from the committed state (replaying its own
changes on top), so what the previous holder committed is visible, as it is
in a database after the lock is granted.

JSON documents (payloads, characters, snapshot states) are stored as a JSON
round trip of what was given, so they come back as a database returns them.

Usage::

    store = InMemoryStore()
    services.install_world(store.unit_of_work, ...)   # a UnitOfWorkFactory
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import Any

from storyai.core.domain.errors import SessionNotFound, StorageError, WorldNotFound
from storyai.core.domain.records import (
    BranchRecord,
    EventRecord,
    LibraryInfo,
    LibraryRecord,
    PlayerRecord,
    QuotaCounter,
    RecallHit,
    SessionRecord,
    SnapshotRecord,
    WorldSummary,
    WorldVersionRecord,
)
from storyai.core.storage import behaviour, recall
from storyai.core.storage.locks import HeldLocks, LockRegistry
from storyai.core.storage.ports import (
    BranchRepository,
    EventRepository,
    LibraryRepository,
    PlayerRepository,
    QuotaRepository,
    RecallRepository,
    SessionRepository,
    SnapshotRepository,
    UnitOfWork,
    WorldRepository,
)


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
    players: dict[str, PlayerRecord] = field(default_factory=dict)
    events: dict[str, EventRecord] = field(default_factory=dict)
    branches: dict[tuple[str, str], BranchRecord] = field(default_factory=dict)
    snapshots: dict[str, SnapshotRecord] = field(default_factory=dict)
    recall_index: dict[str, recall.RecallEntry] = field(default_factory=dict)
    """The recall index: an entry per indexed event, by event id."""
    quotas: dict[tuple[str, str, date], QuotaCounter] = field(default_factory=dict)
    """Quota counters by (scope, key, day)."""
    libraries: dict[str, tuple[LibraryInfo, tuple[LibraryRecord, ...]]] = field(
        default_factory=dict
    )
    """Installed libraries by name: their info and entries."""

    def copy(self) -> _State:
        return _State(
            worlds={k: replace(w, versions=list(w.versions)) for k, w in self.worlds.items()},
            sessions=dict(self.sessions),
            players=dict(self.players),
            events=dict(self.events),
            branches=dict(self.branches),
            snapshots=dict(self.snapshots),
            recall_index=dict(self.recall_index),
            quotas=dict(self.quotas),
            libraries=dict(self.libraries),
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

    def require_session(self, session_id: str) -> None:
        if session_id not in self.sessions:
            raise SessionNotFound(session_id)

    def update_session(self, record: SessionRecord) -> None:
        stored = self.sessions.get(record.id)
        if stored is None:
            raise SessionNotFound(record.id)
        self.sessions[record.id] = replace(
            stored,
            title=record.title,
            status=record.status,
            active_branch=record.active_branch,
            channel=record.channel,
            settings=record.settings,
            updated_at=record.updated_at,
        )

    def add_player(self, record: PlayerRecord) -> None:
        if record.id in self.players:
            raise behaviour.player_conflict(record.id)
        self.require_session(record.session_id)
        self.players[record.id] = record

    def update_player(self, record: PlayerRecord) -> None:
        stored = self.players.get(record.id)
        if stored is None or stored.session_id != record.session_id:
            raise behaviour.player_not_found(record.id, record.session_id)
        self.players[record.id] = record

    def append_events(self, records: list[EventRecord]) -> None:
        for session_id in sorted({r.session_id for r in records}):
            self.require_session(session_id)
        taken = {(e.session_id, e.seq) for e in self.events.values()}
        ordered = behaviour.check_new_events(records, self.events, taken)
        for record in ordered:
            self.events[record.id] = record
        for entry in recall.entries_for(ordered):
            self.recall_index[entry.event_id] = entry

    def lineage(self, session_id: str, head_id: str, min_depth: int) -> set[str]:
        found: set[str] = set()
        event = self.events.get(head_id)
        if event is None or event.session_id != session_id:
            return found
        while event is not None and event.depth >= min_depth:
            found.add(event.id)
            event = None if event.parent_id is None else self.events[event.parent_id]
        return found

    def event_owner(self, event_id: str) -> str | None:
        event = self.events.get(event_id)
        return None if event is None else event.session_id

    def put_branch(self, record: BranchRecord) -> None:
        self.require_session(record.session_id)
        head = record.head_event_id
        if head is not None and self.event_owner(head) != record.session_id:
            raise behaviour.unknown_event(head, record.session_id)
        key = (record.session_id, record.name)
        stored = self.branches.get(key)
        # Moving a branch keeps its created_at.
        self.branches[key] = record if stored is None else replace(stored, head_event_id=head)

    def put_snapshot(self, record: SnapshotRecord) -> None:
        if self.event_owner(record.event_id) != record.session_id:
            raise behaviour.unknown_event(record.event_id, record.session_id)
        self.snapshots.setdefault(record.event_id, record)

    def quota(self, scope: str, key: str, day: date) -> QuotaCounter:
        return self.quotas.get((scope, key, day)) or QuotaCounter(scope, key, day)

    def add_quota(self, scope: str, key: str, day: date, turns: int, credits: int) -> None:
        counter = self.quota(scope, key, day)
        self.quotas[(scope, key, day)] = replace(
            counter,
            turns=max(counter.turns + turns, 0),
            credits=max(counter.credits + credits, 0),
        )


Change = Callable[[_State], None]


class InMemoryStore:
    """The committed state, shared by every unit of work made from it."""

    def __init__(self) -> None:
        self._state = _State()
        self._locks = LockRegistry()

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

    async def update(self, record: SessionRecord) -> None:
        record = replace(
            record,
            settings=copy.deepcopy(record.settings),
            updated_at=behaviour.utc(record.updated_at),
        )
        self._uow._change(lambda state: state.update_session(record))

    async def lock(self, session_id: str) -> None:
        await self._uow._lock(session_id)


class InMemoryPlayerRepository(PlayerRepository):
    def __init__(self, uow: InMemoryUnitOfWork) -> None:
        self._uow = uow

    async def add(self, record: PlayerRecord) -> None:
        record = _stored_player(record)
        self._uow._change(lambda state: state.add_player(record))

    async def update(self, record: PlayerRecord) -> None:
        record = _stored_player(record)
        self._uow._change(lambda state: state.update_player(record))

    async def list(self, session_id: str) -> list[PlayerRecord]:
        players = self._uow._state.players.values()
        return [
            replace(r, character=copy.deepcopy(r.character))
            for r in behaviour.players_in_order(p for p in players if p.session_id == session_id)
        ]


class InMemoryEventRepository(EventRepository):
    def __init__(self, uow: InMemoryUnitOfWork) -> None:
        self._uow = uow

    async def append(self, records: list[EventRecord]) -> None:
        if not records:
            return
        stored = [
            replace(r, payload=_json(r.payload), created_at=behaviour.utc(r.created_at))
            for r in records
        ]
        self._uow._change(lambda state: state.append_events(stored))

    async def get(self, event_id: str) -> EventRecord | None:
        record = self._uow._state.events.get(event_id)
        return None if record is None else _fresh_event(record)

    async def next_seq(self, session_id: str) -> int:
        events = self._uow._state.events.values()
        return max((e.seq for e in events if e.session_id == session_id), default=0) + 1

    async def between_depths(
        self, session_id: str, min_depth: int, max_depth: int
    ) -> list[EventRecord]:
        return self._select(session_id, lambda e: min_depth <= e.depth <= max_depth)

    async def list(self, session_id: str) -> list[EventRecord]:
        return self._select(session_id, lambda e: True)

    async def lineage(self, session_id: str, head_id: str, min_depth: int = 0) -> set[str]:
        return self._uow._state.lineage(session_id, head_id, min_depth)

    def _select(self, session_id: str, keep: Callable[[EventRecord], bool]) -> list[EventRecord]:
        """Copies of the session's events that ``keep`` keeps, in seq order."""
        events = self._uow._state.events.values()
        found = [e for e in events if e.session_id == session_id and keep(e)]
        return [_fresh_event(e) for e in sorted(found, key=lambda e: e.seq)]


class InMemoryRecallRepository(RecallRepository):
    """Scores by overlapping (crudely stemmed) words: ``recall.overlap_score``."""

    def __init__(self, uow: InMemoryUnitOfWork) -> None:
        self._uow = uow

    async def search(
        self,
        session_id: str,
        query: str,
        *,
        limit: int = 20,
        before_depth: int | None = None,
        witness: str | None = None,
        head_id: str | None = None,
    ) -> list[RecallHit]:
        terms = recall.search_terms(query)
        if not terms or limit < 1:
            return []
        state = self._uow._state
        on_branch = None if head_id is None else state.lineage(session_id, head_id, 0)
        hits: list[RecallHit] = []
        for entry in state.recall_index.values():
            if (
                entry.session_id != session_id
                or (before_depth is not None and entry.depth >= before_depth)
                or (witness is not None and witness not in entry.witnesses)
                or (on_branch is not None and entry.event_id not in on_branch)
            ):
                continue
            score = recall.overlap_score(terms, entry.text)
            if score > 0:
                hits.append(entry.hit(score))
        hits.sort(key=lambda h: (-h.score, -h.depth, h.event_id))
        return hits[:limit]


class InMemoryBranchRepository(BranchRepository):
    def __init__(self, uow: InMemoryUnitOfWork) -> None:
        self._uow = uow

    async def put(self, record: BranchRecord) -> None:
        record = replace(record, created_at=behaviour.utc(record.created_at))
        self._uow._change(lambda state: state.put_branch(record))

    async def get(self, session_id: str, name: str) -> BranchRecord | None:
        return self._uow._state.branches.get((session_id, name))

    async def list(self, session_id: str) -> list[BranchRecord]:
        branches = self._uow._state.branches.values()
        return behaviour.branches_in_order(b for b in branches if b.session_id == session_id)


class InMemorySnapshotRepository(SnapshotRepository):
    def __init__(self, uow: InMemoryUnitOfWork) -> None:
        self._uow = uow

    async def put(self, record: SnapshotRecord) -> None:
        record = replace(
            record, state=_json(record.state), created_at=behaviour.utc(record.created_at)
        )
        self._uow._change(lambda state: state.put_snapshot(record))

    async def get(self, event_id: str) -> SnapshotRecord | None:
        record = self._uow._state.snapshots.get(event_id)
        return None if record is None else replace(record, state=copy.deepcopy(record.state))


class InMemoryQuotaRepository(QuotaRepository):
    """Each write first takes the counter's lock (held until the unit of work ends) and
    so sees what the previous holder committed, as an ``UPDATE`` waits for a row lock."""

    def __init__(self, uow: InMemoryUnitOfWork) -> None:
        self._uow = uow

    async def take(
        self,
        scope: str,
        key: str,
        day: date,
        *,
        credits: int = 0,
        max_turns: int | None,
        max_credits: int | None,
    ) -> QuotaCounter | None:
        behaviour.check_quota_scope(scope)
        await self._uow._lock(("quota", scope, key, day))
        counter = self._uow._state.quota(scope, key, day)
        allowed = behaviour.quota_allows(
            counter.turns,
            counter.credits,
            add_credits=credits,
            max_turns=max_turns,
            max_credits=max_credits,
        )
        if not allowed:
            return None
        return await self.add(scope, key, day, turns=1, credits=credits)

    async def add(
        self, scope: str, key: str, day: date, *, turns: int = 0, credits: int = 0
    ) -> QuotaCounter:
        behaviour.check_quota_scope(scope)
        await self._uow._lock(("quota", scope, key, day))
        self._uow._change(lambda state: state.add_quota(scope, key, day, turns, credits))
        return self._uow._state.quota(scope, key, day)

    async def get(self, scope: str, key: str, day: date) -> QuotaCounter:
        behaviour.check_quota_scope(scope)
        return self._uow._state.quota(scope, key, day)


class InMemoryLibraryRepository(LibraryRepository):
    def __init__(self, uow: InMemoryUnitOfWork) -> None:
        self._uow = uow

    async def replace(self, info: LibraryInfo, records: list[LibraryRecord]) -> None:
        stored = tuple(replace(r, data=_json(r.data)) for r in records)
        keys = [(r.edition, r.kind, r.key) for r in stored]
        if len(set(keys)) != len(keys):
            raise StorageError(f"library '{info.library}': two entries share a key")
        info = replace(info, installed_at=behaviour.utc(info.installed_at))

        def change(state: _State) -> None:
            state.libraries[info.library] = (info, stored)

        self._uow._change(change)

    async def info(self, library: str) -> LibraryInfo | None:
        found = self._uow._state.libraries.get(library)
        return None if found is None else found[0]

    def _entries(self, library: str, kind: str | None, edition: str | None) -> list[LibraryRecord]:
        found = self._uow._state.libraries.get(library)
        return [
            r
            for r in (found[1] if found else ())
            if (kind is None or r.kind == kind) and (edition is None or r.edition == edition)
        ]

    async def find(
        self, library: str, key: str, *, kind: str | None = None, edition: str | None = None
    ) -> list[LibraryRecord]:
        hits = [r for r in self._entries(library, kind, edition) if r.key == key]
        return [_fresh_library(r) for r in behaviour.library_order(hits)]

    async def search(
        self,
        library: str,
        text: str,
        *,
        kind: str | None = None,
        edition: str | None = None,
        limit: int = 20,
    ) -> list[LibraryRecord]:
        words = behaviour.library_words(text)
        hits = [
            r
            for r in self._entries(library, kind, edition)
            if behaviour.library_matches(words, r.name, r.summary)
        ]
        ranked = behaviour.rank_library(hits, text)[:limit]
        return [_fresh_library(r) for r in ranked]

    async def keys(self, library: str, kind: str) -> set[str]:
        return {r.key for r in self._entries(library, kind, None)}


class InMemoryUnitOfWork(UnitOfWork):
    """A unit of work over an ``InMemoryStore``; see the module docstring."""

    def __init__(self, store: InMemoryStore) -> None:
        self._store = store
        self._state = store._snapshot()
        self._changes: list[Change] = []
        self._held = HeldLocks(store._locks)
        self.committed = False
        """True once ``commit()`` has succeeded (handy in tests)."""
        self.worlds = InMemoryWorldRepository(self)
        self.sessions = InMemorySessionRepository(self)
        self.players = InMemoryPlayerRepository(self)
        self.events = InMemoryEventRepository(self)
        self.recall = InMemoryRecallRepository(self)
        self.branches = InMemoryBranchRepository(self)
        self.snapshots = InMemorySnapshotRepository(self)
        self.quotas = InMemoryQuotaRepository(self)
        self.library = InMemoryLibraryRepository(self)

    def _change(self, change: Change) -> None:
        change(self._state)  # raises before anything is recorded (changes check first)
        self._changes.append(change)

    async def _lock(self, key: Hashable) -> None:
        """Take the lock of ``key`` (a session id, or a quota counter's key) until the end."""
        if await self._held.acquire(key):
            # See what the previous holder committed: rebase onto the committed state.
            state = self._store._snapshot()
            for change in self._changes:
                change(state)
            self._state = state

    async def commit(self) -> None:
        try:
            self._store._apply(self._changes)
            self._changes = []
            self._state = self._store._snapshot()
            self.committed = True
        finally:
            self._held.release_all()

    async def rollback(self) -> None:
        self._changes = []
        self._state = self._store._snapshot()
        self._held.release_all()

    async def close(self) -> None:
        self._held.release_all()


def _fresh(record: WorldVersionRecord) -> WorldVersionRecord:
    """A copy the caller may mutate without touching the store, like a new DB read."""
    return replace(record, content=copy.deepcopy(record.content))


def _fresh_library(record: LibraryRecord) -> LibraryRecord:
    return replace(record, data=copy.deepcopy(record.data))


def _fresh_event(record: EventRecord) -> EventRecord:
    return replace(record, payload=copy.deepcopy(record.payload))


def _json(document: Any) -> Any:
    """A JSON document as a database hands it back: a JSON round trip of it."""
    return json.loads(json.dumps(document))


def _stored_player(record: PlayerRecord) -> PlayerRecord:
    return replace(
        record,
        character=_json(record.character),
        joined_at=behaviour.utc(record.joined_at),
        left_at=None if record.left_at is None else behaviour.utc(record.left_at),
    )
