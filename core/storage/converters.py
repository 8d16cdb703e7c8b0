"""Rows to records and back: the only place that knows both shapes.

Keeping ORM rows out of the domain means a query result can never be
lazy-loaded after its session closed, and the schema can change without the
domain noticing.

JSON documents read from ORM rows are copied: a row stays in its session's
identity map, so handing out its dict would let a caller's edit leak into later
reads (and hide a real change from ``update``). Rows written with a bulk
``insert`` are serialised at once and need no copy.
"""

from __future__ import annotations

import copy
from datetime import date
from typing import Any

from storyai.core.domain.records import (
    BranchRecord,
    EventRecord,
    LibraryInfo,
    LibraryRecord,
    PlayerRecord,
    QuotaCounter,
    SessionRecord,
    SnapshotRecord,
    WorldVersionRecord,
)
from storyai.core.storage.orm import (
    BranchRow,
    EventRow,
    LibraryEntryRow,
    LibraryRow,
    PlayerRow,
    SessionRow,
    SnapshotRow,
    WorldRow,
    WorldVersionRow,
)


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
        settings=copy.deepcopy(row.settings),
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
        settings=copy.deepcopy(record.settings),
        created_at=record.created_at,
        updated_at=record.updated_at,
    )


def player_record(row: PlayerRow) -> PlayerRecord:
    return PlayerRecord(
        id=row.id,
        session_id=row.session_id,
        user_ref=row.user_ref,
        display_name=row.display_name,
        role=row.role,
        character=copy.deepcopy(row.character),
        presence=row.presence,
        joined_at=row.joined_at,
        left_at=row.left_at,
    )


def player_row(record: PlayerRecord) -> PlayerRow:
    return PlayerRow(id=record.id, **player_changes(record))


def player_changes(record: PlayerRecord) -> dict[str, Any]:
    """Every column but the id: what ``players.update`` replaces."""
    return {
        "session_id": record.session_id,
        "user_ref": record.user_ref,
        "display_name": record.display_name,
        "role": record.role,
        "character": copy.deepcopy(record.character),
        "presence": record.presence,
        "joined_at": record.joined_at,
        "left_at": record.left_at,
    }


def event_record(row: EventRow) -> EventRecord:
    return EventRecord(
        id=row.id,
        session_id=row.session_id,
        parent_id=row.parent_id,
        seq=row.seq,
        depth=row.depth,
        turn=row.turn,
        kind=row.kind,
        actor=row.actor,
        payload=copy.deepcopy(row.payload),
        created_at=row.created_at,
    )


def event_values(record: EventRecord) -> dict[str, Any]:
    """One row of a bulk ``insert(EventRow)``."""
    return {
        "id": record.id,
        "session_id": record.session_id,
        "parent_id": record.parent_id,
        "seq": record.seq,
        "depth": record.depth,
        "turn": record.turn,
        "kind": record.kind,
        "actor": record.actor,
        "payload": record.payload,
        "created_at": record.created_at,
    }


def branch_record(row: BranchRow) -> BranchRecord:
    return BranchRecord(
        session_id=row.session_id,
        name=row.name,
        head_event_id=row.head_event_id,
        created_at=row.created_at,
    )


def branch_row(record: BranchRecord) -> BranchRow:
    return BranchRow(
        session_id=record.session_id,
        name=record.name,
        head_event_id=record.head_event_id,
        created_at=record.created_at,
    )


def snapshot_record(row: SnapshotRow) -> SnapshotRecord:
    return SnapshotRecord(
        session_id=row.session_id,
        event_id=row.event_id,
        turn=row.turn,
        state=copy.deepcopy(row.state),
        created_at=row.created_at,
    )


def snapshot_values(record: SnapshotRecord) -> dict[str, Any]:
    """The row of a bulk ``insert(SnapshotRow)``."""
    return {
        "event_id": record.event_id,
        "session_id": record.session_id,
        "turn": record.turn,
        "state": record.state,
        "created_at": record.created_at,
    }


def quota_counter(scope: str, key: str, day: date, turns: int, credits: int) -> QuotaCounter:
    """A counter from the columns an ``INSERT ... RETURNING`` (or a select) gave back."""
    return QuotaCounter(scope=scope, key=key, day=day, turns=int(turns), credits=int(credits))


def library_values(library: str, record: LibraryRecord) -> dict[str, Any]:
    return {
        "library": library,
        "edition": record.edition,
        "kind": record.kind,
        "key": record.key,
        "name": record.name[:200],
        "summary": record.summary[:500],
        "text": record.text,
        "data": record.data,
    }


def library_record(row: LibraryEntryRow) -> LibraryRecord:
    return LibraryRecord(
        library=row.library,
        edition=row.edition,
        kind=row.kind,
        key=row.key,
        name=row.name,
        summary=row.summary,
        text=row.text,
        data=copy.deepcopy(row.data),
    )


def library_info(row: LibraryRow) -> LibraryInfo:
    return LibraryInfo(
        library=row.library,
        installed_at=row.installed_at,
        origin=row.origin,
        counts=dict(row.counts),
    )
