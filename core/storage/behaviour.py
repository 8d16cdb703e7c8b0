"""What every storage adapter must do the same way: errors and orderings.

The in-memory fake and the SQL adapter share these, so a unit test that passes
against the fake means the same thing against a real database
(``tests/storage/test_contract.py`` runs one suite against both).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime

from storyai.core.domain.errors import StorageError, WorldConflict
from storyai.core.domain.records import SessionRecord, WorldSummary


def version_conflict(world_id: str, version: str) -> WorldConflict:
    return WorldConflict(
        f"Version {version} of the world '{world_id}' is already installed.",
        hint="Raise `version` in the world's metadata to install a new version, "
        "or `storyai world fork` it under a new id.",
    )


def session_conflict(session_id: str) -> StorageError:
    return StorageError(f"A session with the id '{session_id}' already exists.")


def summary(
    world_id: str,
    title: str,
    forked_from: str | None,
    versions_newest_first: Iterable[str],
    sessions: int,
) -> WorldSummary:
    versions = tuple(versions_newest_first)
    return WorldSummary(
        world_id=world_id,
        title=title,
        versions=versions,
        latest=versions[0],
        forked_from=forked_from,
        sessions=sessions,
    )


def sessions_in_order(records: Iterable[SessionRecord]) -> list[SessionRecord]:
    """Most recently updated first; ties broken by id so the order is stable."""
    by_id = sorted(records, key=lambda r: r.id)
    return sorted(by_id, key=lambda r: r.updated_at, reverse=True)


def utc(moment: datetime) -> datetime:
    """The same instant in UTC, as every adapter returns it; naive datetimes are a bug."""
    if moment.tzinfo is None:
        raise ValueError(f"naive datetime {moment!r}: pass an aware datetime (UTC)")
    return moment.astimezone(UTC)
