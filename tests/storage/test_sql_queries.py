"""How the SQL adapter talks to the database: few statements, short transactions, and the
right indexes. Statements are counted (never timed) on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import event as sa_event
from sqlalchemy import text

from storyai.core import services
from storyai.core.domain.events import Line, Narration
from storyai.core.domain.records import EventRecord, SessionRecord, WorldVersionRecord
from storyai.core.play import Play
from storyai.core.storage.database import Database
from storyai.core.storage.sql import SqlUnitOfWork, sql_uow_factory
from storyai.core.worlds.bundled import bundled_world_paths
from storyai.core.worlds.validate import load_world

T0 = datetime(2026, 1, 2, tzinfo=UTC)
LINE = ((0, None),)


@contextmanager
def statements(database: Database) -> Iterator[list[tuple[str, Any, bool]]]:
    """Every (statement, parameters, executemany) sent to the driver inside the block, on
    the engine units of work use (SQLite's own thread, or PostgreSQL's async engine)."""
    seen: list[tuple[str, Any, bool]] = []

    def record(_conn, _cursor, statement, parameters, _context, executemany) -> None:
        seen.append((statement, parameters, executemany))

    def committed(_conn) -> None:
        seen.append(("COMMIT", None, False))

    engines = [database.engine.sync_engine]
    if database.is_sqlite:
        engines.append(database.sqlite_thread().engine)
    for engine in engines:
        sa_event.listen(engine, "before_cursor_execute", record)
        sa_event.listen(engine, "commit", committed)
    try:
        yield seen
    finally:
        for engine in engines:
            sa_event.remove(engine, "before_cursor_execute", record)
            sa_event.remove(engine, "commit", committed)


def is_transaction(statement: str) -> bool:
    return statement.lstrip().upper().startswith(("BEGIN", "COMMIT", "ROLLBACK"))


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
            actor="gm",
            event=Narration(lines=(Line("narration", f"line {n}"),)),
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
    events = chain(200)
    async with SqlUnitOfWork(migrated_database) as uow:
        with statements(migrated_database) as seen:
            await uow.events.append(events[:1])
            await uow.events.append(events[1:], parent=events[0])
            await uow.commit()  # the second goes with the commit
    inserts = [s for s in seen if s[0].lstrip().upper().startswith("INSERT")]
    assert len(inserts) == 2, inserts
    work = [s for s in seen if not is_transaction(s[0])]
    # The first: the session and the checks, then the insert; after a known parent: only it.
    assert len(work) <= 4, [s[0] for s in work]


async def test_a_line_is_one_query_on_the_depth_index(migrated_database: Database) -> None:
    await _start_session(migrated_database)
    async with SqlUnitOfWork(migrated_database) as uow:
        await uow.events.append(chain(2000))
        await uow.commit()
    async with migrated_database.connect() as connection:
        await connection.execute(
            text("ANALYZE events" if migrated_database.is_postgresql else "ANALYZE")
        )
        await connection.commit()

    async with SqlUnitOfWork(migrated_database) as uow:
        with statements(migrated_database) as seen:
            window = await uow.events.on_line("s1", LINE, min_depth=1000, max_depth=1009)
    assert [e.seq for e in window] == list(range(1000, 1010))
    work = [s for s in seen if not is_transaction(s[0])]
    assert len(work) == 1
    statement, parameters, _ = work[0]
    assert "ix_events_session_id_depth" in await _plan(migrated_database, statement, parameters)


async def _plan(database: Database, statement: str, parameters: Any) -> str:
    explain = "EXPLAIN " if database.is_postgresql else "EXPLAIN QUERY PLAN "
    async with database.connect() as connection:
        if not database.is_postgresql and isinstance(parameters, list | tuple):
            plan = (await connection.exec_driver_sql(explain + statement, tuple(parameters))).all()
        else:
            plan = (await connection.exec_driver_sql(explain + statement, parameters)).all()
    return " ".join(str(row) for row in plan)


async def _playing(database: Database) -> tuple[Play, str]:
    uow = sql_uow_factory(database)
    await services.install_world(uow, load_world(bundled_world_paths()["ember_hollow"]))
    play = Play(uow)
    started = await play.start("ember_hollow", player_name="Ash", seed=3)
    for text_ in ("look", "talk to hesta about mine", "go west"):
        await play.act(started.session_id, text_)
    return play, started.session_id


async def test_an_offline_turn_is_two_short_transactions_of_few_statements(
    migrated_database: Database,
) -> None:
    """A turn reads the story once, stores the action, and stores its telling: at most two
    transactions and twelve statements, and neither the world nor the state is read."""
    play, session_id = await _playing(migrated_database)
    for said in ("look", "inventory", "go east", "talk to hesta about village"):
        with statements(migrated_database) as seen:
            result = await play.act(session_id, said)
        assert result.understood
        work = [s[0] for s in seen if not is_transaction(s[0])]
        assert len(work) <= 12, work
        commits = sum(1 for s in seen if s[0].lstrip().upper().startswith("COMMIT"))
        writes = [s for s in work if s.lstrip().upper().startswith(("INSERT", "UPDATE"))]
        sessions_read = [s for s in work if "FROM sessions" in s and "JOIN" in s]
        assert len(sessions_read) == 2, "one read to claim the turn, one to store it"
        locks = [s for s in work if "FROM sessions" in s and "JOIN" not in s]
        # PostgreSQL locks the row before each of them (a read that waited for the lock
        # in the same statement would see the branch as it was before the lock's holder).
        assert len(locks) == (2 if migrated_database.is_postgresql else 0), locks
        assert commits == 2 and writes
        assert not [s for s in work if "world_versions" in s], "the world is not re-read"
        assert not [s for s in work if "snapshots" in s and "SELECT" in s.upper()]


async def test_a_search_reads_each_word_with_the_recall_index(migrated_database: Database) -> None:
    await _start_session(migrated_database)
    events = chain(500)
    async with SqlUnitOfWork(migrated_database) as uow:
        await uow.events.append(events)
        await uow.recall.index(events)
        await uow.commit()
    async with migrated_database.connect() as connection:
        await connection.execute(
            text("ANALYZE recall_terms" if migrated_database.is_postgresql else "ANALYZE")
        )
        await connection.commit()
    async with SqlUnitOfWork(migrated_database) as uow:
        with statements(migrated_database) as seen:
            hits = await uow.recall.search("s1", "which line 7?", lineage=LINE, limit=3)
    assert hits and all("line" in h.text for h in hits)
    work = [s for s in seen if not is_transaction(s[0])]
    assert len(work) == 2, "the postings of every word in one read, then the best events"
    statement, parameters, _ = work[0]
    plan = await _plan(migrated_database, statement, parameters)
    assert "pk_recall_terms" in plan or "PRIMARY KEY" in plan, plan
    assert "SCAN recall_terms" not in plan
