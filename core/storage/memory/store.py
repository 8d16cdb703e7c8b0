"""What the in-memory store holds (``Committed``), a unit of work's writes (``Pending``),
and how the two are read together (``View``) and merged on commit.

Records are frozen; JSON documents (settings, characters, world content, snapshot
states, library data) are stored and handed out as JSON round trips, as a database
returns them.
"""

from __future__ import annotations

import bisect
import json
from collections import defaultdict
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import Any

from storyai.core.domain.errors import ChannelBusy, SessionNotFound
from storyai.core.domain.legacy import LegacyRecord
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
from storyai.core.storage import behaviour
from storyai.core.storage.recall import Posting


def json_copy(value: Any) -> Any:
    """What a database would give back for a JSON document."""
    return json.loads(json.dumps(value))


@dataclass
class WorldEntry:
    title: str
    forked_from: str | None
    created_at: datetime
    versions: list[WorldVersionRecord] = field(default_factory=list)
    """In install order: the last one is the newest."""


@dataclass
class SessionIndex:
    """A session's events, kept findable without scanning them all."""

    by_seq: dict[int, str] = field(default_factory=dict)
    depths: list[int] = field(default_factory=list)  # sorted, with repeats (branches)
    by_depth: dict[int, list[str]] = field(default_factory=lambda: defaultdict(list))
    by_turn: dict[int, list[str]] = field(default_factory=lambda: defaultdict(list))
    postings: dict[str, list[Posting]] = field(default_factory=lambda: defaultdict(list))
    """Per word stem, sorted by depth."""

    def add_event(self, record: EventRecord) -> None:
        self.by_seq[record.seq] = record.id
        bisect.insort(self.depths, record.depth)
        self.by_depth[record.depth].append(record.id)
        self.by_turn[record.turn].append(record.id)

    def add_posting(self, posting: Posting) -> None:
        bisect.insort(self.postings[posting.term], posting, key=lambda p: (p.depth, p.event_id))


@dataclass
class Committed:
    """Everything committed, shared by every unit of work of one store."""

    worlds: dict[str, WorldEntry] = field(default_factory=dict)
    sessions: dict[str, SessionRecord] = field(default_factory=dict)
    players: dict[str, PlayerRecord] = field(default_factory=dict)
    players_of: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    events: dict[str, EventRecord] = field(default_factory=dict)
    index: dict[str, SessionIndex] = field(default_factory=lambda: defaultdict(SessionIndex))
    branches: dict[tuple[str, str], BranchRecord] = field(default_factory=dict)
    branches_of: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    snapshots: dict[str, SnapshotRecord] = field(default_factory=dict)
    quotas: dict[tuple[str, str, date], QuotaCounter] = field(default_factory=dict)
    legacy: dict[tuple[str, str], LegacyRecord] = field(default_factory=dict)
    libraries: dict[str, tuple[LibraryInfo, tuple[LibraryRecord, ...]]] = field(
        default_factory=dict
    )


@dataclass
class Pending:
    """A unit of work's writes, seen only by it until commit."""

    worlds: list[WorldVersionRecord] = field(default_factory=list)
    sessions: dict[str, SessionRecord] = field(default_factory=dict)
    new_sessions: set[str] = field(default_factory=set)
    players: dict[str, PlayerRecord] = field(default_factory=dict)
    new_players: set[str] = field(default_factory=set)
    events: dict[str, EventRecord] = field(default_factory=dict)
    branches: dict[tuple[str, str], BranchRecord] = field(default_factory=dict)
    snapshots: dict[str, SnapshotRecord] = field(default_factory=dict)
    postings: list[Posting] = field(default_factory=list)
    quotas: dict[tuple[str, str, date], QuotaCounter] = field(default_factory=dict)
    legacy: dict[tuple[str, str], LegacyRecord] = field(default_factory=dict)
    libraries: dict[str, tuple[LibraryInfo, tuple[LibraryRecord, ...]]] = field(
        default_factory=dict
    )
    removed_versions: set[tuple[str, str]] = field(default_factory=set)
    removed_sessions: set[str] = field(default_factory=set)

    def empty(self) -> bool:
        return not any(
            (
                self.removed_versions,
                self.removed_sessions,
                self.worlds,
                self.sessions,
                self.players,
                self.events,
                self.branches,
                self.snapshots,
                self.postings,
                self.quotas,
                self.legacy,
                self.libraries,
            )
        )


