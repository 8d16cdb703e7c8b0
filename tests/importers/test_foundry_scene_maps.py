"""Foundry scenes with a background, a grid and walls become maps of the world: the
image reference and grid kept, doors counted, secret doors told to the GM only."""

from __future__ import annotations

from foundry_convert_helpers import assert_all_valid, convert

from storyai.core.domain.world import World
from storyai.core.importers.foundry.documents import FoundryDoc
from storyai.core.importers.service import import_plan
from storyai.core.maps.svg import render_svg
from storyai.core.maps.view import world_map
from storyai.core.wiki.site import build_wiki


def _walls() -> list[dict]:
    wall = {"c": [0, 0, 100, 0], "door": 0, "ds": 0}
    return [
        *({**wall, "_id": f"w{i}"} for i in range(5)),
        {**wall, "_id": "d1", "door": 1, "ds": 0},
        {**wall, "_id": "d2", "door": 1, "ds": 2},  # locked
        {**wall, "_id": "d3", "door": 2, "ds": 0},  # secret
    ]


def _scenes() -> list[FoundryDoc]:
    """SYNTHETIC: a v12 scene with a background, a grid and walls, and a v9 one."""
    crypt = {
        "_id": "sceneCrypt000001",
        "name": "Sunken Crypt",
        "background": {"src": "worlds/demo/maps/crypt.webp"},
        "grid": {"size": 140, "type": 1, "distance": 5, "units": "ft"},
        "width": 4200,
        "height": 2800,
        "walls": _walls(),
    }
    old = {"_id": "sceneOld00000001", "name": "Old Mill", "img": "maps/mill.jpg", "grid": 70}
    return [FoundryDoc("Scene", crypt, "scenes.db:1"), FoundryDoc("Scene", old, "scenes.db:2")]


def test_a_scene_with_walls_becomes_a_map_of_its_place() -> None:
    plan = convert(_scenes(), system_id="dnd5e")
    assert_all_valid(plan)
    maps = {e.data["name"]: e.data for e in plan.entries if e.section == "maps"}
    crypt = maps["Sunken Crypt"]
    assert crypt["image"] == "worlds/demo/maps/crypt.webp" and crypt["grid"] == 140
    assert "4200×2800 px, a grid of 140 px (5 ft a square)" in crypt["description"]
    assert "8 walls, 2 doors (1 locked)" in crypt["description"]
    assert "secret" not in crypt["description"]
    assert maps["Old Mill"]["image"] == "maps/mill.jpg" and maps["Old Mill"]["grid"] == 70
    [secret] = [e for e in plan.entries if e.section == "lore"]
    assert secret.data["visibility"] == "gm-only"
    assert "Secret doors on the map 'Sunken Crypt': 1." in secret.data["text"]


async def test_imported_scenes_are_a_world_with_maps_and_a_wiki(uow_factory) -> None:
    outcome = await import_plan(uow_factory, convert(_scenes(), system_id="dnd5e"), new_id="demo")
    world = outcome.merged.data
    assert set(world["maps"]) == {
        loc["map"]["map"] for loc in world["locations"].values() if "map" in loc
    }
    loaded = World.model_validate(world)
    view = world_map(loaded)
    names = {s.name for s in view.sheets}
    assert {"Sunken Crypt", "Old Mill"} <= names
    assert "Sunken Crypt" in render_svg(view)
    pages = build_wiki(loaded)
    assert any(p.startswith("maps/") and p.endswith(".svg") for p in pages)
    assert not any("Secret doors" in text for text in pages.values())
