"""The storage adapters under test: the in-memory fake, SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest

from storyai.core.storage.database import Database, upgrade
from storyai.core.storage.memory import InMemoryStore
from storyai.core.storage.ports import UnitOfWorkFactory
from storyai.core.storage.sql import sql_uow_factory


@dataclass(frozen=True)
class Storage:
    backend: str
    """"memory", "sqlite" or "postgres"."""
    uow_factory: UnitOfWorkFactory
    database: Database | None
    """The migrated database behind the SQL adapters; None for memory."""


@pytest.fixture(params=["memory", "sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
async def storage(request: pytest.FixtureRequest, database_url_factory) -> AsyncIterator[Storage]:
    """One adapter with an empty store, once per backend."""
    if request.param == "memory":
        yield Storage("memory", InMemoryStore().unit_of_work, None)
        return
    async with database_url_factory(request.param) as url, Database(url) as db:
        await upgrade(db)
        yield Storage(request.param, sql_uow_factory(db), db)


@pytest.fixture
def uow_factory(storage: Storage) -> UnitOfWorkFactory:
    return storage.uow_factory
