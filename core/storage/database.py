"""The database: one async engine per URL, and a schema that Alembic keeps current.

Policy (ARCHITECTURE.md §5): a SQLite database is local and has one user, so it
is migrated automatically when opened. PostgreSQL may be shared by several bot
processes, so only an explicit ``storyai db upgrade`` migrates it; until then
``ensure_ready`` refuses with ``DatabaseNotMigrated``.

Migrations run on a connection of our own engine, inside our own event loop
(``await conn.run_sync(...)``), handed to ``migrations/env.py`` through
``config.attributes["connection"]``. There is no alembic.ini: the Alembic
``Config`` is built here and points at the package's ``migrations`` folder.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path
from types import TracebackType
from typing import Any, Self

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util import CommandError
from sqlalchemy import event, text
from sqlalchemy.engine import URL, Connection
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import (
    AsyncConnection,
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from storyai.core.domain.errors import DatabaseNotMigrated, StorageError
from storyai.core.storage.failures import translated
from storyai.core.storage.sqlite_thread import SqliteThread
from storyai.core.storage.urls import (
    ENV_VAR,
    default_database_url,
    display_url,
    normalize_url,
)

__all__ = [
    "ENV_VAR",
    "MIGRATIONS_DIR",
    "Database",
    "alembic_config",
    "current_revision",
    "default_database_url",
    "downgrade",
    "ensure_ready",
    "head_revision",
    "normalize_url",
    "open_database",
    "upgrade",
]

log = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
"""Alembic's script location, shipped inside the package."""

POSTGRES_CONNECT_TIMEOUT = 10.0
"""Seconds before asyncpg gives up on a host that does not answer (its default is 60)."""

_MIGRATION_LOCK_KEY = 0x73746F7279414931
"""PostgreSQL advisory lock held while migrating, so two upgrades never interleave."""


class Database:
    """One database: its async engine, a session factory, and a printable name.

    Creating it does no I/O; the first connection happens on first use. Call
    ``dispose()`` (or use ``async with``) when done.

    Args:
        url: A SQLAlchemy URL; ``None`` means ``default_database_url()``.
        echo: Log every SQL statement (debugging).

    Raises:
        StorageError: the URL is invalid or names an unsupported database.
    """

    def __init__(self, url: str | URL | None = None, *, echo: bool = False) -> None:
        self.url: URL = normalize_url(default_database_url() if url is None else url)
        self.display_url: str = display_url(self.url)
        self.engine: AsyncEngine = _create_engine(self.url, echo=echo)
        self.sessionmaker: async_sessionmaker[AsyncSession] = async_sessionmaker(
            self.engine, expire_on_commit=False
        )
        self._echo = echo
        self._sqlite_thread: SqliteThread | None = None

    def sqlite_thread(self) -> SqliteThread:
        """The sync engine and thread units of work use on SQLite (made on first use)."""
        if self._sqlite_thread is None:
            self._sqlite_thread = SqliteThread(self.url, _sqlite_on_connect, echo=self._echo)
        return self._sqlite_thread

    def __repr__(self) -> str:
        return f"Database({self.display_url!r})"

    @property
    def backend(self) -> str:
        """``"sqlite"`` or ``"postgresql"``."""
        return self.url.get_backend_name()

    @property
    def is_sqlite(self) -> bool:
        return self.backend == "sqlite"

    @property
    def is_postgresql(self) -> bool:
        return self.backend == "postgresql"

    @property
    def auto_migrate(self) -> bool:
        """Whether opening this database may migrate it: SQLite yes, PostgreSQL no."""
        return self.is_sqlite

    @asynccontextmanager
    async def connect(self) -> AsyncIterator[AsyncConnection]:
        """A connection whose failures arrive as ``StorageError`` (rolled back on exit)."""
        self._check_sqlite_folder()
        with translated(self.url):
            async with self.engine.connect() as connection:
                yield connection

    async def ping(self) -> None:
        """Connect once and run ``SELECT 1``.

        Raises:
            StorageError: the database cannot be reached.
        """
        async with self.connect() as connection:
            await connection.execute(text("SELECT 1"))

    def _check_sqlite_folder(self) -> None:
        """Name a missing folder ourselves: SQLite only says "unable to open database file"."""
        name = self.url.database
        if not self.is_sqlite or not name or name == ":memory:" or name.startswith("file:"):
            return
        folder = Path(name).expanduser().absolute().parent
        if not folder.is_dir():
            raise StorageError(
                f"Cannot open the database {self.display_url}: the folder {folder} does not exist.",
                hint=f"Create the folder, or fix the path in {ENV_VAR}.",
            )

    async def dispose(self) -> None:
        """Close every pooled connection."""
        if self._sqlite_thread is not None:
            thread, self._sqlite_thread = self._sqlite_thread, None
            await thread.dispose()
        await self.engine.dispose()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.dispose()


