"""The one connection of a unit of work, opened on first use, and how it writes.

``Link.run`` executes a statement and hands back its rows, buffered (``Rows``), with
storage failures translated. ``Link.write`` does the same for a statement that
changes something, after ``begin_write``: on SQLite that takes this process's writer
lock for the database file and starts the transaction with ``BEGIN IMMEDIATE`` (the
file's write lock), so the reads that follow in the unit of work see what they are
about to change, and writers queue in asyncio rather than in SQLite's busy handler.
PostgreSQL needs nothing there: it locks rows (``FOR UPDATE``).

Two kinds: ``AsyncLink`` (PostgreSQL, asyncpg through the async engine) and
``ThreadLink`` (SQLite, the stdlib driver in the database's own thread, one hand-off a
statement: see ``storage/sqlite_thread.py``).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any

from sqlalchemy.engine import Connection, Row
from sqlalchemy.ext.asyncio import AsyncConnection

from storyai.core.storage.failures import translated
from storyai.core.storage.locks import HeldLocks, LockRegistry

if TYPE_CHECKING:
    from sqlalchemy.sql import Executable

    from storyai.core.storage.database import Database

_SQLITE_WRITERS = LockRegistry()
"""One writer lock per SQLite database (by URL), shared by every unit of work of this
process: SQLite allows one writing transaction per file at a time."""


class Rows:
    """A statement's result, fetched whole: its rows and how many rows it changed."""

    def __init__(self, rows: Sequence[Row[Any]], rowcount: int) -> None:
        self._rows = rows
        self.rowcount = rowcount

    def __iter__(self) -> Iterator[Row[Any]]:
        return iter(self._rows)

    def all(self) -> list[Row[Any]]:
        return list(self._rows)

    def first(self) -> Row[Any] | None:
        return self._rows[0] if self._rows else None

    def one(self) -> Row[Any]:
        if len(self._rows) != 1:
            raise ValueError(f"expected one row, got {len(self._rows)}")
        return self._rows[0]

    def scalar(self) -> Any:
        return self._rows[0][0] if self._rows else None

    def scalars(self) -> list[Any]:
        return [row[0] for row in self._rows]


def _fetched(result: Any) -> Rows:
    rows = result.all() if result.returns_rows else []
    return Rows(rows, result.rowcount if not result.returns_rows else len(rows))


class Link:
    """A unit of work's connection (not shared between tasks, like the unit of work)."""

    postgres: bool = False

    def __init__(self, database: Database) -> None:
        self.database = database
        self.url = database.url
        self._writing = False
        self.appended: set[str] = set()
        """Ids of the events this transaction stored (checks on them need no read)."""
        self.sessions_read: dict[str, dict[str, Any]] = {}
        """Session columns as this transaction read or wrote them (see sessions.py)."""

    async def run(self, statement: Executable, params: Any = None) -> Rows:
        raise NotImplementedError

    async def write(self, statement: Executable, params: Any = None) -> Rows:
        """Run a statement as the writer (see ``begin_write``)."""
        await self.begin_write()
        return await self.run(statement, params)

    async def run_locked(self, statement: Executable, params: Any = None) -> Rows:
        """``begin_write`` and a statement (the read a writer starts with), together."""
        await self.begin_write()
        return await self.run(statement, params)

    async def begin_write(self) -> None:
        self._writing = True

    async def commit(self) -> None:
        raise NotImplementedError

    async def rollback(self) -> None:
        raise NotImplementedError

    async def close(self) -> None:
        raise NotImplementedError

    def _end(self) -> None:
        self._writing = False
        self.appended = set()
        self.sessions_read = {}


class AsyncLink(Link):
    """PostgreSQL through asyncpg: statements are network round trips, no threads."""

    postgres = True

    def __init__(self, database: Database) -> None:
        super().__init__(database)
        self._connection: AsyncConnection | None = None

    async def _connected(self) -> AsyncConnection:
        if self._connection is None:
            with translated(self.url):
                self._connection = await self.database.engine.connect()
        return self._connection

    async def run(self, statement: Executable, params: Any = None) -> Rows:
        connection = await self._connected()
        with translated(self.url):
            return _fetched(await connection.execute(statement, params))

    async def commit(self) -> None:
        try:
            if self._connection is not None:
                with translated(self.url):
                    await self._connection.commit()
        finally:
            self._end()

    async def rollback(self) -> None:
        try:
            if self._connection is not None:
                with translated(self.url):
                    await self._connection.rollback()
        finally:
            self._end()

    async def close(self) -> None:
        try:
            if self._connection is not None:
                connection, self._connection = self._connection, None
                with translated(self.url):
                    await connection.close()
        finally:
            self._end()


class ThreadLink(Link):
    """SQLite through the stdlib driver, in the database's thread (one hand-off a call)."""

    def __init__(self, database: Database) -> None:
        super().__init__(database)
        self._thread = database.sqlite_thread()
        self._connection: Connection | None = None
        self._held = HeldLocks(_SQLITE_WRITERS)

    def _connected(self) -> Connection:  # in the thread
        if self._connection is None:
            self._connection = self._thread.engine.connect()
        return self._connection

    def _run(self, statement: Executable, params: Any) -> Rows:  # in the thread
        return _fetched(self._connected().execute(statement, params))

    async def run(self, statement: Executable, params: Any = None) -> Rows:
        with translated(self.url):
            return await self._thread.call(self._run, statement, params)

    def _begin_immediate(self, statement: Executable | None, params: Any) -> Rows | None:
        # in the thread
        connection = self._connected()
        raw = connection.connection.dbapi_connection
        if raw is not None and not raw.in_transaction:
            connection.exec_driver_sql("BEGIN IMMEDIATE")
        return None if statement is None else _fetched(connection.execute(statement, params))

    async def _become_writer(self, statement: Executable | None, params: Any) -> Rows | None:
        await self._held.acquire(str(self.url))
        try:
            with translated(self.url):
                found = await self._thread.call(self._begin_immediate, statement, params)
        except BaseException:
            self._held.release_all()
            raise
        self._writing = True
        return found

    async def begin_write(self) -> None:
        if not self._writing:
            await self._become_writer(None, None)

    async def write(self, statement: Executable, params: Any = None) -> Rows:
        if self._writing:
            return await self.run(statement, params)
        found = await self._become_writer(statement, params)
        assert found is not None
        return found

    async def run_locked(self, statement: Executable, params: Any = None) -> Rows:
        return await self.write(statement, params)

    def _finish(self, how: str) -> None:  # in the thread: end the transaction, and let go
        connection, self._connection = self._connection, None
        if connection is None:
            return
        try:
            if how == "commit":
                connection.commit()
            else:
                connection.rollback()
        finally:
            connection.close()

    async def _done(self, how: str) -> None:
        try:
            if self._connection is not None:
                with translated(self.url):
                    await self._thread.call(self._finish, how)
        finally:
            self._end()
            self._held.release_all()

    async def commit(self) -> None:
        await self._done("commit")

    async def rollback(self) -> None:
        await self._done("rollback")

    async def close(self) -> None:
        await self._done("rollback")


def link_for(database: Database) -> Link:
    return AsyncLink(database) if database.is_postgresql else ThreadLink(database)
