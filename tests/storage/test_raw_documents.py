"""Imported raw documents are stored once by hash and shared between world versions;
uninstalling a version drops the documents no other version refers to."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from storyai.core import services
from storyai.core.domain.records import WorldVersionRecord
from storyai.core.importers.foundry.convert import plan_from_foundry
from storyai.core.importers.foundry.read import read_foundry
from storyai.core.importers.service import import_plan

T0 = datetime(2026, 1, 2, tzinfo=UTC)


def _goblin(number: int) -> dict[str, Any]:
    return {"name": f"Goblin {number}", "type": "npc", "system": {"hp": number}}


def _version(world_id: str, number: str, *raws: dict[str, Any]) -> WorldVersionRecord:
    characters = {
        f"c{i}": {"name": raw["name"], "source": {"format": "foundry", "ref": f"A.{i}", "raw": raw}}
        for i, raw in enumerate(raws)
    }
    return WorldVersionRecord(
        world_id=world_id,
        version=number,
        title=world_id,
        content={"world": {"id": world_id, "version": number}, "characters": characters},
        content_hash=f"sha256-{world_id}-{number}",
        installed_at=T0,
    )


async def _stored_documents(storage: Any) -> int | None:
    if storage.database is None:
        return None  # the in-memory store keeps them inline
    async with storage.database.engine.connect() as connection:
        return (await connection.execute(sa.text("SELECT count(*) FROM raw_documents"))).scalar()


async def test_uninstalling_drops_only_the_documents_nothing_else_uses(storage: Any) -> None:
    shared, own = _goblin(1), _goblin(2)
    async with storage.uow_factory() as uow:
        await uow.worlds.add_version(_version("keep", "1.0.0", shared))
        await uow.worlds.add_version(_version("gone", "1.0.0", shared, own))
        await uow.commit()
    assert await _stored_documents(storage) in (None, 2)
    async with storage.uow_factory() as uow:
        await uow.worlds.remove_version("gone", "1.0.0")
        await uow.commit()
    assert await _stored_documents(storage) in (None, 1)
    async with storage.uow_factory() as uow:  # what the other world refers to is still there
        kept = await uow.worlds.get_version("keep", "1.0.0")
        assert kept.content["characters"]["c0"]["source"]["raw"] == shared
        await uow.worlds.remove_version("keep", "1.0.0")
        await uow.commit()
    assert await _stored_documents(storage) in (None, 0)


async def test_a_reimport_into_the_world_stores_only_the_documents_that_changed(
    storage: Any, foundry_fixtures: Path, tmp_path: Path
) -> None:
    """``storyai import PACK --into WORLD`` after one document of the pack changed: the
    new version refers to the documents already stored and adds only the changed one."""
    lines = (foundry_fixtures / "dnd5e-2.4.1-nedb" / "tradegoods.db").read_text().splitlines()
    pack = tmp_path / "tradegoods.db"
    pack.write_text("\n".join(lines) + "\n")
    await import_plan(storage.uow_factory, plan_from_foundry(read_foundry(pack)), new_id="goods")
    first = await _stored_documents(storage)
    assert first in (None, len(lines))

    changed = json.loads(lines[0])
    changed["name"] += " (worn)"
    pack.write_text("\n".join([json.dumps(changed), *lines[1:]]) + "\n")
    outcome = await import_plan(
        storage.uow_factory, plan_from_foundry(read_foundry(pack)), into="goods"
    )

    assert outcome.status == "installed" and len(outcome.merged.replaced) == 1
    assert await _stored_documents(storage) in (None, len(lines) + 1)
    world, _ = await services.get_world(storage.uow_factory, "goods")
    names = {c.source.raw["name"] for c in world.items.values() if c.source and c.source.raw}
    assert changed["name"] in names and len(names) == len(lines)
