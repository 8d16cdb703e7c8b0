"""The Narrator port: how a turn's outcome becomes the words a player reads.

The engine decides what happened (rules, dice, changes); a narrator tells it.
Every narrator streams: it yields ``TextDelta`` pieces as the narrative is
written and ends with one ``NarratorReply`` in the structured reply format of
ARCHITECTURE.md §3. The offline narrator sends its text at once; AI narrators
stream token by token, and interfaces render both the same way.
"""

from __future__ import annotations

import abc
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from storyai.core.domain.state import Choice, GameState
from storyai.core.domain.world import World
from storyai.core.engine.draft import Line


@dataclass(frozen=True)
class NarrationRequest:
    """Everything a narrator may use for one turn. ``facts`` are what the rules decided."""

    world: World
    state: GameState  # after the rules applied this turn's changes
    actor: str
    action: str  # what the player typed ("" for an opening)
    facts: list[Line]
    choices: list[Choice]
    turn: int
    seed: int
    memory: Memory | None = None  # gathered for narrators that ask for it
    followup: str = ""  # set when the engine rolled a check the narrator asked for


@dataclass(frozen=True)
class TurnText:
    """One earlier turn as the acting character saw it."""

    turn: int
    actor: str  # the character's name
    action: str
    told: str
    witnesses: tuple[str, ...] = ()  # player ids who saw it; empty means everyone


@dataclass(frozen=True)
class Recalled:
    """An earlier moment brought back by full-text search, with why."""

    turn: int
    text: str
    why: str


@dataclass(frozen=True)
class Memory:
    """What the story remembers for this turn, beyond the state itself."""

    recent: tuple[TurnText, ...] = ()
    recalled: tuple[Recalled, ...] = ()
    witness: str = ""  # the player whose knowledge this is


@dataclass(frozen=True)
class TextDelta:
    """A piece of narrative text as it is written. ``reset`` discards what was streamed
    for this turn so far (a provider failed midway and another one starts over)."""

    text: str
    reset: bool = False


@dataclass
class NarratorReply:
    """The structured reply: narrative, dialogue, choices and proposed state changes.

    ``lines`` is the reply laid out for display, in order; ``state_changes``
    are proposals only: the engine validates each before anything is applied.
    """

    narrative: str
    lines: list[Line]
    dialogue: list[dict[str, str]] = field(default_factory=list)
    choices: list[dict[str, str]] = field(default_factory=list)
    state_changes: dict[str, Any] = field(default_factory=dict)
    media_hints: dict[str, str] = field(default_factory=dict)
    narrator: str = ""
    check: dict[str, Any] | None = None  # a check the engine should roll, then narrate again
    usage: dict[str, Any] = field(default_factory=dict)  # tokens and cost of the model calls
    context: dict[str, Any] = field(default_factory=dict)  # section token counts, lore trace
    error: str = ""  # why the narrator fell back, if it did


NarrationChunk = TextDelta | NarratorReply
OnText = Callable[[str], Awaitable[None] | None]


class Narrator(abc.ABC):
    """Tells a turn. Adapters: offline (built in); AI narrators plug in here."""

    name: str = "narrator"
    wants_memory: bool = False  # gather recent turns and recall for each request
    proposes: bool = False  # its state changes and choices go through the validator

    async def summarize(self, world: World, turns: list[TurnText]) -> tuple[str, dict[str, Any]]:
        """A short summary of a closed chapter, and the usage it cost."""
        return extractive_summary(turns), {}

    @abc.abstractmethod
    def stream(self, request: NarrationRequest) -> AsyncIterator[NarrationChunk]:
        """Yield text deltas, then exactly one NarratorReply last."""

    def warms(self) -> bool:
        """Whether ``warm`` does anything (the story then gathers the next turn's memory
        for it after each turn)."""
        return False

    async def warm(self, request: NarrationRequest) -> None:
        """Get ready for ``request`` (the next turn, its action still unknown) before it
        comes: a model server reads the prompt's stable part into its cache. Never
        raises; a turn never waits for it."""
        return None


async def narrate(
    narrator: Narrator, request: NarrationRequest, on_text: OnText | None = None
) -> NarratorReply:
    """Run a narrator to its reply, passing each text delta to ``on_text`` as it arrives."""
    reply: NarratorReply | None = None
    async for chunk in narrator.stream(request):
        if isinstance(chunk, TextDelta):
            if chunk.reset:
                reset = getattr(on_text, "reset", None)
                if reset is not None:
                    pending = reset()
                    if pending is not None:
                        await pending
                continue
            if on_text is not None:
                pending = on_text(chunk.text)
                if pending is not None:
                    await pending
        else:
            reply = chunk
    if reply is None:
        raise RuntimeError(f"narrator {narrator.name} ended without a reply")
    return reply


def extractive_summary(turns: list[TurnText], limit: int = 600) -> str:
    """A summary with no model: each turn's action and the first sentence told."""
    parts = []
    for t in turns:
        told = t.told.strip().split("\n")[0]
        first = told.split(". ")[0].rstrip(".")
        parts.append(f"T{t.turn} {t.actor}: {t.action} — {first}." if t.action else f"{first}.")
    text = " ".join(parts)
    return text if len(text) <= limit else text[: limit - 1].rsplit(" ", 1)[0] + "…"
