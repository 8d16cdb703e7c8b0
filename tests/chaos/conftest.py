"""Fixtures for the chaos tests: llmock as a server process, a story store, and a
storyteller configured the way a user configures a local server.

``llmock_clean`` is one ``llmock serve`` for the whole run with no faults of its own,
reset before each test (faults are scripted per test); ``storyteller(...)`` writes a
``config.toml`` naming llmock's URLs, builds the narrator from it as every interface
does, and plays through the play service on a SQLite store with Ember Hollow in it.
"""

from __future__ import annotations

import sys
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path

import pytest
from chaos_helpers import Storyteller
from llmock_process import LlmockServer

from storyai.core import services
from storyai.core.storage.database import Database, upgrade
from storyai.core.storage.ports import UnitOfWorkFactory
from storyai.core.storage.sql import sql_uow_factory

sys.path.insert(0, str(Path(__file__).parents[1] / "engine"))
from walkthrough import bundled


@pytest.fixture(scope="session")
def llmock_session() -> Iterator[LlmockServer]:
    with LlmockServer() as server:
        yield server


@pytest.fixture
def llmock_clean(llmock_session: LlmockServer) -> LlmockServer:
    llmock_session.reset()
    return llmock_session


@pytest.fixture
async def store(database_url_factory) -> AsyncIterator[UnitOfWorkFactory]:
    async with database_url_factory("sqlite") as url, Database(url) as db:
        await upgrade(db)
        uow = sql_uow_factory(db)
        await services.install_world(uow, bundled("ember_hollow"), source="bundled")
        yield uow


MakeStoryteller = Callable[..., Storyteller]


@pytest.fixture
async def storyteller(store: UnitOfWorkFactory, tmp_path: Path) -> AsyncIterator[MakeStoryteller]:
    made: list[Storyteller] = []

    def make(*providers: tuple[str, str, str], **options: object) -> Storyteller:
        """``providers``: (name, kind, base_url) in failover order; ``options``:
        ``stall_timeout``, ``max_retries`` (for every provider)."""
        config = tmp_path / f"config-{len(made)}.toml"
        teller = Storyteller.configured(store, config, providers, **options)  # type: ignore[arg-type]
        made.append(teller)
        return teller

    yield make
    for teller in made:
        await teller.aclose()
