"""A turn's lines as message text, and its choices as buttons."""

from __future__ import annotations

import re

import pytest

from storyai.bots.output.buttons import (
    CUSTOM_ID_PATTERN,
    ChoiceRef,
    choice_buttons,
    parse_custom_id,
)
from storyai.bots.output.render import render_line, render_lines, render_messages
from storyai.core.domain.state import Choice
from storyai.core.engine.draft import Line

ZWSP = "\u200b"


def shown(escaped: str) -> str:
    return re.sub(r"\\([!-/:-@\[-`{-~])", r"\1", escaped).replace(ZWSP, "")


# ------------------------------------------------------------------- lines


def test_each_kind_of_line_has_its_look() -> None:
    assert render_line(Line("narration", "The door creaks.")) == "The door creaks."
    assert render_line(Line("dialogue", "Welcome.", "Mara")) == "**Mara:** Welcome."
    assert render_line(Line("dice", "Perception: 1d20+2 = 15")) == "-# 🎲 Perception: 1d20+2 = 15"
    assert render_line(Line("notice", "The way is blocked.")) == "*The way is blocked.*"
    assert render_line(Line("heading", "New quest: The Lamp")) == "**New quest: The Lamp**"
    assert render_line(Line("ending", "The light returns.\n\nThe end.")) == (
        "> 🏁 The light returns.\n> The end."
    )


def test_a_speaker_is_escaped_and_shortened() -> None:
    line = Line("dialogue", "Hi @everyone", "**Evil** <@1>\nnext")
    assert render_line(line) == f"**\\*\\*Evil\\*\\* \\<@1> next:** Hi @{ZWSP}everyone"
    long = render_line(Line("dialogue", "Hello.", "N" * 10_000))
    assert long.startswith("**N") and long.endswith("…:** Hello.")
    assert len(long) < 100
    assert render_line(Line("dialogue", "Hm.", None)) == "**Someone:** Hm."


def test_written_text_cannot_break_out_of_its_formatting() -> None:
    hostile = "x* **@here** ||spoiler|| [a](http://x)\n# big\n-# small\n> quote"
    for kind in ("narration", "notice", "heading", "dice", "ending", "dialogue"):
        rendered = render_line(Line(kind, hostile, "Bob"))
        # no line of the result starts with Markdown other than the kind's own
        for row in rendered.split("\n"):
            body = re.sub(r"^(-# 🎲 |> (🏁 )?|\*\*Bob:\*\* )", "", row)
            assert not re.match(r"[#>\-]", body), (kind, row)
            assert "@here" not in body
        assert "||" not in rendered and "[a]" not in rendered
        assert shown(rendered).count("||spoiler||") == 1


def test_notices_and_headings_are_formatted_line_by_line() -> None:
    assert render_line(Line("notice", "one\n\n two ")) == "*one*\n*two*"
    assert render_line(Line("heading", "a\nb")) == "**a**\n**b**"
    assert render_line(Line("notice", "   ")) == ""


def test_lines_are_separated_by_blank_lines_and_rolls_kept_together() -> None:
    lines = [
        Line("narration", "You swing."),
        Line("dice", "Attack: 17"),
        Line("dice", "Damage: 6"),
        Line("notice", "   "),
        Line("dialogue", "Ow!", "Goblin"),
    ]
    assert render_lines(lines) == (
        "You swing.\n\n-# 🎲 Attack: 17\n-# 🎲 Damage: 6\n\n**Goblin:** Ow!"
    )


def test_a_long_turn_becomes_several_messages_within_the_limit() -> None:
    lines = []
    for i in range(40):
        lines.append(Line("narration", f"Paragraph {i}. " + "The wind howls. " * 10))
        lines.append(Line("dialogue", "Words " * 30, f"Speaker {i}"))
        lines.append(Line("notice", "Notice " * 200))
    messages = render_messages(lines)
    assert len(messages) > 5
    for message in messages:
        assert 0 < len(message) <= 2000
        assert message.count("**") % 2 == 0
        assert len(re.findall(r"(?<!\*)\*(?!\*)", message)) % 2 == 0
    # nothing lost or repeated: the same words, once the added "*" markers are taken out
    words = " ".join(messages).replace("*", " ").split()
    assert words == render_lines(lines).replace("*", " ").split()


