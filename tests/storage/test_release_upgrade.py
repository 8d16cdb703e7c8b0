"""A database made by the previous release (schema 0004, before typed events) upgrades
and plays on: every branch folds to the state that release read, every transcript is
the same, and each running story takes a new turn. See ``legacy/README.md``.

On PostgreSQL the same rows are loaded into a schema at 0004, as that release stored
them there, and upgraded the same way.
"""

from __future__ import annotations

import gzip
import json
import shutil
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import MetaData, insert

from storyai.core.play import Play
from storyai.core.play.loading import state_at
from storyai.core.storage.database import Database, current_revision, upgrade
from storyai.core.storage.sql import sql_uow_factory

LEGACY = Path(__file__).with_name("legacy")
TABLES = [  # parents first, for the foreign keys
    "worlds",
    "world_versions",
    "sessions",
    "players",
    "events",
    "branches",
    "snapshots",
    "quota_counters",
]


@pytest.fixture(scope="module")
def expected() -> dict[str, Any]:
    with gzip.open(LEGACY / "expected.json.gz", "rt", encoding="utf-8") as f:
        return json.load(f)


def _as_then(now: Any, then: Any) -> Any:
    """``now`` without the fields added since that release (a quest stage's ``since``,
    the state's ``tick`` and ``last_done``): everything that release had must match."""
    if isinstance(now, dict) and isinstance(then, dict):
        return {k: _as_then(v, then[k]) if k in then else v for k, v in now.items() if k in then}
    if isinstance(now, list) and isinstance(then, list) and len(now) == len(then):
        return [_as_then(a, b) for a, b in zip(now, then, strict=True)]
    return now


def legacy_copy(folder: Path) -> Path:
    path = folder / "release-0004.db"
    with gzip.open(LEGACY / "release-0004.db.gz", "rb") as src, path.open("wb") as dst:
        shutil.copyfileobj(src, dst)
    return path


async def _load_into(database: Database, source: Path) -> None:
    """The legacy rows into ``database`` at schema 0004, as that release stored them."""
    await upgrade(database, "0004")
    rows: dict[str, list[dict[str, Any]]] = {}
    with sqlite3.connect(source) as legacy:
        legacy.row_factory = sqlite3.Row
        for name in TABLES:
            rows[name] = [dict(r) for r in legacy.execute(f"SELECT * FROM {name}")]
    async with database.connect() as connection:
        meta = MetaData()
        await connection.run_sync(lambda c: meta.reflect(c, only=TABLES))
        for name in TABLES:
            table = meta.tables[name]
            found = []
            for row in rows[name]:
                for column in table.columns:
                    value = row.get(column.name)
                    if isinstance(value, str) and column.type.__class__.__name__ in (
                        "JSONB",
                        "JSON",
                    ):
                        row[column.name] = json.loads(value)
                    elif isinstance(value, str) and "TIMESTAMP" in str(column.type):
                        from datetime import UTC, datetime

                        row[column.name] = datetime.fromisoformat(value).replace(tzinfo=UTC)
                    elif isinstance(value, str) and str(column.type) == "DATE":
                        from datetime import date

                        row[column.name] = date.fromisoformat(value)
                found.append(row)
            if found:
                await connection.execute(insert(table), found)
        await connection.commit()


@pytest.mark.parametrize(
    "backend", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
async def test_the_previous_release_upgrades_and_plays_on(
    backend: str, tmp_path: Path, database_url_factory, expected: dict[str, Any]
) -> None:
    source = legacy_copy(tmp_path)
    if backend == "sqlite":
        database = Database(f"sqlite:///{source}")
    else:
        async with database_url_factory("postgres") as url:
            database = Database(url)
        await _load_into(database, source)
    try:
        assert await current_revision(database) == "0004"
        await upgrade(database)
        uow = sql_uow_factory(database)
        play = Play(uow)

        for session_id, was in expected.items():
            async with uow() as unit:
                session = await unit.sessions.get(session_id)
                branches = {b.name: b for b in await unit.branches.list(session_id)}
                for name, head in was["branches"].items():
                    branch = branches[name]
                    event = await unit.events.get(head["head"])
                    assert event is not None and branch.head_event_id == head["head"]
                    state = await state_at(unit, branch.lineage, event)
                    read = _as_then(state.to_json(), head["state"])
                    assert read == head["state"], f"{session_id} {name}"
            assert session.active_branch == was["active_branch"]
            assert session.status == was["status"] and session.channel == was["channel"]
            assert await play.transcript(session_id) == was["transcript"]

        # Every running story plays on from where it was.
        running = {sid: was for sid, was in expected.items() if was["status"] != "ended"}
        assert len(running) == 3
        for session_id in running:
            status = await play.status(session_id)
            if status.ended:
                continue
            told = await play.act(session_id, "look")
            assert told.understood and told.lines
            assert told.turn == status.turn + 1
        # A rewind on the old tree makes a branch that plays on its own line.
        solo = next(sid for sid, was in expected.items() if len(was["branches"]) > 1)
        info = await play.rewind(solo, 2, name="after the upgrade")
        told = await play.act(solo, "go west")
        assert told.turn == info.turn + 1
        lines = await play.history(solo)
        assert [e.turn for e in lines if e.kind == "player_action"] == list(range(1, told.turn + 1))
    finally:
        await database.dispose()
