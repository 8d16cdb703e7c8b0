"""Importing character cards and lorebooks: what lands in the world, format by format."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from cards_support import (
    b64,
    book_entry,
    card_png,
    charx_bytes,
    lore_by_title,
    lorebook_v3,
    png_bytes,
    skipped_reasons,
    text_chunk,
    v1_card,
    v2_card,
    v3_card,
    validated,
    worldinfo,
    write_json,
)

from storyai.core.importers.cards import plan_from_card_file

BUILDERS = {"V1": v1_card, "V2": v2_card, "V3": v3_card}


def _write(tmp_path: Path, container: str, card: dict) -> Path:
    if container == "JSON":
        return write_json(tmp_path / "card.json", card)
    if container == "PNG":
        keyword = "ccv3" if card.get("spec") == "chara_card_v3" else "chara"
        return card_png(tmp_path / "card.png", **{keyword: card})
    path = tmp_path / "card.charx"
    path.write_bytes(charx_bytes({"card.json": json.dumps(card).encode()}))
    return path


@pytest.mark.parametrize("container", ["JSON", "PNG", "CHARX"])
@pytest.mark.parametrize("version", ["V1", "V2", "V3"])
def test_every_card_version_in_every_container(tmp_path, version, container):
    card = BUILDERS[version]()
    plan = plan_from_card_file(_write(tmp_path, container, card))
    assert plan.kind == f"Character Card {version} ({container})"
    models = validated(plan)
    [character] = models["characters"].values()
    [location] = models["locations"].values()
    name = card.get("data", card)["name"]
    assert character.name == plan.title == name
    assert character.source.format == "card"
    assert character.source.version == f"Character Card {version}"
    assert character.source.raw == card
    assert location.characters == list(models["characters"])


def test_v1_card_fields(tmp_path):
    plan = plan_from_card_file(write_json(tmp_path / "tom.json", v1_card()))
    [entry] = [e for e in plan.entries if e.section == "characters"]
    tom = validated(plan)["characters"][entry.id]
    assert entry.id == "old_tom" and entry.kind == "npc"
    assert tom.description == "Old Tom is a ferryman who has crossed the river a thousand times."
    assert tom.personality == "gruff, honest"
    assert tom.voice == "<START>\nYou: How deep is it?\nOld Tom: Deep enough."
    assert tom.dialogue.greeting == "*Old Tom holds out a hand.* A coin for the crossing, you."
    assert plan.start_text == tom.dialogue.greeting
    assert tom.source.ref == "card:Old Tom|" and tom.source.file == "tom.json"
    [scene] = validated(plan)["locations"].values()
    assert scene.description == "A misty river crossing at dawn."
    assert not [e for e in plan.entries if e.section == "lore"]


def test_v2_card_fields_and_embedded_book(tmp_path):
    plan = plan_from_card_file(write_json(tmp_path / "mira.json", v2_card()))
    mira = next(iter(validated(plan)["characters"].values()))
    assert mira.dialogue.lines == ["Storm's coming.", "You again?"]
    assert mira.tags == ["mystery", "sea"]
    assert mira.source.ref == "card:Mira|tester"
    assert mira.backstory == ""
    lore = lore_by_title(plan)
    assert lore["lamp"].keywords == ["lamp", "lens"]
    assert lore["wreck"].text == "The Alba sank here in a gale."
    # insertion_order 100 (the usual) is priority 0; the lower order 10 is less important
    assert lore["lamp"].priority == 0 and lore["wreck"].priority == -9
    assert lore["lamp"].source.format == "card"
    assert lore["lamp"].source.ref == "Gull Rock#0"
    assert lore["lamp"].source.raw == v2_card()["data"]["character_book"]["entries"][0]


def test_v3_card_fields(tmp_path):
    plan = plan_from_card_file(write_json(tmp_path / "sera.json", v3_card()))
    sera = next(iter(validated(plan)["characters"].values()))
    # {{char}} is the V3 nickname; {{user}} is "you" in what is said to the player
    assert sera.dialogue.greeting == "*Sera kneels beside you.* Easy now. You're safe here."
    assert sera.description == "Sera guards the glade."
    assert sera.dialogue.lines == ["The glade is quiet tonight."]  # not the group greeting
    scene = next(iter(validated(plan)["locations"].values()))
    assert scene.description == "A moonlit glade where you wake up, hurt."
    assert (
        "sera.json: system_prompt, creator_notes are kept with the card (for export) "
        "but not used in play"
    ) in plan.warnings


def test_v3_book_entries(tmp_path):
    plan = plan_from_card_file(write_json(tmp_path / "sera.json", v3_card()))
    lore = lore_by_title(plan)
    assert set(lore) == {"The Glade", "Spirits", "wolves"}
    assert lore["wolves"].text == "Wolves avoid Sera's glade."  # {{char}} is the nickname
    glade = lore["The Glade"]
    assert glade.text == "The glade heals those who rest in it."  # decorators removed
    # the regex key is left out; the secondary key is not selective, so it is ignored
    assert glade.keywords == ["glade"]
    assert "@@depth 4" in glade.source.raw["content"]  # ...but kept in raw
    assert any("'The Glade'" in w and "regular-expression" in w for w in plan.warnings)
    spirits = lore["Spirits"]
    assert spirits.priority == 100 and spirits.tags == ["always"]
    assert spirits.keywords == ["Spirits"]
    reasons = dict(zip([s.origin for s in plan.skipped], skipped_reasons(plan), strict=True))
    assert reasons == {
        "sera.json: Glade lore #3": "disabled in the lorebook (enabled: false)",
        "sera.json: Glade lore #4": "empty content",
    }


def test_png_with_both_chunks_prefers_v3(tmp_path):
    old = v2_card()
    old["data"]["name"] = "Backfilled Name"
    plan = plan_from_card_file(card_png(tmp_path / "both.png", ccv3=v3_card(), chara=old))
    assert plan.kind == "Character Card V3 (PNG)"
    assert plan.title == "Seraphina"
    assert plan.entries[0].data["source"]["raw"] == v3_card()


def test_png_with_broken_ccv3_reads_chara_and_says_so(tmp_path):
    path = tmp_path / "half.png"
    path.write_bytes(
        png_bytes(text_chunk("chara", b64(v2_card())), text_chunk("ccv3", b"%%not base64%%"))
    )
    plan = plan_from_card_file(path)
    assert plan.kind == "Character Card V2 (PNG)" and plan.title == "Mira"
    assert any("half.png" in w and "'ccv3'" in w for w in plan.warnings)


def test_charx_notes_assets_left_in_the_archive(tmp_path):
    path = tmp_path / "sera.charx"
    path.write_bytes(
        charx_bytes(
            {
                "card.json": json.dumps(v3_card()).encode(),
                "assets/icon/images/main.png": png_bytes(),
                "x_risu.json": b"{}",
            }
        )
    )
    plan = plan_from_card_file(path)
    assert plan.kind == "Character Card V3 (CHARX)"
    assert any("1 embedded asset" in w for w in plan.warnings)


def test_format_is_told_by_content_not_name(tmp_path):
    path = card_png(tmp_path / "goblin.json", ccv3=v3_card())
    plan = plan_from_card_file(path)
    assert plan.kind == "Character Card V3 (PNG)"
    assert "goblin.json: named .json but it is a PNG file" in plan.warnings


def test_card_without_scenario_gets_a_meeting_place(tmp_path):
    card = v2_card(scenario="", first_mes="")
    plan = plan_from_card_file(write_json(tmp_path / "mira.json", card))
    [scene] = [e for e in plan.entries if e.section == "locations"]
    assert scene.kind == "meeting place"
    assert scene.data["description"] == "A quiet place where you meet Mira."
    assert scene.data["characters"] == ["mira"]
    assert plan.start_text == "You meet Mira."


def test_lorebook_v3(tmp_path):
    plan = plan_from_card_file(write_json(tmp_path / "harbour.json", lorebook_v3()))
    assert plan.kind == "Lorebook V3" and plan.title == "Harbour"
    assert not [e for e in plan.entries if e.section != "lore"]
    lore = lore_by_title(plan)
    assert lore["harbour"].keywords == ["harbour", "docks"]
    assert lore["harbour"].source.format == "lorebook"
    assert lore["harbour"].source.ref == "Harbour#0"
    assert skipped_reasons(plan) == ["empty content"]


@pytest.mark.parametrize("as_list", [False, True], ids=["dict entries", "list entries"])
def test_sillytavern_world_info(tmp_path, as_list):
    doc = worldinfo(entries_as_list=as_list)
    plan = plan_from_card_file(write_json(tmp_path / "vire.json", doc))
    assert plan.kind == "SillyTavern World Info"
    assert plan.title == ("vire" if as_list else "Vire")
    lore = lore_by_title(plan)
    assert set(lore) == {"The castle", "Weather", "Dragons"}
    castle = lore["The castle"]
    assert castle.keywords == ["castle", "keep"]  # "walls" only narrows the entry
    assert castle.source.format == "worldinfo"
    assert castle.source.ref == f"{plan.title}#0"
    assert castle.source.raw["excludeRecursion"] is True
    assert lore["Weather"].priority == 100 and "always" in lore["Weather"].tags
    assert lore["Dragons"].keywords == ["Dragons"]  # only a regex key: the title is used
    assert any("'Dragons'" in w and "title is their keyword" in w for w in plan.warnings)
    assert skipped_reasons(plan) == ["disabled in World Info (disable: true)"]


def test_bare_character_book_json(tmp_path):
    book = {"name": "Loose book", "entries": [book_entry(7, ["moon"], "The moon is red.")]}
    plan = plan_from_card_file(write_json(tmp_path / "book.json", book))
    assert plan.kind == "Character Book (lorebook JSON)"
    [moon] = validated(plan)["lore"].values()
    assert moon.source.ref == "Loose book#7" and moon.keywords == ["moon"]


def test_entry_without_keys_uses_its_title(tmp_path):
    book = {"entries": [book_entry(0, [], "Bells ring at noon.", name="Bells")]}
    plan = plan_from_card_file(write_json(tmp_path / "bells.json", book))
    [bells] = validated(plan)["lore"].values()
    assert bells.keywords == ["Bells"] and bells.priority == 0
    assert any("title is their keyword" in w for w in plan.warnings)


def test_html_is_made_safe(tmp_path):
    description = (
        '<div class="card" onclick="steal()">Hello <b>there</b></div>'
        "<script>alert(1)</script><style>body{display:none}</style>"
        '<iframe src="https://example.invalid"></iframe><object data="x">y</object>'
        '<embed src="x.swf"><a href="javascript:evil()">link</a> <START>'
    )
    card = v2_card(description=description)
    plan = plan_from_card_file(write_json(tmp_path / "risu.json", card))
    mira = next(iter(validated(plan)["characters"].values()))
    assert mira.description == '<div class="card">Hello <b>there</b></div><a>link</a> <START>'
    assert any(w.startswith("risu.json:") and "description" in w for w in plan.warnings)


def test_long_text_is_cut_with_a_warning(tmp_path):
    card = v2_card(
        name="N" * 200,
        description="d" * 25_000,
        mes_example="e" * 3_000,
        alternate_greetings=["short", "g" * 2_500],
    )
    card["data"]["character_book"]["entries"][0]["content"] = "c" * 30_000
    plan = plan_from_card_file(write_json(tmp_path / "long.json", card))
    models = validated(plan)
    character = next(iter(models["characters"].values()))
    assert len(character.name) == 120
    assert len(character.description) == 20_000 and character.description.endswith("…")
    assert len(character.voice) == 2_000
    assert character.dialogue.lines == ["short"]
    assert max(len(lore.text) for lore in models["lore"].values()) == 20_000
    for part in ("'description' was cut", "example dialogue", "alternate greeting", "cut to 20"):
        assert any(part in w and "long.json" in w for w in plan.warnings), part


def test_odd_field_types_do_not_crash(tmp_path):
    card = v2_card(name=5, tags="a, b", alternate_greetings="hi", personality=["x"])
    card["data"]["character_book"]["entries"].append("not an entry")
    card["data"]["character_book"]["entries"].append(
        book_entry(9, "bell, tower", 42, insertion_order="high")
    )
    plan = plan_from_card_file(write_json(tmp_path / "odd.json", card))
    models = validated(plan)
    character = next(iter(models["characters"].values()))
    assert character.name == "5" and character.tags == ["a", "b"]
    assert character.personality == ""
    assert any("'personality' is not text" in w for w in plan.warnings)
    assert "not an entry object" in skipped_reasons(plan)
    assert lore_by_title(plan)["bell"].keywords == ["bell", "tower"]


def test_lore_ids_are_unique(tmp_path):
    entries = [book_entry(i, ["bell"], f"Bell {i}.", name="Bell") for i in range(3)]
    plan = plan_from_card_file(write_json(tmp_path / "b.json", {"entries": entries}))
    assert [e.id for e in plan.entries] == ["bell", "bell_2", "bell_3"]
    assert len({e.data["source"]["ref"] for e in plan.entries}) == 3
