"""Change ops: the only way a story's state changes, one class per kind of change.

The engine decides a turn's changes as ops (``Move``, ``SetSheet``, ``SetQuest``, ...);
they are stored in a ``StateChanged`` event, and folding a session replays them with
the same ``apply`` the engine used, so replay and play can never disagree. Ops carry
final values (a whole new sheet, a flag's new value), so replaying needs no dice, no
world and no narrator.

Every ``apply`` checks before it changes anything: an op that cannot apply raises
``InvalidChange`` and leaves the state as it was. ``apply`` never mutates a nested
model in place (they are frozen); it replaces it, so a state made by
``GameState.fork`` shares every unchanged part with the state it was forked from.

The stored JSON is ``{"op": "<kind>", ...fields}``, the shape stored since the first
release, so old events read as typed ops unchanged.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, model_serializer

from storyai.core.domain.errors import InvalidChange
from storyai.core.domain.relationships import Kind, Moment
from storyai.core.domain.sheet import Sheet
from storyai.core.domain.state import (
    Chapter,
    Choice,
    Combat,
    GameState,
    PlayerState,
    QuestState,
)


class BaseOp(BaseModel):
    """One change. Subclasses set ``op`` (the stored tag) and implement ``apply``."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    def apply(self, state: GameState) -> None:  # pragma: no cover - abstract
        raise NotImplementedError

    def to_json(self) -> dict[str, Any]:
        return self.model_dump(mode="json")


def _add_unique(values: list[str], value: str) -> None:
    if value not in values:
        values.append(value)


def _happened(state: GameState, key: str) -> None:
    """Note that ``key`` happened now (quest objectives count what happens after their
    stage began)."""
    state.tick += 1
    state.last_done[key] = state.tick


class SeatPlayer(BaseOp):
    """A player's character arrives in the story (or is replaced whole)."""

    op: Literal["player"] = "player"
    id: str
    state: PlayerState

    def apply(self, state: GameState) -> None:
        state.players[self.id] = self.state


class SetSheet(BaseOp):
    """Someone's sheet after the rules changed it (hp, gear, conditions, ...)."""

    op: Literal["sheet"] = "sheet"
    who: str
    sheet: Sheet

    def apply(self, state: GameState) -> None:
        problem = sheet_problem(self.sheet)
        if problem:
            raise InvalidChange(f"{self.sheet.name}'s sheet would be wrong: {problem}.")
        if self.who in state.players:
            state.players[self.who] = state.players[self.who].model_copy(
                update={"sheet": self.sheet}
            )
        elif self.who in state.npcs:
            state.npcs[self.who] = state.npcs[self.who].model_copy(update={"sheet": self.sheet})
        else:
            raise InvalidChange(f"Nobody called '{self.who}' is in this story.")


def sheet_problem(sheet: Sheet) -> str:
    """What breaks a sheet's invariants ("" when none): the checks model validation
    makes, for sheets the rules built with ``model_copy`` (which does not validate)."""
    if not 0 <= sheet.hp <= sheet.max_hp:
        return f"{sheet.hp} HP is outside 0..{sheet.max_hp}"
    if sheet.gold < 0:
        return "gold below zero"
    if sheet.temp_hp < 0:
        return "temporary HP below zero"
    if any(count <= 0 for count in sheet.inventory.values()):
        return "an item counted zero or less"
    return ""


class Move(BaseOp):
    """A player goes somewhere; where they came from is where "go back" leads."""

    op: Literal["move"] = "move"
    who: str
    to: str

    def apply(self, state: GameState) -> None:
        player = state.players.get(self.who)
        if player is None:
            raise InvalidChange(f"Nobody called '{self.who}' plays in this story.")
        previous = player.location if player.location != self.to else player.previous
        state.players[self.who] = player.model_copy(
            update={"location": self.to, "previous": previous}
        )


class ChangeNpc(BaseOp):
    """A character's place, attitude, defeat or flight; None leaves a field as it is."""

    op: Literal["npc"] = "npc"
    who: str
    location: str | None = None
    attitude: str | None = None
    defeated: bool | None = None
    fled: bool | None = None

    @model_serializer(mode="wrap")
    def _only_what_changes(self, handler: Any) -> dict[str, Any]:
        return {k: v for k, v in handler(self).items() if v is not None}

    def apply(self, state: GameState) -> None:
        npc = state.npcs.get(self.who)
        if npc is None:
            raise InvalidChange(f"Nobody called '{self.who}' is in this story.")
        update: dict[str, Any] = {
            name: getattr(self, name)
            for name in ("location", "attitude", "defeated", "fled")
            if getattr(self, name) is not None
        }
        state.npcs[self.who] = npc.model_copy(update=update)


class ChangeRelationship(BaseOp):
    """A character's relationship with a player moves (and is remembered, with why)."""

    op: Literal["bond"] = "bond"
    who: str
    player: str
    delta: int = Field(ge=-200, le=200)
    why: str = Field(max_length=200)
    turn: int = Field(0, ge=0)
    kind: Kind | None = None
    witnessed: bool = False

    def apply(self, state: GameState) -> None:
        npc = state.npcs.get(self.who)
        if npc is None:
            raise InvalidChange(f"Nobody called '{self.who}' is in this story.")
        if self.player not in state.players:
            raise InvalidChange(f"There is no player '{self.player}' in this story.")
        moment = Moment(turn=self.turn, delta=self.delta, why=self.why, witnessed=self.witnessed)
        bond = npc.relationship(self.player).changed(moment, self.kind)
        state.npcs[self.who] = npc.model_copy(
            update={"relationships": {**npc.relationships, self.player: bond}}
        )


