"""The SQL adapter of the storage port: SQLAlchemy 2 async, SQLite or PostgreSQL.

One ``AsyncSession`` per unit of work, never shared between tasks (an
``AsyncSession`` is not safe for concurrent use). Repositories speak domain
records; rows stay in here and in ``converters.py``. Driver and network
failures become ``StorageError`` at this boundary (``raise ... from exc``);
domain conditions (a duplicate version, a missing session) are checked
explicitly so the fake in ``memory.py`` can behave identically.

``sessions.lock`` takes ``pg_advisory_xact_lock`` on PostgreSQL, so turns are
serialised across bot processes; on SQLite it takes an in-process
``asyncio.Lock`` (``locks.py``) shared by every ``Database`` on the same URL.
Either way the lock is held until the unit of work commits, rolls back or closes.

``quotas`` writes each counter with one ``INSERT ... ON CONFLICT DO UPDATE ... WHERE``
statement: the database checks the limit and counts under the row's lock, so
concurrent reservations never pass the last slot twice, across processes too.
"""

from __future__ import annotations

import copy
import hashlib
from collections import defaultdict
from collections.abc import Iterable
from datetime import date
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    CTE,
    ColumnElement,
    Select,
    Text,
    and_,
    case,
    cast,
    column,
    delete,
    func,
    insert,
    literal,
    literal_column,
    or_,
    select,
    table,
    text,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

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
from storyai.core.storage import behaviour, converters, recall
from storyai.core.storage.failures import translated
from storyai.core.storage.locks import HeldLocks, LockRegistry
from storyai.core.storage.orm import (
    BranchRow,
    EventRow,
    LibraryEntryRow,
    LibraryRow,
    PlayerRow,
    QuotaCounterRow,
    SessionRow,
    SnapshotRow,
    WorldRow,
    WorldVersionRow,
    recall_table,
)
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
    UnitOfWorkFactory,
    WorldRepository,
)

if TYPE_CHECKING:
    from sqlalchemy.engine import URL

    from storyai.core.storage.database import Database


class SqlWorldRepository(WorldRepository):
    """Installed worlds: a ``worlds`` row per id, a ``world_versions`` row per version."""

    def __init__(self, session: AsyncSession, url: URL) -> None:
        self._session = session
        self._url = url

    async def add_version(self, record: WorldVersionRecord) -> None:
        with translated(self._url):
            if await self._version_exists(record.world_id, record.version):
                raise behaviour.version_conflict(record.world_id, record.version)
            world = await self._session.get(WorldRow, record.world_id)
            if world is None:
                self._session.add(converters.world_row(record))
            else:
                world.title = record.title  # the newest version names the world
            seq = await self._next_seq(record.world_id)
            self._session.add(converters.world_version_row(record, seq))
            try:
                await self._session.flush()
            except IntegrityError as exc:
                # Another unit of work installed the same version since we looked. A
                # failed flush spoils the transaction: roll it back (with any earlier
                # uncommitted changes) so this unit of work can still be used.
                await self._session.rollback()
                raise behaviour.version_conflict(record.world_id, record.version) from exc

    async def get_version(self, world_id: str, version: str | None = None) -> WorldVersionRecord:
        with translated(self._url):
            query = select(WorldVersionRow).where(WorldVersionRow.world_id == world_id)
            if version is None:
                query = query.order_by(WorldVersionRow.seq.desc()).limit(1)
            else:
                query = query.where(WorldVersionRow.version == version)
            row = await self._session.scalar(query)
            if row is not None:
                return converters.world_version_record(row)
            if version is not None and await self.exists(world_id):
                raise WorldNotFound(world_id, version)
            raise WorldNotFound(world_id)

    async def find_version(self, world_id: str, version: str) -> WorldVersionRecord | None:
        with translated(self._url):
            row = await self._session.get(WorldVersionRow, (world_id, version))
            return None if row is None else converters.world_version_record(row)

    async def list(self) -> list[WorldSummary]:
        with translated(self._url):
            worlds = (await self._session.scalars(select(WorldRow).order_by(WorldRow.id))).all()
            versions: dict[str, list[str]] = defaultdict(list)
            # Only the columns we need: content can be large.
            rows = await self._session.execute(
                select(WorldVersionRow.world_id, WorldVersionRow.version).order_by(
                    WorldVersionRow.world_id, WorldVersionRow.seq.desc()
                )
            )
            for world_id, version in rows:
                versions[world_id].append(version)
            counted = await self._session.execute(
                select(SessionRow.world_id, func.count()).group_by(SessionRow.world_id)
            )
            counts = {world_id: count for world_id, count in counted}
        return [
            behaviour.summary(w.id, w.title, w.forked_from, versions[w.id], counts.get(w.id, 0))
            for w in worlds
            if versions[w.id]
        ]

    async def exists(self, world_id: str) -> bool:
        with translated(self._url):
            found = await self._session.scalar(select(WorldRow.id).where(WorldRow.id == world_id))
            return found is not None

    async def _version_exists(self, world_id: str, version: str) -> bool:
        query = select(WorldVersionRow.seq).where(
            WorldVersionRow.world_id == world_id, WorldVersionRow.version == version
        )
        return await self._session.scalar(query) is not None

    async def _next_seq(self, world_id: str) -> int:
        query = select(func.max(WorldVersionRow.seq)).where(WorldVersionRow.world_id == world_id)
        return (await self._session.scalar(query) or 0) + 1


