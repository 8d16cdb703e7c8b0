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
passive checkpoint (which never blocks readers or writers) once the log has grown past
``CHECKPOINT_BYTES``.
"""

from __future__ import annotations

import asyncio
import functools
import os
import sqlite3
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import create_engine, event
from sqlalchemy.engine import URL, Engine

T = TypeVar("T")

CHECKPOINT_BYTES = 4 * 2**20
"""Log size past which the checkpoint thread copies it into the database."""
RESTART_BYTES = 8 * CHECKPOINT_BYTES
"""Log size past which a commit restarts the log itself: a passive checkpoint copies only
the frames there when it started, so under writes that never pause the log would grow
for ever; this bounds it (rarely: a checkpoint usually keeps up)."""


class SqliteThread:
    """A sync engine on the same file, the one thread that uses it, and a checkpointer."""

    def __init__(self, url: URL, on_connect: Callable[[Any, Any], None], *, echo: bool) -> None:
        self.engine: Engine = create_engine(url.set(drivername="sqlite+pysqlite"), echo=echo)
        event.listen(self.engine, "connect", on_connect)
        self._file = _file_of(url)
        if self._file is not None:
            event.listen(self.engine, "connect", _no_checkpoint_on_commit)
        self._executor: ThreadPoolExecutor | None = None
        self._checkpointer: ThreadPoolExecutor | None = None
        self._checkpointing = threading.Lock()

    async def call(self, fn: Callable[..., T], *args: Any) -> T:
        """Run ``fn(*args)`` in the database's thread."""
        if self._executor is None:
            self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="storyai-sqlite")
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, functools.partial(fn, *args))

    def committed(self, connection: Any) -> None:
        """After a commit (in the database's thread, on its DB-API connection):
        checkpoint in the background once the log is long enough, restart it here once
        it is far too long."""
        if self._file is None:
            return
        try:
            size = os.stat(f"{self._file}-wal").st_size
        except OSError:
            return
        if size >= RESTART_BYTES:
            cursor = connection.cursor()
            try:
                cursor.execute("PRAGMA wal_checkpoint(RESTART)")
            except sqlite3.Error:
                pass  # busy: the next commit past the mark tries again
            finally:
                cursor.close()
            return
        if size < CHECKPOINT_BYTES or not self._checkpointing.acquire(blocking=False):
            return
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
                connection.execute("PRAGMA wal_checkpoint(PASSIVE)")
            finally:
                connection.close()
        except sqlite3.Error:
            pass  # the next commit past the threshold tries again
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


def _file_of(url: URL) -> str | None:
    name = url.database
    if not name or name == ":memory:" or name.startswith("file:"):
        return None
    return str(Path(name).expanduser().absolute())


def _no_checkpoint_on_commit(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("PRAGMA wal_autocheckpoint=0")
    finally:
        cursor.close()
