"""Sessions (playthroughs): the row, its lock, and the reads a turn starts with."""

from __future__ import annotations

import builtins
import copy
import functools
from datetime import datetime
from typing import Any

from sqlalchemy import and_, bindparam, case, delete, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from storyai.core.domain.errors import ChannelBusy, SessionNotFound, WorldNotFound
from storyai.core.domain.records import Opened, SessionRecord
from storyai.core.storage import behaviour
from storyai.core.storage.ports import SessionRepository
from storyai.core.storage.sql.link import Link
from storyai.core.storage.sql.rows import (
    BRANCHES,
    EVENTS,
    PLAYERS,
    RECALL_TERMS,
    SESSIONS,
    SNAPSHOTS,
    USAGE,
    WORLD_VERSIONS,
    branch_record,
    event_record,
    rows_of,
    session_changes,
    session_record,
    session_values,
)

S, B, E = SESSIONS.c, BRANCHES.c, EVENTS.c

_OPEN = select(SESSIONS, BRANCHES, EVENTS).select_from(
    SESSIONS.outerjoin(BRANCHES, and_(B.session_id == S.id, B.name == S.active_branch)).outerjoin(
        EVENTS, E.id == B.head_event_id
    )
)
"""A session, its active branch and that branch's head event: one statement."""
_OPEN_ONE = _OPEN.where(S.id == bindparam("session_id"))
_LOCK_ONE = select(S.id).where(S.id == bindparam("session_id")).with_for_update()
"""Built once: a turn runs them twice, and building a statement costs more than
running it on SQLite."""


@functools.lru_cache(maxsize=64)
def _update_of(columns: frozenset[str]) -> Any:
    """``UPDATE sessions SET <columns> WHERE id = :session_id``, built once per set."""
    return (
        update(SESSIONS)
        .where(S.id == bindparam("session_id"))
        .values({name: bindparam(name) for name in sorted(columns)})
    )