class View:
    """The committed data with one unit of work's writes on top."""

    def __init__(self, committed: Committed, pending: Pending) -> None:
        self.c = committed
        self.p = pending

    # ---------------------------------------------------------------- sessions

    def session(self, session_id: str) -> SessionRecord | None:
        if session_id in self.p.removed_sessions:
            return None
        return self.p.sessions.get(session_id) or self.c.sessions.get(session_id)

    def require_session(self, session_id: str) -> SessionRecord:
        found = self.session(session_id)
        if found is None:
            raise SessionNotFound(session_id)
        return found

    def sessions(self) -> list[SessionRecord]:
        merged = dict(self.c.sessions)
        merged.update(self.p.sessions)
        return [s for s in merged.values() if s.id not in self.p.removed_sessions]

    def channel_taken(self, record: SessionRecord) -> bool:
        """Whether another running story is told in the channel of ``record``."""
        if record.channel is None or record.status == "ended":
            return False
        return any(
            s.id != record.id and s.channel == record.channel and s.status != "ended"
            for s in self.sessions()
        )

    # ---------------------------------------------------------------- events

    def event(self, event_id: str) -> EventRecord | None:
        return self.p.events.get(event_id) or self.c.events.get(event_id)

    def events_at(self, session_id: str, low: int, high: int) -> list[EventRecord]:
        """Events of a session with low <= depth <= high (every branch), by depth."""
        out: list[EventRecord] = []
        index = self.c.index.get(session_id)
        if index is not None:
            start = bisect.bisect_left(index.depths, low)
            stop = bisect.bisect_right(index.depths, high)
            for depth in sorted(set(index.depths[start:stop])):
                out += [self.c.events[i] for i in index.by_depth[depth]]
        out += [
            e
            for e in self.p.events.values()
            if e.session_id == session_id and low <= e.depth <= high
        ]
        return sorted(out, key=lambda e: (e.depth, e.seq))

    def events_of_turns(self, session_id: str, first: int, last: int) -> list[EventRecord]:
        """Events of a session whose turn is first..last (every branch)."""
        out: list[EventRecord] = []
        index = self.c.index.get(session_id)
        if index is not None:
            for turn in range(first, min(last, first + 100_000) + 1):
                out += [self.c.events[i] for i in index.by_turn.get(turn, ())]
        out += [
            e
            for e in self.p.events.values()
            if e.session_id == session_id and first <= e.turn <= last
        ]
        return out

    def max_depth(self, session_id: str) -> int:
        index = self.c.index.get(session_id)
        committed = index.depths[-1] if index and index.depths else 0
        pending = [e.depth for e in self.p.events.values() if e.session_id == session_id]
        return max([committed, *pending])

    def seq_taken(self, session_id: str, seq: int) -> bool:
        index = self.c.index.get(session_id)
        if index is not None and seq in index.by_seq:
            return True
        return any(e.session_id == session_id and e.seq == seq for e in self.p.events.values())

    # ---------------------------------------------------------------- branches, players

    def branch(self, session_id: str, name: str) -> BranchRecord | None:
        key = (session_id, name)
        return self.p.branches.get(key) or self.c.branches.get(key)

    def branch_names(self, session_id: str) -> list[str]:
        names = list(self.c.branches_of.get(session_id, ()))
        names += [n for (s, n) in self.p.branches if s == session_id and n not in names]
        return names

    def player(self, player_id: str) -> PlayerRecord | None:
        return self.p.players.get(player_id) or self.c.players.get(player_id)

    def players(self, session_id: str) -> list[PlayerRecord]:
        ids = list(self.c.players_of.get(session_id, ()))
        ids += [i for i, p in self.p.players.items() if p.session_id == session_id and i not in ids]
        found = [self.player(i) for i in ids]
        return [p for p in found if p is not None]

    def quota(self, scope: str, key: str, day: date) -> QuotaCounter:
        found = self.p.quotas.get((scope, key, day)) or self.c.quotas.get((scope, key, day))
        return found or QuotaCounter(scope, key, day)


