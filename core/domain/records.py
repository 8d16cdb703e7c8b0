"""Stored records the storage port hands back: plain, immutable domain data."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # records are read by commands that never load the event models
    from storyai.core.domain.events import Event


WORKING_COPY = "working copy: "
"""How the ``source`` of a working copy begins (then the folder it was read from): a
version installed by playing a world from its folder (``storyai.core.working_copy``)."""


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
    raw_texts: dict[int, tuple[str, str]] | None = field(default=None, compare=False, repr=False)
    """The raw documents of ``content`` serialized once (``worlds.rawdocs``), for storage."""
    stored_text: str | None = field(default=None, compare=False, repr=False)
    """``content`` serialized as a database keeps it (raw documents as their hashes), made
    with the hash (``worlds.rawdocs.stored_form``), so it is not serialized again."""

    @property
    def working_copy(self) -> bool:
        """Installed from a folder being written, not released (see ``WORKING_COPY``)."""
        return self.source.startswith(WORKING_COPY)


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
class Telling:
    """A telling under way: who may write the narration of ``event_id`` until ``until``.

    Set when a pending event (an action, an arrival) is stored, cleared when its
    telling is stored. Anyone else who wants to write to the story waits for it; once
    ``until`` has passed (its teller stopped), the next writer tells it instead.
    """

    event_id: str
    until: datetime


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
    """The story's seed (``seed``) and, in multiplayer, its table (``table``)."""
    next_seq: int = 1
    """The seq the next appended event gets (events are numbered 1, 2, 3... per session)."""
    next_segment: int = 1
    """The segment the next new branch gets (see ``BranchRecord.lineage``)."""
    telling: Telling | None = None
    deadline: datetime | None = None
    """When the story next needs tending with nobody acting: an idle player to skip, a
    free-mode round to tell, a telling whose teller stopped. Indexed, so a bot finds
    the stories that are due without reading every story."""


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
    """An immutable event in a session's tree. ``depth`` = parent's depth + 1 (root: 1);
    ``segment`` is the line of the tree it was appended on (``BranchRecord.lineage``)."""

    id: str
    session_id: str
    parent_id: str | None
    seq: int
    depth: int
    turn: int
    actor: str
    event: Event
    created_at: datetime
    segment: int = 0

    @property
    def kind(self) -> str:
        return self.event.kind


Lineage = tuple[tuple[int, int | None], ...]
"""The segments a branch sees, its own first: ``((segment, up to depth or None), ...)``.

A branch appends to its own segment (seen whole). A new branch gets a new segment and
sees the segments of the event it was made from up to that event's depth, so "is this
event on the branch" is a look at its segment and depth, however long the story."""


@dataclass(frozen=True)
class BranchRecord:
    session_id: str
    name: str
    head_event_id: str | None
    created_at: datetime
    lineage: Lineage = ((0, None),)

    @property
    def segment(self) -> int:
        """The segment this branch appends to."""
        return self.lineage[0][0]


def on_line(lineage: Lineage, segment: int, depth: int) -> bool:
    """Whether an event (its segment and depth) is on the line ``lineage`` describes."""
    return any(s == segment and (limit is None or depth <= limit) for s, limit in lineage)


def forked_lineage(source: Lineage, segment: int, depth: int, new: int) -> Lineage:
    """The lineage of a new branch with segment ``new``, made at an event at ``depth`` in
    ``segment``, where ``source`` is the lineage of a branch that sees that event."""
    older = [(s, limit) for s, limit in source if s != segment and limit is not None]
    return ((new, None), (segment, depth), *[(s, d) for s, d in older if d <= depth])


@dataclass(frozen=True)
class Opened:
    """A session as a use case opens it: the record, its active branch, and that
    branch's head event (None for a branch without events)."""

    session: SessionRecord
    branch: BranchRecord | None
    head: EventRecord | None


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
