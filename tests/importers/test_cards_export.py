"""Exporting characters as cards, and round trips through our world."""

from __future__ import annotations

import base64
import json
import os
import struct
import zlib
from pathlib import Path

import pytest
from cards_support import (
    card_png,
    png_bytes,
    png_text_chunks,
    skipped_reasons,
    text_chunk,
    v1_card,
    v2_card,
    v3_card,
    validated,
    write_json,
)

from storyai.core.domain.world import Character, LoreEntry
from storyai.core.importers.cards import (
    card_from_character,
    plan_from_card_file,
    v2_backfill,
    write_card_json,
    write_card_png,
)
from storyai.core.importers.errors import ImportRefused

V3_REQUIRED = {
    "name": str,
    "description": str,
    "tags": list,
    "creator": str,
    "character_version": str,
    "mes_example": str,
    "extensions": dict,
    "system_prompt": str,
    "post_history_instructions": str,
    "first_mes": str,
    "alternate_greetings": list,
    "personality": str,
    "scenario": str,
    "creator_notes": str,
    "group_only_greetings": list,
}
V2_REQUIRED = {key: kind for key, kind in V3_REQUIRED.items() if key != "group_only_greetings"}


def _import(path: Path) -> tuple[str, Character, dict[str, LoreEntry], list[str]]:
    plan = plan_from_card_file(path)
    models = validated(plan)
    [(char_id, character)] = models["characters"].items()
    return char_id, character, models["lore"], skipped_reasons(plan)


def _lore_summary(lore: dict[str, LoreEntry]) -> list[tuple]:
    return sorted((e.title, e.keywords, e.text, e.priority, e.tags) for e in lore.values())


def _extensions(card: dict) -> list:
    """Every extensions map and unknown field, from every level of a V3 card."""
    data = card["data"]
    book = data["character_book"]
    return [
        card["x_top_level"],
        data["extensions"],
        data["x_unknown_field"],
        data["assets"],
        data["source"],
        book["extensions"],
        book["description"],
        book["scan_depth"],
        [entry["extensions"] for entry in book["entries"]],
        book["entries"][4]["x_entry_field"],
    ]


def _assert_v3_shape(card: dict) -> None:
    assert card["spec"] == "chara_card_v3" and card["spec_version"] == "3.0"
    for key, kind in V3_REQUIRED.items():
        assert isinstance(card["data"][key], kind), key


def test_round_trip_of_a_v3_png_keeps_everything(tmp_path):
    original = v3_card()
    char_id, character, lore, skipped = _import(card_png(tmp_path / "sera.png", ccv3=original))
    exported = card_from_character(character, char_id, lore)
    _assert_v3_shape(exported)
    out = tmp_path / "out" / "sera.png"
    out.parent.mkdir()
    write_card_png(exported, out)

    char_id2, character2, lore2, skipped2 = _import(out)
    assert char_id2 == char_id
    assert character2.model_dump(exclude={"source"}) == character.model_dump(exclude={"source"})
    assert _lore_summary(lore2) == _lore_summary(lore)
    assert skipped2 == skipped  # the disabled and the empty entry are still in the book
    reread = character2.source.raw
    assert _extensions(reread) == _extensions(original)
    # untouched text comes back exactly as written: macros, decorators, regex keys
    assert reread["data"]["description"] == original["data"]["description"]
    glade = reread["data"]["character_book"]["entries"][0]
    assert glade == original["data"]["character_book"]["entries"][0]
    assert {e.source.ref for e in lore2.values()} == {e.source.ref for e in lore.values()}


def test_exported_png_has_v2_and_v3_chunks(tmp_path):
    char_id, character, lore, _ = _import(card_png(tmp_path / "sera.png", ccv3=v3_card()))
    path = tmp_path / "export.png"
    write_card_png(card_from_character(character, char_id, lore), path)
    chunks = png_text_chunks(path.read_bytes())
    assert set(chunks) == {"chara", "ccv3"}
    v3 = json.loads(base64.b64decode(chunks["ccv3"]))
    _assert_v3_shape(v3)
    # what a reader that only knows V2 sees
    v2 = json.loads(base64.b64decode(chunks["chara"]))
    assert v2["spec"] == "chara_card_v2" and v2["spec_version"] == "2.0"
    data = v2["data"]
    for key, kind in V2_REQUIRED.items():
        assert isinstance(data[key], kind), key
    assert data["name"] == "Seraphina"
    assert data["first_mes"] == v3_card()["data"]["first_mes"]
    assert data["alternate_greetings"] == ["The glade is quiet tonight."]
    assert "group_only_greetings" not in data
    assert data["extensions"] == v3_card()["data"]["extensions"]
    assert data["creator_notes"].startswith("This character card is Character Card V3")
    glade = data["character_book"]["entries"][0]
    assert glade["content"] == "The glade heals those who rest in it."  # no decorators in V2


