"""Legacy records in memory: one per (profile, story), the first one stays."""

from __future__ import annotations

from typing import TYPE_CHECKING

from storyai.core.domain.legacy import LegacyRecord
from storyai.core.storage.ports import LegacyRepository

if TYPE_CHECKING:
    from storyai.core.storage.memory.unit_of_work import InMemoryUnitOfWork


class InMemoryLegacyRepository(LegacyRepository):
    def __init__(self, uow: InMemoryUnitOfWork) -> None:
        self._uow = uow

    async def earn(self, record: LegacyRecord) -> bool:
        key = (record.profile_key, record.story_id)
        await self._uow.lock(("legacy", *key))  # as the row's key would be, until commit
        if key in self._uow.pending.legacy or key in self._uow.committed.legacy:
            return False
        self._uow.pending.legacy[key] = record
        return True

    async def list(self, profile_key: str) -> list[LegacyRecord]:
        found = {
            k: r
            for source in (self._uow.committed.legacy, self._uow.pending.legacy)
            for k, r in source.items()
            if k[0] == profile_key
        }
        return sorted(found.values(), key=lambda r: (r.earned_at, r.story_id))
