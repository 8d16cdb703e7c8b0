"""read_foundry on the real Foundry fixtures, read in place from ../shared."""

from __future__ import annotations

import json
import shutil
from collections import Counter
from pathlib import Path

from storyai.core.importers.foundry.read import read_foundry

DND5E_YAML_MONSTERS = {
    "Bandit",
    "Giant Spider",
    "Goblin",
    "Guard",
    "Mage",
    "Ogre",
    "Orc",
    "Owlbear",
    "Skeleton",
    "Wolf",
    "Young Red Dragon",
    "Zombie",
}


def by_name(source, document: str) -> dict:
    return {d.data["name"]: d for d in source.docs if d.document == document}


def test_dnd5e_yaml_source_folder(foundry_fixtures: Path) -> None:
    source = read_foundry(foundry_fixtures / "dnd5e-5.3.3-source-yaml")

    assert source.kind == "foundryvtt-cli source folder"
    assert source.skipped == [] and source.warnings == []
    monsters = {n: d for n, d in by_name(source, "Actor").items() if d.pack == "monsters"}
    assert set(monsters) == DND5E_YAML_MONSTERS
    goblin = monsters["Goblin"]
    assert goblin.origin == "monsters/goblin.yml"
    assert {"Scimitar", "Shortbow"} <= {i["name"] for i in goblin.data["items"]}
    assert all(
        isinstance(i, dict) and i["_key"].startswith("!actors.items!TjWQ")
        for i in goblin.data["items"]
    )
    assert (goblin.core_version, goblin.system_id, goblin.system_version) == (
        "13.344",
        "dnd5e",
        "4.0.0",
    )
    bear = by_name(source, "Actor")["Black Bear"]
    assert (bear.pack, bear.core_version, bear.system_version) == (
        "monsters-2024",
        "13.351",
        "5.3.0",
    )
    folders = by_name(source, "Folder")
    assert list(folders) == ["Humanoid"]
    assert folders["Humanoid"].origin == "monsters/_folder-humanoid.yml"
    assert folders["Humanoid"].core_version == "11.315"
    items = Counter(d.pack for d in source.docs if d.document == "Item")
    assert items == {"items": 8, "spells": 4, "features": 2}
    assert len(by_name(source, "JournalEntry")) == 3
    assert all(len(j.data["pages"]) > 0 for j in by_name(source, "JournalEntry").values())
    assert (source.system_id, source.core_version) == ("dnd5e", "13.351")


def test_dnd5e_json_source_folder(foundry_fixtures: Path) -> None:
    source = read_foundry(foundry_fixtures / "dnd5e-3.3.1-source-json")

    assert source.kind == "foundryvtt-cli source folder"
    actors = by_name(source, "Actor")
    assert set(actors) == {"Goblin", "Kobold", "Ghoul", "Troll", "Bandit Captain"}
    assert set(by_name(source, "Item")) == {"Longsword", "Potion of Healing", "Fireball"}
    goblin = actors["Goblin"]
    assert goblin.data["_id"] == "TjWQOgI3A4UAl7lC"
    assert goblin.core_version.startswith("11.") and goblin.system_id == "dnd5e"
    assert all(isinstance(i, dict) for i in goblin.data["items"])


def test_single_source_file(foundry_fixtures: Path) -> None:
    source = read_foundry(foundry_fixtures / "dnd5e-5.3.3-source-yaml" / "spells" / "fireball.yml")

    assert source.kind == "foundryvtt-cli source file"
    assert [(d.document, d.data["name"]) for d in source.docs] == [("Item", "Fireball")]
    assert source.title == "Fireball"


def test_nedb_packs_heroes_and_tradegoods(foundry_fixtures: Path) -> None:
    heroes = read_foundry(foundry_fixtures / "dnd5e-2.4.1-nedb" / "heroes.db")
    goods = read_foundry(foundry_fixtures / "dnd5e-2.4.1-nedb" / "tradegoods.db")

    assert heroes.kind == goods.kind == "NeDB pack"
    assert len(heroes.docs) == 12
    assert {d.document for d in heroes.docs} == {"Actor"}
    assert all(d.data["type"] == "character" for d in heroes.docs)
    perrin = heroes.docs[0]
    assert perrin.origin == "heroes.db:1" and perrin.pack == "heroes"
    assert len(perrin.data["items"]) == 28 and isinstance(perrin.data["items"][0], dict)
    assert (perrin.core_version, perrin.system_version) == ("10.303", "2.4.0")
    assert len(goods.docs) == 23
    assert {(d.document, d.data["type"]) for d in goods.docs} == {("Item", "loot")}


def test_folder_of_nedb_packs(foundry_fixtures: Path) -> None:
    source = read_foundry(foundry_fixtures / "dnd5e-2.4.1-nedb")

    assert source.kind == "folder of Foundry packs"
    assert Counter(d.pack for d in source.docs) == {"heroes": 12, "tradegoods": 23}