def test_png_export_into_a_given_picture_replaces_old_card_chunks(tmp_path):
    picture = png_bytes(text_chunk("chara", b"b2xk"), text_chunk("Title", b"portrait"), size=8)
    card = card_from_character(Character(name="Ana", description="A smith."), "ana", {})
    path = tmp_path / "ana.png"
    write_card_png(card, path, image=picture)
    data = path.read_bytes()
    chunks = png_text_chunks(data)
    assert set(chunks) == {"chara", "ccv3", "Title"}
    assert data.startswith(png_bytes(size=8)[:-12])  # the picture (IHDR, IDAT) is kept
    assert plan_from_card_file(path).title == "Ana"


def test_a_picture_that_is_not_a_png_is_refused(tmp_path):
    card = card_from_character(Character(name="Ana"), "ana", {})
    path = tmp_path / "ana.png"
    with pytest.raises(ImportRefused) as caught:
        write_card_png(card, path, image=b"GIF89a\x01\x00")
    assert caught.value.message == (
        "the picture for the card cannot be used: the image is not a PNG (it starts with 'GIF89a')"
    )
    truncated = png_bytes()[:-20]
    with pytest.raises(ImportRefused, match="the PNG image"):
        write_card_png(card, path, image=truncated)
    assert not path.exists()


def test_placeholder_png_is_a_real_picture(tmp_path):
    path = tmp_path / "npc.png"
    write_card_png(card_from_character(Character(name="Ana"), "ana", {}), path)
    data = path.read_bytes()
    png_text_chunks(data)  # every CRC checks out
    width, height, depth, colour = struct.unpack(">IIBB", data[16:26])
    assert (width, height, depth, colour) == (256, 256, 8, 2)
    (idat_length,) = struct.unpack(">I", data[33:37])
    assert data[37:41] == b"IDAT"
    pixels = zlib.decompress(data[41 : 41 + idat_length])
    assert len(pixels) == 256 * (1 + 256 * 3)


def test_edits_in_the_world_go_back_into_the_card(tmp_path):
    char_id, character, lore, _ = _import(card_png(tmp_path / "sera.png", ccv3=v3_card()))
    character = character.model_copy(
        update={
            "description": "Sera guards the glade, and now the river too.",
            "dialogue": character.dialogue.model_copy(update={"lines": ["The river is rising."]}),
            "tags": ["fantasy", "river"],
        }
    )
    by_title = {entry.title: lore_id for lore_id, entry in lore.items()}
    glade_id = by_title["The Glade"]
    lore[glade_id] = lore[glade_id].model_copy(
        update={"text": "The glade heals, but only at night.", "keywords": ["glade", "night"]}
    )
    del lore[by_title["wolves"]]
    lore["river"] = LoreEntry(title="River", keywords=["river"], text="The river is cold.")

    exported = card_from_character(character, char_id, lore)
    data = exported["data"]
    assert data["description"] == "Sera guards the glade, and now the river too."
    assert data["alternate_greetings"] == ["The river is rising."]
    assert data["group_only_greetings"] == ["Welcome, all of you."]  # untouched
    assert data["tags"] == ["fantasy", "river"]
    entries = data["character_book"]["entries"]
    glade = entries[0]
    assert glade["content"] == "@@depth 4\n@@role system\nThe glade heals, but only at night."
    assert glade["keys"] == ["glade", "/moon(lit)?/i", "night"]  # the regex key is kept
    assert glade["secondary_keys"] == ["clearing"]  # never a keyword: kept as it was
    assert glade["extensions"] == {"x_entry": {"weight": 7}}
    assert [e.get("name") or e.get("comment") for e in entries] == [
        "The Glade",
        "Spirits",
        None,  # disabled: kept as it was
        None,  # empty: kept as it was
        "River",  # wolves were deleted; the new lore is added
    ]
    assert entries[-1]["id"] == 5 and entries[-1]["keys"] == ["river"]

    path = tmp_path / "edited.png"
    write_card_png(exported, path)
    _, again, lore_again, _ = _import(path)
    assert again.description == "Sera guards the glade, and now the river too."
    assert _lore_summary(lore_again) == _lore_summary(lore)


