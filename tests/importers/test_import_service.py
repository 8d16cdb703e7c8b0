"""Importing a plan: a new world, or a new version of an installed one, all or nothing."""

from __future__ import annotations

import pytest

from storyai.core import services
from storyai.core.domain.errors import WorldConflict, WorldValidationError
from storyai.core.importers.errors import ImportRefused
from storyai.core.importers.plan import Entry, ImportPlan
from storyai.core.importers.service import import_plan
from storyai.core.worlds.bundled import bundled_world_paths
from storyai.core.worlds.validate import load_world, validate_data


def goblin(ref: str = "Actor.g1", hp: int = 7, name: str = "Goblin") -> Entry:
    return Entry(
        "characters",
        "goblin",
        {
            "name": name,
            "kind": "creature",
            "description": "A small, vicious humanoid.",
            "stats": {"ac": 15, "hp": hp, "cr": "1/4"},
            "source": {"format": "foundry", "ref": ref, "raw": {"name": name, "_id": "g1"}},
        },
        origin=f"monsters.db: {name}",
        kind="creature",
    )


def cave() -> Entry:
    return Entry(
        "locations",
        "cave",
        {
            "name": "Goblin Cave",
            "description": "Damp and dark.",
            "characters": ["goblin"],
            "source": {"format": "foundry", "ref": "Scene.s1"},
        },
        origin="scenes.db: Goblin Cave",
        kind="scene",
    )


def plan(*entries: Entry) -> ImportPlan:
    p = ImportPlan(source="monsters.db", kind="NeDB pack", title="Goblin Lair")
    p.entries.extend(entries)
    return p


async def install_ember(uow_factory) -> str:
    world = load_world(bundled_world_paths()["ember_hollow"])
    await services.install_world(uow_factory, world, source="bundled")
    return world.id


async def test_a_new_world_is_playable_and_keeps_the_raw_document(uow_factory) -> None:
    outcome = await import_plan(uow_factory, plan(goblin(), cave()), new_id="lair")
    assert (outcome.status, outcome.world_id, outcome.version) == ("installed", "lair", "1.0.0")
    world, _ = await services.get_world(uow_factory, "lair")
    assert world.world.title == "Goblin Lair"
    assert world.start.location == "cave"
    assert world.locations["cave"].characters == ["goblin"]
    gob = world.characters["goblin"]
    assert gob.stats == {"ac": 15, "hp": 7, "cr": "1/4"}
    assert gob.source is not None and gob.source.raw == {"name": "Goblin", "_id": "g1"}
    assert "adventurer" in world.archetypes


async def test_a_new_world_id_defaults_to_the_title_and_never_overwrites(uow_factory) -> None:
    first = await import_plan(uow_factory, plan(goblin()))
    assert first.world_id == "goblin_lair"
    with pytest.raises(WorldConflict, match="already installed; nothing was written"):
        await import_plan(uow_factory, plan(goblin()))


async def test_importing_into_a_world_adds_a_version_and_keeps_the_old(uow_factory) -> None:
    world_id = await install_ember(uow_factory)
    before, record = await services.get_world(uow_factory, world_id)
    outcome = await import_plan(uow_factory, plan(goblin(), cave()), into=world_id)
    assert outcome.status == "installed"
    assert outcome.previous_version == record.version
    after, new_record = await services.get_world(uow_factory, world_id)
    assert new_record.version == outcome.version != record.version
    assert set(after.characters) == set(before.characters) | {"goblin"}
    assert after.locations.keys() == before.locations.keys() | {"cave"}
    old, _ = await services.get_world(uow_factory, world_id, record.version)
    assert "goblin" not in old.characters


async def test_reimporting_the_same_source_replaces_instead_of_duplicating(uow_factory) -> None:
    await import_plan(uow_factory, plan(goblin(), cave()), new_id="lair")
    again = await import_plan(uow_factory, plan(goblin(hp=9), cave()), into="lair")
    world, _ = await services.get_world(uow_factory, "lair")
    assert [cid for cid in world.characters] == ["goblin"]
    assert world.characters["goblin"].stats["hp"] == 9
    assert [e.data["name"] for e, _ in again.merged.replaced] == ["Goblin"]
    assert [e.data["name"] for e, _ in again.merged.unchanged] == ["Goblin Cave"]
    assert again.version == "1.0.1"
    same = await import_plan(uow_factory, plan(goblin(hp=9), cave()), into="lair")
    assert same.status == "unchanged"
    _, record = await services.get_world(uow_factory, "lair")
    assert record.version == "1.0.1"


async def test_a_colliding_id_is_renamed_and_references_follow(uow_factory) -> None:
    await import_plan(uow_factory, plan(goblin()), new_id="lair")
    other = goblin(ref="Actor.other", name="Goblin Chief")
    outcome = await import_plan(uow_factory, plan(other, cave()), into="lair")
    world, _ = await services.get_world(uow_factory, "lair")
    assert world.characters["goblin"].name == "Goblin"
    assert world.characters["goblin_2"].name == "Goblin Chief"
    assert world.locations["cave"].characters == ["goblin_2"]
    assert [(e.id, new) for e, new in outcome.merged.renamed] == [("goblin", "goblin_2")]


