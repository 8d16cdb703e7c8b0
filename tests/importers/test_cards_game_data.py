"""Our game data (kind, stats, topics...) through a card: ``extensions.storyai``."""

from __future__ import annotations

import json
from pathlib import Path

from cards_support import (
    TROLL_SECRETS,
    card_png,
    decoded_chunks,
    troll_character,
    v3_card,
    validated,
)

from storyai.core.domain.world import Character, LoreEntry
from storyai.core.importers.cards import card_from_character, plan_from_card_file, write_card_png
from storyai.core.importers.plan import ImportPlan


def _import(path: Path) -> tuple[ImportPlan, str, Character, dict[str, LoreEntry]]:
    plan = plan_from_card_file(path)
    models = validated(plan)
    [(char_id, character)] = models["characters"].items()
    return plan, char_id, character, models["lore"]


def _export(character: Character, char_id: str, path: Path, lore=None) -> Path:
    write_card_png(card_from_character(character, char_id, lore or {}), path)
    return path


def test_our_character_comes_back_with_its_game_data(tmp_path):
    troll = troll_character()
    path = _export(troll, "troll", tmp_path / "troll.png")

    plan, char_id, again, _ = _import(path)
    assert char_id == "troll"
    assert (again.kind, again.attitude) == ("creature", "hostile")
    assert again.stats == troll.stats
    assert [a["name"] for a in again.stats["attacks"]] == ["Claw", "Bite"]
    assert again.goals == ["Collect the toll"] and again.gold == 12
    assert again.dialogue.farewell == "Go, then."
    assert {tid: (t.text, t.keywords) for tid, t in again.dialogue.topics.items()} == {
        "toll": ("Three coins, or I eat you.", ["coins", "pay"]),
        "bridge": ("My bridge. Always my bridge.", []),
    }
    # a topic's condition and revealed lore point at the world: not in the card
    assert again.dialogue.topics["bridge"].requires is None
    assert again.dialogue.topics["bridge"].reveals == []
    assert (again.voice, again.tags) == (troll.voice, troll.tags)
    assert again.inventory == [] and again.secrets == []
    assert "troll.png: 2 inventory items were not carried" in " ".join(plan.warnings)
    assert plan.entries[0].kind == "creature"


def test_secrets_and_gm_only_lore_are_nowhere_in_the_card(tmp_path):
    lore = {
        "toll_rules": LoreEntry(title="Toll", keywords=["toll"], text="Three coins a head."),
        "troll_weakness": LoreEntry(
            title="Weakness",
            keywords=["sun"],
            text="Sunlight turns it to stone.",
            visibility="gm-only",
        ),
    }
    path = _export(troll_character(), "troll", tmp_path / "troll.png", lore)
    chunks = decoded_chunks(path.read_bytes())
    assert set(chunks) == {"chara", "ccv3"}
    for text in chunks.values():
        for secret in (*TROLL_SECRETS, "Sunlight turns it to stone", '"secrets"'):
            assert secret not in text
        assert "Three coins a head." in text  # public lore does go with it
        assert json.loads(text)["data"]["extensions"]["storyai"]["kind"] == "creature"


def test_garbage_game_data_is_left_out_with_a_warning_naming_it(tmp_path):
    card = v3_card()
    card["data"]["extensions"]["storyai"] = {
        "kind": "creature",
        "attitude": "furious",
        "stats": {"ac": "lots", "hp": -3, "attacks": "all of them"},
        "gold": -5,
        "goals": "rule the world",
        "topics": {
            "glade": {"text": "The glade heals.", "effects": [{"give_gold": 1000}]},
            "Not An Id": {"text": "Hello."},
            "empty": {"text": ""},
        },
    }
    plan, _, sera, _ = _import(card_png(tmp_path / "sera.png", ccv3=card))
    assert sera.kind == "creature"  # the valid field still comes back
    assert sera.stats is None and sera.attitude == "neutral" and sera.gold == 0
    assert sera.goals == []
    assert list(sera.dialogue.topics) == ["glade"] and sera.dialogue.topics["glade"].effects == []
    warnings = "\n".join(plan.warnings)
    for field in ("stats", "attitude", "gold", "goals", "topics.Not An Id", "topics.empty"):
        assert f"extensions.storyai.{field} " in warnings, field
    assert "extensions.storyai.stats is not a d20 stat block" in warnings
    assert "extensions.storyai.topics.glade: effects left out" in warnings


def test_a_percentile_stat_block_is_not_taken_for_d20(tmp_path):
    card = v3_card()
    card["data"]["extensions"]["storyai"] = {"stats": {"hp": 12, "characteristics": {"str": 60}}}
    plan, _, sera, _ = _import(card_png(tmp_path / "sera.png", ccv3=card))
    assert sera.stats is None
    assert any("extensions.storyai.stats is not a d20 stat block" in w for w in plan.warnings)


def test_an_extension_that_is_not_an_object_is_ignored(tmp_path):
    card = v3_card()
    card["data"]["extensions"]["storyai"] = ["creature"]
    plan, _, sera, _ = _import(card_png(tmp_path / "sera.png", ccv3=card))
    assert (sera.kind, sera.stats) == ("npc", None)
    assert "sera.png: extensions.storyai is not an object, so it was ignored" in plan.warnings


def test_unknown_storyai_keys_survive_export_import_export(tmp_path):
    card = v3_card()
    future = {"x_future": {"mood": [1, {"deep": True}]}, "kind": "creature", "character_id": "s"}
    card["data"]["extensions"]["storyai"] = future
    _, char_id, sera, lore = _import(card_png(tmp_path / "sera.png", ccv3=card))
    assert sera.kind == "creature"
    sera = sera.model_copy(update={"attitude": "wary", "kind": "npc"})  # edited in the world
    first = _export(sera, char_id, tmp_path / "first.png", lore)
    _, char_id, again, lore = _import(first)
    assert (again.kind, again.attitude) == ("npc", "wary")
    second = card_from_character(again, char_id, lore)
    extensions = second["data"]["extensions"]
    assert extensions["storyai"] == {
        "character_id": "seraphina",
        "attitude": "wary",
        "x_future": {"mood": [1, {"deep": True}]},
    }  # "kind" went back to the default, so it is gone
    assert extensions["x_app/voice"] == card["data"]["extensions"]["x_app/voice"]


def test_a_plain_card_gets_no_storyai_extension(tmp_path):
    _, char_id, sera, lore = _import(card_png(tmp_path / "sera.png", ccv3=v3_card()))
    assert (sera.kind, sera.stats) == ("npc", None)
    exported = card_from_character(sera, char_id, lore)
    assert "storyai" not in exported["data"]["extensions"]
