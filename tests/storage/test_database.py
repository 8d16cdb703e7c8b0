"""URLs, the migration policy, and what a user sees when the database is unreachable."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

import pytest
from sqlalchemy import text

from storyai.core.domain.errors import DatabaseNotMigrated, StorageError
from storyai.core.storage.database import (
    Database,
    current_revision,
    default_database_url,
    ensure_ready,
    head_revision,
    normalize_url,
    open_database,
    upgrade,
)
from storyai.core.storage.sql import sql_uow_factory
from storyai.core.storage.urls import ENV_VAR, display_url

# ------------------------------------------------------------------------------- URLs


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("postgresql://me:pw@db:5432/story", "postgresql+asyncpg://me:pw@db:5432/story"),
        ("postgres://me@db/story", "postgresql+asyncpg://me@db/story"),
        ("postgresql+asyncpg://me@db/story", "postgresql+asyncpg://me@db/story"),
        ("sqlite:///story.db", "sqlite+aiosqlite:///story.db"),
        ("sqlite:////abs/story.db", "sqlite+aiosqlite:////abs/story.db"),
        ("sqlite+aiosqlite:///story.db", "sqlite+aiosqlite:///story.db"),
        ("sqlite://", "sqlite+aiosqlite://"),
    ],
)
def test_normalize_url_names_the_async_driver(given: str, expected: str) -> None:
    assert normalize_url(given).render_as_string(hide_password=False) == expected


@pytest.mark.parametrize("given", ["mysql://me@db/story", "postgresql+psycopg2://me:pw@db/x"])
def test_other_databases_are_refused_clearly(given: str) -> None:
    with pytest.raises(StorageError) as caught:
        normalize_url(given)
    assert "SQLite" in str(caught.value) and "PostgreSQL" in str(caught.value)
    assert "pw" not in str(caught.value)


def test_garbage_url_is_refused_without_its_password() -> None:
    with pytest.raises(StorageError) as caught:
        normalize_url("not a url://me:hunter2@x")
    assert "not a database URL" in str(caught.value)
    assert "hunter2" not in str(caught.value)


def test_display_url_hides_the_password_and_driver() -> None:
    url = normalize_url("postgresql://me:s3cret@db/story?sslpassword=k3y")
    shown = display_url(url)
    assert shown.startswith("postgresql://me:***@db/story")
    assert "s3cret" not in shown and "k3y" not in shown


def test_default_url_is_sqlite_in_the_user_data_folder(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv(ENV_VAR, raising=False)
    monkeypatch.setattr(
        "storyai.core.storage.urls.platformdirs.user_data_dir",
        lambda *args, **kwargs: str(tmp_path / "data" / "storyai"),
    )
    url = normalize_url(default_database_url())
    assert url.get_backend_name() == "sqlite"
    assert Path(url.database or "") == tmp_path / "data" / "storyai" / "storyai.db"
    assert (tmp_path / "data" / "storyai").is_dir()


def test_environment_overrides_the_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ENV_VAR, "postgresql://me@db/story")
    assert default_database_url() == "postgresql://me@db/story"
    assert Database().is_postgresql


# ------------------------------------------------------------------------ migration policy


async def test_sqlite_is_migrated_automatically(tmp_path: Path) -> None:
    async with Database(f"sqlite:///{tmp_path / 'new.db'}") as db:
        assert db.auto_migrate
        assert await ensure_ready(db) is True
        assert await current_revision(db) == head_revision()
        assert await ensure_ready(db) is False


async def test_many_units_of_work_open_at_once_on_sqlite_never_wait_for_a_connection(
    tmp_path: Path,
) -> None:
    """A bot holds one unit of work per story being played; SQLite runs them all in one
    thread, so a connection pool that made one of them wait would wait forever."""
    opened = 60  # more than any pool keeps
    all_read = asyncio.Event()
    reads = 0

    async def one(uow_factory) -> int:
        nonlocal reads
        async with uow_factory() as uow:
            found = await uow.sessions.list()
            reads += 1
            if reads == opened:
                all_read.set()
            await all_read.wait()  # every unit of work holds its connection now
            return len(found)

    async with Database(f"sqlite:///{tmp_path / 'busy.db'}") as db:
        await upgrade(db)
        async with asyncio.timeout(20):
            counts = await asyncio.gather(*(one(sql_uow_factory(db)) for _ in range(opened)))
    assert counts == [0] * opened


async def test_sqlite_enforces_foreign_keys(tmp_path: Path) -> None:
    async with Database(f"sqlite:///{tmp_path / 'fk.db'}") as db, db.connect() as connection:
        assert (await connection.execute(text("PRAGMA foreign_keys"))).scalar() == 1


async def test_refuses_an_unmigrated_database_when_told_not_to_migrate(database: Database) -> None:
    with pytest.raises(DatabaseNotMigrated) as caught:
        await ensure_ready(database, auto_migrate=False)
    assert "storyai db upgrade" in str(caught.value)
    assert await current_revision(database) is None


@pytest.mark.postgres
async def test_postgres_is_never_migrated_implicitly(database_url_factory) -> None:
    async with database_url_factory("postgres") as url, Database(url) as db:
        assert not db.auto_migrate
        with pytest.raises(DatabaseNotMigrated):
            await ensure_ready(db)
        await upgrade(db)
        assert await ensure_ready(db) is False


async def test_open_database_returns_a_ready_database(tmp_path: Path) -> None:
    db = await open_database(f"sqlite:///{tmp_path / 'ready.db'}")
    try:
        assert await current_revision(db) == head_revision()
    finally:
        await db.dispose()


async def test_a_newer_schema_than_ours_is_refused(migrated_database: Database) -> None:
    async with migrated_database.engine.begin() as connection:
        await connection.execute(text("UPDATE alembic_version SET version_num = '9999'"))
    with pytest.raises(StorageError, match="newer storyai"):
        await ensure_ready(migrated_database, auto_migrate=True)


async def test_unknown_target_revision_is_a_storage_error(database: Database) -> None:
    with pytest.raises(StorageError, match="Cannot migrate"):
        await upgrade(database, "nope")


# ---------------------------------------------------------------------- unreachable databases


def _assert_readable(error: StorageError, *, password: str) -> None:
    text = str(error)
    assert password not in text
    assert "Traceback" not in text and "sqlalche.me" not in text
    assert len(text.splitlines()) <= 2  # the message and its hint


async def test_refused_connection_names_the_url_without_password(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    async with Database("postgresql://postgres:s3cret@127.0.0.1:1/storyai") as db:
        with pytest.raises(StorageError) as caught:
            await current_revision(db)
    error = caught.value
    _assert_readable(error, password="s3cret")
    assert "postgresql://postgres:***@127.0.0.1:1/storyai" in str(error)
    assert "refused" in error.message
    assert error.hint and "running" in error.hint
    assert isinstance(error.__cause__, OSError)
    assert "s3cret" not in caplog.text


async def test_unknown_host_says_so() -> None:
    async with Database("postgresql://me:s3cret@no-such-host.invalid/storyai") as db:
        with pytest.raises(StorageError) as caught:
            await ensure_ready(db)
    _assert_readable(caught.value, password="s3cret")
    assert "host name is unknown" in caught.value.message


@pytest.mark.postgres
async def test_missing_postgres_database_says_what_to_do(database_url_factory) -> None:
    async with database_url_factory("postgres") as url:
        missing = normalize_url(url).set(database="storyai_does_not_exist", password="pw0rd")
    async with Database(missing) as db:
        with pytest.raises(StorageError) as caught:
            await db.ping()
    _assert_readable(caught.value, password="pw0rd")
    assert 'database "storyai_does_not_exist" does not exist' in caught.value.message
    assert caught.value.hint and "createdb" in caught.value.hint


async def test_sqlite_in_a_missing_folder_says_what_to_check(tmp_path: Path) -> None:
    async with Database(f"sqlite:///{tmp_path / 'nope' / 'x.db'}") as db:
        with pytest.raises(StorageError) as caught:
            await db.ping()
    assert f"the folder {tmp_path / 'nope'} does not exist" in caught.value.message
    assert caught.value.hint and "Create the folder" in caught.value.hint