# ----------------------------------------------------------------- buttons


def test_buttons_fit_five_rows_of_five_and_note_the_rest() -> None:
    choices = [Choice(text=f"Option {i}", command=f"do {i}") for i in range(30)]
    buttons = choice_buttons(choices, "abc123", 7)
    assert len(buttons) == 25
    assert [b.row for b in buttons] == [r for r in range(5) for _ in range(5)]
    assert buttons.dropped == 5
    assert buttons.note == "(5 more: type /act)"
    assert [b.label for b in buttons][:2] == ["1. Option 0", "2. Option 1"]


def test_few_choices_need_no_note_and_rows_can_be_kept_free() -> None:
    choices = [Choice(text=f"Go {i}", command=f"go {i}") for i in range(12)]
    assert choice_buttons(choices, "s", 1).note is None
    reserved = choice_buttons(choices, "s", 1, max_buttons=10)
    assert len(reserved) == 10 and reserved.note == "(2 more: type /act)"
    assert max(b.row for b in reserved) == 1


def test_labels_and_custom_ids_stay_within_limits_and_unique() -> None:
    choices = [Choice(text="Shout " * 5_000 + str(i), command="shout") for i in range(25)]
    ref = "f" * 40
    buttons = choice_buttons(choices, ref, 9_999_999_999)
    labels = [b.label for b in buttons]
    assert all(len(label) <= 80 for label in labels)
    assert all(label.endswith("…") for label in labels)
    ids = [b.custom_id for b in buttons]
    assert all(1 <= len(i) <= 100 for i in ids)
    assert len(set(ids)) == 25


def test_a_choice_without_text_is_labelled_by_its_command() -> None:
    choices = [Choice(text="  ", command="look"), Choice(text="", command="")]
    assert [b.label for b in choice_buttons(choices, "s", 0)] == ["1. look", "Choice 2"]


def test_custom_ids_round_trip() -> None:
    choices = [Choice(text=f"C{i}", command=f"c{i}") for i in range(6)]
    for button in choice_buttons(choices, "3f2a_b-9", 42):
        ref = parse_custom_id(button.custom_id)
        assert ref == ChoiceRef("3f2a_b-9", 42, button.index)
        assert choices[ref.index].text == f"C{button.index}"
        assert not ref.expired(42)
        assert ref.expired(43) and ref.expired(41)
    assert ChoiceRef("s", 5, 3).custom_id == "sai1:c:s:5:3"


def test_the_custom_id_pattern_matches_exactly_the_ids_made() -> None:
    pattern = re.compile(CUSTOM_ID_PATTERN)
    button = choice_buttons([Choice(text="a", command="a")] * 3, "ab_9", 12).buttons[2]
    match = pattern.fullmatch(button.custom_id)
    assert match is not None
    assert (match["ref"], match["turn"], match["index"]) == ("ab_9", "12", "2")
    assert pattern.fullmatch("c:ab:12:2") is None


@pytest.mark.parametrize(
    "custom_id",
    [
        "",
        "other:button",
        "sai1:c:s:1",
        "sai1:c:s:1:25",  # there is no 26th button
        "sai1:c:s:-1:0",
        "sai1:c:s:01:0",
        "sai1:c:bad ref:1:0",
        "sai1:c:" + "s" * 41 + ":1:0",
        "sai1:c:s:1:0:extra",
        "sai2:c:s:1:0",
    ],
)
def test_anything_else_is_not_a_choice_button(custom_id: str) -> None:
    assert parse_custom_id(custom_id) is None


def test_bad_session_refs_are_refused() -> None:
    with pytest.raises(ValueError):
        choice_buttons([Choice(text="a", command="a")], "has:colon", 1)
    with pytest.raises(ValueError):
        choice_buttons([Choice(text="a", command="a")], "s", 1, max_buttons=26)