@pytest.mark.parametrize("builder", [v1_card, v2_card], ids=["V1", "V2"])
def test_older_cards_are_upgraded_to_v3(tmp_path, builder):
    char_id, character, lore, _ = _import(write_json(tmp_path / "old.json", builder()))
    exported = card_from_character(character, char_id, lore)
    _assert_v3_shape(exported)
    original = builder()
    fields = original.get("data", original)
    for key in ("name", "description", "scenario", "first_mes", "mes_example"):
        assert exported["data"][key] == fields[key]
    if builder is v2_card:
        assert exported["data"]["extensions"] == {"talkativeness": "0.5"}
        assert len(exported["data"]["character_book"]["entries"]) == 2


def test_sillytavern_top_level_copies_follow_edits(tmp_path):
    card = v2_card()
    card.update({k: card["data"][k] for k in ("name", "description", "first_mes")})
    card["create_date"] = "2024-1-1"
    char_id, character, lore, _ = _import(write_json(tmp_path / "st.json", card))
    edited = character.model_copy(update={"description": "A new description."})
    exported = card_from_character(edited, char_id, lore)
    assert exported["description"] == exported["data"]["description"] == "A new description."
    assert exported["first_mes"] == card["first_mes"]
    assert exported["create_date"] == "2024-1-1"


def test_hand_written_character_exports_as_a_card(tmp_path):
    ana = Character(
        name="Ana the Smith",
        description="A broad-shouldered smith.",
        backstory="She forged the king's sword.",
        personality="blunt",
        voice="Short sentences. Laughs loudly.",
        dialogue={"greeting": "Need a blade?", "lines": ["Mind the sparks."]},
        tags=["smith"],
    )
    forge = LoreEntry(title="The forge", keywords=["forge"], text="Hot.", priority=20)
    card = card_from_character(ana, "ana", {"forge": forge})
    _assert_v3_shape(card)
    data = card["data"]
    assert data["description"] == "A broad-shouldered smith.\n\nShe forged the king's sword."
    assert data["mes_example"] == "Short sentences. Laughs loudly."
    assert data["first_mes"] == "Need a blade?"
    assert data["alternate_greetings"] == ["Mind the sparks."]
    assert data["extensions"] == {"storyai": {"character_id": "ana"}}
    [entry] = data["character_book"]["entries"]
    assert entry["keys"] == ["forge"] and entry["content"] == "Hot."
    assert entry["insertion_order"] == 300 and entry["enabled"] is True  # 100 + 10 x 20

    path = tmp_path / "ana.json"
    write_card_json(card, path)
    _, again, lore, _ = _import(path)
    assert again.name == "Ana the Smith" and again.dialogue.greeting == "Need a blade?"
    assert [e.title for e in lore.values()] == ["The forge"]


def test_json_export_is_utf8_with_indent(tmp_path):
    card = card_from_character(Character(name="Zoë", description="Café owner."), "zoe", {})
    path = tmp_path / "zoe.json"
    write_card_json(card, path)
    text = path.read_text(encoding="utf-8")
    assert text.startswith('{\n  "spec": "chara_card_v3",\n  "spec_version": "3.0",')
    assert '"name": "Zoë"' in text


def test_writes_are_atomic(tmp_path, monkeypatch):
    path = tmp_path / "card.json"
    path.write_text("old contents", encoding="utf-8")

    def broken_replace(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", broken_replace)
    card = card_from_character(Character(name="Ana"), "ana", {})
    with pytest.raises(ImportRefused, match=r"^cannot write .*card\.json: disk full$"):
        write_card_json(card, path)
    with pytest.raises(ImportRefused, match=r"^cannot write .*card\.png: disk full$"):
        write_card_png(card, tmp_path / "card.png")
    assert path.read_text(encoding="utf-8") == "old contents"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["card.json"]


def test_v2_backfill_of_a_minimal_card():
    v2 = v2_backfill({"spec": "chara_card_v3", "spec_version": "3.0", "data": {"name": "X"}})
    assert v2["spec"] == "chara_card_v2"
    for key, kind in V2_REQUIRED.items():
        assert isinstance(v2["data"][key], kind), key
    assert "character_book" not in v2["data"]
