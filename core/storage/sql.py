"""The SQL adapter of the storage port: SQLAlchemy 2 async, SQLite or PostgreSQL.

One ``AsyncSession`` per unit of work, never shared between tasks (an
``AsyncSession`` is not safe for concurrent use). Repositories speak domain
records; rows stay in here and in ``converters.py``. Driver and network
failures become ``StorageError`` at this boundary (``raise ... from exc``);
domain conditions (a duplicate version, a missing session) are checked
explicitly so the fake in ``memory.py`` can behave identically.
"""

from __future__ import annotations

from collections import defaultdict
from typing import TYPE_CHECKING

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from storyai.core.domain.errors import SessionNotFound, WorldNotFound
from storyai.core.domain.records import SessionRecord, WorldSummary, WorldVersionRecord
from storyai.core.storage import behaviour, converters
from storyai.core.storage.failures import translated
from storyai.core.storage.orm import SessionRow, WorldRow, WorldVersionRow
from storyai.core.storage.ports import (
    SessionRepository,
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


class SqlSessionRepository(SessionRepository):
    """Sessions (playthroughs); the session engine adds events, branches and players."""

    def __init__(self, session: AsyncSession, url: URL) -> None:
        self._session = session
        self._url = url

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


class SqlUnitOfWork(UnitOfWork):
    """A unit of work on one ``AsyncSession`` (created here, closed on exit).

    Use as ``async with SqlUnitOfWork(database) as uow: ...; await uow.commit()``;
    leaving the block without ``commit()`` rolls back.
    """

    def __init__(self, database: Database) -> None:
        self._url = database.url
        self._session = database.sessionmaker()
        self.worlds = SqlWorldRepository(self._session, self._url)
        self.sessions = SqlSessionRepository(self._session, self._url)

    async def commit(self) -> None:
        with translated(self._url):
            await self._session.commit()

    async def rollback(self) -> None:
        with translated(self._url):
            await self._session.rollback()

    async def close(self) -> None:
        with translated(self._url):
            await self._session.close()


def sql_uow_factory(database: Database) -> UnitOfWorkFactory:
    """A ``UnitOfWorkFactory`` for services: each call opens a fresh unit of work."""

    def factory() -> UnitOfWork:
        return SqlUnitOfWork(database)

    return factory
