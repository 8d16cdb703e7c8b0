"""Events: what happened in a story, one class per kind, immutable once stored.

A session is a tree of events; folding the events on one branch gives its state
(``apply``). Each event is stored as ``kind`` plus a JSON payload, the same shape the
first releases stored, so old databases read as typed events through ``read_event``.
Two shapes of old rows are read differently from how they were written: a chapter
summary stored as a ``state_changed`` event (``source: memory``) reads as a
``ChapterClosed`` event, and a ``player_joined`` row without a sheet reads with
``sheet`` None.

Kinds (``kind`` is the stored tag):

* ``session_started``  SessionStarted: the world version and the story's seed
* ``player_joined``    PlayerJoined: a character arrives (their sheet); told next
* ``player_left`` / ``player_returned``: someone stood up from, or came back to, the table
* ``player_action``    PlayerAction: what a player typed (or a free-mode round)
* ``dice_rolled``      DiceRolled: the rolls the rules made, as the player sees them
* ``state_changed``    StateChanged: typed ops, and the changes refused with reasons
* ``narration``        Narration: what the players were told, with its choices
* ``chapter_closed``   ChapterClosed: a closed chapter's summary for the model's memory
* ``ending_reached``   EndingReached
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError

from storyai.core.domain.errors import HistoryBroken
from storyai.core.domain.ops import BaseOp, Op, close_chapter
from storyai.core.domain.sheet import Sheet
from storyai.core.domain.state import Chapter, Choice, GameState


class _Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


@dataclass(frozen=True)
class Line:
    """One thing told: narration, a character's words, a dice roll, a notice, a heading."""

    kind: str  # "narration", "dialogue", "dice", "notice", "heading", "ending"
    text: str
    speaker: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "text": self.text, "speaker": self.speaker}


class Roll(BaseModel):
    """A roll as told (``text``), with what the rules read from it (attack, hit, damage,
    a check's success and degree ...)."""

    model_config = ConfigDict(extra="allow", frozen=True)

    text: str


class Rejection(_Frozen):
    """A change that was not made, and why (a player or author can read ``reason``)."""

    change: Any
    reason: str


class GroupMember(_Frozen):
    player: str
    text: str


class UsageRecord(BaseModel):
    """What the model calls behind one event cost, and for which player."""

    model_config = ConfigDict(extra="allow", frozen=True)

    provider: str = ""
    model: str = ""
    input_tokens: int = 0
    output_tokens: int = 0
    cached_tokens: int = 0
    cache_write_tokens: int = 0
    calls: int = 0
    cost_usd: float = 0.0
    player: str = ""


class _Event(_Frozen):
    """Base of every event. ``apply`` folds it into a state (most events change none)."""

    @property
    def told(self) -> bool:
        """Whether this event ends a telling (the players were told something)."""
        return False

    @property
    def awaits_telling(self) -> bool:
        """Whether a branch whose head is this event still owes its players a telling."""
        return False

    def apply(self, state: GameState) -> None:
        return None

    def to_payload(self) -> dict[str, Any]:
        return self.model_dump(mode="json", exclude={"kind"}, exclude_none=True)


class SessionStarted(_Event):
    kind: Literal["session_started"] = "session_started"
    world_id: str
    world_version: str
    seed: int = 0


class PlayerJoined(_Event):
    """A character arrives. Until the narration after it, the arrival is being told."""

    kind: Literal["player_joined"] = "player_joined"
    name: str
    archetype: str | None = None
    sheet: Sheet | None = None  # None in rows stored before joins were told separately
    opening: bool = False  # the first player also hears the story's opening

    @property
    def awaits_telling(self) -> bool:
        return self.sheet is not None


class PlayerLeft(_Event):
    kind: Literal["player_left"] = "player_left"
    name: str


class PlayerReturned(_Event):
    kind: Literal["player_returned"] = "player_returned"
    name: str


class PlayerAction(_Event):
    """What a player typed; ``group`` is a free-mode round (several players, one turn)."""

    kind: Literal["player_action"] = "player_action"
    text: str
    group: tuple[GroupMember, ...] | None = None

    @property
    def awaits_telling(self) -> bool:
        return True


class DiceRolled(_Event):
    kind: Literal["dice_rolled"] = "dice_rolled"
    rolls: tuple[Roll, ...]


