"""What a play service keeps between use cases: validated worlds and folded states.

Both are caches of immutable things, so they are right in every process, whatever the
others do: an installed world version never changes, and the state after an event
is fixed forever by the events up to it. A turn therefore reads neither the world
nor the state from storage when the previous turn ran in this process.
"""

from __future__ import annotations

from collections import OrderedDict

from storyai.core.domain.state import GameState
from storyai.core.domain.world import World
from storyai.core.storage.ports import UnitOfWork
from storyai.core.worlds.validate import validate_data


class WorldCache:
    """Validated worlds by (id, version)."""

    def __init__(self, size: int = 32) -> None:
        self._size = size
        self._worlds: OrderedDict[tuple[str, str], World] = OrderedDict()

    async def get(self, uow: UnitOfWork, world_id: str, version: str | None = None) -> World:
        if version is not None and (world_id, version) in self._worlds:
            self._worlds.move_to_end((world_id, version))
            return self._worlds[(world_id, version)]
        record = await uow.worlds.get_version(world_id, version)
        key = (record.world_id, record.version)
        if key not in self._worlds:
            self._worlds[key] = validate_data(record.content, f"{world_id}@{record.version}")
            while len(self._worlds) > self._size:
                self._worlds.popitem(last=False)
        return self._worlds[key]


class StateCache:
    """Folded states by the id of the event they follow. Hand out forks only: a state
    taken from here must never be changed (``GameState.fork`` first).

    A turn puts two (its pending action's and its head's), so a bot playing 500 stories
    at once needs about a thousand; 4,096 keep 2,000 stories warm. States share their
    unchanged parts (a fork copies only what a turn changed), so that is tens of
    megabytes, not hundreds."""

    def __init__(self, size: int = 4096) -> None:
        self._size = size
        self._states: OrderedDict[str, GameState] = OrderedDict()

    def get(self, event_id: str) -> GameState | None:
        state = self._states.get(event_id)
        if state is not None:
            self._states.move_to_end(event_id)
        return state

    def put(self, event_id: str, state: GameState) -> None:
        self._states[event_id] = state
        self._states.move_to_end(event_id)
        while len(self._states) > self._size:
            self._states.popitem(last=False)
