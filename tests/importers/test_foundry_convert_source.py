"""Every entry keeps its untouched original, a Foundry UUID, and fits the world format."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest
from foundry_convert_helpers import assert_all_valid, convert, entry, file_doc, nedb_docs

from storyai.core.importers.foundry.convert import plan_from_foundry
from storyai.core.importers.foundry.documents import FoundryDoc, FoundrySource
from storyai.core.importers.plan import Skipped


def _all_fixture_docs(foundry_fixtures: Path) -> list[FoundryDoc]:
    root = foundry_fixtures
    docs = []
    for folder, document in (
        ("monsters", "Actor"),
        ("monsters-2024", "Actor"),
        ("items", "Item"),
        ("spells", "Item"),
        ("features", "Item"),
        ("journal", "JournalEntry"),
    ):
        for path in sorted((root / "dnd5e-5.3.3-source-yaml" / folder).glob("[!_]*.yml")):
            docs.append(file_doc(path, document, pack=f"dnd5e.{folder}"))
    for path in sorted((root / "dnd5e-3.3.1-source-json").rglob("*.json")):
        docs.append(file_doc(path, "Actor" if "monsters" in path.parts else "Item", pack="old"))
    docs += nedb_docs(root / "dnd5e-2.4.1-nedb/heroes.db", "Actor", "dnd5e.heroes")
    docs += nedb_docs(root / "dnd5e-2.4.1-nedb/tradegoods.db", "Item", "dnd5e.tradegoods")
    docs += nedb_docs(root / "cyphersystem-2.4.0-nedb/scenes.db", "Scene", "cyphersystem.scenes")
    return docs


def test_the_raw_document_is_kept_whole_and_never_changed(foundry_fixtures):
    docs = _all_fixture_docs(foundry_fixtures)
    before = [copy.deepcopy(d.data) for d in docs]
    plan = convert(docs)
    assert [d.data for d in docs] == before  # converting mutated nothing
    firsts: dict[str, dict] = {}
    for found in plan.entries:
        raw = found.data["source"]["raw"]
        if raw is not None:
            firsts.setdefault(found.data["source"]["file"], raw)
    for doc, original in zip(docs, before, strict=True):
        if doc.origin in firsts:
            assert firsts[doc.origin] == original
    assert len(firsts) == len(docs) == 76  # every document made at least one entry
    json.dumps([e.data for e in plan.entries])  # plain data, ready for YAML
    assert_all_valid(plan)


def test_source_names_the_uuid_file_system_and_versions(foundry_fixtures):
    goblin = file_doc(
        foundry_fixtures / "dnd5e-5.3.3-source-yaml/monsters/goblin.yml", pack="dnd5e.monsters"
    )
    plan = convert([goblin], system_id="dnd5e")
    source = entry(plan, "Goblin").data["source"]
    assert source["format"] == "foundry"
    assert source["ref"] == "Compendium.dnd5e.monsters.Actor.TjWQOgI3A4UAl7lC"
    assert source["file"].endswith("monsters/goblin.yml")
    assert (source["system"], source["version"]) == ("dnd5e", "Foundry 13.344, dnd5e 4.0.0")
    world = FoundryDoc(
        "Actor",
        copy.deepcopy(goblin.data),
        "data/actors",
        core_version="12.331",
        system_id="dnd5e",
        system_version="3.3.1",
    )
    source = entry(convert([world]), "Goblin").data["source"]
    assert (source["ref"], source["version"]) == (
        "Actor.TjWQOgI3A4UAl7lC",
        "Foundry 12.331, dnd5e 3.3.1",
    )


def test_exports_have_no_id_so_the_ref_comes_from_the_export(foundry_fixtures):
    """SYNTHETIC export: the _source document without _id, plus _stats.exportSource."""
    data = file_doc(foundry_fixtures / "dnd5e-5.3.3-source-yaml/monsters/goblin.yml").data
    del data["_id"], data["_key"]
    exported = copy.deepcopy(data)
    exported["_stats"]["exportSource"] = {"uuid": "Actor.abcdefghijklmnop", "systemId": "dnd5e"}
    plan = convert(
        [
            FoundryDoc("Actor", exported, "/tmp/fvtt-Actor-goblin.json"),
            FoundryDoc("Actor", data, "/tmp/fvtt-Actor-goblin-2.json"),
        ]
    )
    refs = [e.data["source"]["ref"] for e in plan.entries]
    assert refs == ["Actor.abcdefghijklmnop", "export:fvtt-Actor-goblin-2.json"]


def test_the_plan_carries_the_readers_findings():
    source = FoundrySource(
        path="/worlds/saltmarsh",
        kind="Foundry world",
        title="Saltmarsh",
        system_id="dnd5e",
        warnings=["stale .db files ignored"],
        skipped=[Skipped("data/fog", "fog of war")],
        docs=[
            FoundryDoc("Macro", {"_id": "m", "name": "Roll it", "type": "script"}, "macros.db:1"),
            FoundryDoc("Playlist", {"_id": "p", "name": "Tavern"}, "playlists.db:1"),
        ],
    )
    plan = plan_from_foundry(source)
    assert (plan.kind, plan.title, plan.system, plan.source) == (
        "Foundry world",
        "Saltmarsh",
        "dnd5e",
        "/worlds/saltmarsh",
    )
    assert plan.warnings == ["stale .db files ignored"]
    assert [s.reason for s in plan.skipped] == [
        "fog of war",
        "macros are scripts; they are not imported",
        "playlists are audio; they are not imported",
    ]
    assert plan.entries == []


@pytest.mark.parametrize(
    "broken",
    [
        {"name": "No system", "type": "npc"},
        {
            "name": "Junk",
            "type": "npc",
            "system": {"abilities": "str", "attributes": [1, 2]},
            "items": "x",
        },
        {
            "name": "Bad items",
            "type": "npc",
            "system": {"attributes": {"hp": {"max": "lots"}}},
            "items": [
                None,
                3,
                {"type": "weapon", "system": {"activities": {"a": {"type": "attack"}}}},
            ],
        },
        {"name": 12345, "type": ["odd"], "system": {"details": {"biography": {"value": 7}}}},
        {
            "name": "Deep",
            "type": "npc",
            "system": {"details": {"biography": {"value": "<div>" * 5000}}},
        },
    ],
)
def test_broken_documents_never_crash_the_import(broken):
    before = copy.deepcopy(broken)
    plan = convert([FoundryDoc("Actor", broken, "actors.db:1")], system_id="dnd5e")
    assert len(plan.entries) + len(plan.skipped) == 1
    assert broken == before
    assert_all_valid(plan)


def test_an_adventure_is_read_as_the_documents_it_holds():
    """SYNTHETIC: a v11 Adventure document with a folder, an actor and a journal inline."""
    adventure = {
        "_id": "adventure0000001",
        "name": "The Lost Mine",
        "folders": [{"_id": "fold000000000001", "name": "Villains", "type": "Actor"}],
        "actors": [
            {
                "_id": "actor00000000001",
                "name": "Glasstaff",
                "type": "npc",
                "folder": "fold000000000001",
                "system": {
                    "attributes": {
                        "hp": {"value": 49, "max": 49},
                        "ac": {"flat": 12, "calc": "flat"},
                    }
                },
            }
        ],
        "journal": [
            {
                "_id": "jour000000000001",
                "name": "Intro",
                "ownership": {"default": 2},
                "pages": [
                    {
                        "_id": "page000000000001",
                        "name": "Intro",
                        "type": "text",
                        "text": {"content": "<p>You meet Glasstaff.</p>"},
                    }
                ],
            }
        ],
        "scenes": [],
    }
    plan = convert(
        [FoundryDoc("Adventure", adventure, "packs/adventures:1", pack="lmop.adventures")],
        system_id="dnd5e",
    )
    villain = entry(plan, "Glasstaff").data
    assert villain["tags"] == ["villains"] and villain["stats"]["ac"] == 12
    assert villain["source"]["ref"] == "Actor.actor00000000001"
    assert entry(plan, "Intro").data["text"] == "You meet Glasstaff."
    assert_all_valid(plan)


def test_group_actors_are_skipped_with_a_reason():
    group = {"_id": "groupActor000001", "name": "The Party", "type": "group", "system": {}}
    plan = convert([FoundryDoc("Actor", group, "actors.db:1")], system_id="dnd5e")
    assert plan.entries == []
    assert [s.reason for s in plan.skipped] == ["a group of other actors"]
