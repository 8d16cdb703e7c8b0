"""The storage port: a unit of work with repositories in domain words.

Usage, in a service::

    async with uow_factory() as uow:
        await uow.worlds.add_version(record)
        await uow.commit()

Leaving the block without ``commit()`` rolls everything back, so a failure
half-way writes nothing. One unit of work per use case, never shared between
tasks. Adapters: ``memory.InMemoryUnitOfWork`` (tests) and
``sql.SqlUnitOfWork`` (SQLAlchemy 2 async: SQLite or PostgreSQL).
"""

from __future__ import annotations

import abc
from collections.abc import Callable
from datetime import date
from types import TracebackType
from typing import Self

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


class WorldRepository(abc.ABC):
    @abc.abstractmethod
    async def add_version(self, record: WorldVersionRecord) -> None:
        """Store a new (world_id, version). Raises WorldConflict if that pair exists."""

    @abc.abstractmethod
    async def get_version(self, world_id: str, version: str | None = None) -> WorldVersionRecord:
        """One version (the newest when version is None). Raises WorldNotFound."""

    @abc.abstractmethod
    async def find_version(self, world_id: str, version: str) -> WorldVersionRecord | None:
        """The exact version, or None."""

    @abc.abstractmethod
    async def list(self) -> list[WorldSummary]:
        """Every installed world, sorted by id, each with its versions newest first."""

    @abc.abstractmethod
    async def exists(self, world_id: str) -> bool: ...


class SessionRepository(abc.ABC):
    """Filled by the session engine (issue 3); the schema is there from the start."""

    @abc.abstractmethod
    async def add(self, record: SessionRecord) -> None: ...

    @abc.abstractmethod
    async def get(self, session_id: str) -> SessionRecord:
        """Raises SessionNotFound."""

    @abc.abstractmethod
    async def list(self, world_id: str | None = None) -> list[SessionRecord]: ...

    @abc.abstractmethod
    async def count_for_world_version(self, world_id: str, version: str) -> int: ...

    async def update(self, record: SessionRecord) -> None:
        """Replace title, status, active_branch, channel, settings and updated_at."""
        raise NotImplementedError

    async def lock(self, session_id: str) -> None:
        """Serialise turns of one session until this unit of work ends: a PostgreSQL
        advisory transaction lock; SQLite and memory serialise in-process."""
        raise NotImplementedError


class PlayerRepository(abc.ABC):
    @abc.abstractmethod
    async def add(self, record: PlayerRecord) -> None: ...

    @abc.abstractmethod
    async def update(self, record: PlayerRecord) -> None:
        """Replace the stored player with the same id."""

    @abc.abstractmethod
    async def list(self, session_id: str) -> list[PlayerRecord]:
        """Players of a session in the order they joined."""


class EventRepository(abc.ABC):
    @abc.abstractmethod
    async def append(self, records: list[EventRecord]) -> None:
        """Store new events (never updated afterwards). Duplicate ids raise StorageError."""

    @abc.abstractmethod
    async def get(self, event_id: str) -> EventRecord | None: ...

    @abc.abstractmethod
    async def next_seq(self, session_id: str) -> int:
        """1 + the highest seq in the session (1 for an empty session)."""

    @abc.abstractmethod
    async def between_depths(
        self, session_id: str, min_depth: int, max_depth: int
    ) -> list[EventRecord]:
        """Every event of the session (all branches) with min_depth <= depth <= max_depth,
        ordered by seq. Used to rebuild one path near a head without walking the tree."""

    @abc.abstractmethod
    async def list(self, session_id: str) -> list[EventRecord]:
        """All events of a session ordered by seq (for exports and the history screen)."""

    @abc.abstractmethod
    async def lineage(self, session_id: str, head_id: str, min_depth: int = 0) -> set[str]:
        """The ids of ``head_id`` and its ancestors with depth >= min_depth: the events on
        a branch whose head is ``head_id``. Empty when the session has no such event."""