async def test_a_dry_run_reports_and_writes_nothing(uow_factory) -> None:
    outcome = await import_plan(uow_factory, plan(goblin(), cave()), new_id="lair", dry_run=True)
    assert outcome.status == "dry-run"
    assert [new for _, new in outcome.merged.added] == ["goblin", "cave"]
    async with uow_factory() as uow:
        assert not await uow.worlds.exists("lair")


async def test_an_invalid_result_writes_nothing(uow_factory) -> None:
    world_id = await install_ember(uow_factory)
    _, record = await services.get_world(uow_factory, world_id)
    broken = goblin()
    broken.data["stats"] = {"ac": 15}  # no hp: not a stat block
    with pytest.raises(WorldValidationError, match="hp"):
        await import_plan(uow_factory, plan(broken), into=world_id)
    _, still = await services.get_world(uow_factory, world_id)
    assert still.version == record.version


async def test_an_empty_plan_is_refused_with_the_reasons(uow_factory) -> None:
    empty = plan()
    empty.skip("data/macros", "macros are not imported (no story content)")
    with pytest.raises(ImportRefused, match=r"nothing to import .*macros are not imported"):
        await import_plan(uow_factory, empty, new_id="lair")


async def edit_goblin(uow_factory, **changes) -> None:
    """What an author does: export, change the imported goblin, install a new version."""
    world, _ = await services.get_world(uow_factory, "lair")
    data = world.canonical()
    data["characters"]["goblin"].update(changes)
    data["world"]["version"] = services.next_version(world.version)
    await services.install_world(uow_factory, validate_data(data), source="edited")


async def test_a_reimport_keeps_what_the_author_edited(uow_factory) -> None:
    await import_plan(uow_factory, plan(goblin(), cave()), new_id="lair")
    await edit_goblin(uow_factory, personality="sly, loves shiny things")
    again = await import_plan(uow_factory, plan(goblin(hp=9), cave()), into="lair")
    assert [final for _, final in again.merged.kept] == ["goblin"]
    assert again.status == "unchanged"  # the goblin was kept, the cave is the same
    world, _ = await services.get_world(uow_factory, "lair")
    assert world.characters["goblin"].personality == "sly, loves shiny things"
    assert world.characters["goblin"].stats["hp"] == 7

    forced = await import_plan(uow_factory, plan(goblin(hp=9), cave()), into="lair", overwrite=True)
    assert [final for _, final in forced.merged.replaced] == ["goblin"]
    world, _ = await services.get_world(uow_factory, "lair")
    assert world.characters["goblin"].personality == ""
    assert world.characters["goblin"].stats["hp"] == 9
    # once replaced, the entry is as imported again: the next import updates it freely
    after = await import_plan(uow_factory, plan(goblin(hp=11), cave()), into="lair")
    assert [final for _, final in after.merged.replaced] == ["goblin"]


def lair(attitude: str = "neutral") -> Entry:
    entry = goblin()
    entry.data["attitude"] = attitude
    return entry


def hall() -> Entry:
    return Entry(
        "locations",
        "hall",
        {"name": "Great Hall", "description": "Banners.", "source": {"format": "f", "ref": "S2"}},
        origin="scenes.db: Great Hall",
        kind="scene",
    )


async def test_a_new_world_with_several_places_starts_at_a_crossroads(uow_factory) -> None:
    await import_plan(uow_factory, plan(lair(), cave(), hall()), new_id="keep")
    world, _ = await services.get_world(uow_factory, "keep")
    start = world.locations[world.start.location]
    assert world.start.location == "start" and start.name == "Starting point"
    assert {e.to for e in start.exits.values()} == {"cave", "hall"}
    assert "Goblin Cave, Great Hall" in start.description
    assert world.locations["cave"].exits["back"].to == "start"
    # a re-import keeps those ways (Foundry scenes have no exits of their own)
    again = await import_plan(uow_factory, plan(lair(), cave(), hall()), into="keep")
    assert again.status == "unchanged"


async def test_a_new_world_never_starts_next_to_a_hostile_creature(uow_factory) -> None:
    await import_plan(uow_factory, plan(lair("hostile"), cave()), new_id="den")
    world, _ = await services.get_world(uow_factory, "den")
    assert world.start.location == "start"
    assert world.locations["cave"].characters == ["goblin"]


async def test_titles_lose_their_html_and_descriptions_their_paths(uow_factory) -> None:
    p = plan(goblin())
    p.title = "QA <b>Keep</b> of Shadows"
    p.source = "/home/someone/private/foundrydata/worlds/qa-keep"
    outcome = await import_plan(uow_factory, p)
    assert outcome.world_id == "qa_keep_of_shadows"
    world, _ = await services.get_world(uow_factory, outcome.world_id)
    assert world.world.title == "QA Keep of Shadows"
    assert "/home/someone" not in world.world.description
    assert world.world.description.endswith("Imported from NeDB pack: qa-keep")
