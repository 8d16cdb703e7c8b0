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
from types import TracebackType
from typing import Self

from storyai.core.domain.records import SessionRecord, WorldSummary, WorldVersionRecord


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


class UnitOfWork(abc.ABC):
    worlds: WorldRepository
    sessions: SessionRepository

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
