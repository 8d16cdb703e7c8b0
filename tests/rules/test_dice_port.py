"""The Dice port: readable results, refusals with player-ready text, reproducible seeds."""

from __future__ import annotations

import random
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from storyai.core.domain.dice import (
    MAX_DICE,
    MAX_EXPRESSION_CHARS,
    MaxDice,
    MinDice,
    RollResult,
    ScriptedDice,
    SeededDice,
    check_expression,
    expected_value,
)
from storyai.core.domain.errors import DiceError, RuleError, StoryError

# ------------------------------------------------------------------ examples


def test_scripted_roll_reads_like_the_table() -> None:
    result = ScriptedDice([14]).roll("1d20+5")
    assert result.total == 19
    assert result.breakdown == "1d20 (14) + 5 = 19"
    assert result.faces == (14,)
    assert result.sizes == (20,)
    assert result.natural == 14
    assert str(result) == result.breakdown


def test_kept_faces_leave_out_dropped_dice() -> None:
    result = ScriptedDice([2, 6, 1, 5]).roll("4d6kh3")
    assert result.total == 13
    assert result.faces == (2, 6, 5)
    assert result.breakdown == "4d6kh3 (kept 2, 6, 5; dropped 1) = 13"


def test_keep_lowest_of_two_d20() -> None:
    result = ScriptedDice([7, 12]).roll("2d20kl1+1")
    assert (result.total, result.natural) == (8, 7)
    assert result.breakdown == "2d20kl1 (kept 7, dropped 12) + 1 = 8"


def test_keep_lowest_names_the_dropped_die_whichever_came_first() -> None:
    """The issue's roll: 14 then 8, keep the lower. Only the 14 is dropped."""
    result = ScriptedDice([14, 8]).roll("2d20kl1")
    assert result.total == 8
    assert result.breakdown == "2d20kl1 (kept 8, dropped 14) = 8"


def test_a_rerolled_face_is_named_as_dropped() -> None:
    result = ScriptedDice([1, 15]).roll("1d20rr1")
    assert result.breakdown == "1d20rr1 (kept 15, dropped 1) = 15"


def test_dice_with_nothing_dropped_read_as_a_plain_list() -> None:
    assert ScriptedDice([3, 4]).roll("2d6+1").breakdown == "2d6 (3, 4) + 1 = 8"


def test_percent_die_is_one_to_a_hundred() -> None:
    assert ScriptedDice([100]).roll("1d%").total == 100
    assert MinDice().roll("1d%").total == 1


def test_convenience_rolls() -> None:
    dice = ScriptedDice([17, 64])
    assert dice.d20() == 17
    assert dice.d100() == 64
    assert dice.remaining == ()


def test_annotations_are_kept_in_the_breakdown() -> None:
    result = ScriptedDice([3, 4]).roll("1d6 [fire] + 1d6 [cold]")
    assert result.total == 7
    assert "[fire]" in result.breakdown and "[cold]" in result.breakdown


def test_scripted_dice_catch_test_mistakes() -> None:
    with pytest.raises(AssertionError, match="ran out"):
        ScriptedDice([]).roll("1d6")
    with pytest.raises(AssertionError, match="cannot show 7"):
        ScriptedDice([7]).roll("1d6")


def test_result_round_trips_through_json() -> None:
    result = ScriptedDice([4, 2]).roll("2d6+1")
    assert RollResult.model_validate_json(result.model_dump_json()) == result


def test_max_min_and_expected_value() -> None:
    assert MaxDice().roll("2d6+3").total == 15
    assert MinDice().roll("2d6+3").total == 5
    assert expected_value("2d6+3") == 10.0
    assert expected_value("not dice") == 0.0


# ------------------------------------------------------------------ refusals


def test_unreadable_dice_say_how_to_write_them() -> None:
    with pytest.raises(DiceError) as caught:
        SeededDice(1).roll("1dx6")
    assert str(caught.value) == "Couldn't read the dice '1dx6'. Try something like 2d6+3."


def test_dice_errors_are_story_errors() -> None:
    assert issubclass(DiceError, RuleError)
    assert issubclass(RuleError, StoryError)


@pytest.mark.parametrize(
    ("expr", "message"),
    [
        ("1+" * 60 + "1", "too long"),
        (f"{MAX_DICE + 1}d6", "101 dice"),
        ("60d6+41d8", "101 dice"),
        ("1d1001", "d1001 is too big"),
        ("1d1e1", "rerolling"),
        ("1d0", "at least one side"),
        ("0d6", "'0d6' rolls no dice; roll at least one, like 2d6+3."),
        ("0d20+5", "'0d20' rolls no dice"),
        ("1d6+0d4", "'0d4' rolls no dice"),
        ("1000000d6", "1000000 dice"),
        ("1/0", "divide by zero"),
        ("", "Couldn't read"),
        ("1d6\x00", "Couldn't read the dice '1d6?'"),
    ],
)
def test_oversized_or_broken_dice_are_refused(expr: str, message: str) -> None:
    with pytest.raises(DiceError, match=re.escape(message)):
        SeededDice(1).roll(expr)


