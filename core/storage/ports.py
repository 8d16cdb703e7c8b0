"""The storage port: a unit of work with repositories in domain words.

Usage, in a use case::

    async with uow_factory() as uow:
        opened = await uow.sessions.open(session_id, lock=True)
        await uow.events.append([...], parent=opened.head)
        await uow.commit()

Leaving the block without ``commit()`` rolls everything back, so a failure half-way
writes nothing. One unit of work per use case, never shared between tasks. Adapters:
``memory`` (in-process, for tests and throwaway runs) and ``sql`` (SQLAlchemy 2 async:
SQLite or PostgreSQL); ``tests/storage`` runs one contract suite against all three.

Writers of one story take its lock with ``sessions.open(id, lock=True)`` (or
``sessions.lock``) before reading what they are about to change: a PostgreSQL row
lock, a write transaction on SQLite, an ``asyncio.Lock`` in memory. It is held until
the unit of work ends.
"""

from __future__ import annotations

import abc
import builtins
from collections.abc import Callable, Collection
from datetime import date, datetime
from types import TracebackType
from typing import Self

from storyai.core.domain.companion import CompanionNote, McpToken
from storyai.core.domain.legacy import LegacyRecord
from storyai.core.domain.records import (
    BranchRecord,
    EventRecord,
    LibraryInfo,
    LibraryRecord,
    Lineage,
    Opened,
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
    async def get_version(
        self, world_id: str, version: str | None = None, *, raw: bool = True
    ) -> WorldVersionRecord:
        """One version. When version is None, the newest release: working copies (see
        ``WorldVersionRecord.working_copy``) only when the world has no release, then
        the newest of them. Raises WorldNotFound.

        ``raw=False``: imported entries' ``source.raw`` documents may be left as stored
        (``{"$storyai_raw": hash}``), for a caller that reads only metadata and the hash."""

    @abc.abstractmethod
    async def find_version(
        self, world_id: str, version: str, *, raw: bool = True
    ) -> WorldVersionRecord | None:
        """The exact version, or None (``raw`` as for ``get_version``)."""

    @abc.abstractmethod
    async def list(self) -> list[WorldSummary]:
        """Every installed world, sorted by id, each with its versions newest first
        (``latest``: the one ``get_version`` gives when no version is named)."""

    @abc.abstractmethod
    async def exists(self, world_id: str) -> bool: ...

    @abc.abstractmethod
    async def remove_version(self, world_id: str, version: str) -> None:
        """Delete one installed version, and the world itself with its last version.
        The sessions started on it must have been removed first. Raises WorldNotFound."""


class SessionRepository(abc.ABC):
    @abc.abstractmethod
    async def add(self, record: SessionRecord) -> None:
        """Store a new session. A running session (status not "ended") in a channel that
        already has one is refused with ``ChannelBusy``: one story per channel."""

    @abc.abstractmethod
    async def get(self, session_id: str) -> SessionRecord:
        """Raises SessionNotFound."""

    @abc.abstractmethod
    async def open(self, session_id: str, *, lock: bool = False) -> Opened:
        """The session with its active branch and that branch's head event, in one read.
        With ``lock``, the story's lock is taken first (see the module docstring).
        Raises SessionNotFound."""

    @abc.abstractmethod
    async def update(self, record: SessionRecord) -> None:
        """Replace everything but the id, the world and created_at."""

    @abc.abstractmethod
    async def list(
        self, world_id: str | None = None, *, limit: int | None = None
    ) -> list[SessionRecord]:
        """Most recently updated first."""

    @abc.abstractmethod
    async def starting_with(self, prefix: str, *, limit: int = 2) -> builtins.list[str]:
        """Ids of sessions that begin with ``prefix`` (sorted, at most ``limit``)."""

    @abc.abstractmethod
    async def count_for_world_version(self, world_id: str, version: str) -> int: ...

    @abc.abstractmethod
    async def remove(self, session_id: str) -> None:
        """Delete a session with its players, events, branches, snapshots and recall
        index (its model usage stays, no longer linked to it). Raises SessionNotFound."""

    @abc.abstractmethod
    async def in_channel(self, channel: str) -> SessionRecord | None:
        """The running story in a channel, else the one most recently updated there."""

    @abc.abstractmethod
    async def due(self, now: datetime, *, limit: int = 100) -> builtins.list[SessionRecord]:
        """Running sessions whose ``deadline`` has come, earliest first."""

    @abc.abstractmethod
    async def lock(self, session_id: str) -> None:
        """Take the story's lock until this unit of work ends (``open(lock=True)`` does)."""


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
    async def append(
        self, records: list[EventRecord], *, parent: EventRecord | None = None
    ) -> None:
        """Store new events (never changed afterwards), parents first.

        ``parent``: the stored event the first record follows, as read in this unit of
        work (the head the caller opened); the adapter then needs no read to check the
        chain. Duplicate ids or seqs, a parent in another session or a wrong depth raise
        StorageError."""

    @abc.abstractmethod
    async def get(self, event_id: str) -> EventRecord | None: ...

    @abc.abstractmethod
    async def get_many(self, event_ids: Collection[str]) -> list[EventRecord]:
        """The events with these ids that exist (any order)."""

    @abc.abstractmethod
    async def on_line(
        self,
        session_id: str,
        lineage: Lineage,
        *,
        min_depth: int = 1,
        max_depth: int | None = None,
        kinds: Collection[str] | None = None,
        newest: int | None = None,
        turns: tuple[int, int] | None = None,
    ) -> list[EventRecord]:
        """The events of one line of the tree (``lineage``, see ``BranchRecord``) with
        min_depth <= depth <= max_depth, oldest first; only ``kinds`` when given; only
        turns ``first..last`` (``turns``) when given; with ``newest``, only that many
        of the deepest."""

    @abc.abstractmethod
    async def list(self, session_id: str) -> list[EventRecord]:
        """All events of a session, every branch, ordered by seq (the turn tree)."""


class RecallRepository(abc.ABC):
    """Full-text memory of a session: player actions and narration, indexed by
    ``index`` in the unit of work that tells them (``storyai.core.storage.recall``)."""

    @abc.abstractmethod
    async def index(self, records: list[EventRecord]) -> None:
        """Index what these events said (kinds without text are skipped)."""

    @abc.abstractmethod
    async def search(
        self,
        session_id: str,
        query: str,
        *,
        limit: int = 20,
        before_depth: int | None = None,
        witness: str | None = None,
        lineage: Lineage | None = None,
    ) -> list[RecallHit]:
        """The indexed events of the session that best match ``query``, best first.

        ``query`` is raw player text: its words (``recall.search_terms``) are ORed
        together, matched in any word form ("smiths" finds "smith's"); no character of
        it is query syntax, and a query with no such word finds nothing. Only events
        with depth < ``before_depth``, witnessed by ``witness``, on ``lineage`` when
        given. Every term looks at no more than ``recall.PER_TERM`` of its most recent
        matches, so a search costs the same in a story of any length."""


class BranchRepository(abc.ABC):
    @abc.abstractmethod
    async def put(self, record: BranchRecord) -> None:
        """Create the branch, or move its head (its lineage and created_at stay)."""

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
    """Daily counters of turns and credits per (scope, key, UTC day).

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


class CompanionRepository(abc.ABC):
    """What companions remember of their players, by player key (migration 0009)."""

    @abc.abstractmethod
    async def add(self, note: CompanionNote) -> None: ...

    @abc.abstractmethod
    async def notes(
        self, player_key: str, *, limit: int = 500, kind: str | None = None
    ) -> builtins.list[CompanionNote]:
        """The player's notes, newest first (at most ``limit``; only of ``kind`` when
        given)."""


class McpTokenRepository(abc.ABC):
    """MCP clients' tokens, stored by the SHA-256 of the secret (migration 0009)."""

    @abc.abstractmethod
    async def add(self, token: McpToken) -> None: ...

    @abc.abstractmethod
    async def by_digest(self, digest: str) -> McpToken | None: ...

    @abc.abstractmethod
    async def revoke(self, token_id: str, at: datetime) -> bool:
        """Revoke a token (by id); False when there is no such unrevoked token."""

    @abc.abstractmethod
    async def list(self, session_id: str | None = None) -> builtins.list[McpToken]:
        """Tokens, oldest first; only one story's when given."""


class LegacyRepository(abc.ABC):
    """What profiles earned from finished stories, one record per (profile, story)."""

    @abc.abstractmethod
    async def earn(self, record: LegacyRecord) -> bool:
        """Store ``record`` unless its profile already has one for its story (the
        first stays: nothing is ever earned twice); whether it was stored."""

    @abc.abstractmethod
    async def list(self, profile_key: str) -> list[LegacyRecord]:
        """The profile's records, oldest first."""


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
    companions: CompanionRepository
    mcp_tokens: McpTokenRepository
    legacy: LegacyRepository

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        try:
            await self.rollback()
        finally:
            await self.close()

    @abc.abstractmethod
    async def commit(self) -> None: ...

    @abc.abstractmethod
    async def rollback(self) -> None: ...

    async def close(self) -> None:
        return None


UnitOfWorkFactory = Callable[[], UnitOfWork]
