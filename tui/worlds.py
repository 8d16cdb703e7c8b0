"""The worlds on offer: installed ones, and bundled ones installed on first play."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from storyai.core.domain.errors import WorldNotFound
from storyai.core.worlds.bundled import bundled_world_paths

if TYPE_CHECKING:
    from storyai.core.storage.ports import UnitOfWorkFactory


@dataclass(frozen=True)
class WorldEntry:
    id: str
    title: str
    installed: bool
    bundled: bool
    sessions: int = 0


async def world_entries(uow: UnitOfWorkFactory) -> list[WorldEntry]:
    """Installed worlds, then bundled ones not installed yet."""
    from storyai.core import services
    from storyai.core.worlds.validate import load_world

    installed = await services.list_worlds(uow)
    bundled = bundled_world_paths()
    entries = [
        WorldEntry(w.world_id, w.title, True, w.world_id in bundled, w.sessions) for w in installed
    ]
    known = {w.world_id for w in installed}
    for world_id, path in bundled.items():
        if world_id not in known:
            entries.append(WorldEntry(world_id, load_world(path).world.title, False, True))
    return entries


async def ensure_installed(uow: UnitOfWorkFactory, world_id: str) -> None:
    """Install a bundled world the first time it is played."""
    async with uow() as unit:
        if await unit.worlds.exists(world_id):
            return
    path = bundled_world_paths().get(world_id)
    if path is None:
        raise WorldNotFound(world_id)
    from storyai.core import services
    from storyai.core.worlds.validate import load_world

    await services.install_world(uow, load_world(path), source=f"bundled:{world_id}")
