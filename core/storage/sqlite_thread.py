"""SQLite for the unit of work: the stdlib driver, in one thread of its own per database.

aiosqlite hands every call (cursor, execute, fetch, close) to a thread and back: about
four hand-offs a statement, most of an offline turn's time. Here a unit of work's
read is one hand-off (executed and fetched in the database's own thread, which owns
every connection it opens), and its writes go with the commit in one more
(``sql/link.py``). SQLite has one writer at a time per file anyway; writers of this
process queue in asyncio before they begin, so the thread never waits on a lock this
process holds. Migrations and ``Database.connect()`` keep the async engine.

Checkpoints: in WAL mode a commit only appends to the log; copying the log back into
the database (a checkpoint, with an fsync) is what takes milliseconds. SQLite does it
inside whichever commit crosses its threshold, which would make every few dozenth
turn slow. Here those connections never checkpoint on commit; a second thread runs a
passive checkpoint (which never blocks readers or writers) every ``CHECKPOINT_EVERY``
commits. The log starts again from its beginning once a checkpoint has copied all of
it; under writes that never pause that may not happen, so when a checkpoint finds the
log longer than ``RESTART_FRAMES`` the next commit restarts it (a rare, slower commit).
The log file is cut back to ``LOG_LIMIT_BYTES`` whenever it starts again.
"""

from __future__ import annotations

import asyncio
import functools
import sqlite3
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import create_engine, event
from sqlalchemy.engine import URL, Engine

T = TypeVar("T")

CHECKPOINT_EVERY = 64
"""Commits between two passive checkpoints (a turn is two commits of a few dozen pages)."""
RESTART_FRAMES = 8192
"""Pages in the log (32 MiB of 4 KiB pages) past which a commit restarts it."""
LOG_LIMIT_BYTES = 16 * 2**20
"""What the log file is cut back to when it starts again (``journal_size_limit``)."""
POOL_SIZE = 20
"""Connections kept open for reuse; more are opened while more units of work are open."""


class SqliteThread:
    """A sync engine on the same file, the one thread that uses it, and a checkpointer."""

    def __init__(self, url: URL, on_connect: Callable[[Any, Any], None], *, echo: bool) -> None:
        # Every unit of work holds its connection until it ends, and every checkout runs
        # in the one thread: a checkout that waited for a free connection would wait for
        # units of work that need that very thread to end (a deadlock until the pool's
        # timeout). So a file's pool never waits: past ``POOL_SIZE`` kept connections it
        # opens more, closed when given back. (An in-memory database keeps SQLAlchemy's
        # one connection per thread.)
        pool: dict[str, Any] = {"pool_size": POOL_SIZE, "max_overflow": -1}
        self.engine: Engine = create_engine(
            url.set(drivername="sqlite+pysqlite"),
            echo=echo,
            **(pool if _is_file_db(url) else {}),
        )
        event.listen(self.engine, "connect", on_connect)
        self._file = _file_of(url)
        if self._file is not None:
            event.listen(self.engine, "connect", _no_checkpoint_on_commit)
        self._executor: ThreadPoolExecutor | None = None
        self._checkpointer: ThreadPoolExecutor | None = None
        self._checkpointing = threading.Lock()
        self._commits = 0
        self.checkpoint_every = CHECKPOINT_EVERY
        self.restart_frames = RESTART_FRAMES
        self.log_frames = 0
        """Pages in the log at the last passive checkpoint."""
        self.checkpoints = 0
        self.restarts = 0

    async def call(self, fn: Callable[..., T], *args: Any) -> T:
        """Run ``fn(*args)`` in the database's thread."""
        if self._executor is None:
            self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="storyai-sqlite")
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, functools.partial(fn, *args))

    def committed(self, connection: Any) -> None:
        """After a commit (in the database's thread, on its DB-API connection): start a
        passive checkpoint in the background every ``checkpoint_every`` commits; restart
        the log here when the last checkpoint found it far too long."""
        if self._file is None:
            return
        self._commits += 1
        if self.log_frames >= self.restart_frames:
            # A passive checkpoint still copying (slow on a busy machine) would make the
            # restart busy, commit after commit, while the log grows: wait for it first.
            with self._checkpointing:
                cursor = connection.cursor()
                try:
                    cursor.execute("PRAGMA wal_checkpoint(RESTART)")
                    busy, _log, _done = cursor.fetchone()
                    if not busy:
                        self.log_frames = 0
                        self.restarts += 1
                except sqlite3.Error:
                    pass  # busy: the next commit tries again
                finally:
                    cursor.close()
            return
        if self._commits < self.checkpoint_every or not self._checkpointing.acquire(blocking=False):
            return
        self._commits = 0
        if self._checkpointer is None:
            self._checkpointer = ThreadPoolExecutor(
                max_workers=1, thread_name_prefix="storyai-checkpoint"
            )
        self._checkpointer.submit(self._checkpoint)

    def _checkpoint(self) -> None:
        assert self._file is not None
        try:
            connection = sqlite3.connect(self._file, timeout=10)
            try:
                row = connection.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
                if row is not None and not row[0]:
                    self.log_frames = row[1]  # pages in the log when it ran
                    self.checkpoints += 1
            finally:
                connection.close()
        except sqlite3.Error:
            pass  # the next round tries again
        finally:
            self._checkpointing.release()

    async def dispose(self) -> None:
        if self._executor is not None:
            await self.call(self.engine.dispose)
            executor, self._executor = self._executor, None
            executor.shutdown(wait=True)
        else:
            self.engine.dispose()
        if self._checkpointer is not None:
            checkpointer, self._checkpointer = self._checkpointer, None
            checkpointer.shutdown(wait=True)


def _is_file_db(url: URL) -> bool:
    """What SQLAlchemy pools with a ``QueuePool`` (not ``:memory:``, not ``mode=memory``)."""
    return bool(url.database) and url.database != ":memory:" and url.query.get("mode") != "memory"


def _file_of(url: URL) -> str | None:
    name = url.database
    if not name or name == ":memory:" or name.startswith("file:"):
        return None
    return str(Path(name).expanduser().absolute())


def _no_checkpoint_on_commit(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("PRAGMA wal_autocheckpoint=0")
        cursor.execute(f"PRAGMA journal_size_limit={LOG_LIMIT_BYTES}")
    finally:
        cursor.close()
