"""A turn in progress: a working copy of the state plus what happened to it.

Every change goes through ``do(op)``, which validates it by applying it to the
working copy and records it; a change that cannot apply is recorded as
rejected with its reason and leaves the state untouched. What the player is
told is collected as ``Line``s for the narrator to tell.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from storyai.core.domain.dice import Dice
from storyai.core.domain.errors import StoryError
from storyai.core.domain.sheet import Sheet
from storyai.core.domain.state import GameState, apply_op
from storyai.core.domain.world import World
from storyai.core.rules.base import RuleSystem


@dataclass(frozen=True)
class Line:
    """One thing to tell: narration, a character's words, a dice roll, or a notice."""

    kind: str  # "narration", "dialogue", "dice", "notice", "heading", "ending"
    text: str
    speaker: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "text": self.text, "speaker": self.speaker}


@dataclass
class Draft:
    state: GameState
    world: World
    rules: RuleSystem
    dice: Dice
    actor: str
    ops: list[dict[str, Any]] = field(default_factory=list)
    rejected: list[dict[str, Any]] = field(default_factory=list)
    lines: list[Line] = field(default_factory=list)
    rolls: list[dict[str, Any]] = field(default_factory=list)
    understood: bool = True

    # ------------------------------------------------------------- changes

    def do(self, op: dict[str, Any]) -> bool:
        """Apply and record one change; a change that cannot apply is rejected."""
        probe = self.state.copy_deep()
        try:
            apply_op(probe, op)
        except (StoryError, KeyError, ValueError) as exc:
            reason = exc.message if isinstance(exc, StoryError) else f"invalid change: {exc}"
            self.rejected.append({"change": op, "reason": reason})
            return False
        apply_op(self.state, op)
        self.ops.append(op)
        return True

    def set_sheet(self, who: str, sheet: Sheet) -> None:
        self.do({"op": "sheet", "who": who, "sheet": sheet.model_dump(mode="json")})

    # ------------------------------------------------------------- telling

    def say(self, text: str, kind: str = "narration", speaker: str | None = None) -> None:
        if text and text.strip():
            self.lines.append(Line(kind, text.strip(), speaker))

    def roll_line(self, text: str, detail: dict[str, Any] | None = None) -> None:
        self.lines.append(Line("dice", text))
        self.rolls.append({"text": text, **(detail or {})})

    # ------------------------------------------------------------- shortcuts

    @property
    def player(self):
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
