"""Dice behind a port, so the rules never touch global randomness.

Rules take a ``Dice`` and call ``dice.roll("1d20+5")``. Play uses
``SeededDice`` (a seed or a ``random.Random`` makes a session replayable);
tests use ``ScriptedDice``, which returns the die faces it was given.

Both adapters parse and evaluate with the ``d20`` library, whose dice call the
module-level ``random``. We keep its parser and operators (``kh``, ``rr``,
``e``, ``mi``, annotations, ...) but evaluate with our own ``Die`` subclass that
asks the adapter for each face, so the global ``random`` is never used.

Dice strings come from authors, players and language models, so oversized
expressions are refused before anything is rolled.
"""

from __future__ import annotations

import random
from abc import ABC, abstractmethod
from collections import deque
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import d20
from pydantic import BaseModel, ConfigDict

from storyai.core.domain.errors import DiceError

MAX_EXPRESSION_CHARS = 100
"""Longer dice strings are refused unread."""
MAX_DICE = 100
"""The most dice one expression may ask for (``100d6`` is fine, ``101d6`` is not)."""
MAX_FACES = 1000
"""The largest die we roll (``d1000``)."""
MAX_ROLLS = 1000
"""The most individual rolls, counting rerolls and explosions (``1d2e2`` would never stop)."""

EXAMPLE = "2d6+3"


