"""Imported titles and names that look like Rich markup are printed exactly as written.

A Foundry world titled ``Trap [/] x`` with an actor ``Goblin [/]`` once made every
``world list`` crash with a MarkupError, and ``Twodsix [dev]`` was listed as "Twodsix".
The world below is synthetic, written for this test.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

pytestmark = pytest.mark.usefixtures("cli_database")


@pytest.fixture(autouse=True)
def wide_tables(monkeypatch: pytest.MonkeyPatch) -> None:
    """Wide enough that no table cell wraps a name over two lines."""
    monkeypatch.setenv("COLUMNS", "250")


NAMES = ["Goblin [/]", "Sword of [bold]Night[/bold]", "Notes [dev]", "Pit [red]"]


def foundry_world(root: Path) -> Path:
    (root / "data").mkdir(parents=True)
    manifest = {"id": "trap-world", "title": "Trap [/] x", "system": "dnd5e"}
    (root / "world.json").write_text(json.dumps(manifest), encoding="utf-8")
    actor = {
        "_id": "goblin0000000001",
        "name": "Goblin [/]",
        "type": "npc",
        "system": {"attributes": {"hp": {"value": 7, "max": 7}, "ac": {"flat": 15}}},
        "items": [],
    }
    item = {
        "_id": "sword00000000001",
        "name": "Sword of [bold]Night[/bold]",
        "type": "weapon",
        "system": {"damage": {"parts": [["1d8", "slashing"]]}, "weight": 3},
    }
    journal = {
        "_id": "notes00000000001",
        "name": "Notes [dev]",
        "pages": [
            {
                "_id": "page000000000001",
                "name": "Notes [dev]",
                "type": "text",
                "text": {"content": "<p>The [/] trap is under the rug.</p>"},
            }
        ],
        "ownership": {"default": 2},
    }
    scene = {"_id": "scene00000000001", "name": "Pit [red]", "notes": [], "tokens": []}
    for name, doc in (
        ("actors", actor),
        ("items", item),
        ("journal", journal),
        ("scenes", scene),
    ):
        (root / "data" / f"{name}.db").write_text(json.dumps(doc) + "\n", encoding="utf-8")
    return root


def test_markup_like_names_are_shown_exactly_everywhere(cli, tmp_path: Path) -> None:
    world = foundry_world(tmp_path / "trap")
    report = cli("import", "foundry", world).output
    assert "Created trap_x 1.0.0" in report
    for name in NAMES:
        assert name in report, name

    listed = cli("world", "list").output
    assert "Trap [/] x" in listed

    shown = cli("world", "show", "trap_x").output
    assert "Trap [/] x" in shown
    for name in NAMES:
        assert name in shown, name

    assert "Trap [/] x" in cli("world", "graph", "trap_x").output
    cli("world", "export", "trap_x", "--to", tmp_path / "exported")
    validated = cli("world", "validate", tmp_path / "exported").output
    assert "Trap [/] x" in validated
    dry = cli("import", "foundry", world, "--into", "trap_x", "--dry-run").output
    assert "already holds exactly this" in dry or "Dry run" in dry
    forked = cli("world", "fork", "trap_x", "trap_copy").output
    assert "Trap [/] x" in forked


def test_a_world_titled_like_a_style_tag_keeps_its_whole_title(cli, tmp_path: Path) -> None:
    world = foundry_world(tmp_path / "dev")
    manifest = json.loads((world / "world.json").read_text())
    manifest["title"] = "Twodsix [dev]"
    (world / "world.json").write_text(json.dumps(manifest))
    cli("import", "foundry", world, "--new", "twodsix")
    listed = cli("world", "list").output
    assert "Twodsix [dev]" in listed
    assert "Twodsix [dev]" in cli("world", "show", "twodsix").output
