"""What every storage adapter must do the same way: errors and orderings.

The in-memory fake and the SQL adapter share these, so a unit test that passes
against the fake means the same thing against a real database
(``tests/storage/test_contract.py`` runs one suite against both).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from datetime import UTC, datetime
from typing import Protocol

from storyai.core.domain.errors import StorageError, WorldConflict
from storyai.core.domain.records import (
    BranchRecord,
    EventRecord,
    LibraryRecord,
    PlayerRecord,
    SessionRecord,
    WorldSummary,
)


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
    working_copies: Iterable[str] = (),
) -> WorldSummary:
    versions = tuple(versions_newest_first)
    drafts = set(working_copies)
    return WorldSummary(
        world_id=world_id,
        title=title,
        versions=versions,
        latest=next((v for v in versions if v not in drafts), versions[0]),
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


# ------------------------------------------------------------------------------ players


def player_conflict(player_id: str) -> StorageError:
    return StorageError(f"A player with the id '{player_id}' already exists.")


def player_not_found(player_id: str, session_id: str) -> StorageError:
    return StorageError(f"The session '{session_id}' has no player with the id '{player_id}'.")


def players_in_order(records: Iterable[PlayerRecord]) -> list[PlayerRecord]:
    """In the order they joined; ties broken by id so the order is stable."""
    return sorted(records, key=lambda r: (r.joined_at, r.id))


# ------------------------------------------------------------------------------- events


class StoredEvent(Protocol):
    """What the checks below need to know of an event that is already stored."""

    @property
    def session_id(self) -> str: ...
    @property
    def seq(self) -> int: ...
    @property
    def depth(self) -> int: ...


def event_conflict(event_id: str) -> StorageError:
    return StorageError(f"An event with the id '{event_id}' already exists.")


def seq_taken(session_id: str, seq: int) -> StorageError:
    return StorageError(
        f"The session '{session_id}' already has an event with seq {seq}.",
        hint="Take `sessions.lock` before reading next_seq and appending events.",
    )


def concurrent_events(session_id: str) -> StorageError:
    return StorageError(
        f"Another unit of work stored events in the session '{session_id}' at the same time.",
        hint="Take `sessions.lock` before appending events.",
    )


def bad_event(event_id: str, reason: str) -> StorageError:
    return StorageError(f"The event '{event_id}' cannot be stored: {reason}.")


def unknown_event(event_id: str, session_id: str) -> StorageError:
    return StorageError(f"The session '{session_id}' has no event with the id '{event_id}'.")


def check_new_events(
    records: Iterable[EventRecord],
    stored: Mapping[str, StoredEvent],
    taken: Collection[tuple[str, int]],
) -> list[EventRecord]:
    """The new events in seq order (parents first), after checking that they fit.

    ``stored`` must hold every stored event whose id is a new event's id or parent
    id; ``taken`` every stored (session_id, seq) among the new events' ones. Raises
    ``StorageError`` for a duplicate id or seq, a parent that is unknown, in another
    session or appended later, and a depth that is not the parent's + 1 (root: 1).
    """
    ordered = sorted(records, key=lambda r: r.seq)
    batch: dict[str, EventRecord] = {}
    seqs: set[tuple[str, int]] = set()
    for record in ordered:
        if record.id in batch or record.id in stored:
            raise event_conflict(record.id)
        key = (record.session_id, record.seq)
        if key in seqs or key in taken:
            raise seq_taken(*key)
        batch[record.id] = record
        seqs.add(key)
    for record in ordered:
        if record.seq < 1:
            raise bad_event(record.id, f"its seq is {record.seq}, not 1 or more")
        if record.parent_id is None:
            if record.depth != 1:
                raise bad_event(record.id, f"a root event has depth 1, not {record.depth}")
            continue
        parent: StoredEvent | None = batch.get(record.parent_id) or stored.get(record.parent_id)
        if parent is None or parent.session_id != record.session_id:
            raise bad_event(
                record.id,
                f"its session has no parent event with the id '{record.parent_id}'",
            )
        if parent.seq >= record.seq:
            raise bad_event(record.id, f"its parent '{record.parent_id}' has a later seq")
        if record.depth != parent.depth + 1:
            raise bad_event(
                record.id,
                f"its depth is {record.depth}, not its parent's depth + 1 ({parent.depth + 1})",
            )
    return ordered


def check_chain(records: Iterable[EventRecord], parent: EventRecord) -> list[EventRecord]:
    """``check_new_events`` for events that follow ``parent``, a stored event the caller
    read in this unit of work: the same checks with no read. Ids and seqs taken by
    events the caller did not read are left to the database's constraints."""
    return check_new_events(records, {parent.id: parent}, ())


# ----------------------------------------------------------------------------- branches


def branch_conflict(session_id: str, name: str) -> StorageError:
    return StorageError(
        f"The branch '{name}' of the session '{session_id}' was created at the same time "
        "by another unit of work.",
        hint="Take `sessions.lock` before changing branches.",
    )


def branches_in_order(records: Iterable[BranchRecord]) -> list[BranchRecord]:
    """In creation order; ties broken by name so the order is stable."""
    return sorted(records, key=lambda r: (r.created_at, r.name))


# ------------------------------------------------------------------------------- quotas

QUOTA_SCOPES = ("user", "guild")


def check_quota_scope(scope: str) -> None:
    """Counters exist for users and servers (guilds) only; anything else is a bug."""
    if scope not in QUOTA_SCOPES:
        raise ValueError(f"unknown quota scope {scope!r}: use one of {QUOTA_SCOPES}")


def quota_allows(
    turns: int, credits: int, *, add_credits: int, max_turns: int | None, max_credits: int | None
) -> bool:
    """Whether a counter at ``turns``/``credits`` may take one more turn costing
    ``add_credits``: turns < max_turns and, when it costs credits,
    credits + add_credits <= max_credits (None: no limit)."""
    if max_turns is not None and turns >= max_turns:
        return False
    return not (add_credits > 0 and max_credits is not None and credits + add_credits > max_credits)


LIBRARY_CANDIDATES = 500
"""How many matching rows a library search ranks before cutting to its limit."""

EDITION_ORDER = {"5.1": 0, "5.2": 1}


def library_words(text: str) -> list[str]:
    """The lower-case words of a library search; an empty search matches everything."""
    return [w for w in text.lower().split() if w]


def library_matches(words: list[str], name: str, summary: str) -> bool:
    haystack = f"{name} {summary}".lower()
    return all(w in haystack for w in words)


def rank_library(records: Iterable[LibraryRecord], text: str) -> list[LibraryRecord]:
    """Best first: the exact name, then names starting with the search, then names
    holding it, then the rest (matched in the summary); ties alphabetical, 5.1 first."""
    wanted = " ".join(library_words(text))

    def score(r: LibraryRecord) -> tuple[int, str, int, str]:
        name = r.name.lower()
        if name == wanted:
            tier = 0
        elif name.startswith(wanted):
            tier = 1
        elif wanted in name:
            tier = 2
        elif all(w in name for w in wanted.split()):
            tier = 3
        else:
            tier = 4
        return (tier, name, EDITION_ORDER.get(r.edition, 9), r.kind)

    return sorted(records, key=score)


def library_order(records: Iterable[LibraryRecord]) -> list[LibraryRecord]:
    """Exact-key lookups: the classic edition (5.1) first, then by kind."""
    return sorted(records, key=lambda r: (EDITION_ORDER.get(r.edition, 9), r.edition, r.kind))
