"""Rows to records and back: the only place that knows both shapes.

Rows come from Core statements (``Row`` mappings keyed by column), so nothing is
loaded lazily or cached in an identity map, and the JSON a row holds is already a
fresh object for the caller.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from sqlalchemy import Table

from storyai.core.domain.events import read_event
from storyai.core.domain.records import (
    BranchRecord,
    EventRecord,
    LibraryInfo,
    LibraryRecord,
    Lineage,
    PlayerRecord,
    QuotaCounter,
    SessionRecord,
    SnapshotRecord,
    Telling,
    WorldVersionRecord,
)
from storyai.core.storage.orm import (
    BranchRow,
    EventRow,
    LibraryEntryRow,
    LibraryRow,
    PlayerRow,
    RawDocumentRow,
    RecallTermRow,
    SessionRow,
    SnapshotRow,
    UsageRow,
    WorldRow,
    WorldVersionRow,
)


def _table(row_class: type) -> Table:
    table = row_class.__table__  # type: ignore[attr-defined]
    assert isinstance(table, Table)
    return table


WORLDS = _table(WorldRow)
WORLD_VERSIONS = _table(WorldVersionRow)
RAW_DOCUMENTS = _table(RawDocumentRow)
SESSIONS = _table(SessionRow)
PLAYERS = _table(PlayerRow)
EVENTS = _table(EventRow)
BRANCHES = _table(BranchRow)
SNAPSHOTS = _table(SnapshotRow)
RECALL_TERMS = _table(RecallTermRow)
USAGE = _table(UsageRow)
LIBRARIES = _table(LibraryRow)
LIBRARY_ENTRIES = _table(LibraryEntryRow)

Row = Mapping[Any, Any]


def world_version_record(row: Row) -> WorldVersionRecord:
    c = WORLD_VERSIONS.c
    return WorldVersionRecord(
        world_id=row[c.world_id],
        version=row[c.version],
        title=row[c.title],
        content=row[c.content],
        content_hash=row[c.content_hash],
        installed_at=row[c.installed_at],
        source=row[c.source],
        forked_from=row[c.forked_from],
    )


def world_version_values(record: WorldVersionRecord, seq: int) -> dict[str, Any]:
    return {
        "world_id": record.world_id,
        "version": record.version,
        "seq": seq,
        "title": record.title,
        "content": record.content,
        "content_hash": record.content_hash,
        "source": record.source,
        "forked_from": record.forked_from,
        "installed_at": record.installed_at,
    }


def session_record(row: Row) -> SessionRecord:
    c = SESSIONS.c
    telling = None
    if row[c.telling_event_id] is not None and row[c.telling_until] is not None:
        telling = Telling(row[c.telling_event_id], row[c.telling_until])
    return SessionRecord(
        id=row[c.id],
        world_id=row[c.world_id],
        world_version=row[c.world_version],
        title=row[c.title],
        status=row[c.status],
        active_branch=row[c.active_branch],
        created_at=row[c.created_at],
        updated_at=row[c.updated_at],
        channel=row[c.channel],
        settings=row[c.settings] or {},
        next_seq=int(row[c.next_seq]),
        next_segment=int(row[c.next_segment]),
        telling=telling,
        deadline=row[c.deadline],
    )


def session_values(record: SessionRecord) -> dict[str, Any]:
    """Every column of a session row."""
    return {
        "id": record.id,
        "world_id": record.world_id,
        "world_version": record.world_version,
        **session_changes(record),
        "created_at": record.created_at,
    }


def session_changes(record: SessionRecord) -> dict[str, Any]:
    """What ``sessions.update`` replaces."""
    telling = record.telling
    return {
        "title": record.title,
        "status": record.status,
        "active_branch": record.active_branch,
        "channel": record.channel,
        "settings": record.settings,
        "updated_at": record.updated_at,
        "next_seq": record.next_seq,
        "next_segment": record.next_segment,
        "telling_event_id": telling.event_id if telling else None,
        "telling_until": telling.until if telling else None,
        "deadline": record.deadline,
    }


def player_record(row: Row) -> PlayerRecord:
    c = PLAYERS.c
    return PlayerRecord(
        id=row[c.id],
        session_id=row[c.session_id],
        user_ref=row[c.user_ref],
        display_name=row[c.display_name],
        role=row[c.role],
        character=row[c.character],
        presence=row[c.presence],
        joined_at=row[c.joined_at],
        left_at=row[c.left_at],
    )


def player_values(record: PlayerRecord) -> dict[str, Any]:
    return {"id": record.id, **player_changes(record)}


def player_changes(record: PlayerRecord) -> dict[str, Any]:
    """Every column but the id: what ``players.update`` replaces."""
    return {
        "session_id": record.session_id,
        "user_ref": record.user_ref,
        "display_name": record.display_name,
        "role": record.role,
        "character": record.character,
        "presence": record.presence,
        "joined_at": record.joined_at,
        "left_at": record.left_at,
    }


def event_record(row: Row) -> EventRecord:
    c = EVENTS.c
    return EventRecord(
        id=row[c.id],
        session_id=row[c.session_id],
        parent_id=row[c.parent_id],
        seq=int(row[c.seq]),
        depth=row[c.depth],
        turn=row[c.turn],
        actor=row[c.actor],
        event=read_event(row[c.kind], row[c.payload] or {}),
        created_at=row[c.created_at],
        segment=row[c.segment],
    )


def event_values(record: EventRecord) -> dict[str, Any]:
    """One row of a bulk ``insert`` into ``events``."""
    return {
        "id": record.id,
        "session_id": record.session_id,
        "parent_id": record.parent_id,
        "seq": record.seq,
        "depth": record.depth,
        "turn": record.turn,
        "kind": record.kind,
        "actor": record.actor,
        "payload": record.event.to_payload(),
        "created_at": record.created_at,
        "segment": record.segment,
    }


def lineage_from(value: Any) -> Lineage:
    if not value:
        return ((0, None),)
    return tuple((int(s), None if d is None else int(d)) for s, d in value)


def branch_record(row: Row) -> BranchRecord:
    c = BRANCHES.c
    return BranchRecord(
        session_id=row[c.session_id],
        name=row[c.name],
        head_event_id=row[c.head_event_id],
        created_at=row[c.created_at],
        lineage=lineage_from(row[c.lineage]),
    )


def branch_values(record: BranchRecord) -> dict[str, Any]:
    return {
        "session_id": record.session_id,
        "name": record.name,
        "head_event_id": record.head_event_id,
        "created_at": record.created_at,
        "lineage": [list(pair) for pair in record.lineage],
    }


def snapshot_record(row: Row) -> SnapshotRecord:
    c = SNAPSHOTS.c
    return SnapshotRecord(
        session_id=row[c.session_id],
        event_id=row[c.event_id],
        turn=row[c.turn],
        state=row[c.state],
        created_at=row[c.created_at],
    )


def snapshot_values(record: SnapshotRecord) -> dict[str, Any]:
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


def library_record(row: Row) -> LibraryRecord:
    c = LIBRARY_ENTRIES.c
    return LibraryRecord(
        library=row[c.library],
        edition=row[c.edition],
        kind=row[c.kind],
        key=row[c.key],
        name=row[c.name],
        summary=row[c.summary],
        text=row[c.text],
        data=row[c.data],
    )


def library_info(row: Row) -> LibraryInfo:
    c = LIBRARIES.c
    return LibraryInfo(
        library=row[c.library],
        installed_at=row[c.installed_at],
        origin=row[c.origin],
        counts=dict(row[c.counts]),
    )


def rows_of(result: Any) -> list[Row]:
    """The rows of a result as mappings keyed by column."""
    return [row._mapping for row in result]
