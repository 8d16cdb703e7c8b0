"""Snapshots: the folded state right after one event, so loading never replays all."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite

from storyai.core.domain.records import SnapshotRecord
from storyai.core.storage import behaviour
from storyai.core.storage.ports import SnapshotRepository
from storyai.core.storage.sql.link import Link
from storyai.core.storage.sql.rows import EVENTS, SNAPSHOTS, snapshot_record, snapshot_values


class SqlSnapshotRepository(SnapshotRepository):
    def __init__(self, link: Link) -> None:
        self._link = link

    async def put(self, record: SnapshotRecord) -> None:
        link = self._link
        if record.event_id not in link.appended:  # else stored just now, by this caller
            query = select(EVENTS.c.session_id).where(EVENTS.c.id == record.event_id)
            if (await link.run(query)).scalar() != record.session_id:
                raise behaviour.unknown_event(record.event_id, record.session_id)
        dialect = postgresql if self._link.postgres else sqlite
        # INSERT ... ON CONFLICT DO NOTHING: the first snapshot of an event stays.
        statement = (
            dialect.insert(SNAPSHOTS)
            .values(**snapshot_values(record))
            .on_conflict_do_nothing(index_elements=[SNAPSHOTS.c.event_id])
        )
        if record.event_id in link.appended:
            await link.defer(statement)  # with the events it follows
        else:
            await link.write(statement)

    async def get(self, event_id: str) -> SnapshotRecord | None:
        row = (
            await self._link.run(select(SNAPSHOTS).where(SNAPSHOTS.c.event_id == event_id))
        ).first()
        return None if row is None else snapshot_record(row._mapping)
