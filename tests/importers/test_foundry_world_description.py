"""A Foundry world's own description (world.json) becomes the new world's description."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from storyai.core import services
from storyai.core.importers.foundry.convert import plan_from_foundry
from storyai.core.importers.foundry.read import read_foundry
from storyai.core.importers.service import import_plan


def world_folder(tmp_path: Path, foundry_fixtures: Path) -> Path:
    root = tmp_path / "dcc-world"
    (root / "data").mkdir(parents=True)
    shutil.copy(foundry_fixtures / "dcc-world-template" / "world.json", root / "world.json")
    actor = {  # synthetic, written for this test
        "_id": "a1b2c3d4e5f6g7h8",
        "name": "Gnoll Raider",
        "type": "npc",
        "system": {"attributes": {"hp": {"value": 9, "max": 9}}},
        "items": [],
        "ownership": {"default": 0},
    }
    (root / "data" / "actors.db").write_text(json.dumps(actor) + "\n", encoding="utf-8")
    return root


async def test_the_world_description_comes_along(
    tmp_path: Path, foundry_fixtures: Path, uow_factory
) -> None:
    plan = plan_from_foundry(read_foundry(world_folder(tmp_path, foundry_fixtures)))
    assert plan.title == "DCC E2E"
    assert plan.description.startswith("Disposable world for the isolated e2e environment")
    assert "<p>" not in plan.description
    outcome = await import_plan(uow_factory, plan, new_id="dcc")
    world, _ = await services.get_world(uow_factory, outcome.world_id)
    assert world.world.description.startswith("Disposable world for the isolated e2e")
    assert "Imported from Foundry world" in world.world.description
    assert [c.name for c in world.characters.values()] == ["Gnoll Raider"]
