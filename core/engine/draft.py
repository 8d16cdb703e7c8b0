"""A turn in progress: a working copy of the state plus what happened to it.

Every change goes through ``do(op)``: the op checks itself against the working state
and applies, or refuses (``InvalidChange``) and is recorded as rejected with its
reason, leaving the state untouched. What the player is told is collected as
``Line``s for the narrator to tell.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from storyai.core.domain.dice import Dice
from storyai.core.domain.errors import StoryError
from storyai.core.domain.events import Line, Rejection, Roll
from storyai.core.domain.ops import BaseOp, SetSheet
from storyai.core.domain.sheet import Sheet
from storyai.core.domain.state import Choice, GameState, PlayerState
from storyai.core.domain.world import World
from storyai.core.engine import voice
from storyai.core.rules.base import RuleSystem

__all__ = ["Draft", "Line"]


@dataclass
class Draft:
    state: GameState
    world: World
    rules: RuleSystem
    dice: Dice
    actor: str
    ops: list[BaseOp] = field(default_factory=list)
    rejected: list[Rejection] = field(default_factory=list)
    lines: list[Line] = field(default_factory=list)
    rolls: list[Roll] = field(default_factory=list)
    understood: bool = True
    free: bool = False
    """Nothing happened that takes time (a refused casting): enemies do not act."""
    awaiting_action: bool = False
    """A fight began this turn and the player has not acted in it yet: the quicker
    foes have had their go, and the rest of the round waits for the player."""
    confirming: list[Choice] | None = None  # an action that ends the story waits for a yes
    way_opened: str | None = None
    """The exit the player just opened ("open the chapel door"): where ``in`` leads."""

    # ------------------------------------------------------------- changes

    def do(self, op: BaseOp) -> bool:
        """Apply and record one change; a change that cannot apply is rejected."""
        try:
            op.apply(self.state)
        except StoryError as exc:
            self.rejected.append(Rejection(change=op.to_json(), reason=exc.message))
            return False
        self.ops.append(op)
        return True

    def set_sheet(self, who: str, sheet: Sheet) -> None:
        self.do(SetSheet(who=who, sheet=sheet))

    # ------------------------------------------------------------- telling

    def say(self, text: str, kind: str = "narration", speaker: str | None = None) -> None:
        if kind == "dialogue":  # speech in quotes, stage directions as narration
            for part, said in voice.parts(text, speaker):
                self.lines.append(Line(part, said, speaker if part == "dialogue" else None))
            return
        if text and text.strip():
            self.lines.append(Line(kind, text.strip(), speaker))

    def roll_line(self, text: str, detail: dict[str, Any] | None = None) -> None:
        self.lines.append(Line("dice", text))
        self.rolls.append(Roll(text=text, **(detail or {})))

    # ------------------------------------------------------------- shortcuts

    @property
    def player(self) -> PlayerState:
        return self.state.players[self.actor]

    @property
    def sheet(self) -> Sheet:
        return self.player.sheet

    @property
    def here(self) -> str:
        return self.player.location

    def pick(self, options: list[str]) -> str:
        """A seeded choice among authored options (idle lines and the like)."""
        if len(options) == 1:
            return options[0]
        return options[self.dice.roll(f"1d{len(options)}").total - 1]
