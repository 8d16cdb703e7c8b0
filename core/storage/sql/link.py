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

from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING, Any, NamedTuple

from sqlalchemy.engine import Connection, Row
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from storyai.core.storage.failures import translated
from storyai.core.storage.locks import HeldLocks, LockRegistry

if TYPE_CHECKING:
    from sqlalchemy.sql import Executable

    from storyai.core.storage.database import Database

AnyRow = Row[*tuple[Any, ...]]
"""A row of any columns."""

_SQLITE_WRITERS = LockRegistry()
"""One writer lock per SQLite database (by URL), shared by every unit of work of this
process: SQLite allows one writing transaction per file at a time."""


class Rows:
    """A statement's result, fetched whole: its rows and how many rows it changed."""

    def __init__(self, rows: Sequence[AnyRow], rowcount: int) -> None:
        self._rows = rows
        self.rowcount = rowcount

    def __iter__(self) -> Iterator[AnyRow]:
        return iter(self._rows)

    def all(self) -> list[AnyRow]:
        return list(self._rows)

    def first(self) -> AnyRow | None:
        return self._rows[0] if self._rows else None

    def one(self) -> AnyRow:
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


class Deferred(NamedTuple):
    """A write whose result nobody needs: sent with the next read, or with the commit."""

    statement: Executable
    params: Any
    conflict: Callable[[], Exception] | None
    """What a constraint failure of it means (raised instead of the driver's error)."""


class _Conflict(Exception):
    def __init__(self, error: Exception) -> None:
        self.error = error


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
        self.branches_read: set[tuple[str, str]] = set()
        """Branches this transaction read, so known to exist (see branches.py)."""
        self._deferred: list[Deferred] = []

    async def run(self, statement: Executable, params: Any = None) -> Rows:
        raise NotImplementedError

    async def defer(
        self,
        statement: Executable,
        params: Any = None,
        *,
        conflict: Callable[[], Exception] | None = None,
    ) -> None:
        """A write whose result is not needed: it goes to the database with the next
        read or the commit, in the same hand-off (SQLite) as that. A constraint it breaks
        is raised then, as ``conflict()`` when given; the transaction is rolled back."""
        await self.begin_write()
        self._deferred.append(Deferred(statement, params, conflict))

    def _take_deferred(self) -> list[Deferred]:
        taken, self._deferred = self._deferred, []
        return taken

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

    @property
    def writing(self) -> bool:
        """Whether this transaction is the writer (it took the lock)."""
        return self._writing

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
        self.branches_read = set()
        self._deferred = []


def _send(connection: Connection, deferred: list[Deferred]) -> None:
    """Run deferred writes on a sync connection; a constraint failure of one that says
    what it means becomes ``_Conflict`` (the caller rolls back and raises it)."""
    for statement, params, conflict in deferred:
        try:
            connection.execute(statement, params)
        except IntegrityError as exc:
            if conflict is None:
                raise
            raise _Conflict(conflict()) from exc


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

    async def _flush(self, connection: AsyncConnection) -> None:
        for statement, params, conflict in self._take_deferred():
            try:
                with translated(self.url):
                    await connection.execute(statement, params)
            except IntegrityError as exc:
                if conflict is None:
                    raise
                await self.rollback()
                raise conflict() from exc

    async def run(self, statement: Executable, params: Any = None) -> Rows:
        connection = await self._connected()
        await self._flush(connection)
        with translated(self.url):
            return _fetched(await connection.execute(statement, params))

    async def commit(self) -> None:
        try:
            if self._connection is not None:
                await self._flush(self._connection)
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
    """SQLite through the stdlib driver, in the database's thread: one hand-off a read,
    and one for the commit with every deferred write (so a turn's transaction is two)."""

    def __init__(self, database: Database) -> None:
        super().__init__(database)
        self._thread = database.sqlite_thread()
        self._connection: Connection | None = None
        self._held = HeldLocks(_SQLITE_WRITERS)
        self._begin = False
        """``BEGIN IMMEDIATE`` is owed: sent first in the next hand-off."""

    def _connected(self, begin: bool) -> Connection:  # in the thread
        if self._connection is None:
            self._connection = self._thread.engine.connect()
        if begin:
            raw = self._connection.connection.dbapi_connection
            if raw is not None and not raw.in_transaction:
                self._connection.exec_driver_sql("BEGIN IMMEDIATE")
        return self._connection

    def _run(
        self, begin: bool, deferred: list[Deferred], statement: Executable, params: Any
    ) -> Rows:  # in the thread
        connection = self._connected(begin)
        _send(connection, deferred)
        return _fetched(connection.execute(statement, params))

    def _owed(self) -> bool:
        begin, self._begin = self._begin, False
        return begin

    async def run(self, statement: Executable, params: Any = None) -> Rows:
        call = (self._run, self._owed(), self._take_deferred(), statement, params)
        try:
            with translated(self.url):
                found: Rows = await self._thread.call(*call)
        except _Conflict as conflict:
            await self.rollback()
            raise conflict.error from conflict.__cause__
        return found

    async def begin_write(self) -> None:
        """Become the writer: this process's lock for the file now (it may wait for
        another writer of this process), ``BEGIN IMMEDIATE`` with the next hand-off."""
        if self._writing:
            return
        await self._held.acquire(str(self.url))
        self._writing = True
        self._begin = True

    def _finish(self, how: str, begin: bool, deferred: list[Deferred]) -> None:
        # in the thread: the deferred writes, then end the transaction, and let go
        if how == "commit" and deferred:
            self._connected(begin)
        connection, self._connection = self._connection, None
        if connection is None:
            return
        try:
            if how == "commit":
                _send(connection, deferred)
                connection.commit()
                self._thread.committed(connection.connection.dbapi_connection)
            else:
                connection.rollback()
        except BaseException:
            connection.rollback()
            raise
        finally:
            connection.close()

    async def _done(self, how: str) -> None:
        begin, deferred = self._owed(), self._take_deferred()
        try:
            if self._connection is not None or (how == "commit" and deferred):
                with translated(self.url):
                    await self._thread.call(self._finish, how, begin, deferred)
        except _Conflict as conflict:
            raise conflict.error from conflict.__cause__
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
