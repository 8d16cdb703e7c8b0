"""Installed worlds, in memory."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from storyai.core.domain.errors import WorldNotFound
from storyai.core.domain.records import WorldSummary, WorldVersionRecord
from storyai.core.storage import behaviour
from storyai.core.storage.memory.store import fresh_world, json_copy
from storyai.core.storage.ports import WorldRepository

if TYPE_CHECKING:
    from storyai.core.storage.memory.unit_of_work import InMemoryUnitOfWork


class InMemoryWorldRepository(WorldRepository):
    def __init__(self, uow: InMemoryUnitOfWork) -> None:
        self._uow = uow

    def _versions(self, world_id: str) -> list[WorldVersionRecord]:
        world = self._uow.committed.worlds.get(world_id)
        found = list(world.versions) if world else []
        found += [v for v in self._uow.pending.worlds if v.world_id == world_id]
        removed = self._uow.pending.removed_versions
        return [v for v in found if (world_id, v.version) not in removed]

    async def add_version(self, record: WorldVersionRecord) -> None:
        if any(v.version == record.version for v in self._versions(record.world_id)):
            raise behaviour.version_conflict(record.world_id, record.version)
        record = replace(
            record,
            content=json_copy(record.content),
            installed_at=behaviour.utc(record.installed_at),
        )
        self._uow.pending.worlds.append(record)

    async def get_version(
        self, world_id: str, version: str | None = None, *, raw: bool = True
    ) -> WorldVersionRecord:
        versions = self._versions(world_id)
        if not versions:
            raise WorldNotFound(world_id)
        if version is None:  # the newest release; a working copy only without one
            releases = [v for v in versions if not v.working_copy]
            return fresh_world((releases or versions)[-1])
        found = await self.find_version(world_id, version)
        if found is None:
            raise WorldNotFound(world_id, version)
        return found

    async def find_version(
        self, world_id: str, version: str, *, raw: bool = True
    ) -> WorldVersionRecord | None:
        for record in self._versions(world_id):
            if record.version == version:
                return fresh_world(record)
        return None

    async def list(self) -> list[WorldSummary]:
        ids = set(self._uow.committed.worlds) | {v.world_id for v in self._uow.pending.worlds}
        ids = {world_id for world_id in ids if self._versions(world_id)}
        counts: dict[str, int] = {}
        for session in self._uow.view.sessions():
            counts[session.world_id] = counts.get(session.world_id, 0) + 1
        out = []
        for world_id in sorted(ids):
            versions = self._versions(world_id)
            world = self._uow.committed.worlds.get(world_id)
            forked = world.forked_from if world else versions[0].forked_from
            out.append(
                behaviour.summary(
                    world_id,
                    versions[-1].title,
                    forked,
                    [v.version for v in reversed(versions)],
                    counts.get(world_id, 0),
                    [v.version for v in versions if v.working_copy],
                )
            )
        return out

    async def exists(self, world_id: str) -> bool:
        return bool(self._versions(world_id))

    async def remove_version(self, world_id: str, version: str) -> None:
        await self.get_version(world_id, version)  # WorldNotFound names what is there
        pending = self._uow.pending
        pending.worlds = [
            v for v in pending.worlds if (v.world_id, v.version) != (world_id, version)
        ]
        pending.removed_versions.add((world_id, version))
