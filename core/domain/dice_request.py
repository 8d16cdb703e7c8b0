"""A roll as players ask for it at a table: ``1d20+5 adv sneak attack``.

An expression the ``d20`` library reads (keep/drop ``kh``/``kl``/``dh``/``dl``,
rerolls ``rr``/``ro``, exploding ``e``, ...), then, in any order, ``adv``/``advantage``
or ``dis``/``disadvantage`` (the first d20 is rolled twice, the higher or lower kept)
and a comment (the rest of the words): ``1d20+5 sneak attack``. The expression is
checked (``check_expression``: no ``0d6``, no d100000, at most 100 dice) before
anything is rolled.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from storyai.core.domain.dice import EXAMPLE, Dice, RollResult, check_expression
from storyai.core.domain.errors import DiceError

ADVANTAGE = {"adv": "adv", "advantage": "adv", "dis": "dis", "disadvantage": "dis"}
MAX_COMMENT = 200
"""How much of a comment is kept."""
_FIRST_D20 = re.compile(r"(?<![\dd])1?d20(?![\d])")


@dataclass(frozen=True)
class RollRequest:
    expression: str  # as rolled (advantage already written in: ``2d20kh1+5``)
    asked: str  # as the player wrote it, without the comment
    comment: str = ""
    advantage: str = ""  # "adv", "dis" or ""


@dataclass(frozen=True)
class TableRoll:
    """A roll made at a table: what was asked, what came up, who rolled it."""

    request: RollRequest
    result: RollResult
    roller: str  # the character's name (or the player's, outside a story)

    def _d20s(self) -> list[int]:
        return [f for f, s in zip(self.result.faces, self.result.sizes, strict=True) if s == 20]

    @property
    def natural20(self) -> bool:
        return 20 in self._d20s()

    @property
    def natural1(self) -> bool:
        return 1 in self._d20s()

    def text(self) -> str:
        """Plain text for the log: ``Dario rolls 1d20 (14) + 5 = 19 (sneak attack)``."""
        out = f"{self.roller} rolls {self.result.breakdown}"
        if self.request.advantage:
            out += " with advantage" if self.request.advantage == "adv" else " at disadvantage"
        if self.natural20:
            out += ", a natural 20"
        elif self.natural1:
            out += ", a natural 1"
        return out + (f" ({self.request.comment})" if self.request.comment else "")


def parse_roll(text: str) -> RollRequest:
    """Read ``text`` into an expression, an advantage and a comment.

    Raises:
        DiceError: no dice could be read, or they are too big to roll.
    """
    words = text.split()
    if not words:
        raise DiceError(f"Roll which dice? For example {EXAMPLE} or 1d20+5 adv.")
    advantage = ""
    kept: list[str] = []
    for word in words:
        mode = ADVANTAGE.get(word.casefold())
        if mode and not advantage:
            advantage = mode
        else:
            kept.append(word)
    if not kept:
        raise DiceError(f"Roll which dice? For example 1d20+5 {advantage or 'adv'}.")
    # The longest run of leading words that reads as dice; the rest is a comment.
    error: DiceError | None = None
    for end in range(len(kept), 0, -1):
        asked = " ".join(kept[:end])
        try:
            check_expression(asked)
        except DiceError as exc:
            error = error or exc
            if end == 1:
                raise _clearer(exc, kept[0]) from None
            continue
        break
    comment = " ".join(kept[end:])[:MAX_COMMENT]
    expression = asked
    if advantage:
        match = _FIRST_D20.search(asked)
        if match is None:
            raise DiceError(
                f"Advantage needs a d20 to roll twice ('{asked}' has none); try 1d20+5 adv."
            )
        keep = "kh1" if advantage == "adv" else "kl1"
        expression = asked[: match.start()] + f"2d20{keep}" + asked[match.end() :]
        check_expression(expression)
    return RollRequest(expression, asked, comment, advantage)


def _clearer(error: DiceError, first: str) -> DiceError:
    """The error about the first word: the dice the player meant."""
    try:
        check_expression(first)
    except DiceError as exc:
        return exc
    return error


def roll_request(dice: Dice, request: RollRequest, roller: str) -> TableRoll:
    return TableRoll(request, dice.roll(request.expression), roller)