class StateChanged(_Event):
    """Changes made (``ops``) and refused (``rejected``), by the rules or, checked by
    the rules, proposed by the narrator (``source``)."""

    kind: Literal["state_changed"] = "state_changed"
    ops: tuple[Op, ...] = ()
    rejected: tuple[Rejection, ...] = ()
    source: Literal["rules", "narrator"] | None = None
    usage: UsageRecord | None = None

    def apply(self, state: GameState) -> None:
        for op in self.ops:
            op.apply(state)

    def to_payload(self) -> dict[str, Any]:
        payload: dict[str, Any] = {
            "ops": [op.to_json() for op in self.ops],
            "rejected": [r.model_dump(mode="json") for r in self.rejected],
        }
        if self.source is not None:
            payload["source"] = self.source
        if self.usage is not None:
            payload["usage"] = self.usage.model_dump(mode="json")
        return payload


class Narration(_Event):
    """What the players were told, the choices offered, and who told it."""

    kind: Literal["narration"] = "narration"
    lines: tuple[Line, ...] = ()
    choices: tuple[Choice, ...] = ()
    understood: bool = True
    narrator: str = ""
    witnesses: tuple[str, ...] | None = None  # player ids who saw it (None: the actor)
    usage: UsageRecord | None = None
    context: dict[str, Any] | None = None  # the prompt's section token counts, lore trace
    error: str | None = None  # why the narrator fell back, if it did
    image_prompt: str | None = None  # the narrator's media hint: a picture of this moment

    @property
    def told(self) -> bool:
        return True


class ChapterClosed(_Event):
    """A closed chapter's summary, for the model's memory. Never rewritten."""

    kind: Literal["chapter_closed"] = "chapter_closed"
    chapter: Chapter
    usage: UsageRecord | None = None

    def apply(self, state: GameState) -> None:
        close_chapter(state, self.chapter)


class EndingReached(_Event):
    kind: Literal["ending_reached"] = "ending_reached"
    ending: str


Event = Annotated[
    SessionStarted
    | PlayerJoined
    | PlayerLeft
    | PlayerReturned
    | PlayerAction
    | DiceRolled
    | StateChanged
    | Narration
    | ChapterClosed
    | EndingReached,
    Field(discriminator="kind"),
]
"""Any event, told apart by its ``kind``."""

_EVENT: TypeAdapter[Event] = TypeAdapter(Event)
KINDS = frozenset(
    (
        "session_started",
        "player_joined",
        "player_left",
        "player_returned",
        "player_action",
        "dice_rolled",
        "state_changed",
        "narration",
        "chapter_closed",
        "ending_reached",
    )
)


def read_event(kind: str, payload: dict[str, Any]) -> Event:
    """The typed event of a stored row (old shapes included, see the module docstring).

    Raises ``HistoryBroken`` (a storage error, not a player's mistake) for a row that
    no release of storyai wrote.
    """
    data = dict(payload)
    if kind == "state_changed" and data.get("source") == "memory":
        chapters = [op for op in data.get("ops", ()) if op.get("op") == "chapter"]
        if len(chapters) == 1 and len(data.get("ops", ())) == 1:
            kind, data = "chapter_closed", {"chapter": chapters[0]["chapter"]}
            if payload.get("usage"):
                data["usage"] = payload["usage"]
        else:
            data["source"] = None
    data["kind"] = kind
    try:
        return _EVENT.validate_python(data)
    except ValidationError as exc:
        errors = exc.errors()
        where = ".".join(str(p) for p in errors[0]["loc"]) if errors else ""
        what = errors[0]["msg"] if errors else str(exc)
        raise HistoryBroken(f"a stored '{kind}' event cannot be read ({where}: {what})") from exc


def event_json(event: Event) -> tuple[str, dict[str, Any]]:
    """``(kind, payload)``: how an event is stored."""
    return event.kind, event.to_payload()


def ops_of(event: Event) -> tuple[BaseOp, ...]:
    return event.ops if isinstance(event, StateChanged) else ()


def text_of(event: Event) -> str:
    """The words of an event worth remembering: what was typed, or what was told."""
    if isinstance(event, PlayerAction):
        return event.text
    if isinstance(event, Narration):
        return "\n".join(line.text for line in event.lines if line.text)
    return ""
