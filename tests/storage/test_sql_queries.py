"""How the SQL adapter talks to the database: few statements, and the right index."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import event as sa_event
from sqlalchemy import text

from storyai.core.domain.records import EventRecord, SessionRecord, WorldVersionRecord
from storyai.core.storage.database import Database
from storyai.core.storage.sql import SqlUnitOfWork

T0 = datetime(2026, 1, 2, tzinfo=UTC)


@contextmanager
def statements(database: Database) -> Iterator[list[tuple[str, Any, bool]]]:
    """Every (statement, parameters, executemany) sent to the driver inside the block."""
    seen: list[tuple[str, Any, bool]] = []

    def record(_conn, _cursor, statement, parameters, _context, executemany) -> None:
        seen.append((statement, parameters, executemany))

    engine = database.engine.sync_engine
    sa_event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        sa_event.remove(engine, "before_cursor_execute", record)


def chain(count: int) -> list[EventRecord]:
    """One line of ``count`` events: depth = seq."""
    return [
        EventRecord(
            id=f"e{n}",
            session_id="s1",
            parent_id=f"e{n - 1}" if n > 1 else None,
            seq=n,
            depth=n,
            turn=n,
            kind="narration",
            actor="gm",
            payload={"n": n},
            created_at=T0,
        )
        for n in range(1, count + 1)
    ]


async def _start_session(database: Database) -> None:
    async with SqlUnitOfWork(database) as uow:
        await uow.worlds.add_version(WorldVersionRecord("w", "1", "W", {}, "hash", installed_at=T0))
        await uow.sessions.add(SessionRecord("s1", "w", "1", "S", "active", "main", T0, T0))
        await uow.commit()


async def test_append_inserts_every_event_in_one_statement(migrated_database: Database) -> None:
    await _start_session(migrated_database)
    async with SqlUnitOfWork(migrated_database) as uow:
        with statements(migrated_database) as seen:
            await uow.events.append(chain(200))
        await uow.commit()
    inserts = [s for s in seen if s[0].lstrip().upper().startswith("INSERT")]
    assert len(inserts) == 1, inserts
    assert len(seen) <= 3  # the session (identity map or one SELECT), the checks, the insert


async def test_between_depths_is_one_query_on_the_depth_index(
    migrated_database: Database,
) -> None:
    await _start_session(migrated_database)
    async with SqlUnitOfWork(migrated_database) as uow:
        await uow.events.append(chain(2000))
        await uow.commit()
    async with migrated_database.connect() as connection:
        if migrated_database.is_postgresql:
            await connection.execute(text("ANALYZE events"))
        else:
            await connection.execute(text("ANALYZE"))
        await connection.commit()

    async with SqlUnitOfWork(migrated_database) as uow:
        with statements(migrated_database) as seen:
            window = await uow.events.between_depths("s1", 1000, 1009)
    assert [e.seq for e in window] == list(range(1000, 1010))
    assert len(seen) == 1
    statement, parameters, _ = seen[0]

    explain = "EXPLAIN " if migrated_database.is_postgresql else "EXPLAIN QUERY PLAN "
    async with migrated_database.connect() as connection:
        plan = (await connection.exec_driver_sql(explain + statement, parameters)).all()
    assert "ix_events_session_id_depth" in " ".join(str(row) for row in plan), plan
