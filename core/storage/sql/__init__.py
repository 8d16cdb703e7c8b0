"""The SQL adapter of the storage port: SQLAlchemy 2 Core, async, SQLite or PostgreSQL.

One ``AsyncConnection`` per unit of work (``unit_of_work.py``), never shared between
tasks, and one module per aggregate. Statements are SQLAlchemy Core, not ORM loads:
a turn is a handful of statements and each one counts. Rows become domain records in
``rows.py``; ``storyai.core.storage.orm`` only describes the schema (which Alembic's
migrations own). Driver and network failures become ``StorageError`` at this
boundary (``raise ... from exc``); domain conditions (a duplicate version, a missing
session) are checked explicitly, so the fake in ``memory/`` behaves identically.

Locks: ``sessions.open(id, lock=True)`` takes the session row's lock on PostgreSQL
(``SELECT ... FOR UPDATE``: turns are serialised across bot processes). SQLite has a
single writer per file: every unit of work that writes takes this process's writer
lock for its database, then ``BEGIN IMMEDIATE``, so writers in one process queue in
asyncio instead of polling SQLite's busy handler, and other processes wait on the
file lock. Either way the lock is held until the unit of work commits, rolls back or
closes.
"""

from storyai.core.storage.sql.unit_of_work import SqlUnitOfWork, sql_uow_factory

__all__ = ["SqlUnitOfWork", "sql_uow_factory"]
