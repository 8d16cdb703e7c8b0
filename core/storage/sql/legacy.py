"""Legacy records: ``INSERT ... ON CONFLICT DO NOTHING`` on (profile, story), so a
story's legacy is written once however many branches end or processes try."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite

from storyai.core.domain.legacy import LegacyRecord
from storyai.core.storage.orm import LegacyRecordRow
from storyai.core.storage.ports import LegacyRepository
from storyai.core.storage.sql.link import Link

LEGACY = LegacyRecordRow.__table__
_C = LEGACY.c


class SqlLegacyRepository(LegacyRepository):
    def __init__(self, link: Link) -> None:
        self._link = link

    async def earn(self, record: LegacyRecord) -> bool:
        dialect = postgresql if self._link.postgres else sqlite
        statement = (
            dialect.insert(LEGACY)
            .values(
                profile_key=record.profile_key,
                story_id=record.story_id,
                world_id=record.world_id,
                data=record.data,
                earned_at=record.earned_at,
            )
            .on_conflict_do_nothing(index_elements=[_C.profile_key, _C.story_id])
        )
        return (await self._link.write(statement)).rowcount > 0

    async def list(self, profile_key: str) -> list[LegacyRecord]:
        rows = await self._link.run(
            select(LEGACY).where(_C.profile_key == profile_key).order_by(_C.earned_at, _C.story_id)
        )
        return [
            LegacyRecord(
                row._mapping[_C.profile_key],
                row._mapping[_C.story_id],
                row._mapping[_C.world_id],
                dict(row._mapping[_C.data]),
                row._mapping[_C.earned_at],
            )
            for row in rows
        ]
