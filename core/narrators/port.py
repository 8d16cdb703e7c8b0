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


@dataclass(frozen=True)
class TextDelta:
    """A piece of narrative text as it is written."""

    text: str


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


NarrationChunk = TextDelta | NarratorReply
OnText = Callable[[str], Awaitable[None] | None]


class Narrator(abc.ABC):
    """Tells a turn. Adapters: offline (built in); AI narrators plug in here."""

    name: str = "narrator"

    @abc.abstractmethod
    def stream(self, request: NarrationRequest) -> AsyncIterator[NarrationChunk]:
        """Yield text deltas, then exactly one NarratorReply last."""


async def narrate(
    narrator: Narrator, request: NarrationRequest, on_text: OnText | None = None
) -> NarratorReply:
    """Run a narrator to its reply, passing each text delta to ``on_text`` as it arrives."""
    reply: NarratorReply | None = None
    async for chunk in narrator.stream(request):
        if isinstance(chunk, TextDelta):
            if on_text is not None:
                pending = on_text(chunk.text)
                if pending is not None:
                    await pending
        else:
            reply = chunk
    if reply is None:
        raise RuntimeError(f"narrator {narrator.name} ended without a reply")
    return reply
