"""The words a card brings into the world: "{{user}}" as "you", names and titles as
plain text, group-only greetings left to group chats; the card keeps the original."""

from __future__ import annotations

import pytest
from cards_support import book_entry, lore_by_title, v2_card, v3_card, validated, write_json

from storyai.core.domain.world import Character
from storyai.core.importers.cards import card_from_character, plan_from_card_file


def _character(plan) -> tuple[str, Character]:
    [(char_id, character)] = validated(plan)["characters"].items()
    return char_id, character


def test_user_is_you_everywhere(tmp_path):
    card = v2_card(
        description="{{char}} watches {{user}} closely. {{user}}'s boots are wet.",
        personality="Wary of {{user}}.",
        scenario="A lighthouse where {{user}} wakes up, soaked. {{user}} has no memory.",
        first_mes="Shut the door, {{user}}, you're letting the storm in.",
        mes_example="<START>\n{{user}}: Where am I?\n{{char}}: Safe.",
        alternate_greetings=["*{{user}} always knocks twice.* Come in."],
    )
    card["data"]["character_book"]["entries"][0]["content"] = (
        "The lamp guides {{user}} home. When {{user}} looks at it, {{user}} feels calm."
    )
    plan = plan_from_card_file(write_json(tmp_path / "mira.json", card))
    char_id, mira = _character(plan)
    assert mira.description == "Mira watches you closely. Your boots are wet."
    assert mira.personality == "Wary of you."
    assert mira.dialogue.greeting == "Shut the door, you, you're letting the storm in."
    assert mira.voice == "<START>\nYou: Where am I?\nMira: Safe."
    assert mira.dialogue.lines == ["*You always knock twice.* Come in."]
    [scene] = validated(plan)["locations"].values()
    assert scene.description == "A lighthouse where you wake up, soaked. You have no memory."
    lamp = lore_by_title(plan)["lamp"]
    assert lamp.text == "The lamp guides you home. When you look at it, you feel calm."
    assert not any("player" in text for text in (mira.description, scene.description, lamp.text))

    # the card keeps the macros: an untouched export gives them back as written
    exported = card_from_character(mira, char_id, validated(plan)["lore"])["data"]
    for key in ("description", "personality", "scenario", "first_mes", "mes_example"):
        assert exported[key] == card["data"][key], key
    assert (
        exported["character_book"]["entries"][0]["content"]
        == (card["data"]["character_book"]["entries"][0]["content"])
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Come in, {{user}}.", "Come in, you."),
        ("{{user}} is late.", "You are late."),
        ('"{{user}}," she says.', '"You," she says.'),
        ("*{{user}} nods.*", "*You nod.*"),
        ("Before {{user}} goes, {{user}} tries the door.", "Before you go, you try the door."),
        ("so {{user}} doesn't know", "so you don't know"),
        ("{{user}} slowly watches the sea.", "You slowly watch the sea."),
        ("{{char}} tells {{user}} stories.", "Mira tells you stories."),
        ("{{user}} won't stay.", "You won't stay."),
        ("<user> was here.", "You were here."),
    ],
)
def test_user_reads_naturally_as_you(tmp_path, text, expected):
    plan = plan_from_card_file(write_json(tmp_path / "m.json", v2_card(description=text)))
    assert _character(plan)[1].description == expected


def test_group_only_greetings_are_not_lines_and_go_back_out(tmp_path):
    card = v3_card(group_only_greetings=["Welcome, all of you.", "So many visitors!"])
    plan = plan_from_card_file(write_json(tmp_path / "sera.json", card))
    char_id, sera = _character(plan)
    assert sera.dialogue.lines == ["The glade is quiet tonight."]
    assert (
        "sera.json: 2 group-only greetings are kept with the card (for export) but not used: "
        "they are for group chats"
    ) in plan.warnings

    edited = sera.model_copy(
        update={"dialogue": sera.dialogue.model_copy(update={"lines": ["The moon is up."]})}
    )
    data = card_from_character(edited, char_id, validated(plan)["lore"])["data"]
    assert data["alternate_greetings"] == ["The moon is up."]
    assert data["group_only_greetings"] == ["Welcome, all of you.", "So many visitors!"]


def test_names_and_lore_titles_are_plain_text(tmp_path):
    card = v2_card(
        name='<b>Mira</b> <span style="color:red">the Keeper</span><script>alert(1)</script>',
        description="{{char}} keeps the lamp.",
    )
    card["data"]["character_book"]["entries"].append(
        book_entry(
            2,
            ["bell"],
            "The bell rings at dusk.",
            name='<i onclick="x()">Dusk bell</i><script>steal()</script>',
        )
    )
    plan = plan_from_card_file(write_json(tmp_path / "mira.json", card))
    char_id, mira = _character(plan)
    assert mira.name == plan.title == "Mira the Keeper"
    assert mira.description == "Mira the Keeper keeps the lamp."
    [scene] = validated(plan)["locations"].values()
    assert scene.name == "Scenario: Mira the Keeper"
    assert "Dusk bell" in lore_by_title(plan)
    assert "mira.json: removed HTML from the name (names are plain text)" in plan.warnings
    assert all("<" not in entry.origin for entry in plan.entries)

    # the card's own name goes back out as it was, unless the name was edited
    lore = validated(plan)["lore"]
    assert card_from_character(mira, char_id, lore)["data"]["name"] == card["data"]["name"]
    renamed = mira.model_copy(update={"name": "Mira"})
    assert card_from_character(renamed, char_id, lore)["data"]["name"] == "Mira"


def test_a_name_that_is_only_a_script_falls_back_to_the_file_name(tmp_path):
    card = v2_card(name="<script>alert(1)</script>")
    plan = plan_from_card_file(write_json(tmp_path / "keeper.json", card))
    assert _character(plan)[1].name == "keeper"
    assert "keeper.json: the card has no name, so it is called 'keeper'" in plan.warnings