def test_largest_allowed_roll_works() -> None:
    result = MaxDice().roll(f"{MAX_DICE}d1000")
    assert result.total == MAX_DICE * 1000
    assert len(result.faces) == MAX_DICE


def test_check_expression_refuses_without_rolling() -> None:
    check_expression("4d6kh3")
    with pytest.raises(DiceError):
        check_expression("x" * (MAX_EXPRESSION_CHARS + 1))


# ------------------------------------------------------------------ seeding


def test_seeded_dice_ignore_the_global_random_state() -> None:
    random.seed(1)
    first = SeededDice(42).roll("10d20")
    random.seed(999)
    state = random.getstate()
    second = SeededDice(42).roll("10d20")
    assert first == second
    assert random.getstate() == state


def test_a_given_rng_is_used_and_advanced() -> None:
    assert SeededDice(rng=random.Random(5)).roll("10d20") == SeededDice(5).roll("10d20")
    with pytest.raises(ValueError):
        SeededDice(1, rng=random.Random(1))


@settings(max_examples=50)
@given(seed=st.integers(), exprs=st.lists(st.sampled_from(["1d20", "4d6kh3", "2d8+3", "1d%"])))
def test_same_seed_same_sequence(seed: int, exprs: list[str]) -> None:
    a, b = SeededDice(seed), SeededDice(seed)
    assert [a.roll(e) for e in exprs] == [b.roll(e) for e in exprs]


# ------------------------------------------------------------------ properties


@st.composite
def plain_expressions(draw: st.DrawFn) -> tuple[str, int, int]:
    """A sum of dice terms (with keep-highest/lowest) and numbers, with its bounds."""
    parts, low, high = [], 0, 0
    for i in range(draw(st.integers(1, 4))):
        sign = 1 if i == 0 else draw(st.sampled_from([1, -1]))
        if draw(st.booleans()):
            count = draw(st.integers(1, 10))
            size = draw(st.sampled_from([2, 4, 6, 8, 10, 12, 20, 100]))
            keep = draw(st.one_of(st.none(), st.integers(1, count)))
            term = f"{count}d{size}"
            kept = count
            if keep is not None:
                term += draw(st.sampled_from(["kh", "kl"])) + str(keep)
                kept = keep
            term_low, term_high = kept, kept * size
        else:
            value = draw(st.integers(0, 50))
            term, term_low, term_high = str(value), value, value
        if sign > 0:
            low, high = low + term_low, high + term_high
        else:
            low, high = low - term_high, high - term_low
        parts.append(("" if i == 0 else (" + " if sign > 0 else " - ")) + term)
    return "".join(parts), low, high


@settings(max_examples=200)
@given(case=plain_expressions(), seed=st.integers(0, 2**32))
def test_totals_stay_within_the_expression_bounds(case: tuple[str, int, int], seed: int) -> None:
    expr, low, high = case
    result = SeededDice(seed).roll(expr)
    assert low <= result.total <= high


DICE_TOKENS = st.sampled_from(
    [
        "1d20",
        "d6",
        "4d6",
        "d%",
        "0",
        "1",
        "10",
        "999",
        "kh",
        "kl",
        "k",
        "p",
        "rr",
        "ro",
        "ra",
        "e",
        "mi",
        "ma",
        "<",
        ">",
        "+",
        "-",
        "*",
        "/",
        "//",
        "%",
        "(",
        ")",
        ",",
        "[fire]",
        "==",
        ".",
        "d",
        "1d1000",
        "60d6",
        "x",
        " ",
    ]
)


@settings(max_examples=300)
@given(
    text=st.one_of(
        st.lists(DICE_TOKENS, max_size=30).map("".join),
        st.text(max_size=40),
        st.text(alphabet="0123456789d%+-*/()<>=,.khlpreoami[] ", max_size=60),
    )
)
def test_every_string_rolls_or_raises_dice_error(text: str) -> None:
    try:
        result = SeededDice(0).roll(text)
    except DiceError as exc:
        assert exc.message
    else:
        assert isinstance(result.total, int)
        assert all(1 <= f <= s for f, s in zip(result.faces, result.sizes, strict=True))
