"""The migrations, run for real on SQLite and PostgreSQL: up, down, up again, and no drift."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, text
from sqlalchemy.engine import Connection

from storyai.core.domain.records import WorldVersionRecord
from storyai.core.storage.database import (
    Database,
    current_revision,
    downgrade,
    head_revision,
    upgrade,
)
from storyai.core.storage.orm import Base
from storyai.core.storage.sql.unit_of_work import sql_uow_factory

TABLES = {
    "worlds",
    "world_versions",
    "sessions",
    "players",
    "events",
    "branches",
    "snapshots",
    "usage",
    "recall_terms",
    "quota_counters",
    "libraries",
    "library_entries",
    "raw_documents",
    "legacy_records",
}
RECALL_TABLES = {"recall_terms"}
"""The recall index of migration 0005 (0002's ``recall`` and SQLite's ``recall_fts`` before)."""
QUOTA_TABLES = {"quota_counters"}
"""Daily quota counters (migration 0003)."""
LIBRARY_TABLES = {"libraries", "library_entries"}
"""Content libraries such as the SRD (migration 0004)."""
RAW_TABLES = {"raw_documents"}
"""Imported documents stored once (migration 0006)."""
LEGACY_TABLES = {"legacy_records"}
"""What profiles earned from finished stories (migration 0008)."""


async def _tables(database: Database) -> set[str]:
    async with database.connect() as connection:
        return set(await connection.run_sync(lambda c: inspect(c).get_table_names()))


async def test_upgrade_downgrade_upgrade(database: Database) -> None:
    assert await current_revision(database) is None

    await upgrade(database)
    assert await current_revision(database) == head_revision() == "0009"
    assert await _tables(database) >= TABLES

    await downgrade(database)
    assert await current_revision(database) is None
    assert not TABLES & await _tables(database)

    await upgrade(database, "head")
    assert await current_revision(database) == head_revision()
    assert await _tables(database) >= TABLES


async def test_downgrading_to_0001_drops_only_the_recall_index_and_quotas(
    migrated_database: Database,
) -> None:
    await downgrade(migrated_database, "0001")
    assert await current_revision(migrated_database) == "0001"
    tables = await _tables(migrated_database)
    assert not any(name.startswith("recall") for name in tables)
    assert not (QUOTA_TABLES | LIBRARY_TABLES | RAW_TABLES | LEGACY_TABLES) & tables
    assert (
        tables
        >= TABLES - RECALL_TABLES - QUOTA_TABLES - LIBRARY_TABLES - RAW_TABLES - LEGACY_TABLES
    )

    await upgrade(migrated_database)
    assert await _tables(migrated_database) >= TABLES


async def test_downgrading_to_0002_drops_only_the_quota_counters(
    migrated_database: Database,
) -> None:
    await downgrade(migrated_database, "0002")
    assert await current_revision(migrated_database) == "0002"
    tables = await _tables(migrated_database)
    assert (
        tables & TABLES
        == TABLES - QUOTA_TABLES - LIBRARY_TABLES - RAW_TABLES - RECALL_TABLES - LEGACY_TABLES
    )
    assert "recall" in tables  # 0002's index is back

    await upgrade(migrated_database)
    assert await _tables(migrated_database) >= TABLES


async def test_upgrading_twice_changes_nothing(migrated_database: Database) -> None:
    await upgrade(migrated_database)
    assert await current_revision(migrated_database) == head_revision()


async def test_migrations_match_the_orm(migrated_database: Database) -> None:
    """What the migrations build is what orm.py describes: nothing for autogenerate to do."""

    def diff(connection: Connection) -> list[object]:
        opts = {"compare_type": True}
        context = MigrationContext.configure(connection, opts=opts)
        return compare_metadata(context, Base.metadata)

    async with migrated_database.connect() as connection:
        assert await connection.run_sync(diff) == []


async def test_constraints_follow_the_naming_convention(migrated_database: Database) -> None:
    def names(connection: Connection) -> dict[str, object]:
        inspector = inspect(connection)
        return {
            "pk": inspector.get_pk_constraint("world_versions")["name"],
            "uq": {u["name"] for u in inspector.get_unique_constraints("world_versions")},
            "fk": {f["name"] for f in inspector.get_foreign_keys("sessions")},
            "ix": {i["name"] for i in inspector.get_indexes("events")},
        }

    async with migrated_database.connect() as connection:
        found = await connection.run_sync(names)
    assert found["pk"] == "pk_world_versions"
    assert found["uq"] == {"uq_world_versions_world_id_seq"}
    assert found["fk"] == {"fk_sessions_world_id_world_versions"}
    assert {"ix_events_session_id_parent_id", "ix_events_session_id_depth"} <= found["ix"]


async def test_downgrading_to_0003_drops_only_the_libraries(
    migrated_database: Database,
) -> None:
    await downgrade(migrated_database, "0003")
    assert await current_revision(migrated_database) == "0003"
    assert (
        await _tables(migrated_database) & TABLES
        == TABLES - LIBRARY_TABLES - RAW_TABLES - RECALL_TABLES - LEGACY_TABLES
    )

    await upgrade(migrated_database)
    assert await _tables(migrated_database) >= TABLES


async def test_imported_documents_survive_a_downgrade_below_0006(
    migrated_database: Database,
) -> None:
    """0006 keeps imported documents once, apart; downgrading puts them back inline, and
    a version stored inline (before 0006) still reads whole after upgrading again."""
    from sqlalchemy import select

    from storyai.core import services
    from storyai.core.importers.plan import Entry, ImportPlan
    from storyai.core.importers.service import import_plan
    from storyai.core.storage.sql import sql_uow_factory
    from storyai.core.storage.sql.rows import WORLD_VERSIONS

    raw = {"_id": "g1", "name": "Goblin", "system": {"hp": {"value": 7}}, "items": []}
    plan = ImportPlan(source="monsters.db", kind="NeDB pack", title="Lair")
    plan.entries.append(
        Entry(
            "characters",
            "goblin",
            {
                "name": "Goblin",
                "kind": "creature",
                "source": {"format": "foundry", "ref": "Actor.g1", "raw": raw},
            },
            origin="monsters.db: Goblin",
            kind="creature",
        )
    )
    uow = sql_uow_factory(migrated_database)
    await import_plan(uow, plan, new_id="lair")

    await downgrade(migrated_database, "0005")
    async with migrated_database.connect() as connection:
        row = (await connection.execute(select(WORLD_VERSIONS.c.content))).one()
    assert row.content["characters"]["goblin"]["source"]["raw"] == raw

    await upgrade(migrated_database)
    world, _ = await services.get_world(sql_uow_factory(migrated_database), "lair")
    assert world.characters["goblin"].source.raw == raw


async def test_documents_keep_their_key_order_and_survive_a_downgrade_below_0007(
    migrated_database: Database,
) -> None:
    """0007 stores documents as written (``json``, not ``jsonb``, on PostgreSQL); going
    down and up again keeps every document (``jsonb`` sorts its keys meanwhile)."""
    content = {"world": {"id": "order"}, "zeta": 1, "alpha": {"b": 2, "a": 1}}
    record = WorldVersionRecord(
        world_id="order",
        version="1.0.0",
        title="Order",
        content=content,
        content_hash="sha256-order",
        installed_at=datetime(2026, 1, 1, tzinfo=UTC),
    )
    async with sql_uow_factory(migrated_database)() as uow:
        await uow.worlds.add_version(record)
        await uow.commit()

    async def stored() -> dict[str, object]:
        await migrated_database.engine.dispose()  # statements prepared for the old type
        async with migrated_database.connect() as connection:
            found = await connection.execute(
                text("SELECT content FROM world_versions WHERE world_id = 'order'")
            )
            value = found.scalar_one()
        return json.loads(value) if isinstance(value, str) else value

    assert list(await stored()) == ["world", "zeta", "alpha"]
    await downgrade(migrated_database, "0006")
    assert await stored() == content
    await upgrade(migrated_database)
    assert await stored() == content
