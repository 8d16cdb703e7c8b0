"""What the play service hands back: plain data the interfaces render."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

from storyai.core.domain.events import Line, Narration, Rejection
from storyai.core.domain.records import EventRecord
from storyai.core.domain.state import Choice, GameState
from storyai.core.play.table import Mode


@dataclass
class TurnResult:
    """A turn as told: its lines, the choices offered next, and the state after it."""

    session_id: str
    turn: int
    lines: list[Line]
    choices: list[Choice]
    state: GameState
    events: list[EventRecord]
    rejected: list[Rejection] = field(default_factory=list)
    understood: bool = True

    @property
    def ended(self) -> str | None:
        return self.state.ending

    @property
    def cost_usd(self) -> float | None:
        """What the model calls of this turn cost (None: no model was called)."""
        spent = [
            usage.cost_usd
            for e in self.events
            if (usage := getattr(e.event, "usage", None)) is not None
        ]
        return sum(spent) if spent else None

    @property
    def narrator(self) -> str:
        """Who told the turn ("offline", "anthropic/claude-...")."""
        told = [e.event for e in self.events if isinstance(e.event, Narration)]
        return told[-1].narrator if told else ""


def result_of(
    session_id: str,
    events: list[EventRecord],
    state: GameState,
    *,
    rejected: list[Rejection] | None = None,
    understood: bool = True,
) -> TurnResult:
    lines: list[Line] = []
    for e in events:
        if isinstance(e.event, Narration):
            lines += list(e.event.lines)
    return TurnResult(
        session_id=session_id,
        turn=state.turn,
        lines=lines,
        choices=list(state.choices),
        state=state,
        events=events,
        rejected=list(rejected or ()),
        understood=understood,
    )


@dataclass(frozen=True)
class BranchInfo:
    name: str
    turn: int
    active: bool
    last_line: str


@dataclass(frozen=True)
class SessionSummary:
    """A story as a title screen lists it."""

    id: str
    title: str
    world_id: str
    world_version: str
    branch: str
    turn: int
    last_line: str
    ended: bool
    updated_at: datetime
    telling: bool = False
    """A turn of it is being told (or was interrupted and waits to be told)."""


@dataclass(frozen=True)
class Seat:
    player_id: str
    user_ref: str
    name: str
    role: str
    presence: str


@dataclass(frozen=True)
class TableView:
    session_id: str
    mode: Mode
    seats: list[Seat]  # in turn order, then those who left
    whose_turn: Seat | None
    queued: int
    ended: bool
    deadline: str | None  # ISO


@dataclass
class ActResult:
    """A table action: played now (turn mode) or queued for the round (free mode)."""

    kind: Literal["played", "queued"]
    result: TurnResult | None = None
    next_up: Seat | None = None
    place: int = 0  # free mode: place in the queue
    charged: int = 0  # credits this turn cost


@dataclass(frozen=True)
class StoryStatus:
    """What ``/story status`` and a title bar show. Reading it changes nothing."""

    session_id: str
    title: str
    world_id: str
    world_title: str
    turn: int
    ended: bool
    telling: bool
    """A turn is being told right now (or waits to be told after a crash)."""
    table: TableView | None
    last_line: str


@dataclass(frozen=True)
class Tended:
    """What tending a story did while nobody acted (the bot posts it)."""

    session_id: str
    channel: str | None
    notice: str = ""
    result: TurnResult | None = None
