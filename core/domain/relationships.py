"""Relationships: how an NPC stands with a player, why it changed, and what kind of
bond it is. An NPC's attitude is where a relationship starts; every change after is a
``Moment`` it remembers (what the player did to or for them, or what they saw done),
so the GM can be told why, and a world can gate content on the value or the kind.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

KINDS = ("friend", "rival", "mentor", "romance", "enemy")
Kind = Literal["friend", "rival", "mentor", "romance", "enemy"]
MIN_VALUE, MAX_VALUE = -100, 100
REMEMBERED = 12
"""How many moments a relationship keeps (the oldest are forgotten first)."""
ATTITUDE_VALUE = {"hostile": -50, "wary": -20, "neutral": 0, "friendly": 25}
"""Where a relationship starts, from the character's attitude."""


class Moment(BaseModel):
    """One change and why: ``"you brought back the ledger"`` (done to or for them) or
    ``"saw you kill the wolf"`` (witnessed)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    turn: int = Field(ge=0)
    delta: int = Field(ge=-200, le=200)
    why: str = Field(max_length=200)
    witnessed: bool = False


class Relationship(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    value: int = Field(0, ge=MIN_VALUE, le=MAX_VALUE)
    kind: Kind | None = None
    history: tuple[Moment, ...] = ()

    def changed(self, moment: Moment, kind: Kind | None = None) -> Relationship:
        value = max(MIN_VALUE, min(MAX_VALUE, self.value + moment.delta))
        return Relationship(
            value=value,
            kind=kind or self.kind,
            history=(*self.history, moment)[-REMEMBERED:],
        )


def starting(attitude: str) -> Relationship:
    return Relationship(value=ATTITUDE_VALUE.get(attitude, 0))


def label(value: int) -> str:
    """How a value reads: ``devoted`` ... ``hates you``."""
    for floor, name in ((60, "devoted"), (25, "warm"), (5, "friendly"), (-5, "neutral")):
        if value >= floor:
            return name
    return "cold" if value >= -25 else "hostile" if value >= -60 else "hates you"
