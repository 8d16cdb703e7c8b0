"""SQLite for the unit of work: the stdlib driver, in one thread of its own per database.

aiosqlite hands every call (cursor, execute, fetch, close) to a thread and back: about
four hand-offs a statement, most of an offline turn's time. Here a unit of work's
statement is one hand-off: it is executed and its rows fetched in the database's own
thread (``SqliteThread``), which owns every connection it opens. SQLite has one writer
at a time per file anyway; writers of this process queue in asyncio before they begin
(``sql/link.py``), so the thread never waits on a lock this process holds.
Migrations and ``Database.connect()`` keep the async engine.
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from sqlalchemy import create_engine, event
from sqlalchemy.engine import URL, Engine

T = TypeVar("T")


class SqliteThread:
    """A sync engine on the same file, and the one thread that uses it."""

    def __init__(self, url: URL, on_connect: Callable[[Any, Any], None], *, echo: bool) -> None:
        self.engine: Engine = create_engine(url.set(drivername="sqlite+pysqlite"), echo=echo)
        event.listen(self.engine, "connect", on_connect)
        self._executor: ThreadPoolExecutor | None = None

    async def call(self, fn: Callable[..., T], *args: Any) -> T:
        """Run ``fn(*args)`` in the database's thread."""
        if self._executor is None:
            self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="storyai-sqlite")
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, functools.partial(fn, *args))

    async def dispose(self) -> None:
        if self._executor is not None:
            await self.call(self.engine.dispose)
            executor, self._executor = self._executor, None
            executor.shutdown(wait=True)
        else:
            self.engine.dispose()