class MoveItems(BaseOp):
    """Items put down (delta > 0) or taken (delta < 0) at a place."""

    op: Literal["items"] = "items"
    location: str
    item: str
    delta: int

    def apply(self, state: GameState) -> None:
        here = state.location_items.get(self.location, {})
        count = here.get(self.item, 0) + self.delta
        if count < 0:
            raise InvalidChange(f"There is no {self.item} there to take.")
        here = dict(here)
        if count:
            here[self.item] = count
        else:
            here.pop(self.item, None)
        state.location_items[self.location] = here


class Discover(BaseOp):
    """A place comes into view (on the map), without being visited."""

    op: Literal["discover"] = "discover"
    location: str

    def apply(self, state: GameState) -> None:
        _add_unique(state.discovered, self.location)


class Visit(BaseOp):
    """A place was visited (and so is discovered)."""

    op: Literal["visit"] = "visit"
    location: str

    def apply(self, state: GameState) -> None:
        _add_unique(state.visited, self.location)
        _add_unique(state.discovered, self.location)
        _happened(state, f"enter:{self.location}")


class SetFlag(BaseOp):
    """A story flag set (value true) or cleared."""

    op: Literal["flag"] = "flag"
    flag: str
    value: bool = True

    def apply(self, state: GameState) -> None:
        if self.value:
            _add_unique(state.flags, self.flag)
        elif self.flag in state.flags:
            state.flags.remove(self.flag)


class SetQuest(BaseOp):
    """A quest starts, moves to a stage, completes objectives, or is done."""

    op: Literal["quest"] = "quest"
    quest: str
    state: QuestState

    def apply(self, state: GameState) -> None:
        state.quests[self.quest] = self.state


class LearnLore(BaseOp):
    op: Literal["lore"] = "lore"
    lore: str

    def apply(self, state: GameState) -> None:
        _add_unique(state.lore_known, self.lore)


class HearTopic(BaseOp):
    """A conversation topic was heard (``npc:topic``), an item used (``use:item``), or
    words said (``say:words``)."""

    op: Literal["topic"] = "topic"
    key: str

    def apply(self, state: GameState) -> None:
        _add_unique(state.topics_heard, self.key)
        _happened(state, self.key)


class SetCombat(BaseOp):
    """A fight starts or moves on (its order, round, whose go), or ends (None)."""

    op: Literal["combat"] = "combat"
    combat: Combat | None

    def apply(self, state: GameState) -> None:
        state.combat = self.combat


class ReachEnding(BaseOp):
    op: Literal["ending"] = "ending"
    ending: str

    def apply(self, state: GameState) -> None:
        state.ending = self.ending


class OfferChoices(BaseOp):
    """The numbered choices offered for the next input."""

    op: Literal["choices"] = "choices"
    choices: list[Choice]

    def apply(self, state: GameState) -> None:
        state.choices = list(self.choices)


class CloseChapter(BaseOp):
    """A closed chapter and its summary (stored this way before chapters were events)."""

    op: Literal["chapter"] = "chapter"
    chapter: Chapter

    def apply(self, state: GameState) -> None:
        close_chapter(state, self.chapter)


CHAPTERS_KEPT = 64
"""The newest closed chapters a state keeps. An older summary would never fit a prompt's
summaries budget (the newest that fit are sent); what it told is still found by recall,
and its chapter stays in the story's events. Without this bound every snapshot, load and
prompt would grow with the length of the story."""


def close_chapter(state: GameState, chapter: Chapter) -> None:
    if state.chapters and chapter.number != state.chapters[-1].number + 1:
        raise InvalidChange("Chapters are closed in order.")
    state.chapters.append(chapter)
    del state.chapters[:-CHAPTERS_KEPT]


class AdvanceTurn(BaseOp):
    op: Literal["turn"] = "turn"
    turn: int

    def apply(self, state: GameState) -> None:
        state.turn = self.turn


Op = Annotated[
    SeatPlayer
    | SetSheet
    | Move
    | ChangeNpc
    | ChangeRelationship
    | MoveItems
    | Discover
    | Visit
    | SetFlag
    | SetQuest
    | LearnLore
    | HearTopic
    | SetCombat
    | ReachEnding
    | OfferChoices
    | CloseChapter
    | AdvanceTurn,
    Field(discriminator="op"),
]
"""Any change op, told apart by its ``op`` tag."""

OPS: TypeAdapter[list[Op]] = TypeAdapter(list[Op])


def read_ops(data: Any) -> list[BaseOp]:
    """Ops from their stored JSON. Raises ``InvalidChange`` naming what is wrong."""
    try:
        return list(OPS.validate_python(data))
    except ValueError as exc:
        raise InvalidChange(f"A stored change cannot be read: {_first_error(exc)}") from exc


def _first_error(exc: ValueError) -> str:
    errors = getattr(exc, "errors", None)
    if callable(errors):
        found = errors()
        if found:
            where = ".".join(str(p) for p in found[0].get("loc", ()))
            return f"{where}: {found[0].get('msg', '')}" if where else str(found[0].get("msg"))
    return str(exc)


def apply_ops(state: GameState, ops: list[BaseOp]) -> None:
    """Apply ops in order (each checked before it changes anything)."""
    for op in ops:
        op.apply(state)


__all__ = [
    "OPS",
    "AdvanceTurn",
    "BaseOp",
    "ChangeNpc",
    "ChangeRelationship",
    "CloseChapter",
    "Discover",
    "HearTopic",
    "LearnLore",
    "Move",
    "MoveItems",
    "OfferChoices",
    "Op",
    "ReachEnding",
    "SeatPlayer",
    "SetCombat",
    "SetFlag",
    "SetQuest",
    "SetSheet",
    "Visit",
    "apply_ops",
    "read_ops",
    "sheet_problem",
]