class RecallRepository(abc.ABC):
    """Full-text memory of a session: player actions and narration, indexed as
    ``events.append`` stores them (in the same transaction). See ``recall.py``."""

    @abc.abstractmethod
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
        """The indexed events of the session that best match ``query``, best first.

        ``query`` is raw player text: its words (letters and digits, 3 or more long, no
        stopwords, at most 16) are ORed together, matched in any word form ("smiths"
        finds "smith's"); no character of it is query syntax, and a query with no such
        word finds nothing. Only events with depth < ``before_depth`` when given, whose
        witnesses include ``witness`` when given, and on the branch whose head is
        ``head_id`` when given (the head and its ancestors, as ``events.lineage``).
        Ties go to the later event.
        """


class BranchRepository(abc.ABC):
    @abc.abstractmethod
    async def put(self, record: BranchRecord) -> None:
        """Create the branch, or move its head."""

    @abc.abstractmethod
    async def get(self, session_id: str, name: str) -> BranchRecord | None: ...

    @abc.abstractmethod
    async def list(self, session_id: str) -> list[BranchRecord]:
        """Branches in creation order."""


class SnapshotRepository(abc.ABC):
    @abc.abstractmethod
    async def put(self, record: SnapshotRecord) -> None:
        """Store a snapshot; storing one for an event that has one already is a no-op."""

    @abc.abstractmethod
    async def get(self, event_id: str) -> SnapshotRecord | None: ...


class QuotaRepository(abc.ABC):
    """Daily counters of turns and credits per (scope, key, UTC day); see ``core/quotas.py``.

    A counter that was never written reads as zeros. ``take`` and ``add`` write the
    counter under its row lock, held until the unit of work ends: on PostgreSQL and
    SQLite the database's own (one ``INSERT ... ON CONFLICT DO UPDATE ... WHERE``
    statement), in memory an ``asyncio.Lock`` per counter. Take the user's counter
    before the guild's, always, so two units of work never wait on each other.
    """

    @abc.abstractmethod
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
        """Add one turn and ``credits`` credits to the counter if that stays within the
        limits, in one atomic step: turns used < ``max_turns`` and, when ``credits`` > 0,
        credits used + ``credits`` <= ``max_credits`` (None: no limit). The counter
        after the change, or None (and nothing changed) when a limit refuses it."""

    @abc.abstractmethod
    async def add(
        self, scope: str, key: str, day: date, *, turns: int = 0, credits: int = 0
    ) -> QuotaCounter:
        """Add ``turns`` and ``credits`` (either may be negative) unconditionally; neither
        goes below zero. The counter after the change."""

    @abc.abstractmethod
    async def get(self, scope: str, key: str, day: date) -> QuotaCounter:
        """The counter (zeros when it was never written)."""


class LibraryRepository(abc.ABC):
    """Installed content libraries (the SRD): entries by (library, edition, kind, key)."""

    @abc.abstractmethod
    async def replace(self, info: LibraryInfo, records: list[LibraryRecord]) -> None:
        """Install ``records`` as the whole of ``info.library``, dropping what it held."""

    @abc.abstractmethod
    async def info(self, library: str) -> LibraryInfo | None:
        """The installed library, or None when it is not installed."""

    @abc.abstractmethod
    async def find(
        self, library: str, key: str, *, kind: str | None = None, edition: str | None = None
    ) -> list[LibraryRecord]:
        """Entries with exactly this key, SRD 5.1 before 5.2, then by kind."""

    @abc.abstractmethod
    async def search(
        self,
        library: str,
        text: str,
        *,
        kind: str | None = None,
        edition: str | None = None,
        limit: int = 20,
    ) -> list[LibraryRecord]:
        """Entries whose name or summary holds every word of ``text``, best match first
        (``behaviour.rank_library``)."""

    @abc.abstractmethod
    async def keys(self, library: str, kind: str) -> set[str]:
        """Every key of that kind, in any edition."""


class UnitOfWork(abc.ABC):
    worlds: WorldRepository
    sessions: SessionRepository
    players: PlayerRepository
    events: EventRepository
    recall: RecallRepository
    branches: BranchRepository
    snapshots: SnapshotRepository
    quotas: QuotaRepository
    library: LibraryRepository

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.rollback()
        await self.close()

    @abc.abstractmethod
    async def commit(self) -> None: ...

    @abc.abstractmethod
    async def rollback(self) -> None: ...

    async def close(self) -> None:
        return None


UnitOfWorkFactory = Callable[[], UnitOfWork]
