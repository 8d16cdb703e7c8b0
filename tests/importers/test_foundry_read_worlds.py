"""read_foundry on world folders and Adventures, built in tmp_path (synthetic data).

Only the dcc world.json is real (copied into tmp_path); every document below
is written here for the test.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import plyvel
import pytest

from storyai.core.importers.foundry.read import read_foundry


def nedb(path: Path, *docs: Any) -> None:
    """An NeDB file: dicts become JSON lines, strings are written as they are."""
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = [d if isinstance(d, str) else json.dumps(d) for d in docs]
    path.write_text("\n".join(lines) + "\n")


def leveldb(path: Path, entries: dict[str, dict[str, Any]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    db = plyvel.DB(str(path), create_if_missing=True)
    for key, value in entries.items():
        db.put(key.encode(), json.dumps(value).encode())
    db.close()


def stats(core: str = "12.331", system: str = "dcc", version: str = "0.66.0") -> dict[str, str]:
    return {"coreVersion": core, "systemId": system, "systemVersion": version}


def actor(doc_id: str, name: str, **extra: Any) -> dict[str, Any]:
    return {
        "_id": doc_id,
        "name": name,
        "type": "Player",
        "system": {"attributes": {}},
        "prototypeToken": {"name": name},
        "items": [],
        "effects": [],
        "_stats": stats(),
        **extra,
    }


@pytest.fixture
def dcc_world(foundry_fixtures: Path, tmp_path: Path) -> Path:
    world = tmp_path / "dcc-e2e"
    world.mkdir()
    shutil.copy(foundry_fixtures / "dcc-world-template" / "world.json", world / "world.json")
    return world


def test_world_with_nedb_data(dcc_world: Path) -> None:
    data = dcc_world / "data"
    nedb(
        data / "actors.db",
        actor("a1", "Gorm (old)"),
        actor("a2", "Doomed"),
        "",
        "{not json at all",
        actor("a1", "Gorm", items=[{"_id": "i1", "name": "Axe", "type": "weapon", "system": {}}]),
        {"$$deleted": True, "_id": "a2"},
        {"$$indexCreated": {"fieldName": "name"}},
    )
    nedb(
        data / "journal.db",
        {"_id": "j1", "name": "Lore", "pages": [{"name": "P", "type": "text"}], "_stats": stats()},
    )
    nedb(data / "macros.db", *({"_id": f"m{n}", "name": "M", "type": "script"} for n in range(3)))
    nedb(data / "settings.db", {"_id": "s1", "key": "core.x", "value": "1"})
    nedb(data / "fog.db")
    seen: list[tuple[str, int, int]] = []

    source = read_foundry(dcc_world, progress=lambda *a: seen.append(a))

    assert source.kind == "Foundry world"
    assert (source.title, source.system_id, source.core_version) == ("DCC E2E", "dcc", "14.365")
    assert [(d.document, d.data["name"], d.origin) for d in source.docs] == [
        ("Actor", "Gorm", "data/actors.db:5"),
        ("JournalEntry", "Lore", "data/journal.db:1"),
    ]
    assert source.docs[0].data["items"][0]["name"] == "Axe"
    assert source.docs[0].core_version == "12.331"
    skipped = {(s.origin, s.reason) for s in source.skipped}
    assert ("data/actors.db:4", "not valid JSON") in skipped
    assert ("data/macros: 3 macros", "macros are not imported (no story content)") in skipped
    assert ("data/settings: 1 settings", "settings are not imported (no story content)") in skipped
    assert ("data/fog.db", "not an NeDB pack (it is empty)") in skipped
    assert seen[-1][1:] == (5, 5)


def test_leveldb_folder_beats_stale_nedb_file(dcc_world: Path) -> None:
    data = dcc_world / "data"
    nedb(
        data / "actors.db", {"_id": "old", "name": "Stale", "type": "npc", "data": {}, "token": {}}
    )
    leveldb(
        data / "actors",
        {
            "!actors!a1": {**actor("a1", "Fresh"), "items": ["i1", "gone"]},
            "!actors.items!a1.i1": {
                "_id": "i1",
                "name": "Sword",
                "type": "weapon",
                "effects": ["e1"],
            },
            "!actors.items.effects!a1.i1.e1": {"_id": "e1", "name": "Sharp"},
            "!actors.items!nobody.i9": {"_id": "i9", "name": "Orphan"},
            "!folders!f1": {"_id": "f1", "name": "Heroes", "type": "Actor", "sorting": "a"},
        },
    )
    leveldb(
        data / "messages", {f"!messages!m{n}": {"_id": f"m{n}", "content": "hi"} for n in range(4)}
    )

    source = read_foundry(dcc_world)

    assert [(d.document, d.data["name"]) for d in source.docs] == [
        ("Actor", "Fresh"),
        ("Folder", "Heroes"),
    ]
    fresh = source.docs[0]
    assert fresh.origin == "data/actors:!actors!a1"
    assert fresh.data["items"] == [
        {
            "_id": "i1",
            "name": "Sword",
            "type": "weapon",
            "effects": [{"_id": "e1", "name": "Sharp"}],
        }
    ]
    assert (
        "data/: actors.db are left over from before Foundry v11 beside the LevelDB folders "
        "that replaced them; the folders were read, the .db files ignored"
    ) in source.warnings
    assert any(
        "1 embedded documents listed by their parent are missing" in w for w in source.warnings
    )
    assert any("1 embedded documents have no parent" in w for w in source.warnings)
    assert [(s.origin, s.reason) for s in source.skipped] == [
        (
            "data/actors",
            "1 embedded item listed by 1 actor could not be found (not in the data); "
            "imported without them",
        ),
        (
            "data/actors",
            "1 embedded item of 1 actor whose record could not be read (missing from the data); "
            "not imported",
        ),
        ("data/messages: 4 chat messages", "chat messages are not imported (no story content)"),
    ]


def test_old_0_7_world(tmp_path: Path) -> None:
    world = tmp_path / "old"
    world.mkdir()
    manifest = {
        "name": "old-campaign",
        "title": "Old Campaign",
        "system": "dnd5e",
        "coreVersion": "0.7.9",
        "systemVersion": "1.2.4",
        "minimumCoreVersion": "0.7.5",
    }
    (world / "world.json").write_text(json.dumps(manifest))
    data = world / "data"
    nedb(
        data / "actors.db",
        {
            "_id": "a",
            "name": "Old Orc",
            "type": "npc",
            "data": {"abilities": {}},
            "token": {},
            "items": [],
        },
    )
    nedb(
        data / "journal.db",
        {"_id": "j", "name": "Notes", "content": "<p>Hello</p>", "permission": {}},
    )
    nedb(
        data / "chat.db",
        {"_id": "c1", "content": "hi", "speaker": {}},
        {"_id": "c2", "content": "yo"},
    )
    nedb(data / "combat.db", {"_id": "k", "combatants": []})

    source = read_foundry(world)

    assert source.title == "Old Campaign" and source.system_id == "dnd5e"
    assert [(d.document, d.data["name"], d.core_version) for d in source.docs] == [
        ("Actor", "Old Orc", ""),
        ("JournalEntry", "Notes", ""),
    ]
    assert source.docs[0].system_id == "dnd5e" and "data" in source.docs[0].data
    assert {(s.origin, s.reason) for s in source.skipped} == {
        ("data/chat: 2 chat messages", "chat messages are not imported (no story content)"),
        ("data/combat: 1 combats", "combats are not imported (no story content)"),
    }


def adventure(name: str) -> dict[str, Any]:
    return {
        "_id": "adv1",
        "name": name,
        "description": "<p>A short adventure.</p>",
        "actors": [actor("a1", "Bandit Chief")],
        "items": [{"_id": "i1", "name": "Map", "type": "loot", "system": {}}],
        "journal": [{"_id": "j1", "name": "Intro", "pages": []}],
        "scenes": [{"_id": "s1", "name": "Camp", "tokens": [], "walls": []}],
        "folders": [{"_id": "f1", "name": "Chapter 1", "type": "JournalEntry", "sorting": "m"}],
        "tables": [{"_id": "t1", "name": "Loot", "formula": "1d6", "results": []}],
        "macros": [{"_id": "m1", "name": "Roll", "type": "script", "command": ""}],
        "playlists": [],
        "cards": [],
        "combats": [],
        "_stats": stats("12.331", "dnd5e", "3.3.1"),
    }


def test_adventure_pack_is_flattened(tmp_path: Path) -> None:
    module = tmp_path / "adv-module"
    module.mkdir()
    manifest = {
        "id": "adv-module",
        "title": "Bandits",
        "packs": [{"name": "adv", "label": "Bandits", "path": "packs/adv.db", "type": "Adventure"}],
    }
    (module / "module.json").write_text(json.dumps(manifest))
    nedb(module / "packs" / "adv.db", adventure("Bandit Camp"))

    source = read_foundry(module)

    where = "packs/adv.db:1 (adventure: Bandit Camp)"
    assert [(d.document, d.data["name"], d.origin) for d in source.docs] == [
        ("Folder", "Chapter 1", f"{where} folders[1]"),
        ("Actor", "Bandit Chief", f"{where} actors[1]"),
        ("Item", "Map", f"{where} items[1]"),
        ("JournalEntry", "Intro", f"{where} journal[1]"),
        ("Scene", "Camp", f"{where} scenes[1]"),
        ("RollTable", "Loot", f"{where} tables[1]"),
    ]
    assert all(d.pack == "adv" for d in source.docs)
    assert source.docs[1].core_version == "12.331"
    assert [(s.origin, s.reason) for s in source.skipped] == [
        (where, "the adventure's own description is not imported; its documents are"),
        (f"{where}: 1 macros", "macros are not imported (no story content)"),
    ]


def test_adventure_in_a_leveldb_pack(tmp_path: Path) -> None:
    pack = tmp_path / "adventures"
    leveldb(pack, {"!adventures!adv1": adventure("Bandit Camp")})

    source = read_foundry(pack)

    assert source.kind == "LevelDB pack"
    names = [d.data["name"] for d in source.docs]
    assert names == ["Chapter 1", "Bandit Chief", "Map", "Intro", "Camp", "Loot"]
    assert (
        source.docs[0].origin == "adventures:!adventures!adv1 (adventure: Bandit Camp) folders[1]"
    )


def test_world_packs_are_read(dcc_world: Path) -> None:
    manifest = json.loads((dcc_world / "world.json").read_text())
    manifest["packs"] = [
        {
            "name": "npcs",
            "label": "NPCs",
            "path": "packs/npcs.db",
            "type": "Actor",
            "private": True,
        },
        {"name": "macros", "label": "Macros", "path": "packs/macros", "type": "Macro"},
    ]
    (dcc_world / "world.json").write_text(json.dumps(manifest))
    leveldb(dcc_world / "packs" / "npcs", {"!actors!n1": actor("n1", "Innkeeper")})
    nedb(
        dcc_world / "packs" / "macros.db", {"_id": "m", "name": "M", "type": "chat", "command": "x"}
    )

    source = read_foundry(dcc_world)

    assert [(d.data["name"], d.pack, d.origin) for d in source.docs] == [
        ("Innkeeper", "npcs", "packs/npcs:!actors!n1")
    ]
    assert source.pack_ownership == {
        "npcs": {"PLAYER": "NONE", "TRUSTED": "NONE", "ASSISTANT": "OWNER"}
    }
    assert [(s.origin, s.reason) for s in source.skipped] == [
        ("packs/macros.db: 1 macros", "macros are not imported (no story content)")
    ]
    assert "the world has no data/ folder" in source.warnings[0]
