"""Rolls as players write them at a table: advantage, a comment, refusals."""

from __future__ import annotations

import pytest

from storyai.core.domain.dice import ScriptedDice
from storyai.core.domain.dice_request import parse_roll, roll_request
from storyai.core.domain.errors import DiceError
from storyai.core.play.tableside import TableOptions


@pytest.mark.parametrize(
    ("text", "expression", "comment", "advantage"),
    [
        ("1d20 advantage", "2d20kh1", "", "adv"),
        ("1d20+5 sneak attack", "1d20+5", "sneak attack", ""),
        ("1d20 + 5 dis", "2d20kl1 + 5", "", "dis"),
        ("d20+3 adv to hit", "2d20kh1+3", "to hit", "adv"),
        ("4d6kh3 stats", "4d6kh3", "stats", ""),
        ("2d6 3", "2d6", "3", ""),
        ("1d6e6 boom", "1d6e6", "boom", ""),
    ],
)
def test_a_roll_is_read_into_dice_advantage_and_a_comment(text, expression, comment, advantage):
    request = parse_roll(text)
    assert (request.expression, request.comment, request.advantage) == (
        expression,
        comment,
        advantage,
    )


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("0d6", "rolls no dice"),
        ("1d5000", "too big"),
        ("500d6", "the most one roll may use is 100"),
        ("adv", "Roll which dice"),
        ("", "Roll which dice"),
        ("hello there", "Couldn't read the dice 'hello'"),
        ("2d6 adv", "Advantage needs a d20"),
    ],
)
def test_dice_that_cannot_be_rolled_are_refused_clearly(text, says):
    with pytest.raises(DiceError, match=says):
        parse_roll(text)


def test_natural_twenties_and_ones_are_noticed_on_kept_d20s_only():
    assert roll_request(ScriptedDice([3, 20]), parse_roll("1d20 adv"), "Dario").natural20
    kept_low = roll_request(ScriptedDice([1, 20]), parse_roll("1d20 dis"), "Dario")
    assert kept_low.natural1 and not kept_low.natural20
    assert not roll_request(ScriptedDice([20]), parse_roll("1d100"), "Dario").natural20
    made = roll_request(ScriptedDice([14]), parse_roll("1d20+5 sneak attack"), "Dario")
    assert made.text() == "Dario rolls 1d20 (14) + 5 = 19 (sneak attack)"


@pytest.mark.parametrize(
    ("options", "text", "thread", "action"),
    [
        (TableOptions(), "look", False, "look"),
        (TableOptions(), "(( brb", False, None),
        (TableOptions(actions="prefix"), "look", False, None),
        (TableOptions(actions="prefix"), ">  look", False, "look"),
        (TableOptions(actions="prefix", prefix="!a"), "!a look", False, "look"),
        (TableOptions(actions="thread"), "look", False, None),
        (TableOptions(actions="thread"), "look", True, "look"),
        (TableOptions(), "look", True, None),
        (TableOptions(actions="none"), "look", False, None),
    ],
)
def test_a_tables_options_say_which_messages_are_actions(options, text, thread, action):
    assert options.action_in(text, in_thread=thread) == action
