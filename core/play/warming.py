"""Warming a model server up for the next turn while the player reads this one.

A local server (llama.cpp, Ollama) keeps the last prompt it read in its cache. The
next turn's prompt starts with what this turn's did (rules, world, story so far) plus
this turn's telling appended to the recent turns: without help the server reads that
telling, and everything after it, when the player acts. Once a turn is stored, the
narrator may send the next prompt's stable part ahead (``Narrator.warm``); the next
turn then reads only what changes every turn. It runs in the background: the turn
has already returned, the player never waits for it, and nothing it does reaches the
story (a failure is only logged).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine
from typing import Any

from storyai.core.domain.records import EventRecord, Lineage
from storyai.core.domain.state import GameState
from storyai.core.domain.world import World
from storyai.core.memory.gather import WindowCache, gather_memory
from storyai.core.narrators.port import NarrationRequest, Narrator
from storyai.core.play.table import Table
from storyai.core.storage.ports import UnitOfWorkFactory

log = logging.getLogger("storyai.play")


WAIT_AT_MOST = 15.0
"""Seconds a turn waits for its story's warm-up still under way before it asks anyway."""


class Warmups:
    """The warm-ups under way in this process, at most one per story: a newer one
    replaces an older one still running (its prompt is out of date).

    A turn that comes while its story's warm-up is still being read waits for it
    (``ready``, at most ``wait_at_most`` seconds): the server is reading what the turn
    needs, and a server with several slots would otherwise give the turn another slot,
    one without that prompt in its cache."""

    def __init__(self, wait_at_most: float = WAIT_AT_MOST) -> None:
        self._tasks: dict[str, asyncio.Task[None]] = {}
        self.wait_at_most = wait_at_most
        self.waiting = 0  # turns waiting in ``ready`` now

    @property
    def pending(self) -> int:
        """Warm-ups not yet ended."""
        return sum(not task.done() for task in self._tasks.values())

    def start(self, session_id: str, work: Coroutine[Any, Any, None]) -> None:
        old = self._tasks.pop(session_id, None)
        if old is not None:
            old.cancel()
        task = asyncio.get_running_loop().create_task(work, name=f"warm {session_id}")
        self._tasks[session_id] = task
        task.add_done_callback(lambda done: self._forget(session_id, done))

    def _forget(self, session_id: str, task: asyncio.Task[None]) -> None:
        if self._tasks.get(session_id) is task:
            del self._tasks[session_id]
        if not task.cancelled() and task.exception() is not None:
            log.debug("warming %s failed: %r", session_id, task.exception())

    async def ready(self, session_id: str) -> None:
        """Until the story's warm-up under way, if any, has ended (it is never cancelled
        here), or ``wait_at_most`` seconds have passed."""
        task = self._tasks.get(session_id)
        if task is None or task.done():
            return
        self.waiting += 1
        try:
            await asyncio.wait({task}, timeout=self.wait_at_most)
        finally:
            self.waiting -= 1

    async def wait(self) -> None:
        """Until every warm-up started so far has ended (tests and benchmarks)."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks.values()), return_exceptions=True)

    async def cancel(self) -> None:
        """Cancel every warm-up under way and wait for them to end (closing down)."""
        tasks = list(self._tasks.values())
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


def next_actor(session_settings: dict[str, Any], state: GameState, last: str) -> str:
    """Who most likely acts next: whose turn it is at a table in turn mode, else the
    one who just acted (a solo story's player)."""
    whose = Table.from_json(session_settings.get("table")).whose_turn
    return whose if whose in state.players else last


async def warm_next(
    uow: UnitOfWorkFactory,
    windows: WindowCache,
    narrator: Narrator,
    *,
    world: World,
    state: GameState,
    lineage: Lineage,
    head: EventRecord,
    actor: str,
    seed: int,
) -> None:
    """Gather the memory the next turn's narrator will get (everything up to ``head``,
    the turn just stored) and let ``narrator`` warm up with it."""
    if state.ending or actor not in state.players:
        return
    turn = state.turn + 1
    async with uow() as reading:
        memory = await gather_memory(reading, lineage, head, state, actor, "", turn, windows)
    request = NarrationRequest(
        world=world,
        state=state,
        actor=actor,
        action="",
        facts=[],
        choices=list(state.choices),
        turn=turn,
        seed=seed,
        memory=memory,
    )
    await narrator.warm(request)
