"""The SQL unit of work: one connection, every repository on it."""

from __future__ import annotations

from typing import TYPE_CHECKING

from storyai.core.storage.ports import UnitOfWork, UnitOfWorkFactory
from storyai.core.storage.sql.branches import SqlBranchRepository
from storyai.core.storage.sql.companions import SqlCompanionRepository, SqlMcpTokenRepository
from storyai.core.storage.sql.events import SqlEventRepository
from storyai.core.storage.sql.legacy import SqlLegacyRepository
from storyai.core.storage.sql.library import SqlLibraryRepository
from storyai.core.storage.sql.link import link_for
from storyai.core.storage.sql.players import SqlPlayerRepository
from storyai.core.storage.sql.quotas import SqlQuotaRepository
from storyai.core.storage.sql.recall import SqlRecallRepository
from storyai.core.storage.sql.sessions import SqlSessionRepository
from storyai.core.storage.sql.snapshots import SqlSnapshotRepository
from storyai.core.storage.sql.worlds import SqlWorldRepository

if TYPE_CHECKING:
    from storyai.core.storage.database import Database


class SqlUnitOfWork(UnitOfWork):
    """``async with SqlUnitOfWork(database) as uow: ...; await uow.commit()``; leaving
    the block without ``commit()`` rolls back. The connection opens on first use."""

    def __init__(self, database: Database) -> None:
        self._link = link = link_for(database)
        self.worlds = SqlWorldRepository(link)
        self.sessions = SqlSessionRepository(link)
        self.players = SqlPlayerRepository(link)
        self.events = events = SqlEventRepository(link)
        self.recall = SqlRecallRepository(link, events)
        self.branches = SqlBranchRepository(link)
        self.snapshots = SqlSnapshotRepository(link)
        self.quotas = SqlQuotaRepository(link)
        self.library = SqlLibraryRepository(link)
        self.companions = SqlCompanionRepository(link)
        self.mcp_tokens = SqlMcpTokenRepository(link)
        self.legacy = SqlLegacyRepository(link)

    async def commit(self) -> None:
        await self._link.commit()

    async def rollback(self) -> None:
        await self._link.rollback()

    async def close(self) -> None:
        await self._link.close()


def sql_uow_factory(database: Database) -> UnitOfWorkFactory:
    """A ``UnitOfWorkFactory`` for use cases: each call opens a fresh unit of work."""

    def factory() -> UnitOfWork:
        return SqlUnitOfWork(database)

    return factory
