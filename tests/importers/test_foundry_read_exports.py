"""Single JSON/YAML document files: "Export Data" (v13 and v12 style) and pf2e-style folders.

No genuine Export Data file is available, so the exports here are SYNTHETIC:
a fixture document with ``_id``/``_key``/``sort`` removed and an ``exportSource``
added, as Foundry's exportToJSON does.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml

from storyai.core.importers.foundry.read import read_foundry


def load_yaml(path: Path) -> dict[str, Any]:
    return yaml.safe_load(path.read_text())


def as_export(doc: dict[str, Any]) -> dict[str, Any]:
    """Synthetic export: drop the ids Foundry drops (embedded ``_key``s too)."""
    out = {k: v for k, v in doc.items() if k not in ("_id", "_key", "sort")}
    for item in out.get("items", []):
        item.pop("_key", None)
    return out


def test_v13_export_data(foundry_fixtures: Path, tmp_path: Path) -> None:
    goblin = as_export(load_yaml(foundry_fixtures / "dnd5e-5.3.3-source-yaml/monsters/goblin.yml"))
    goblin["_stats"]["exportSource"] = {
        "worldId": "my-world",
        "uuid": "Actor.TjWQOgI3A4UAl7lC",
        "coreVersion": "13.351",
        "systemId": "dnd5e",
        "systemVersion": "5.3.3",
    }
    file = tmp_path / "fvtt-Actor-goblin-TjWQOgI3A4UAl7lC.json"
    file.write_text(json.dumps(goblin, indent=2))

    source = read_foundry(file)

    assert source.kind == "Export Data JSON"
    assert source.title == "Goblin"
    [doc] = source.docs
    assert (doc.document, doc.origin, doc.pack) == ("Actor", file.name, "")
    assert len(doc.data["items"]) == 5
    # _stats.coreVersion is the document's own; the export source fills what _stats lacks
    assert (doc.core_version, doc.system_id, doc.system_version) == ("13.344", "dnd5e", "4.0.0")


def test_export_without_stats_takes_the_export_source(tmp_path: Path) -> None:
    doc = {
        "name": "Old Map",
        "type": "loot",
        "system": {"description": {"value": "<p>A map.</p>"}},
        "flags": {
            "exportSource": {
                "world": "w",
                "system": "dnd5e",
                "coreVersion": "12.331",
                "systemVersion": "3.3.1",
            }
        },
    }
    file = tmp_path / "map.json"
    file.write_text(json.dumps(doc, indent=2))

    [item] = read_foundry(file).docs

    assert (item.document, item.core_version, item.system_id, item.system_version) == (
        "Item",
        "12.331",
        "dnd5e",
        "3.3.1",
    )


def test_v12_style_flags_export_source(foundry_fixtures: Path, tmp_path: Path) -> None:
    sword = as_export(
        json.loads((foundry_fixtures / "dnd5e-3.3.1-source-json/items/longsword.json").read_text())
    )
    sword.pop("_stats")
    sword["flags"]["exportSource"] = {
        "world": "my-world",
        "system": "dnd5e",
        "coreVersion": "11.315",
        "systemVersion": "3.3.1",
    }
    file = tmp_path / "fvtt-Item-longsword.json"
    file.write_text(json.dumps(sword, indent=2))

    source = read_foundry(file)

    assert source.kind == "Export Data JSON"
    [doc] = source.docs
    assert (doc.document, doc.data["name"]) == ("Item", "Longsword")
    assert (doc.core_version, doc.system_id, doc.system_version) == ("11.315", "dnd5e", "3.3.1")


def test_pre_v10_export_has_no_core_version(tmp_path: Path) -> None:
    old = {
        "name": "Orc",
        "type": "npc",
        "data": {"abilities": {"str": {"value": 16}}},
        "token": {"name": "Orc"},
        "items": [],
        "permission": {"default": 0},
        "flags": {"exportSource": {"world": "w", "system": "dnd5e", "coreVersion": "0.7.9"}},
    }
    file = tmp_path / "orc.json"
    file.write_text(json.dumps(old, indent=2))

    source = read_foundry(file)

    [doc] = source.docs
    assert (doc.document, doc.core_version, doc.system_id) == ("Actor", "", "dnd5e")
    assert source.core_version == "0.7.9"


def test_pf2e_style_folder_without_keys(tmp_path: Path) -> None:
    pack = tmp_path / "pf2e" / "bestiary"
    pack.mkdir(parents=True)
    npc = {
        "_id": "p1",
        "name": "Goblin Warrior",
        "type": "npc",
        "system": {"details": {"level": {"value": -1}}},
        "prototypeToken": {},
        "items": [{"_id": "s1", "name": "Dogslicer", "type": "melee", "system": {}}],
    }
    (pack / "goblin-warrior.json").write_text(json.dumps(npc))
    folders = [{"_id": "f1", "name": "Goblins", "type": "Actor", "sorting": "a", "folder": None}]
    (pack / "_folders.json").write_text(json.dumps(folders))
    (pack / "notes.json").write_text(json.dumps({"hello": "world"}))

    source = read_foundry(tmp_path / "pf2e")

    assert [(d.document, d.data["name"], d.pack) for d in source.docs] == [
        ("Folder", "Goblins", "bestiary"),
        ("Actor", "Goblin Warrior", "bestiary"),
    ]
    assert source.docs[1].core_version == ""
    [skip] = source.skipped
    assert skip.origin == "bestiary/notes.json"
    assert skip.reason.startswith("the document type can't be told")