async def open_database(
    url: str | URL | None = None, *, auto_migrate: bool | None = None
) -> Database:
    """A ``Database`` whose schema is current, disposed again if it is not.

    Args:
        url: As for ``Database``.
        auto_migrate: As for ``ensure_ready``; ``None`` follows the policy.

    Raises:
        StorageError: unreachable, or (``DatabaseNotMigrated``) behind and not migrated.
    """
    database = Database(url)
    try:
        await ensure_ready(database, auto_migrate=auto_migrate)
    except BaseException:
        await database.dispose()
        raise
    return database


# ----------------------------------------------------------------------------- schema


def alembic_config(url: URL | None = None) -> Config:
    """An Alembic ``Config`` for the packaged migrations, built in code.

    Pass ``url`` only for Alembic's own command-line style use (env.py then makes
    its own engine); ``upgrade`` and friends hand over a connection instead.
    """
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("path_separator", "os")
    if url is not None:
        # ConfigParser interpolates %, which URL-encoded passwords contain.
        rendered = url.render_as_string(hide_password=False)
        config.set_main_option("sqlalchemy.url", rendered.replace("%", "%%"))
    return config


def head_revision() -> str:
    """The newest schema revision this version of storyai knows."""
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    if head is None:  # pragma: no cover - the package always ships migrations
        raise StorageError("storyai was installed without its database migrations.")
    return head


async def current_revision(database: Database) -> str | None:
    """The schema revision the database is at; ``None`` for an empty database.

    Raises:
        StorageError: the database cannot be reached.
    """
    async with database.connect() as connection:
        return await connection.run_sync(_current_revision)


async def upgrade(database: Database, revision: str = "head") -> None:
    """Migrate the schema up to ``revision`` (default: the newest), in one transaction.

    Raises:
        StorageError: unreachable, or ``revision`` is unknown.
    """
    log.info("upgrading %s to %s", database.display_url, revision)
    await _migrate(database, lambda config: command.upgrade(config, revision))


async def downgrade(database: Database, revision: str = "base") -> None:
    """Migrate the schema down to ``revision``; ``"base"`` drops every storyai table.

    Raises:
        StorageError: unreachable, or ``revision`` is unknown.
    """
    log.info("downgrading %s to %s", database.display_url, revision)
    await _migrate(database, lambda config: command.downgrade(config, revision))


async def ensure_ready(database: Database, auto_migrate: bool | None = None) -> bool:
    """Make sure the schema is current before anything else touches the database.

    Args:
        database: The database to check.
        auto_migrate: Upgrade a schema that is behind (``True``) or refuse
            (``False``). ``None`` follows the policy: SQLite yes, PostgreSQL no.

    Returns:
        True if the schema was upgraded just now.

    Raises:
        DatabaseNotMigrated: the schema is behind and ``auto_migrate`` is off.
        StorageError: unreachable, or migrated by a newer storyai.
    """
    if auto_migrate is None:
        auto_migrate = database.auto_migrate
    current = await current_revision(database)
    head = head_revision()
    if current == head:
        return False
    if current is not None and not _is_known(current):
        raise StorageError(
            f"The database {database.display_url} is at schema revision {current}, "
            "which this version of storyai does not know: a newer storyai has upgraded it.",
            hint=f"Upgrade storyai, or point {ENV_VAR} at another database.",
        )
    if not auto_migrate:
        raise DatabaseNotMigrated(database.display_url, current, head)
    await upgrade(database, head)
    return True


# ----------------------------------------------------------------------------- internals


