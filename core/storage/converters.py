"""Rows to records and back: the only place that knows both shapes.

Keeping ORM rows out of the domain means a query result can never be
lazy-loaded after its session closed, and the schema can change without the
domain noticing.
"""

from __future__ import annotations

from storyai.core.domain.records import SessionRecord, WorldVersionRecord
from storyai.core.storage.orm import SessionRow, WorldRow, WorldVersionRow


def world_version_record(row: WorldVersionRow) -> WorldVersionRecord:
    return WorldVersionRecord(
        world_id=row.world_id,
        version=row.version,
        title=row.title,
        content=row.content,
        content_hash=row.content_hash,
        installed_at=row.installed_at,
        source=row.source,
        forked_from=row.forked_from,
    )


def world_version_row(record: WorldVersionRecord, seq: int) -> WorldVersionRow:
    return WorldVersionRow(
        world_id=record.world_id,
        version=record.version,
        seq=seq,
        title=record.title,
        content=record.content,
        content_hash=record.content_hash,
        source=record.source,
        forked_from=record.forked_from,
        installed_at=record.installed_at,
    )


def world_row(record: WorldVersionRecord) -> WorldRow:
    """The ``worlds`` row for the first installed version of a world."""
    return WorldRow(
        id=record.world_id,
        title=record.title,
        forked_from=record.forked_from,
        created_at=record.installed_at,
    )


def session_record(row: SessionRow) -> SessionRecord:
    return SessionRecord(
        id=row.id,
        world_id=row.world_id,
        world_version=row.world_version,
        title=row.title,
        status=row.status,
        active_branch=row.active_branch,
        created_at=row.created_at,
        updated_at=row.updated_at,
        channel=row.channel,
        settings=row.settings,
    )


def session_row(record: SessionRecord) -> SessionRow:
    return SessionRow(
        id=record.id,
        world_id=record.world_id,
        world_version=record.world_version,
        title=record.title,
        status=record.status,
        active_branch=record.active_branch,
        channel=record.channel,
        settings=record.settings,
        created_at=record.created_at,
        updated_at=record.updated_at,
    )