def test_cyphersystem_scenes(foundry_fixtures: Path) -> None:
    source = read_foundry(foundry_fixtures / "cyphersystem-2.4.0-nedb" / "scenes.db")

    assert [(d.document, d.data["name"]) for d in source.docs] == [
        ("Scene", "Tabletop (dark)"),
        ("Scene", "Tabletop"),
    ]
    for scene in source.docs:
        assert len(scene.data["drawings"]) == 4 and len(scene.data["tiles"]) == 6
        assert scene.system_id == "cyphersystem" and scene.core_version == "10.291"


def check_wwn(source) -> None:
    actors = [d for d in source.docs if d.document == "Actor"]
    assert len(actors) == len(source.docs) == 147
    items = [item for actor in actors for item in actor.data["items"]]
    assert len(items) == 663
    assert all(isinstance(item, dict) and item["_id"] for item in items)
    blink = next(d for d in actors if d.data["name"] == "Blink Dog")
    assert blink.origin.endswith(":!actors!00UAmjX4P9e6jdWy")
    assert "Bite" in [item["name"] for item in blink.data["items"]]
    assert {(d.core_version, d.system_id) for d in actors} == {("13.342", "wwn")}


def test_wwn_leveldb_pack(foundry_fixtures: Path) -> None:
    source = read_foundry(foundry_fixtures / "wwn-leveldb" / "ose-monsters")

    assert source.kind == "LevelDB pack"
    check_wwn(source)
    assert {d.pack for d in source.docs} == {"ose-monsters"}


def test_wwn_pack_through_a_module_manifest(foundry_fixtures: Path, tmp_path: Path) -> None:
    module = tmp_path / "wwn-monsters"
    shutil.copytree(
        foundry_fixtures / "wwn-leveldb" / "ose-monsters", module / "packs" / "ose-monsters"
    )
    ownership = {"PLAYER": "OBSERVER", "ASSISTANT": "OWNER"}
    manifest = {
        "id": "wwn-monsters",
        "title": "WWN Monsters",
        "compatibility": {"minimum": "11", "verified": "13.342"},
        "packs": [
            {
                "name": "ose-monsters",
                "label": "OSE Monsters",
                "path": "packs/ose-monsters.db",
                "type": "Actor",
                "system": "wwn",
                "ownership": ownership,
            },
            {"name": "lost-pack", "label": "Lost", "path": "packs/lost.db", "type": "Item"},
        ],
    }
    (module / "module.json").write_text(json.dumps(manifest))
    seen: list[tuple[str, int, int]] = []

    source = read_foundry(module, progress=lambda *args: seen.append(args))

    assert source.kind == "wwn-monsters module packs"
    assert source.title == "WWN Monsters"
    check_wwn(source)
    assert source.pack_ownership == {"ose-monsters": ownership}
    assert [(s.origin, s.reason) for s in source.skipped] == [
        (
            "module.json: pack 'lost-pack' (packs/lost.db)",
            "listed in the manifest, but neither packs/lost.db nor packs/lost exists",
        )
    ]
    assert seen[-1][1:] == (2, 2)
    # The copy in tmp_path is still what was copied: reading wrote nothing.
    original = sorted(p.name for p in (foundry_fixtures / "wwn-leveldb" / "ose-monsters").iterdir())
    assert sorted(p.name for p in (module / "packs" / "ose-monsters").iterdir()) == original


def test_the_pack_alone_finds_its_module_manifest(foundry_fixtures: Path, tmp_path: Path) -> None:
    module = tmp_path / "mod"
    (module / "packs").mkdir(parents=True)
    shutil.copy(foundry_fixtures / "dnd5e-2.4.1-nedb" / "heroes.db", module / "packs" / "heroes.db")
    manifest = {
        "name": "heroes-mod",
        "title": "Heroes",
        "packs": [
            {
                "name": "pcs",
                "label": "Sample Heroes",
                "path": "./packs/heroes.db",
                "entity": "Actor",
            }
        ],
    }
    (module / "module.json").write_text(json.dumps(manifest))

    source = read_foundry(module / "packs" / "heroes.db")

    assert source.title == "Sample Heroes"
    assert {d.pack for d in source.docs} == {"pcs"}


def test_packs_folder_of_a_module_uses_its_manifest(foundry_fixtures: Path, tmp_path: Path) -> None:
    module = tmp_path / "mod"
    (module / "packs").mkdir(parents=True)
    shutil.copy(
        foundry_fixtures / "dnd5e-2.4.1-nedb" / "tradegoods.db", module / "packs" / "goods.db"
    )
    ownership = {"PLAYER": "LIMITED"}
    pack = {"name": "trade", "path": "packs/goods.db", "type": "Item", "ownership": ownership}
    (module / "module.json").write_text(json.dumps({"id": "mod", "packs": [pack]}))

    source = read_foundry(module / "packs")

    assert source.kind == "folder of Foundry packs"
    assert len(source.docs) == 23 and {d.pack for d in source.docs} == {"trade"}
    assert source.pack_ownership == {"trade": ownership}


def test_a_db_named_folder_is_read_as_leveldb(foundry_fixtures: Path, tmp_path: Path) -> None:
    shutil.copytree(foundry_fixtures / "wwn-leveldb" / "ose-monsters", tmp_path / "monsters.db")

    source = read_foundry(tmp_path / "monsters.db")

    assert source.kind == "LevelDB pack" and len(source.docs) == 147
