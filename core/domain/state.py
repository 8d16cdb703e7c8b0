"""Game state, derived by folding events, never edited in place by interfaces.

State changes only through the typed change ops of ``storyai.core.domain.ops``
(``Move``, ``SetSheet``, ...), each with its own ``apply``. The nested models here are
frozen: an op replaces them, never edits them, so ``GameState.fork`` (a copy of the
containers only) is all a turn needs to work on a state without touching the one it
came from, whatever the length of the story.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, SerializerFunctionWrapHandler, model_serializer

from storyai.core.domain.relationships import Relationship, starting
from storyai.core.domain.sheet import Sheet


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Choice(_Model):
    """A numbered option offered to the player; ``command`` is what choosing it types."""

    text: str
    command: str


class QuestState(_Model):
    status: Literal["inactive", "active", "done"] = "inactive"
    stage: int = 0
    done_objectives: list[int] = Field(default_factory=list)
    since: int = 0
    """``GameState.tick`` when this stage began: its objectives count what happens after."""


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
    relationships: dict[str, Relationship] = Field(
        default_factory=dict, description="Player id -> how this character stands with them."
    )

    @model_serializer(mode="wrap")
    def _no_empty_relationships(self, handler: SerializerFunctionWrapHandler) -> Any:
        """A character nobody has a relationship with serialises as before they existed."""
        data = handler(self)
        if isinstance(data, dict) and not data.get("relationships", True):
            data.pop("relationships", None)
        return data

    def relationship(self, player_id: str) -> Relationship:
        return self.relationships.get(player_id) or starting(self.attitude)


class Combat(_Model):
    """A fight: who takes part, in initiative order (highest first), and whose go it is.

    ``index`` is the slot of the player whose action is awaited; the others act in
    the slots between one player action and the next. ``scores`` keeps each
    combatant's initiative so that someone joining later takes their place."""

    location: str
    order: list[str]
    round: int = 1
    index: int = 0
    scores: dict[str, int] = Field(default_factory=dict)


class Chapter(_Model):
    """A closed stretch of the story and its summary. Closed chapters are never rewritten."""

    number: int
    first_turn: int
    last_turn: int
    end_depth: int  # the depth of the last event the chapter covers
    summary: str


class GameState(BaseModel):
    """The whole state of a story at one event. Its containers change (through ops);
    the models inside them never do."""

    model_config = ConfigDict(extra="forbid", validate_assignment=False)

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
    tick: int = 0
    """Counts the things that happen (a talk, a use, a visit, words said)."""
    last_done: dict[str, int] = Field(default_factory=dict)
    """What happened (``npc``, ``npc:topic``, ``use:item``, ``enter:place``, ``say:words``)
    -> the ``tick`` it last happened at."""
    combat: Combat | None = None
    ending: str | None = None
    choices: list[Choice] = Field(default_factory=list)
    chapters: list[Chapter] = Field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return self.model_dump(mode="json")

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> GameState:
        return cls.model_validate(data)

    def fork(self) -> GameState:
        """A state to change without changing this one: new containers, shared (frozen)
        contents. Costs the number of entries, not the size of what they hold."""
        return GameState.model_construct(
            world_id=self.world_id,
            world_version=self.world_version,
            system=self.system,
            turn=self.turn,
            players=dict(self.players),
            npcs=dict(self.npcs),
            location_items=dict(self.location_items),
            discovered=list(self.discovered),
            visited=list(self.visited),
            flags=list(self.flags),
            quests=dict(self.quests),
            lore_known=list(self.lore_known),
            topics_heard=list(self.topics_heard),
            tick=self.tick,
            last_done=dict(self.last_done),
            combat=self.combat,
            ending=self.ending,
            choices=list(self.choices),
            chapters=list(self.chapters),
        )

    def has_flag(self, flag: str) -> bool:
        return flag in self.flags

    def sheet_of(self, who: str) -> Sheet | None:
        if who in self.players:
            return self.players[who].sheet
        npc = self.npcs.get(who)
        return npc.sheet if npc else None

    def characters_at(self, location: str) -> list[str]:
        return [cid for cid, npc in self.npcs.items() if npc.location == location and not npc.fled]