_SQLITE_SESSION_LOCKS = LockRegistry()
"""In-process session locks for SQLite, keyed by (database URL, session id)."""


def advisory_lock_key(session_id: str) -> int:
    """The PostgreSQL advisory lock key of a session: the first 8 bytes of the SHA-256
    of its id, as a signed 64-bit integer. Stable across processes and versions."""
    digest = hashlib.sha256(session_id.encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


async def _require_session(session: AsyncSession, session_id: str) -> None:
    """Raise SessionNotFound unless the session exists (often from the identity map)."""
    if await session.get(SessionRow, session_id) is None:
        raise SessionNotFound(session_id)


async def _event_owner(session: AsyncSession, event_id: str) -> str | None:
    """The session id of an event, or None when there is no such event."""
    return await session.scalar(select(EventRow.session_id).where(EventRow.id == event_id))


class SqlSessionRepository(SessionRepository):
    """Sessions (playthroughs); the session engine adds events, branches and players."""

    def __init__(self, session: AsyncSession, url: URL, held: HeldLocks) -> None:
        self._session = session
        self._url = url
        self._held = held

    async def add(self, record: SessionRecord) -> None:
        with translated(self._url):
            if await self._session.get(SessionRow, record.id) is not None:
                raise behaviour.session_conflict(record.id)
            version = await self._session.scalar(
                select(WorldVersionRow.seq).where(
                    WorldVersionRow.world_id == record.world_id,
                    WorldVersionRow.version == record.world_version,
                )
            )
            if version is None:
                raise WorldNotFound(record.world_id, record.world_version)
            self._session.add(converters.session_row(record))
            try:
                await self._session.flush()
            except IntegrityError as exc:
                await self._session.rollback()
                raise behaviour.session_conflict(record.id) from exc

    async def get(self, session_id: str) -> SessionRecord:
        with translated(self._url):
            row = await self._session.get(SessionRow, session_id)
        if row is None:
            raise SessionNotFound(session_id)
        return converters.session_record(row)

    async def list(self, world_id: str | None = None) -> list[SessionRecord]:
        query = select(SessionRow).order_by(SessionRow.updated_at.desc(), SessionRow.id)
        if world_id is not None:
            query = query.where(SessionRow.world_id == world_id)
        with translated(self._url):
            rows = (await self._session.scalars(query)).all()
        return [converters.session_record(row) for row in rows]

    async def count_for_world_version(self, world_id: str, version: str) -> int:
        query = (
            select(func.count())
            .select_from(SessionRow)
            .where(SessionRow.world_id == world_id, SessionRow.world_version == version)
        )
        with translated(self._url):
            return await self._session.scalar(query) or 0

    async def update(self, record: SessionRecord) -> None:
        with translated(self._url):
            row = await self._session.get(SessionRow, record.id)
            if row is None:
                raise SessionNotFound(record.id)
            row.title = record.title
            row.status = record.status
            row.active_branch = record.active_branch
            row.channel = record.channel
            row.settings = copy.deepcopy(record.settings)
            row.updated_at = record.updated_at
            await self._session.flush()

    async def lock(self, session_id: str) -> None:
        with translated(self._url):
            if self._url.get_backend_name() == "postgresql":
                await self._session.execute(
                    text("SELECT pg_advisory_xact_lock(:key)"),
                    {"key": advisory_lock_key(session_id)},
                )
            else:
                await self._held.acquire((str(self._url), session_id))


class SqlPlayerRepository(PlayerRepository):
    def __init__(self, session: AsyncSession, url: URL) -> None:
        self._session = session
        self._url = url

    async def add(self, record: PlayerRecord) -> None:
        with translated(self._url):
            if await self._session.get(PlayerRow, record.id) is not None:
                raise behaviour.player_conflict(record.id)
            await _require_session(self._session, record.session_id)
            self._session.add(converters.player_row(record))
            try:
                await self._session.flush()
            except IntegrityError as exc:
                await self._session.rollback()
                raise behaviour.player_conflict(record.id) from exc

    async def update(self, record: PlayerRecord) -> None:
        with translated(self._url):
            row = await self._session.get(PlayerRow, record.id)
            if row is None or row.session_id != record.session_id:
                raise behaviour.player_not_found(record.id, record.session_id)
            for name, value in converters.player_changes(record).items():
                setattr(row, name, value)
            await self._session.flush()

    async def list(self, session_id: str) -> list[PlayerRecord]:
        query = (
            select(PlayerRow)
            .where(PlayerRow.session_id == session_id)
            .order_by(PlayerRow.joined_at, PlayerRow.id)
        )
        with translated(self._url):
            rows = (await self._session.scalars(query)).all()
        return [converters.player_record(row) for row in rows]


class SqlEventRepository(EventRepository):
    """The event tree. Events are only ever inserted, in bulk, and read in seq order."""

    def __init__(self, session: AsyncSession, url: URL) -> None:
        self._session = session
        self._url = url

    async def append(self, records: list[EventRecord]) -> None:
        if not records:
            return
        with translated(self._url):
            for session_id in sorted({r.session_id for r in records}):
                await _require_session(self._session, session_id)
            stored, taken = await self._stored(records)
            ordered = behaviour.check_new_events(records, stored, taken)
            entries = recall.entries_for(ordered)
            try:
                # One executemany, parents first (lower seq) for the foreign key.
                # render_nulls: else a root event (parent_id None) gets a statement of its own.
                await self._session.execute(
                    insert(EventRow).execution_options(render_nulls=True),
                    [converters.event_values(r) for r in ordered],
                )
                if entries:  # and one for the recall index, in the same transaction
                    await self._session.execute(
                        insert(recall_table), [entry.values() for entry in entries]
                    )
            except IntegrityError as exc:
                # Another unit of work stored the same id or seq since we looked (it did
                # not take `sessions.lock`). Roll back so this unit of work stays usable.
                await self._session.rollback()
                raise behaviour.concurrent_events(ordered[0].session_id) from exc

    async def _stored(
        self, records: Iterable[EventRecord]
    ) -> tuple[dict[str, Any], set[tuple[str, int]]]:
        """What ``check_new_events`` needs, in one query: the stored events that share an
        id with, or are the parent of, a new event, and those that share a seq with one."""
        ids: set[str] = set()
        seqs: dict[str, set[int]] = defaultdict(set)
        for record in records:
            ids.add(record.id)
            if record.parent_id is not None:
                ids.add(record.parent_id)
            seqs[record.session_id].add(record.seq)
        taken_seq = [
            and_(EventRow.session_id == session_id, EventRow.seq.in_(sorted(numbers)))
            for session_id, numbers in seqs.items()
        ]
        query = select(EventRow.id, EventRow.session_id, EventRow.seq, EventRow.depth).where(
            or_(EventRow.id.in_(sorted(ids)), *taken_seq)
        )
        stored: dict[str, Any] = {}
        taken: set[tuple[str, int]] = set()
        for row in await self._session.execute(query):
            stored[row.id] = row
            taken.add((row.session_id, row.seq))
        return stored, taken

    async def get(self, event_id: str) -> EventRecord | None:
        with translated(self._url):
            row = await self._session.get(EventRow, event_id)
        return None if row is None else converters.event_record(row)

    async def next_seq(self, session_id: str) -> int:
        query = select(func.max(EventRow.seq)).where(EventRow.session_id == session_id)
        with translated(self._url):
            return (await self._session.scalar(query) or 0) + 1

    async def between_depths(
        self, session_id: str, min_depth: int, max_depth: int
    ) -> list[EventRecord]:
        # One range scan of ix_events_session_id_depth.
        query = (
            select(EventRow)
            .where(
                EventRow.session_id == session_id,
                EventRow.depth >= min_depth,
                EventRow.depth <= max_depth,
            )
            .order_by(EventRow.seq)
        )
        with translated(self._url):
            rows = (await self._session.scalars(query)).all()
        return [converters.event_record(row) for row in rows]

    async def list(self, session_id: str) -> list[EventRecord]:
        query = select(EventRow).where(EventRow.session_id == session_id).order_by(EventRow.seq)
        with translated(self._url):
            rows = (await self._session.scalars(query)).all()
        return [converters.event_record(row) for row in rows]

    async def lineage(self, session_id: str, head_id: str, min_depth: int = 0) -> set[str]:
        with translated(self._url):
            ids = await self._session.scalars(lineage_query(session_id, head_id, min_depth))
            return set(ids)


def lineage_query(session_id: str, head_id: str, min_depth: int = 0) -> Select[tuple[str]]:
    """The ids of ``head_id`` and its ancestors down to ``min_depth``."""
    line = lineage_cte(session_id, head_id, min_depth)
    return select(line.c.id)


def lineage_cte(session_id: str, head_id: str, min_depth: int = 0) -> CTE:
    """``line(id, parent_id, depth)``: ``head_id`` and its ancestors down to ``min_depth``.
    One recursive CTE, a primary-key lookup per step, that stops at ``min_depth``
    instead of walking on to the root."""
    line = (
        select(EventRow.id, EventRow.parent_id, EventRow.depth)
        .where(
            EventRow.id == head_id,
            EventRow.session_id == session_id,
            EventRow.depth >= min_depth,
        )
        .cte("line", recursive=True)
    )
    parent = EventRow.__table__.alias("parent")
    line = line.union_all(
        select(parent.c.id, parent.c.parent_id, parent.c.depth)
        .join(line, parent.c.id == line.c.parent_id)
        .where(parent.c.depth >= min_depth)
    )
    return line


class SqlRecallRepository(RecallRepository):
    """Full-text search of the ``recall`` table: FTS5 ranked by bm25 on SQLite
    (``recall_fts``), ``to_tsquery('english', ...)`` ranked by ts_rank on PostgreSQL
    (``recall.search``, GIN-indexed). Player text only reaches the database as a bound
    parameter built from ``recall.search_terms``: words, never query syntax."""

    def __init__(self, session: AsyncSession, url: URL) -> None:
        self._session = session
        self._url = url

    async def lineage_ids(self, session_id: str, head_id: str) -> set[str]:
        with translated(self._url):
            return set(await self._session.scalars(lineage_query(session_id, head_id)))

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
        postgres = self._url.get_backend_name() == "postgresql"
        found = _postgres_search(terms) if postgres else _sqlite_search(terms)
        c = recall_table.c
        found = found.where(c.session_id == session_id)
        if before_depth is not None:
            found = found.where(c.depth < before_depth)
        if witness is not None:
            found = found.where(_witnessed_by(witness, postgres))
        on_branch: set[str] | None = None
        wanted = limit
        if head_id is not None:
            if postgres:
                # The branch first (one recursive CTE, a primary-key lookup per step), then
                # the best matches of the whole session, kept if on it. Joining the two in
                # one statement let PostgreSQL pick plans that probed the text search once
                # per event on the branch: 0.3-0.9 s a search at 5,000 events.
                on_branch = await self.lineage_ids(session_id, head_id)
                wanted = max(limit * 10, 200)
            else:
                line = lineage_cte(session_id, head_id)
                found = found.where(c.event_id.in_(select(line.c.id)))
        hits = found.subquery("hits")
        ranked = (
            select(hits)
            .order_by(hits.c.score.desc(), hits.c.depth.desc(), hits.c.event_id)
            .limit(wanted)
        )
        with translated(self._url):
            rows = (await self._session.execute(ranked)).all()
        if on_branch is not None:
            rows = [row for row in rows if row.event_id in on_branch][:limit]
        return [
            RecallHit(
                event_id=row.event_id,
                depth=row.depth,
                turn=row.turn,
                kind=row.kind,
                actor=row.actor,
                witnesses=tuple(row.witnesses),
                text=row.text,
                score=float(row.score),
            )
            for row in rows
        ]


_HIT_COLUMNS = ("event_id", "depth", "turn", "kind", "actor", "witnesses", "text")


def _sqlite_search(terms: list[str]) -> Select[Any]:
    """Rows of ``recall`` whose text matches in ``recall_fts``, scored by -bm25."""
    fts = table("recall_fts", column("rowid"))
    fts_name = literal_column("recall_fts")
    return (
        select(
            *(recall_table.c[name] for name in _HIT_COLUMNS),
            (-func.bm25(fts_name)).label("score"),
        )
        .select_from(fts.join(recall_table, recall_table.c.id == fts.c.rowid))
        .where(fts_name.bool_op("MATCH")(recall.fts5_query(terms)))
    )


def _postgres_search(terms: list[str]) -> Select[Any]:
    """Rows of ``recall`` whose ``search`` vector matches, scored by ts_rank."""
    search = literal_column("recall.search")
    english = literal_column("'english'::regconfig")
    asked = recall.tsquery(terms)
    return select(
        *(recall_table.c[name] for name in _HIT_COLUMNS),
        func.ts_rank(search, func.to_tsquery(english, asked)).label("score"),
    ).where(search.bool_op("@@")(func.to_tsquery(english, asked)))


def _witnessed_by(witness: str, postgres: bool) -> ColumnElement[bool]:
    """``recall.witnesses`` (a JSON array) contains ``witness``."""
    witnesses = recall_table.c.witnesses
    if postgres:
        return witnesses.bool_op("@>")(func.jsonb_build_array(cast(witness, Text)))
    each = func.json_each(witnesses).table_valued("value")
    return select(literal(1)).select_from(each).where(each.c.value == witness).exists()


class SqlBranchRepository(BranchRepository):
    def __init__(self, session: AsyncSession, url: URL) -> None:
        self._session = session
        self._url = url

    async def put(self, record: BranchRecord) -> None:
        with translated(self._url):
            await _require_session(self._session, record.session_id)
            head = record.head_event_id
            if head is not None and await _event_owner(self._session, head) != record.session_id:
                raise behaviour.unknown_event(head, record.session_id)
            row = await self._session.get(BranchRow, (record.session_id, record.name))
            if row is None:
                self._session.add(converters.branch_row(record))
            else:
                row.head_event_id = head  # moving a branch keeps its created_at
            try:
                await self._session.flush()
            except IntegrityError as exc:
                # Another unit of work created the branch since we looked.
                await self._session.rollback()
                raise behaviour.branch_conflict(record.session_id, record.name) from exc

    async def get(self, session_id: str, name: str) -> BranchRecord | None:
        with translated(self._url):
            row = await self._session.get(BranchRow, (session_id, name))
        return None if row is None else converters.branch_record(row)

    async def list(self, session_id: str) -> list[BranchRecord]:
        query = (
            select(BranchRow)
            .where(BranchRow.session_id == session_id)
            .order_by(BranchRow.created_at, BranchRow.name)
        )
        with translated(self._url):
            rows = (await self._session.scalars(query)).all()
        return [converters.branch_record(row) for row in rows]


class SqlSnapshotRepository(SnapshotRepository):
    def __init__(self, session: AsyncSession, url: URL) -> None:
        self._session = session
        self._url = url

    async def put(self, record: SnapshotRecord) -> None:
        with translated(self._url):
            if await _event_owner(self._session, record.event_id) != record.session_id:
                raise behaviour.unknown_event(record.event_id, record.session_id)
            dialect = postgresql if self._url.get_backend_name() == "postgresql" else sqlite
            # INSERT ... ON CONFLICT DO NOTHING: the first snapshot of an event stays,
            # even when two units of work store one at the same time.
            await self._session.execute(
                dialect.insert(SnapshotRow)
                .values(converters.snapshot_values(record))
                .on_conflict_do_nothing(index_elements=[SnapshotRow.event_id])
            )

    async def get(self, event_id: str) -> SnapshotRecord | None:
        with translated(self._url):
            row = await self._session.get(SnapshotRow, event_id)
        return None if row is None else converters.snapshot_record(row)


_QUOTA = QuotaCounterRow.__table__.c
_QUOTA_KEY = [_QUOTA.scope, _QUOTA.key, _QUOTA.day]


class SqlQuotaRepository(QuotaRepository):
    """``quota_counters``, written by upserts only: the first write of a day inserts the
    row, later ones update it in place under its row lock (see the module docstring)."""

    def __init__(self, session: AsyncSession, url: URL) -> None:
        self._session = session
        self._url = url

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
        limits = {"add_credits": credits, "max_turns": max_turns, "max_credits": max_credits}
        # A first write inserts the row at 1 turn, which the WHERE below never checks.
        if not behaviour.quota_allows(0, 0, **limits):
            return None
        within: list[ColumnElement[bool]] = []
        if max_turns is not None:
            within.append(_QUOTA.turns < max_turns)
        if credits > 0 and max_credits is not None:
            within.append(_QUOTA.credits + credits <= max_credits)
        statement = (
            self._insert()
            .values(scope=scope, key=key, day=day, turns=1, credits=credits)
            .on_conflict_do_update(
                index_elements=_QUOTA_KEY,
                set_={"turns": _QUOTA.turns + 1, "credits": _QUOTA.credits + credits},
                where=and_(*within) if within else None,
            )
            .returning(_QUOTA.turns, _QUOTA.credits)
        )
        with translated(self._url):
            found = (await self._session.execute(statement)).first()
        return None if found is None else converters.quota_counter(scope, key, day, *found)

    async def add(
        self, scope: str, key: str, day: date, *, turns: int = 0, credits: int = 0
    ) -> QuotaCounter:
        behaviour.check_quota_scope(scope)
        statement = (
            self._insert()
            .values(scope=scope, key=key, day=day, turns=max(turns, 0), credits=max(credits, 0))
            .on_conflict_do_update(
                index_elements=_QUOTA_KEY,
                set_={
                    "turns": _at_least_zero(_QUOTA.turns + turns),
                    "credits": _at_least_zero(_QUOTA.credits + credits),
                },
            )
            .returning(_QUOTA.turns, _QUOTA.credits)
        )
        with translated(self._url):
            found = (await self._session.execute(statement)).one()
        return converters.quota_counter(scope, key, day, *found)

    async def get(self, scope: str, key: str, day: date) -> QuotaCounter:
        behaviour.check_quota_scope(scope)
        query = select(_QUOTA.turns, _QUOTA.credits).where(
            _QUOTA.scope == scope, _QUOTA.key == key, _QUOTA.day == day
        )
        with translated(self._url):
            found = (await self._session.execute(query)).first()
        return converters.quota_counter(scope, key, day, *(found or (0, 0)))

    def _insert(self) -> Any:
        dialect = postgresql if self._url.get_backend_name() == "postgresql" else sqlite
        return dialect.insert(QuotaCounterRow.__table__)


def _at_least_zero(value: ColumnElement[int]) -> ColumnElement[int]:
    return case((value < 0, 0), else_=value)


_LIBRARY = LibraryEntryRow.__table__.c
_LIBRARY_BATCH = 500


class SqlLibraryRepository(LibraryRepository):
    """``libraries`` and ``library_entries``; a reinstall deletes and inserts in one
    transaction, so readers see the old library or the new one, never a mix."""

    def __init__(self, session: AsyncSession, url: URL) -> None:
        self._session = session
        self._url = url

    async def replace(self, info: LibraryInfo, records: list[LibraryRecord]) -> None:
        keys = {(r.edition, r.kind, r.key) for r in records}
        if len(keys) != len(records):
            raise StorageError(f"library '{info.library}': two entries share a key")
        with translated(self._url):
            await self._session.execute(
                delete(LibraryRow).where(LibraryRow.library == info.library)
            )
            await self._session.execute(
                delete(LibraryEntryRow).where(LibraryEntryRow.library == info.library)
            )
            await self._session.execute(
                insert(LibraryRow).values(
                    library=info.library,
                    installed_at=info.installed_at,
                    origin=info.origin,
                    counts=dict(info.counts),
                )
            )
            rows = [converters.library_values(info.library, r) for r in records]
            for start in range(0, len(rows), _LIBRARY_BATCH):
                await self._session.execute(
                    insert(LibraryEntryRow), rows[start : start + _LIBRARY_BATCH]
                )

    async def info(self, library: str) -> LibraryInfo | None:
        with translated(self._url):
            row = await self._session.get(LibraryRow, library)
        return None if row is None else converters.library_info(row)

    async def find(
        self, library: str, key: str, *, kind: str | None = None, edition: str | None = None
    ) -> list[LibraryRecord]:
        query = select(LibraryEntryRow).where(
            _LIBRARY.library == library, _LIBRARY.key == key, *self._filters(kind, edition)
        )
        with translated(self._url):
            rows = (await self._session.scalars(query)).all()
        return behaviour.library_order(converters.library_record(r) for r in rows)

    async def search(
        self,
        library: str,
        text: str,
        *,
        kind: str | None = None,
        edition: str | None = None,
        limit: int = 20,
    ) -> list[LibraryRecord]:
        haystack = func.lower(_LIBRARY.name + literal(" ") + _LIBRARY.summary)
        words = [
            haystack.like(f"%{_like_escape(w)}%", escape="\\")
            for w in behaviour.library_words(text)
        ]
        query = (
            select(LibraryEntryRow)
            .where(_LIBRARY.library == library, *self._filters(kind, edition), *words)
            .order_by(func.length(_LIBRARY.name), _LIBRARY.name)
            .limit(behaviour.LIBRARY_CANDIDATES)
        )
        with translated(self._url):
            rows = (await self._session.scalars(query)).all()
        records = [converters.library_record(r) for r in rows]
        return behaviour.rank_library(records, text)[:limit]

    async def keys(self, library: str, kind: str) -> set[str]:
        query = select(_LIBRARY.key).where(_LIBRARY.library == library, _LIBRARY.kind == kind)
        with translated(self._url):
            return set((await self._session.scalars(query)).all())

    @staticmethod
    def _filters(kind: str | None, edition: str | None) -> list[ColumnElement[bool]]:
        found: list[ColumnElement[bool]] = []
        if kind is not None:
            found.append(_LIBRARY.kind == kind)
        if edition is not None:
            found.append(_LIBRARY.edition == edition)
        return found


def _like_escape(word: str) -> str:
    return word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


class SqlUnitOfWork(UnitOfWork):
    """A unit of work on one ``AsyncSession`` (created here, closed on exit).

    Use as ``async with SqlUnitOfWork(database) as uow: ...; await uow.commit()``;
    leaving the block without ``commit()`` rolls back.
    """

    def __init__(self, database: Database) -> None:
        self._url = database.url
        self._session = database.sessionmaker()
        self._held = HeldLocks(_SQLITE_SESSION_LOCKS)
        """In-process session locks (SQLite only); PostgreSQL's end with the transaction."""
        self.worlds = SqlWorldRepository(self._session, self._url)
        self.sessions = SqlSessionRepository(self._session, self._url, self._held)
        self.players = SqlPlayerRepository(self._session, self._url)
        self.events = SqlEventRepository(self._session, self._url)
        self.recall = SqlRecallRepository(self._session, self._url)
        self.branches = SqlBranchRepository(self._session, self._url)
        self.snapshots = SqlSnapshotRepository(self._session, self._url)
        self.quotas = SqlQuotaRepository(self._session, self._url)
        self.library = SqlLibraryRepository(self._session, self._url)

    async def commit(self) -> None:
        try:
            with translated(self._url):
                await self._session.commit()
        finally:
            self._held.release_all()

    async def rollback(self) -> None:
        try:
            with translated(self._url):
                await self._session.rollback()
        finally:
            self._held.release_all()

    async def close(self) -> None:
        try:
            with translated(self._url):
                await self._session.close()
        finally:
            self._held.release_all()


def sql_uow_factory(database: Database) -> UnitOfWorkFactory:
    """A ``UnitOfWorkFactory`` for services: each call opens a fresh unit of work."""

    def factory() -> UnitOfWork:
        return SqlUnitOfWork(database)

    return factory
