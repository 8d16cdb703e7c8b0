"""`storyai import card` and `storyai export card` as a user runs them, on both databases."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest
from cards_support import card_png, png_text_chunks, v3_card, worldinfo, write_json

pytestmark = pytest.mark.usefixtures("cli_database")


def installed(cli) -> dict[str, list[str]]:
    data = json.loads(cli("world", "list", "--json").stdout)
    return {w["id"]: w["versions"] for w in data["installed"]}


def test_a_card_becomes_a_playable_world_and_exports_back(cli, tmp_path: Path) -> None:
    original = v3_card()
    card = card_png(tmp_path / "seraphina.png", ccv3=original)
    out = cli("import", "card", card).output
    assert "Character Card V3" in out and "Seraphina" in out
    assert "disabled" in out  # the disabled lorebook entry is listed as skipped, with why
    assert "Created seraphina 1.0.0" in out

    # it plays: the opening is the card's first message, the character is there
    story = cli("run", "seraphina", "--seed", "1", input="look\n").output
    assert "kneels beside you" in story
    assert "Seraphina" in story

    cli("export", "card", "seraphina/seraphina", "--format", "png", "-o", "back.png")
    chunks = png_text_chunks(Path("back.png").read_bytes())
    exported = json.loads(base64.b64decode(chunks["ccv3"]))
    v2 = json.loads(base64.b64decode(chunks["chara"]))
    assert exported["spec"] == "chara_card_v3" and v2["spec"] == "chara_card_v2"
    data = exported["data"]
    assert data["extensions"] == original["data"]["extensions"]
    assert data["x_unknown_field"] == {"keep": "me"}
    assert exported["x_top_level"] == {"kept": True}
    book = data["character_book"]
    assert book["extensions"] == {"x_book": [1, 2, 3]}
    assert {e["id"]: e.get("extensions") for e in book["entries"]} == {
        e["id"]: e.get("extensions") for e in original["data"]["character_book"]["entries"]
    }

    # and the exported card imports again as the same character (an update, not a copy)
    again = json.loads(cli("import", "card", "back.png", "--into", "seraphina", "--json").stdout)
    assert {e["action"] for e in again["imported"]} <= {"replaced", "unchanged"}
    assert [e["id"] for e in again["imported"] if e["section"] == "characters"] == ["seraphina"]


def test_a_lorebook_goes_into_an_existing_world(cli, tmp_path: Path) -> None:
    card_png(tmp_path / "seraphina.png", ccv3=v3_card())
    cli("import", "card", "seraphina.png")
    book = write_json(tmp_path / "world-info.json", worldinfo())
    report = json.loads(cli("import", "card", book, "--into", "seraphina", "--json").stdout)
    assert report["kind"] == "SillyTavern World Info"
    assert report["version"] == "1.0.1"
    assert {e["section"] for e in report["imported"]} == {"lore"}
    assert installed(cli)["seraphina"] == ["1.0.1", "1.0.0"]


def test_a_broken_card_is_refused_by_name_and_nothing_is_written(cli, tmp_path: Path) -> None:
    broken = tmp_path / "broken.png"
    broken.write_bytes(b"GIF89a" + b"\x00" * 32)
    out = cli("import", "card", broken, code=1).output
    assert "broken.png" in out
    assert installed(cli) == {}


def test_exporting_a_hand_written_character_as_json(cli) -> None:
    cli("world", "install", "ember_hollow")  # a bundled world, by its name
    out = cli("export", "card", "hesta", "--world", "ember_hollow", "-o", "h.json").output
    assert "Reeve Hesta" in out  # the format follows the file name
    card = json.loads(Path("h.json").read_text(encoding="utf-8"))
    assert card["spec"] == "chara_card_v3"
    assert card["data"]["name"] == "Reeve Hesta"
    clash = cli(
        "export", "card", "hesta", "-w", "ember_hollow", "-f", "png", "-o", "h.json", code=1
    )
    assert "does not match the file name h.json" in clash.output
    missing = cli("export", "card", "nobody", "--world", "ember_hollow", code=1).output
    assert "has no character 'nobody'" in missing
