"""Scenes become locations with the imported actors standing in them."""

from __future__ import annotations

import pytest
from foundry_convert_helpers import assert_all_valid, convert, entry, file_doc, nedb_docs

from storyai.core.importers.foundry.documents import FoundryDoc


def _scene() -> dict:
    """SYNTHETIC: a v12 scene with visible, hidden and unknown tokens and two map notes."""
    return {
        "_id": "sceneCave0000001",
        "name": "Goblin Cave",
        "navName": "The Cave",
        "description": "<p>A damp cave that smells of smoke.</p>",
        "folder": "folderDungeons01",
        "tokens": [
            {"_id": "t1", "name": "Goblin", "actorId": "TjWQOgI3A4UAl7lC", "hidden": False},
            {"_id": "t2", "name": "Goblin", "actorId": "TjWQOgI3A4UAl7lC", "hidden": False},
            {"_id": "t3", "name": "Boss in hiding", "actorId": "TjWQOgI3A4UAl7lC", "hidden": True},
            {
                "_id": "t4",
                "name": "Mysterious Stranger",
                "actorId": "notImportedActor",
                "hidden": False,
            },
        ],
        "notes": [
            {
                "_id": "n1",
                "entryId": "caveJournal00001",
                "pageId": "caveTrapPage0001",
                "text": "Trap",
            },
            {"_id": "n2", "entryId": "caveJournal00001"},
        ],
    }


def _journal() -> dict:
    return {
        "_id": "caveJournal00001",
        "name": "Cave Key",
        "ownership": {"default": 2},  # players may read it, so its map notes are public
        "pages": [
            {
                "_id": "caveTrapPage0001",
                "name": "Pit Trap",
                "type": "text",
                "text": {"content": "<p>A 10-foot pit.</p>"},
            },
        ],
    }


@pytest.fixture
def plan(foundry_fixtures):
    goblin = file_doc(foundry_fixtures / "dnd5e-5.3.3-source-yaml/monsters/goblin.yml")
    folder = {
        "_id": "folderDungeons01",
        "name": "Dungeons",
        "type": "Scene",
        "folder": "folderAct1000001",
    }
    parent = {"_id": "folderAct1000001", "name": "Act 1", "type": "Scene"}
    docs = [
        FoundryDoc("Scene", _scene(), "scenes.db:1"),
        FoundryDoc("JournalEntry", _journal(), "journal.db:1"),
        goblin,
        FoundryDoc("Folder", folder, "folders.db:1"),
        FoundryDoc("Folder", parent, "folders.db:2"),
    ]
    return convert(docs, system_id="dnd5e")


def test_visible_tokens_of_imported_actors_are_placed(plan):
    cave = entry(plan, "Goblin Cave", "locations")
    goblin = entry(plan, "Goblin", "characters")
    assert cave.data["characters"] == [goblin.id]
    assert cave.kind == "scene"
    assert cave.data["tags"] == ["dungeons", "act_1"]
    assert not cave.data.get("exits")  # Foundry scenes do not link to each other
    text = cave.data["description"]
    assert text.startswith("A damp cave that smells of smoke.")
    assert "Players see it as: The Cave." in text
    assert "Also here: Mysterious Stranger." in text
    assert "Notes on the map: Trap (see Cave Key: Pit Trap); Cave Key." in text
    assert_all_valid(plan)


def test_hidden_tokens_are_listed_for_the_gm_only(plan):
    hidden = entry(plan, "Goblin Cave (GM: hidden tokens)", "lore").data
    assert hidden["visibility"] == "gm-only"
    assert "Boss in hiding (Goblin)" in hidden["text"]
    assert "Boss in hiding" not in entry(plan, "Goblin Cave", "locations").data["description"]


def test_an_empty_scene_is_still_a_place(foundry_fixtures):
    docs = nedb_docs(foundry_fixtures / "cyphersystem-2.4.0-nedb/scenes.db", "Scene", "scenes")
    plan = convert(docs, system_id="cyphersystem")
    places = [e for e in plan.entries if e.section == "locations"]
    assert [(e.data["name"], e.data["description"]) for e in places] == [
        ("Tabletop (dark)", "A map: Tabletop (dark)"),
        ("Tabletop", "A map: Tabletop"),
    ]
    maps = {e.id: e.data for e in plan.entries if e.section == "maps"}
    assert [p.data["map"]["map"] for p in places] == list(maps)  # each scene its own map
    dark = maps[places[0].data["map"]["map"]]
    assert dark["grid"] == 100 and dark["image"]  # the background image is kept
    assert "5500×4100 px, a grid of 100 px (1.5 m a square)" in dark["description"]
    assert all(e.data["source"]["system"] == "cyphersystem" for e in plan.entries)
    assert_all_valid(plan)
