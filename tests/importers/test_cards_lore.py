"""Lorebook entries as lore: which keys trigger an entry, and how its order becomes a
priority (and back, on export)."""

from __future__ import annotations

import copy

import pytest
from cards_support import book_entry, lore_by_title, v3_card, validated, worldinfo, write_json

from storyai.core.importers.cards import card_from_character, plan_from_card_file

SELECTIVE_WARNING = (
    "glade.json: Glade lore: 2 selective entries trigger on their primary keys only "
    "(secondary keys are kept for export)"
)


def _glade_card(entries: list[dict]) -> dict:
    card = v3_card()
    card["data"]["character_book"]["entries"] = entries
    return card


def _selective_card() -> dict:
    return _glade_card(
        [
            book_entry(
                0,
                ["wolf"],
                "Wolves hunt here when the moon is full.",
                name="Wolf hunt",
                selective=True,
                secondary_keys=["moon", "full moon"],
            ),
            book_entry(
                1,
                ["herb", "herbs"],
                "Moonpetal only opens at night.",
                name="Moonpetal",
                selective=True,
                secondary_keys=["night"],
            ),
            book_entry(
                2,
                ["river"],
                "The river runs cold.",
                name="River",
                selective=False,
                secondary_keys=["swim"],  # not selective: the spec says these are unused
            ),
            book_entry(3, ["stone"], "The standing stone hums.", name="Stone", selective=True),
        ]
    )


def test_selective_entries_trigger_on_their_primary_keys_only(tmp_path):
    plan = plan_from_card_file(write_json(tmp_path / "glade.json", _selective_card()))
    lore = lore_by_title(plan)
    # a secondary key alone ("moon", "night", "swim") never brings an entry in
    assert lore["Wolf hunt"].keywords == ["wolf"]
    assert lore["Moonpetal"].keywords == ["herb", "herbs"]
    assert lore["River"].keywords == ["river"]
    assert lore["Stone"].keywords == ["stone"]
    assert lore["Wolf hunt"].source.raw["secondary_keys"] == ["moon", "full moon"]
    # once per book, counting only entries whose secondary keys would have narrowed them
    assert [w for w in plan.warnings if "selective" in w] == [SELECTIVE_WARNING]


def test_world_info_secondary_keys_do_not_trigger_entries(tmp_path):
    doc = worldinfo()
    doc["entries"]["4"] = {
        "uid": 4,
        "key": ["tower"],
        "keysecondary": ["bell"],
        "selective": False,
        "comment": "Tower",
        "content": "The tower bell is cracked.",
        "order": 100,
    }
    plan = plan_from_card_file(write_json(tmp_path / "vire.json", doc))
    lore = lore_by_title(plan)
    assert lore["The castle"].keywords == ["castle", "keep"]  # not "walls"
    assert lore["The castle"].source.raw["keysecondary"] == ["walls"]
    assert lore["Tower"].keywords == ["tower"]
    selective = [w for w in plan.warnings if "selective" in w]
    assert selective == [
        "vire.json: Vire: 1 selective entry triggers on its primary keys only "
        "(secondary keys are kept for export)"
    ]


def test_secondary_keys_go_back_out_unchanged(tmp_path):
    original = _selective_card()
    plan = plan_from_card_file(write_json(tmp_path / "glade.json", original))
    models = validated(plan)
    [(char_id, character)] = models["characters"].items()
    lore = models["lore"]
    by_title = {entry.title: lore_id for lore_id, entry in lore.items()}
    wolf = by_title["Wolf hunt"]
    lore[wolf] = lore[wolf].model_copy(update={"keywords": ["wolf", "wolves"]})

    entries = card_from_character(character, char_id, lore)["data"]["character_book"]["entries"]
    before = original["data"]["character_book"]["entries"]
    assert entries[0]["keys"] == ["wolf", "wolves"]
    assert entries[0]["secondary_keys"] == ["moon", "full moon"]
    assert entries[0]["selective"] is True
    assert entries[1:] == before[1:]  # untouched entries come back exactly as they were

    again = plan_from_card_file(write_json(tmp_path / "again.json", {"entries": entries}))
    assert lore_by_title(again)["Wolf hunt"].keywords == ["wolf", "wolves"]


@pytest.mark.parametrize(
    ("order", "priority"),
    [
        (100, 0),  # the common default
        (110, 1),
        (105, 1),  # halves round away from 100
        (95, -1),
        (103.7, 0),
        (200, 10),
        (90, -1),
        (10, -9),
        (5, -10),
        (0, -10),
        (1_000, 90),
        (5_000, 99),
        (-5_000, -99),
    ],
)
def test_priority_is_the_order_in_steps_of_ten_from_100(tmp_path, order, priority):
    book = {"name": "Book", "entries": [book_entry(0, ["bell"], "A bell.", insertion_order=order)]}
    plan = plan_from_card_file(write_json(tmp_path / "book.json", book))
    assert lore_by_title(plan)["bell"].priority == priority


def test_the_same_order_gives_the_same_priority_whatever_else_the_book_holds(tmp_path):
    bell = book_entry(0, ["bell"], "A bell.", insertion_order=5)
    alone = {"name": "Alone", "entries": [bell]}
    crowded = {
        "name": "Crowded",
        "entries": [
            bell,
            book_entry(1, ["tower"], "A tower.", insertion_order=1_000),
            book_entry(2, ["rope"], "A rope.", insertion_order=-40),
            book_entry(3, ["sky"], "Always the sky.", constant=True, insertion_order=7),
        ],
    }
    first = lore_by_title(plan_from_card_file(write_json(tmp_path / "a.json", alone)))
    second = lore_by_title(plan_from_card_file(write_json(tmp_path / "b.json", crowded)))
    assert first["bell"].priority == second["bell"].priority == -10
    assert second["tower"].priority == 90 and second["rope"].priority == -14
    assert second["sky"].priority == 100 and second["sky"].tags == ["always"]


def test_export_keeps_orders_and_writes_edited_priorities_by_the_same_rule(tmp_path):
    original = _glade_card(
        [
            book_entry(0, ["bell"], "A bell.", insertion_order=5),
            book_entry(1, ["tower"], "A tower.", insertion_order=103.7),
            book_entry(2, ["rope"], "A rope.", insertion_order=250),
            book_entry(3, ["sky"], "The sky.", constant=True, insertion_order=7),
        ]
    )
    plan = plan_from_card_file(write_json(tmp_path / "glade.json", copy.deepcopy(original)))
    models = validated(plan)
    [(char_id, character)] = models["characters"].items()
    lore = models["lore"]
    rope = next(lore_id for lore_id, entry in lore.items() if entry.title == "rope")
    lore[rope] = lore[rope].model_copy(update={"priority": -3})

    entries = card_from_character(character, char_id, lore)["data"]["character_book"]["entries"]
    # unedited: the original order, exactly (5 and 103.7 are not multiples of ten)
    assert [e["insertion_order"] for e in entries] == [5, 103.7, 70, 7]  # rope: 100 - 3 x 10
    again = plan_from_card_file(write_json(tmp_path / "again.json", {"entries": entries}))
    assert {t: e.priority for t, e in lore_by_title(again).items()} == {
        "bell": -10,
        "tower": 0,
        "rope": -3,
        "sky": 100,
    }
