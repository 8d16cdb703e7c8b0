"""Stored records the storage port hands back: plain, immutable domain data."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any


@dataclass(frozen=True)
class WorldVersionRecord:
    """One installed version of a world: the canonical content and where it came from."""

    world_id: str
    version: str
    title: str
    content: dict[str, Any]
    content_hash: str
    installed_at: datetime
    source: str = ""
    forked_from: str | None = None  # "world_id@version"


@dataclass(frozen=True)
class WorldSummary:
    """A world id with its versions, newest first."""

    world_id: str
    title: str
    versions: tuple[str, ...]
    latest: str
    forked_from: str | None = None
    sessions: int = 0


@dataclass(frozen=True)
class SessionRecord:
    id: str
    world_id: str
    world_version: str
    title: str
    status: str  # "active", "ended"
    active_branch: str
    created_at: datetime
    updated_at: datetime
    channel: str | None = None
    settings: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class PlayerRecord:
    """A seat in a session: who plays, as which character."""

    id: str
    session_id: str
    user_ref: str  # "local" for the TUI, a Discord user id for the bot
    display_name: str
    role: str  # "host" or "player"
    character: dict[str, Any]
    presence: str  # "joined", "left", "idle"
    joined_at: datetime
    left_at: datetime | None = None


@dataclass(frozen=True)
class EventRecord:
    """An immutable event in a session's tree. ``depth`` = parent's depth + 1 (root: 1)."""

    id: str
    session_id: str
    parent_id: str | None
    seq: int
    depth: int
    turn: int
    kind: str
    actor: str
    payload: dict[str, Any]
    created_at: datetime


@dataclass(frozen=True)
class BranchRecord:
    session_id: str
    name: str
    head_event_id: str | None
    created_at: datetime


@dataclass(frozen=True)
class SnapshotRecord:
    """The folded state right after ``event_id``."""

    session_id: str
    event_id: str
    turn: int
    state: dict[str, Any]
    created_at: datetime


@dataclass(frozen=True)
class RecallHit:
    """An event found by ``uow.recall.search``: what was said or done, and how well it matched.

    ``witnesses`` are the player ids that saw it; ``score`` is higher for a better
    match, comparable only within one search (each backend ranks its own way).
    """

    event_id: str
    depth: int
    turn: int
    kind: str  # "player_action" or "narration"
    actor: str
    witnesses: tuple[str, ...]
    text: str
    score: float


@dataclass(frozen=True)
class QuotaCounter:
    """What one user or one server (guild) used on one UTC day: turns and credits.

    ``scope`` is "user" or "guild"; ``key`` the platform id (e.g. a Discord user or
    guild id). A counter that was never written reads as zeros.
    """

    scope: str  # "user" or "guild"
    key: str
    day: date
    turns: int = 0
    credits: int = 0


@dataclass(frozen=True)
class LibraryRecord:
    """One entry of an installed content library, e.g. the SRD goblin.

    ``(library, edition, kind, key)`` identifies it: ``("srd", "5.1", "monster", "goblin")``.
    ``text`` is the whole entry as Markdown; ``data`` its normalized fields (for a
    monster ``{"character": ..., "stats": ...}``, for equipment ``{"item": ...}``).
    """

    library: str
    edition: str
    kind: str
    key: str
    name: str
    summary: str
    text: str
    data: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class LibraryInfo:
    """An installed library: when, from where, and how many entries of each kind."""

    library: str
    installed_at: datetime
    origin: str
    counts: dict[str, int] = field(default_factory=dict)
    """``"5.1 monster"`` -> how many."""
