"""The composition root: the only place that wires adapters together."""

from __future__ import annotations

from dataclasses import dataclass

from storyai.core.settings import Settings, load_settings
from storyai.core.storage.database import Database, default_database_url, ensure_ready
from storyai.core.storage.ports import UnitOfWork
from storyai.core.storage.sql import SqlUnitOfWork


@dataclass
class Container:
    """Everything a use case needs, built from settings."""

    settings: Settings
    database: Database

    def uow(self) -> UnitOfWork:
        return SqlUnitOfWork(self.database)

    async def close(self) -> None:
        await self.database.dispose()


async def build(settings: Settings | None = None, *, migrate: bool = True) -> Container:
    """Connect to the configured database and make sure its schema is current.

    SQLite databases are migrated automatically (local, single user);
    PostgreSQL needs `storyai db upgrade`, since several processes share it.
    """
    settings = settings or load_settings()
    database = Database(settings.database_url or default_database_url())
    if migrate:
        try:
            await ensure_ready(database, auto_migrate=database.is_sqlite)
        except BaseException:
            await database.dispose()
            raise
    return Container(settings=settings, database=database)