# ------------------------------------------------------------------------------- commit


def commit(committed: Committed, pending: Pending) -> None:
    """Check ``pending`` against what is committed now, then apply all of it, or raise
    (``StorageError`` and friends) having applied nothing."""
    _check(committed, pending)
    _apply(committed, pending)


def _check(c: Committed, p: Pending) -> None:
    for version in p.worlds:
        world = c.worlds.get(version.world_id)
        if world is not None and any(v.version == version.version for v in world.versions):
            raise behaviour.version_conflict(version.world_id, version.version)
    for session_id in p.new_sessions:
        if session_id in c.sessions:
            raise behaviour.session_conflict(session_id)
    view = View(c, p)
    for session in p.sessions.values():
        if view.channel_taken(session):
            raise ChannelBusy()
    for player_id in p.new_players:
        if player_id in c.players:
            raise behaviour.player_conflict(player_id)
    for event in p.events.values():
        if event.id in c.events:
            raise behaviour.concurrent_events(event.session_id)
        index = c.index.get(event.session_id)
        if index is not None and event.seq in index.by_seq:
            raise behaviour.concurrent_events(event.session_id)


def _apply(c: Committed, p: Pending) -> None:
    for session_id in p.removed_sessions:
        _remove_session(c, session_id)
    for world_id, number in p.removed_versions:
        entry = c.worlds.get(world_id)
        if entry is not None:
            entry.versions = [v for v in entry.versions if v.version != number]
            if not entry.versions:
                del c.worlds[world_id]
            else:
                entry.title = entry.versions[-1].title
    for version in p.worlds:
        world = c.worlds.get(version.world_id)
        if world is None:
            world = WorldEntry(version.title, version.forked_from, version.installed_at)
            c.worlds[version.world_id] = world
        world.title = version.title
        world.versions.append(version)
    c.sessions.update(p.sessions)
    for player_id, player in p.players.items():
        if player_id not in c.players:
            c.players_of[player.session_id].append(player_id)
        c.players[player_id] = player
    for event in sorted(p.events.values(), key=lambda e: e.seq):
        c.events[event.id] = event
        c.index[event.session_id].add_event(event)
    for key, branch in p.branches.items():
        if key not in c.branches:
            c.branches_of[key[0]].append(key[1])
        c.branches[key] = branch
    for event_id, snapshot in p.snapshots.items():
        c.snapshots.setdefault(event_id, snapshot)
    for posting in p.postings:
        c.index[posting.session_id].add_posting(posting)
    c.quotas.update(p.quotas)
    for key, record in p.legacy.items():  # the first record of a story stays
        c.legacy.setdefault(key, record)
    c.libraries.update(p.libraries)


def _remove_session(c: Committed, session_id: str) -> None:
    c.sessions.pop(session_id, None)
    for player_id in c.players_of.pop(session_id, []):
        c.players.pop(player_id, None)
    index = c.index.pop(session_id, None)
    for event_id in index.by_seq.values() if index else ():
        c.events.pop(event_id, None)
        c.snapshots.pop(event_id, None)
    for name in c.branches_of.pop(session_id, []):
        c.branches.pop((session_id, name), None)


def fresh_world(record: WorldVersionRecord) -> WorldVersionRecord:
    return replace(record, content=json_copy(record.content))