class SqlSessionRepository(SessionRepository):
    def __init__(self, link: Link) -> None:
        self._link = link

    def _remember(self, record: SessionRecord) -> SessionRecord:
        """Keep what was read, so an update in this transaction writes only the columns
        that changed (a turn changes four of them)."""
        seen = session_changes(record)
        seen["settings"] = copy.deepcopy(seen["settings"])  # the caller may edit its copy
        self._link.sessions_read[record.id] = seen
        return record

    async def add(self, record: SessionRecord) -> None:
        link = self._link
        await link.begin_write()
        if (await link.run(select(S.id).where(S.id == record.id))).first() is not None:
            raise behaviour.session_conflict(record.id)
        version = await link.run(
            select(WORLD_VERSIONS.c.seq).where(
                WORLD_VERSIONS.c.world_id == record.world_id,
                WORLD_VERSIONS.c.version == record.world_version,
            )
        )
        if version.first() is None:
            raise WorldNotFound(record.world_id, record.world_version)
        try:
            await link.write(insert(SESSIONS).values(**session_values(record)))
        except IntegrityError as exc:
            await link.rollback()
            if record.channel is not None and record.status != "ended":
                raise ChannelBusy() from exc
            raise behaviour.session_conflict(record.id) from exc

    async def get(self, session_id: str) -> SessionRecord:
        row = (await self._link.run(select(SESSIONS).where(S.id == session_id))).first()
        if row is None:
            raise SessionNotFound(session_id)
        return self._remember(session_record(row._mapping))

    async def open(self, session_id: str, *, lock: bool = False) -> Opened:
        link = self._link
        params = {"session_id": session_id}
        if lock and link.postgres:
            # Lock first, then read. One statement that waited for the row lock would
            # return the session row as its holder committed it but the branch and head
            # joined to it as they were before: a turn just told would look untold.
            await link.run_locked(_LOCK_ONE, params)
            row = (await link.run(_OPEN_ONE, params)).first()
        elif lock:
            row = (await link.run_locked(_OPEN_ONE, params)).first()
        else:
            row = (await link.run(_OPEN_ONE, params)).first()
        if row is None:
            raise SessionNotFound(session_id)
        found = row._mapping
        branch = branch_record(found) if found[B.name] is not None else None
        if branch is not None and lock:
            link.branches_read.add((session_id, branch.name))
        head = event_record(found) if found[E.id] is not None else None
        return Opened(self._remember(session_record(found)), branch, head)

    async def update(self, record: SessionRecord) -> None:
        changes = session_changes(record)
        read = self._link.sessions_read
        before = read.get(record.id)
        if before is not None:
            changes = {k: v for k, v in changes.items() if before.get(k) != v}
            if not changes:
                return
        statement = _update_of(frozenset(changes))
        params = {**changes, "session_id": record.id}
        if before is not None and self._link.writing:
            # Read under this transaction's lock: it is there; the update goes with the
            # commit (or the next read).
            await self._link.defer(statement, params)
        else:
            done = await self._link.write(statement, params)
            if done.rowcount == 0:
                read.pop(record.id, None)
                raise SessionNotFound(record.id)
        read[record.id] = {**(before or {}), **copy.deepcopy(changes)}

    async def list(
        self, world_id: str | None = None, *, limit: int | None = None
    ) -> list[SessionRecord]:
        query = select(SESSIONS).order_by(S.updated_at.desc(), S.id)
        if world_id is not None:
            query = query.where(S.world_id == world_id)
        if limit is not None:
            query = query.limit(limit)
        return [session_record(row) for row in rows_of(await self._link.run(query))]

    async def starting_with(self, prefix: str, *, limit: int = 2) -> builtins.list[str]:
        # substr, not LIKE: exact and case-sensitive on both databases, no escaping
        start = func.substr(S.id, 1, len(prefix))
        query = select(S.id).where(start == prefix).order_by(S.id).limit(limit)
        return [row[0] for row in await self._link.run(query)]

    async def count_for_world_version(self, world_id: str, version: str) -> int:
        query = (
            select(func.count())
            .select_from(SESSIONS)
            .where(S.world_id == world_id, S.world_version == version)
        )
        return (await self._link.run(query)).scalar() or 0

    async def remove(self, session_id: str) -> None:
        link = self._link
        if (await link.run_locked(select(S.id).where(S.id == session_id))).first() is None:
            raise SessionNotFound(session_id)
        # Explicitly, children first: the same on SQLite and PostgreSQL, whether or not
        # the connection enforces the foreign keys' ON DELETE actions.
        await link.write(
            update(USAGE)
            .where(USAGE.c.session_id == session_id)
            .values(session_id=None, player_id=None)
        )
        for table in (RECALL_TERMS, SNAPSHOTS, BRANCHES, EVENTS, PLAYERS):
            await link.write(delete(table).where(table.c.session_id == session_id))
        await link.write(delete(SESSIONS).where(S.id == session_id))
        link.sessions_read.pop(session_id, None)

    async def in_channel(self, channel: str) -> SessionRecord | None:
        running_first = case((S.status != "ended", 0), else_=1)
        query = (
            select(SESSIONS)
            .where(S.channel == channel)
            .order_by(running_first, S.updated_at.desc(), S.id)
            .limit(1)
        )
        row = (await self._link.run(query)).first()
        return None if row is None else session_record(row._mapping)

    async def due(self, now: datetime, *, limit: int = 100) -> builtins.list[SessionRecord]:
        query = (
            select(SESSIONS)
            .where(S.deadline <= now, S.status != "ended")
            .order_by(S.deadline, S.id)
            .limit(limit)
        )
        return [session_record(row) for row in rows_of(await self._link.run(query))]

    async def lock(self, session_id: str) -> None:
        query = select(S.id).where(S.id == session_id)
        if self._link.postgres:
            query = query.with_for_update()
        if (await self._link.run_locked(query)).first() is None:
            raise SessionNotFound(session_id)
