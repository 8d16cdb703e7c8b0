"""Shared fixtures: real databases, SQLite always and PostgreSQL when configured.

``database_url`` runs a test once per backend: a fresh SQLite file, and, when
``STORYAI_TEST_DATABASE_URL`` names a PostgreSQL server, an empty schema in a
database created on that server for this test run and dropped afterwards. The
database named in the URL is only used to connect and is never changed, so
pointing the variable at a server with other data on it is safe; its user needs
CREATEDB.
Schemas always come from the migrations, never from ``create_all``.
"""

from __future__ import annotations

import asyncio
import itertools
import os
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import asyncpg
import pytest
from sqlalchemy.engine import make_url

from storyai.core.storage.database import Database, upgrade
from storyai.core.storage.memory import InMemoryStore
from storyai.core.storage.ports import UnitOfWorkFactory
from storyai.core.storage.sql import sql_uow_factory
from storyai.core.storage.urls import ENV_VAR

# pytest-xdist starts its workers with COLUMNS=80 in their environment, and a rich
# Console built while it is set keeps that width for good (the CLI's are built when
# the test modules import it, after this); tests that need a width set it themselves,
# so every worker starts as a serial run does.
for _name in ("COLUMNS", "LINES"):
    os.environ.pop(_name, None)

POSTGRES_ENV = "STORYAI_TEST_DATABASE_URL"
SKIP_POSTGRES = f"set {POSTGRES_ENV} to run PostgreSQL tests"

BACKENDS = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
"""Parametrize over these (``"sqlite"``, ``"postgres"``) to run a test on both databases."""

DatabaseUrlFactory = Callable[[str], AbstractAsyncContextManager[str]]


@pytest.fixture(scope="session")
def postgres_test_url() -> Iterator[str | None]:
    """A database of our own on the configured server, for this test run only.

    Created once (CREATE DATABASE costs ~0.3 s) and dropped at the end; each test
    then starts from an empty ``public`` schema in it. ``None`` when no server is
    configured.
    """
    configured = os.environ.get(POSTGRES_ENV, "").strip()
    if not configured:
        yield None
        return
    server = make_url(configured).set(drivername="postgresql")
    admin_dsn = server.render_as_string(hide_password=False)
    name = f"storyai_test_{uuid.uuid4().hex[:12]}"
    asyncio.run(_admin(admin_dsn, f'CREATE DATABASE "{name}"'))
    try:
        yield server.set(database=name).render_as_string(hide_password=False)
    finally:
        asyncio.run(_admin(admin_dsn, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


async def _admin(dsn: str, *statements: str) -> None:
    connection = await asyncpg.connect(dsn)
    try:
        for statement in statements:
            await connection.execute(statement)
    finally:
        await connection.close()


@pytest.fixture
def database_url_factory(tmp_path: Path, postgres_test_url: str | None) -> DatabaseUrlFactory:
    """``async with database_url_factory("sqlite" | "postgres") as url:`` an empty database.

    SQLite gives a new file each time; PostgreSQL gives the run's database with
    its schema emptied, so use it once per test.
    """
    counter = itertools.count()

    @asynccontextmanager
    async def make(backend: str) -> AsyncIterator[str]:
        if backend == "sqlite":
            yield f"sqlite:///{tmp_path / f'storyai-{next(counter)}.db'}"
        elif backend == "postgres":
            if postgres_test_url is None:
                pytest.skip(SKIP_POSTGRES)
            await _admin(
                postgres_test_url, "DROP SCHEMA IF EXISTS public CASCADE", "CREATE SCHEMA public"
            )
            yield postgres_test_url
        else:
            raise ValueError(f"unknown backend {backend!r}")

    return make


@pytest.fixture(params=BACKENDS)
async def database_url(
    request: pytest.FixtureRequest, database_url_factory: DatabaseUrlFactory
) -> AsyncIterator[str]:
    """The URL of an empty database, once per backend."""
    async with database_url_factory(request.param) as url:
        yield url


@pytest.fixture
async def database(database_url: str) -> AsyncIterator[Database]:
    """An un-migrated ``Database`` on ``database_url``, disposed afterwards."""
    async with Database(database_url) as db:
        yield db


@pytest.fixture
async def migrated_database(database: Database) -> Database:
    """``database`` with the schema at head."""
    await upgrade(database)
    return database


@pytest.fixture
async def cli_database(
    migrated_database: Database, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[str]:
    """Point the CLI (through ``$STORYAI_DATABASE_URL``) at a migrated database."""
    url = migrated_database.url.render_as_string(hide_password=False)
    monkeypatch.setenv(ENV_VAR, url)
    await migrated_database.dispose()  # the CLI opens its own engine
    yield url


@pytest.fixture(autouse=True)
def _isolated_user_dirs(monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory):
    """No test reads or writes the real user's data, config or cache folder, or database
    setting."""
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("XDG_DATA_HOME", str(home / "data"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / "config"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(home / "cache"))
    monkeypatch.delenv("STORYAI_DATABASE_URL", raising=False)


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


SHARED = Path(__file__).resolve().parents[1].parent / "shared"
"""``../shared`` beside the checkout: third-party fixtures, read in place, never copied."""

REQUIRE_SHARED_ENV = "STORYAI_REQUIRE_SHARED"
"""Set to 1 (``.ci/run`` does) to make a missing ``../shared`` fail the tests needing it."""


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    """The shared fixtures folder (Foundry worlds, SRD data).

    A fresh clone has no ``../shared``: the tests that read it skip, saying what is
    missing. With ``STORYAI_REQUIRE_SHARED=1`` (CI) its absence fails them instead.
    """
    if not (SHARED / "fixtures").is_dir():
        reason = (
            f"third-party fixtures missing: {SHARED} (Foundry worlds, SRD data) is not "
            "beside the checkout"
        )
        if os.environ.get(REQUIRE_SHARED_ENV, "").strip() not in ("", "0"):
            pytest.fail(f"{reason}, and {REQUIRE_SHARED_ENV} is set")
        pytest.skip(reason)
    return SHARED


@pytest.fixture(scope="session")
def foundry_fixtures(shared_dir: Path) -> Path:
    return shared_dir / "fixtures" / "foundry"


@pytest.fixture(scope="session")
def srd_data(shared_dir: Path) -> Path:
    return shared_dir / "srd_data"


@pytest.fixture
def cli(monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    """Run ``storyai ARGS...`` in a temp folder: ``cli("world", "list", code=0, input=...)``.

    Asserts the exit code (None: any) and that no traceback was printed.
    """
    from typer.testing import CliRunner

    from storyai.cli.main import app

    monkeypatch.chdir(tmp_path)
    runner = CliRunner()

    def invoke(*args: object, code: int | None = 0, input: str | None = None):
        result = runner.invoke(app, [str(a) for a in args], input=input, catch_exceptions=False)
        if code is not None:
            assert result.exit_code == code, result.output
        assert "Traceback" not in result.output
        return result

    return invoke


# ------------------------------------------------------------------ the real-model tier


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The real-model tests first: each takes up to a minute on a CPU model, so under
    pytest-xdist they start at once beside the quick tests instead of being the last
    thing one worker plays while the other has nothing left."""
    items.sort(key=lambda item: item.get_closest_marker("real_model") is None)


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node, error) -> None:
    from realmodel.conftest import gather

    gather(node)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    from realmodel.conftest import report

    report(terminalreporter)
