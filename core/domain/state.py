"""Game state, derived by folding events, never edited in place by interfaces.

State changes only through *change ops*: small JSON records such as
``{"op": "move", "who": "p1", "to": "hall"}``. A turn's ops are stored in its
``state_changed`` event; folding a session replays them with ``apply_op``,
the same function the engine used when the turn was taken, so replay and play
can never disagree. Ops carry final values (a whole new sheet, a flag's new
value), so replaying needs no dice, no world and no narrator.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from storyai.core.domain.errors import StoryError
from storyai.core.domain.sheet import Sheet


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_assignment=False)


class Choice(_Model):
    """A numbered option offered to the player; ``command`` is what choosing it types."""

    text: str
    command: str


class QuestState(_Model):
    status: Literal["inactive", "active", "done"] = "inactive"
    stage: int = 0
    done_objectives: list[int] = Field(default_factory=list)


class PlayerState(_Model):
    id: str
    name: str
    location: str
    sheet: Sheet
    previous: str | None = None  # where "go back" leads


class NpcState(_Model):
    location: str | None
    attitude: str = "neutral"
    defeated: bool = False
    fled: bool = False
    sheet: Sheet | None = None


class Combat(_Model):
    location: str
    order: list[str]
    round: int = 1
    index: int = 0


class Chapter(_Model):
    """A closed stretch of the story and its summary. Closed chapters are never rewritten."""

    number: int
    first_turn: int
    last_turn: int
    end_depth: int  # the depth of the last event the chapter covers
    summary: str


class GameState(_Model):
    world_id: str
    world_version: str
    system: str
    turn: int = 0
    players: dict[str, PlayerState] = Field(default_factory=dict)
    npcs: dict[str, NpcState] = Field(default_factory=dict)
    location_items: dict[str, dict[str, int]] = Field(default_factory=dict)
    discovered: list[str] = Field(default_factory=list)
    visited: list[str] = Field(default_factory=list)
    flags: list[str] = Field(default_factory=list)
    quests: dict[str, QuestState] = Field(default_factory=dict)
    lore_known: list[str] = Field(default_factory=list)
    topics_heard: list[str] = Field(default_factory=list)
    combat: Combat | None = None
    ending: str | None = None
    choices: list[Choice] = Field(default_factory=list)
    chapters: list[Chapter] = Field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return self.model_dump(mode="json")

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> GameState:
        return cls.model_validate(data)

    def copy_deep(self) -> GameState:
        return self.model_copy(deep=True)

    def has_flag(self, flag: str) -> bool:
        return flag in self.flags

    def sheet_of(self, who: str) -> Sheet | None:
        if who in self.players:
            return self.players[who].sheet
        npc = self.npcs.get(who)
        return npc.sheet if npc else None

    def characters_at(self, location: str) -> list[str]:
        return [cid for cid, npc in self.npcs.items() if npc.location == location and not npc.fled]


class InvalidChange(StoryError):
    """A proposed change that the rules or the world do not allow."""


def _add_unique(values: list[str], value: str) -> None:
    if value not in values:
        values.append(value)


def apply_op(state: GameState, op: dict[str, Any]) -> None:
    """Apply one change op to ``state`` in place. Unknown ops raise InvalidChange."""
    kind = op.get("op")
    if kind == "player":
        state.players[op["id"]] = PlayerState.model_validate(op["state"])
    elif kind == "sheet":
        sheet = Sheet.model_validate(op["sheet"])
        who = op["who"]
        if who in state.players:
            state.players[who].sheet = sheet
        elif who in state.npcs:
            state.npcs[who].sheet = sheet
        else:
            raise InvalidChange(f"Nobody called '{who}' is in this story.")
    elif kind == "move":
        player = state.players[op["who"]]
        if player.location != op["to"]:
            player.previous = player.location
        player.location = op["to"]
    elif kind == "npc":
        npc = state.npcs[op["who"]]
        for field in ("location", "attitude", "defeated", "fled"):
            if field in op:
                setattr(npc, field, op[field])
    elif kind == "items":
        here = state.location_items.setdefault(op["location"], {})
        count = here.get(op["item"], 0) + int(op["delta"])
        if count < 0:
            raise InvalidChange(f"There is no {op['item']} there to take.")
        if count:
            here[op["item"]] = count
        else:
            here.pop(op["item"], None)
    elif kind == "discover":
        _add_unique(state.discovered, op["location"])
    elif kind == "visit":
        _add_unique(state.visited, op["location"])
        _add_unique(state.discovered, op["location"])
    elif kind == "flag":
        if op.get("value", True):
            _add_unique(state.flags, op["flag"])
        elif op["flag"] in state.flags:
            state.flags.remove(op["flag"])
    elif kind == "quest":
        state.quests[op["quest"]] = QuestState.model_validate(op["state"])
    elif kind == "lore":
        _add_unique(state.lore_known, op["lore"])
    elif kind == "topic":
        _add_unique(state.topics_heard, op["key"])
    elif kind == "combat":
        state.combat = Combat.model_validate(op["combat"]) if op["combat"] else None
    elif kind == "ending":
        state.ending = op["ending"]
    elif kind == "choices":
        state.choices = [Choice.model_validate(c) for c in op["choices"]]
    elif kind == "chapter":
        chapter = Chapter.model_validate(op["chapter"])
        if state.chapters and chapter.number != state.chapters[-1].number + 1:
            raise InvalidChange("Chapters are closed in order.")
        state.chapters.append(chapter)
    elif kind == "turn":
        state.turn = int(op["turn"])
    else:
        raise InvalidChange(f"Unknown change '{kind}'.")


def apply_ops(state: GameState, ops: list[dict[str, Any]]) -> None:
    for op in ops:
        apply_op(state, op)
