"""The table: seating order, turn or free mode, presence, and queued actions.

Kept in the session's settings (``settings["table"]``), not in the story tree:
who sits at the table is not part of the story, so rewinding a story does not
unseat anyone. Every change happens under the session's lock.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

Mode = Literal["turn", "free"]
DEFAULT_TIMEOUT_S = 300  # turn mode: an idle player is skipped after this long
DEFAULT_WINDOW_S = 20  # free mode: actions gathered this long are resolved together


@dataclass
class Queued:
    player: str
    text: str
    at: str  # ISO time it arrived

    def as_dict(self) -> dict[str, str]:
        return {"player": self.player, "text": self.text, "at": self.at}


@dataclass
class Table:
    mode: Mode = "turn"
    order: list[str] = field(default_factory=list)  # seated player ids, in turn order
    current: int = 0
    turn_started: str | None = None  # ISO time the current player's turn began
    timeout_s: int = DEFAULT_TIMEOUT_S
    window_s: int = DEFAULT_WINDOW_S
    queue: list[Queued] = field(default_factory=list)
    ended: bool = False

    # ------------------------------------------------------------ reading

    @property
    def whose_turn(self) -> str | None:
        if self.mode != "turn" or not self.order:
            return None
        return self.order[self.current % len(self.order)]

    def deadline(self) -> datetime | None:
        """When the current player is skipped (turn mode), or the round resolves (free)."""
        from datetime import timedelta

        if self.mode == "turn" and self.turn_started and self.order:
            return datetime.fromisoformat(self.turn_started) + timedelta(seconds=self.timeout_s)
        if self.mode == "free" and self.queue:
            return datetime.fromisoformat(self.queue[0].at) + timedelta(seconds=self.window_s)
        return None

    # ------------------------------------------------------------ changing

    def seat(self, player: str, now: datetime) -> None:
        if player not in self.order:
            self.order.append(player)
        if self.turn_started is None:
            self.turn_started = now.isoformat()

    def unseat(self, player: str, now: datetime) -> None:
        if player not in self.order:
            return
        index = self.order.index(player)
        current = self.order[self.current % len(self.order)]
        self.order.remove(player)
        if not self.order:
            self.current = 0
        elif current == player:  # the next player in order takes the turn
            self.current = index % len(self.order)
            self.turn_started = now.isoformat()
        else:
            self.current = self.order.index(current)
        self.queue = [q for q in self.queue if q.player != player]

    def advance(self, now: datetime) -> str | None:
        """The next seated player's turn; returns whose it is."""
        if self.order:
            self.current = (self.current + 1) % len(self.order)
        self.turn_started = now.isoformat()
        return self.whose_turn

    def enqueue(self, player: str, text: str, now: datetime) -> int:
        """Queue a free-mode action; returns its place in the queue (1-based)."""
        self.queue.append(Queued(player, text, now.isoformat()))
        return len(self.queue)

    def take_round(self) -> list[Queued]:
        """The first queued action of each player, in the order they arrived.
        A player's later actions stay queued for the next round: nothing is dropped."""
        taken: list[Queued] = []
        kept: list[Queued] = []
        seen: set[str] = set()
        for q in self.queue:
            if q.player in seen:
                kept.append(q)
            else:
                seen.add(q.player)
                taken.append(q)
        self.queue = kept
        return taken

    # ------------------------------------------------------------ storing

    def to_json(self) -> dict[str, Any]:
        return {
            "mode": self.mode,
            "order": list(self.order),
            "current": self.current,
            "turn_started": self.turn_started,
            "timeout_s": self.timeout_s,
            "window_s": self.window_s,
            "queue": [q.as_dict() for q in self.queue],
            "ended": self.ended,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any] | None) -> Table:
        if not data:
            return cls()
        return cls(
            mode=data.get("mode", "turn"),
            order=list(data.get("order", [])),
            current=int(data.get("current", 0)),
            turn_started=data.get("turn_started"),
            timeout_s=int(data.get("timeout_s", DEFAULT_TIMEOUT_S)),
            window_s=int(data.get("window_s", DEFAULT_WINDOW_S)),
            queue=[Queued(**q) for q in data.get("queue", [])],
            ended=bool(data.get("ended", False)),
        )