class RollResult(BaseModel):
    """One evaluated dice expression.

    Attributes:
        total: The result, rounded towards zero when division made it fractional.
        expression: The expression as asked for.
        breakdown: Plain text for people, e.g. ``1d20 (14) + 5 = 19``.
        faces: The kept die faces, left to right (``2d20kh1+5`` -> the higher d20).
        sizes: The number of sides of each kept die, matching ``faces``.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    total: int
    expression: str
    breakdown: str
    faces: tuple[int, ...] = ()
    sizes: tuple[int, ...] = ()

    @property
    def natural(self) -> int | None:
        """The first kept die face: the natural d20 of an attack or check."""
        return self.faces[0] if self.faces else None

    def __str__(self) -> str:
        return self.breakdown


class Dice(ABC):
    """The dice port: every roll the rules make goes through one of these."""

    @abstractmethod
    def roll(self, expr: str) -> RollResult:
        """Roll a dice expression such as ``1d20+5`` or ``4d6kh3``.

        Raises:
            DiceError: The expression cannot be read or is too big to roll.
        """

    def d20(self) -> int:
        """Roll one twenty-sided die."""
        return self.roll("1d20").total

    def d100(self) -> int:
        """Roll a percentile die (1 to 100)."""
        return self.roll("1d100").total


def check_expression(expr: str) -> None:
    """Refuse dice we would not roll, without rolling them.

    Raises:
        DiceError: The expression cannot be read, or is too long or too big.
    """
    _parse(expr)


# ------------------------------------------------------------ d20 adapters


class _FaceSource(d20.RollContext):
    """Counts rolls (as d20's context does) and hands out faces from an adapter."""

    def __init__(self, adapter: _D20Dice) -> None:
        super().__init__(max_rolls=MAX_ROLLS)
        self.adapter = adapter


class _Die(d20.Die):
    __slots__ = ()

    def _add_roll(self) -> None:
        size = 100 if self.size == "%" else self.size
        if size < 1:
            raise d20.RollValueError("Cannot roll a 0-sided die.")
        self._context.count_roll()
        self.values.append(d20.Literal(self._context.adapter.face(size)))


class _DiceSet(d20.Dice):
    __slots__ = ()

    @classmethod
    def new(cls, num: int, size: int | str, context: _FaceSource | None = None) -> _DiceSet:
        return cls(
            num, size, [_Die.new(size, context=context) for _ in range(num)], context=context
        )

    def roll_another(self) -> None:
        self.values.append(_Die.new(self.size, context=self._context))


class _Roller(d20.Roller):
    def __init__(self, adapter: _D20Dice) -> None:
        super().__init__(context=_FaceSource(adapter))

    def _eval_dice(self, node: d20.ast.Dice) -> _DiceSet:
        return _DiceSet.new(node.num, node.size, context=self.context)


class _PlainText(d20.SimpleStringifier):
    """d20's plain stringifier, taught our classes, and saying plainly which dice
    were kept and which dropped: ``2d20kl1 (kept 8, dropped 14)``, never a bare
    list where "dropped" could be read as covering every face after it."""

    def __init__(self) -> None:
        super().__init__()
        self._nodes: Mapping[type, Callable[[Any], str]] = {
            **self._nodes,
            _DiceSet: self._str_dice,
            _Die: self._str_die,
        }

    def _str_dice(self, node: d20.Dice) -> str:
        kept: list[str] = []
        dropped: list[str] = []
        for die in node.values:
            for face in die.values:
                shown = self._str_literal(face)
                (kept if die.kept and face.kept else dropped).append(shown)
        faces = ", ".join(kept)
        if dropped:
            faces = f"kept {faces or 'none'}; dropped {', '.join(dropped)}"
            if len(kept) == 1 and len(dropped) == 1:
                faces = faces.replace(";", ",")
        return f"{node.num}d{node.size}{self._str_ops(node.operations)} ({faces})"

    def _str_die(self, node: d20.Die) -> str:
        return ", ".join(self._str_literal(value) for value in node.values)


_PARSER = d20.Roller()
"""Parsing only (with d20's cache); evaluation always goes through an adapter's roller."""


def _parse(expr: str) -> d20.ast.Node:
    if not isinstance(expr, str):
        raise DiceError(f"Dice must be written as text, like {EXAMPLE}.")
    if len(expr) > MAX_EXPRESSION_CHARS:
        raise DiceError(
            f"Those dice are too long to read ({len(expr)} characters; "
            f"the limit is {MAX_EXPRESSION_CHARS}). Try something like {EXAMPLE}."
        )
    try:
        tree = _PARSER.parse(expr)
    except d20.RollError as exc:
        raise DiceError(
            f"Couldn't read the dice '{_shown(expr)}'. Try something like {EXAMPLE}."
        ) from exc
    count = 0
    for node in _walk(tree):
        if isinstance(node, d20.ast.Dice):
            faces = 100 if node.size == "%" else node.size
            if faces > MAX_FACES:
                raise DiceError(
                    f"A d{faces} is too big to roll; the largest die is a d{MAX_FACES}."
                )
            if faces < 1:
                raise DiceError(f"A die needs at least one side ('{_shown(expr)}').")
            if node.num < 1:
                raise DiceError(
                    f"'{node.num}d{node.size}' rolls no dice; roll at least one, like {EXAMPLE}."
                )
            count += node.num
    if count > MAX_DICE:
        raise DiceError(f"That's {count} dice; the most one roll may use is {MAX_DICE}.")
    return tree


def _shown(expr: str) -> str:
    """The expression as safe to echo back: printable characters only."""
    return "".join(c if c.isprintable() else "?" for c in expr)


def _walk(node: d20.ast.ChildMixin) -> Iterable[d20.ast.ChildMixin]:
    stack = [node]
    while stack:
        current = stack.pop()
        yield current
        stack.extend(current.children)


def _kept_dice(node: d20.Number) -> Iterable[d20.Die]:
    """The kept dice of an evaluated expression, left to right."""
    if not node.kept:
        return
    if isinstance(node, d20.Dice):
        yield from node.keptset
        return
    for child in node.children:
        yield from _kept_dice(child)


class _D20Dice(Dice):
    """Shared evaluation: parse and check with d20, take faces from ``face``."""

    def __init__(self) -> None:
        self._roller = _Roller(self)

    @abstractmethod
    def face(self, size: int) -> int:
        """The next face of a die with ``size`` sides (1..size)."""

    def roll(self, expr: str) -> RollResult:
        tree = _parse(expr)
        try:
            result = self._roller.roll(tree, stringifier=_PlainText())
            total = int(result.total)
        except d20.TooManyRolls as exc:
            raise DiceError(
                f"'{_shown(expr)}' keeps rerolling past {MAX_ROLLS} dice; try fewer rerolls."
            ) from exc
        except d20.RollError as exc:
            raise DiceError(f"Couldn't roll '{_shown(expr)}': {exc}") from exc
        except (OverflowError, ValueError) as exc:
            raise DiceError(f"'{_shown(expr)}' gives no number we can use.") from exc
        kept = list(_kept_dice(result.expr))
        return RollResult(
            total=total,
            expression=expr,
            breakdown=result.result,
            faces=tuple(int(die.number) for die in kept),
            sizes=tuple(100 if die.size == "%" else int(die.size) for die in kept),
        )


class SeededDice(_D20Dice):
    """Fair dice from a private ``random.Random``: the same seed, the same rolls.

    Args:
        seed: Seeds a new generator. ``None`` seeds from the operating system.
        rng: Use this generator instead (it is advanced, not copied).
    """

    def __init__(self, seed: int | None = None, rng: random.Random | None = None) -> None:
        super().__init__()
        if rng is not None and seed is not None:
            raise ValueError("give a seed or an rng, not both")
        self.rng = rng if rng is not None else random.Random(seed)

    def face(self, size: int) -> int:
        return self.rng.randint(1, size)


class ScriptedDice(_D20Dice):
    """Test dice: each die shows the next queued face.

    ``ScriptedDice([14, 6]).roll("1d20+5")`` is 19, and the 6 waits for the next
    die. Running out, or queueing a face the die does not have, is a test bug
    and raises ``AssertionError``.
    """

    def __init__(self, faces: Iterable[int] = ()) -> None:
        super().__init__()
        self._faces: deque[int] = deque(faces)

    def push(self, *faces: int) -> ScriptedDice:
        """Queue more faces; returns self for chaining."""
        self._faces.extend(faces)
        return self

    @property
    def remaining(self) -> tuple[int, ...]:
        """Faces queued but not yet rolled."""
        return tuple(self._faces)

    def face(self, size: int) -> int:
        if not self._faces:
            raise AssertionError(f"ScriptedDice ran out of faces (a d{size} was rolled)")
        value = self._faces.popleft()
        if not 1 <= value <= size:
            raise AssertionError(f"ScriptedDice: a d{size} cannot show {value}")
        return value


class MaxDice(_D20Dice):
    """Every die shows its highest face: maximum damage, or an upper bound in tests."""

    def face(self, size: int) -> int:
        return size


class MinDice(_D20Dice):
    """Every die shows 1: the lower bound of a plain expression."""

    def face(self, size: int) -> int:
        return 1


def expected_value(expr: str) -> float:
    """Halfway between the least and the most an expression can roll (0 if unrollable).

    Exact for sums of dice and numbers (``2d6+3`` -> 10.0); good enough to
    rank weapons and attacks by damage.
    """
    try:
        return (MinDice().roll(expr).total + MaxDice().roll(expr).total) / 2
    except DiceError:
        return 0.0