def _create_engine(url: URL, *, echo: bool) -> AsyncEngine:
    options: dict[str, Any] = {"echo": echo}
    if url.get_backend_name() == "postgresql":
        options["pool_pre_ping"] = True  # bots live for weeks; servers restart
        connect_args: dict[str, Any] = {
            # asyncpg prepares statements; after five runs PostgreSQL would reuse a
            # generic plan made while the events table was nearly empty (a sequential
            # scan) until the table is next analysed, and turns slow down as history
            # grows (measured: 35 ms at turn 1,000, 101 ms at turn 10,000). Planning
            # each query for its own values keeps index scans.
            "server_settings": {"plan_cache_mode": "force_custom_plan"},
        }
        if "timeout" not in url.query:
            connect_args["timeout"] = POSTGRES_CONNECT_TIMEOUT
        options["connect_args"] = connect_args
    try:
        engine = create_async_engine(url, **options)
    except (SQLAlchemyError, ImportError) as exc:
        raise StorageError(
            f"Cannot use the database {display_url(url)}: {exc}.",
            hint="storyai supports sqlite:// (aiosqlite) and postgresql:// (asyncpg).",
        ) from exc
    if url.get_backend_name() == "sqlite":
        event.listen(engine.sync_engine, "connect", _sqlite_on_connect)
    return engine


SQLITE_BUSY_TIMEOUT_MS = 10_000
"""How long a SQLite writer waits for another process's write to finish."""


def _sqlite_on_connect(dbapi_connection: Any, _record: Any) -> None:
    """Per connection: foreign keys on (SQLite ignores them otherwise), write-ahead
    logging with ``synchronous=NORMAL`` (a commit appends to the log instead of waiting
    for an fsync of the database: measured 23 ms -> 0.65 ms a commit; a power cut may
    lose the last commits, never corrupt the file), and a busy timeout for writers of
    other processes.

    Transactions otherwise keep Python sqlite3's default: reads run outside any
    transaction and BEGIN is deferred to the first write; a unit of work that writes
    starts with ``BEGIN IMMEDIATE`` itself (``storage/sql/link.py``). Migrations take
    over BEGIN themselves.
    """
    _sqlite_pragma(dbapi_connection, "PRAGMA foreign_keys=ON")
    _sqlite_pragma(dbapi_connection, f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    _sqlite_pragma(dbapi_connection, "PRAGMA journal_mode=WAL")
    _sqlite_pragma(dbapi_connection, "PRAGMA synchronous=NORMAL")


def _sqlite_pragma(dbapi_connection: Any, statement: str) -> list[Any]:
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute(statement)
        return list(cursor.fetchall())
    finally:
        cursor.close()


def _current_revision(connection: Connection) -> str | None:
    return MigrationContext.configure(connection).get_current_revision()


def _is_known(revision: str) -> bool:
    try:
        ScriptDirectory.from_config(alembic_config()).get_revision(revision)
    except CommandError:
        return False
    return True


async def _migrate(database: Database, run: Callable[[Config], None]) -> None:
    async with database.connect() as connection:
        await connection.run_sync(_migrate_sync, run)


def _migrate_sync(connection: Connection, run: Callable[[Config], None]) -> None:
    """Run one Alembic command inside a transaction we own, then commit."""
    config = alembic_config()
    config.attributes["connection"] = connection
    with _migration_transaction(connection):
        try:
            run(config)
        except CommandError as exc:
            raise StorageError(
                f"Cannot migrate: {exc}.",
                hint="`storyai db status` shows the current and newest revision.",
            ) from exc


@contextmanager
def _migration_transaction(connection: Connection) -> Iterator[None]:
    if connection.dialect.name != "sqlite":
        with connection.begin():
            connection.execute(
                text("SELECT pg_advisory_xact_lock(:key)"), {"key": _MIGRATION_LOCK_KEY}
            )
            yield
        return
    # SQLite: Python's sqlite3 does not BEGIN before DDL, so each CREATE/ALTER would
    # commit on its own. Take over BEGIN for this connection so the migration is
    # atomic, and switch foreign keys off meanwhile: batch mode copies and drops
    # tables, which with foreign keys on would cascade into their children.
    dbapi_connection = connection.connection.dbapi_connection
    assert dbapi_connection is not None  # a live connection has its driver connection
    previous_isolation = dbapi_connection.isolation_level
    _sqlite_pragma(dbapi_connection, "PRAGMA foreign_keys=OFF")
    dbapi_connection.isolation_level = None
    try:
        with connection.begin():
            connection.exec_driver_sql("BEGIN")
            yield
            broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
            if broken:
                raise StorageError(
                    f"The migration left {len(broken)} rows pointing at rows that do not exist "
                    f"(first: table {broken[0][0]}); nothing was changed."
                )
    finally:
        dbapi_connection.isolation_level = previous_isolation
        _sqlite_pragma(dbapi_connection, "PRAGMA foreign_keys=ON")
