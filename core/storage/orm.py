"""ORM rows: the database schema as SQLAlchemy 2 declarative classes.

These classes are storage details. They never leave ``storyai.core.storage``:
``converters.py`` turns them into the immutable records of
``storyai.core.domain.records``. The schema already holds the tables later
features need (players, the event tree, branches, snapshots, usage), so the
first migration creates them all and later ones only add.

The schema itself is owned by Alembic (``migrations/``); this module must
agree with it, which ``tests/storage/test_migrations.py`` checks. Never call
``Base.metadata.create_all`` outside a throwaway experiment.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    Date,
    DateTime,
    Dialect,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from storyai.core.storage.behaviour import utc

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
"""Deterministic constraint names, so migrations can drop and alter them by name."""

RUNNING_IN_A_CHANNEL = "channel IS NOT NULL AND status != 'ended'"
"""The sessions the unique index on ``channel`` covers: running stories in a channel."""

JsonDocument = JSON()
"""JSON everywhere, ``json`` on PostgreSQL too: ``jsonb`` would sort an object's keys,
and an author's order (archetypes, exits, people) is part of the story (migration 0007)."""

BigId = BigInteger().with_variant(Integer(), "sqlite")
"""An auto-incrementing key: SQLite only auto-increments ``INTEGER PRIMARY KEY``."""


class UtcDateTime(TypeDecorator[datetime]):
    """A timezone-aware UTC timestamp on every backend.

    PostgreSQL stores ``timestamptz``; SQLite has no time zones, so the value
    is stored as naive UTC and marked as UTC again when read. Naive datetimes
    are refused: they are a bug at the caller.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        value = utc(value)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class WorldRow(Base):
    """A world id. Its content lives in its versions."""

    __tablename__ = "worlds"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    """The title of the newest installed version."""
    forked_from: Mapped[str | None] = mapped_column(String(200))
    """"world_id@version" of the world this one was forked from, if any."""
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())


class WorldVersionRow(Base):
    """One installed version of a world, with its whole canonical content."""

    __tablename__ = "world_versions"
    __table_args__ = (UniqueConstraint("world_id", "seq"),)

    world_id: Mapped[str] = mapped_column(
        String(64), ForeignKey("worlds.id", ondelete="CASCADE"), primary_key=True
    )
    version: Mapped[str] = mapped_column(String(64), primary_key=True)
    seq: Mapped[int] = mapped_column(Integer)
    """1, 2, 3... per world in install order: the newest version has the highest."""
    title: Mapped[str] = mapped_column(String(200))
    content: Mapped[dict[str, Any]] = mapped_column(JsonDocument)
    content_hash: Mapped[str] = mapped_column(String(64))
    source: Mapped[str] = mapped_column(Text, default="")
    forked_from: Mapped[str | None] = mapped_column(String(200))
    installed_at: Mapped[datetime] = mapped_column(UtcDateTime())


class RawDocumentRow(Base):
    """An imported entry's original document (``source.raw``), once however many world
    versions keep it: a version's content holds ``{"$storyai_raw": hash}`` in its place
    (migration 0006)."""

    __tablename__ = "raw_documents"

    hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    """sha256 of ``text``."""
    text: Mapped[str] = mapped_column(Text)
    """The document as compact JSON with sorted keys."""


class SessionRow(Base):
    """One playthrough of one world version."""

    __tablename__ = "sessions"
    __table_args__ = (
        # A version that sessions were started on cannot be deleted under them.
        ForeignKeyConstraint(
            ["world_id", "world_version"], ["world_versions.world_id", "world_versions.version"]
        ),
        Index(None, "world_id", "world_version"),
        # One running story per channel, whichever process starts it (migration 0005).
        Index(
            "ix_sessions_running_channel",
            "channel",
            unique=True,
            sqlite_where=text(RUNNING_IN_A_CHANNEL),
            postgresql_where=text(RUNNING_IN_A_CHANNEL),
        ),
    )

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    world_id: Mapped[str] = mapped_column(String(64))
    world_version: Mapped[str] = mapped_column(String(64))
    title: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(16))
    active_branch: Mapped[str] = mapped_column(String(64))
    channel: Mapped[str | None] = mapped_column(String(64), index=True)
    """Where the session is played, e.g. a Discord channel id; None for local play."""
    settings: Mapped[dict[str, Any]] = mapped_column(JsonDocument, default=dict)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())
    next_seq: Mapped[int] = mapped_column(BigInteger, server_default=text("1"), default=1)
    """The seq of the session's next event (kept here: no max() per turn)."""
    next_segment: Mapped[int] = mapped_column(Integer, server_default=text("1"), default=1)
    """The segment the next new branch appends to (see ``BranchRow.lineage``)."""
    telling_event_id: Mapped[str | None] = mapped_column(String(64))
    """The pending event being told, if any; its teller holds it until ``telling_until``."""
    telling_until: Mapped[datetime | None] = mapped_column(UtcDateTime())
    deadline: Mapped[datetime | None] = mapped_column(UtcDateTime(), index=True)
    """When the story next needs tending with nobody acting (indexed for the bot)."""


class PlayerRow(Base):
    """Someone taking part in a session, with the character they play."""

    __tablename__ = "players"
    __table_args__ = (Index(None, "session_id", "user_ref"),)

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    session_id: Mapped[str] = mapped_column(ForeignKey("sessions.id", ondelete="CASCADE"))
    user_ref: Mapped[str] = mapped_column(String(64))
    """"local" for the terminal, or a platform user id (e.g. Discord)."""
    display_name: Mapped[str] = mapped_column(String(100))
    role: Mapped[str] = mapped_column(String(16))
    """"host" or "player"."""
    character: Mapped[dict[str, Any]] = mapped_column(JsonDocument, default=dict)
    presence: Mapped[str] = mapped_column(String(16))
    joined_at: Mapped[datetime] = mapped_column(UtcDateTime())
    left_at: Mapped[datetime | None] = mapped_column(UtcDateTime())


class EventRow(Base):
    """One immutable thing that happened; events form a tree through parent_id."""

    __tablename__ = "events"
    __table_args__ = (
        UniqueConstraint("session_id", "seq"),
        Index(None, "session_id", "parent_id"),
        Index(None, "session_id", "depth"),
        Index(None, "session_id", "turn"),
    )

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    session_id: Mapped[str] = mapped_column(ForeignKey("sessions.id", ondelete="CASCADE"))
    parent_id: Mapped[str | None] = mapped_column(ForeignKey("events.id"))
    seq: Mapped[int] = mapped_column(BigInteger)
    """Append order within the session (1, 2, 3...), across all branches."""
    depth: Mapped[int] = mapped_column(Integer)
    """Distance from the root: the parent's depth + 1, 1 for a root event. Indexed with
    session_id, so the events near a branch head are one range query away."""
    turn: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(32))
    actor: Mapped[str] = mapped_column(String(100))
    payload: Mapped[dict[str, Any]] = mapped_column(JsonDocument, default=dict)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    segment: Mapped[int] = mapped_column(Integer, server_default=text("0"), default=0)
    """The line of the tree the event was appended on (``BranchRow.lineage``)."""


class BranchRow(Base):
    """A named pointer to the newest event of one line of the story."""

    __tablename__ = "branches"

    session_id: Mapped[str] = mapped_column(
        ForeignKey("sessions.id", ondelete="CASCADE"), primary_key=True
    )
    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    head_event_id: Mapped[str | None] = mapped_column(ForeignKey("events.id"))
    """None until the branch has its first event."""
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    lineage: Mapped[list[Any]] = mapped_column(
        JsonDocument, server_default=text("'[[0, null]]'"), default=lambda: [[0, None]]
    )
    """``[[segment, up to depth or null], ...]``: the segments this branch sees, its own
    first (``storyai.core.domain.records.Lineage``)."""


class SnapshotRow(Base):
    """The derived state right after one event, so loading never replays everything."""

    __tablename__ = "snapshots"

    event_id: Mapped[str] = mapped_column(
        ForeignKey("events.id", ondelete="CASCADE"), primary_key=True
    )
    session_id: Mapped[str] = mapped_column(
        ForeignKey("sessions.id", ondelete="CASCADE"), index=True
    )
    turn: Mapped[int] = mapped_column(Integer)
    state: Mapped[dict[str, Any]] = mapped_column(JsonDocument)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())


class UsageRow(Base):
    """Tokens and cost of one model call, for budgets per user, server and day.

    Kept when its session or player is deleted: spending still happened.
    """

    __tablename__ = "usage"
    __table_args__ = (
        CheckConstraint(
            "prompt_tokens >= 0 AND completion_tokens >= 0 AND cached_tokens >= 0 "
            "AND cost_micros >= 0",
            name="non_negative",
        ),
        Index(None, "user_ref", "day"),
        Index(None, "guild_ref", "day"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    session_id: Mapped[str | None] = mapped_column(
        ForeignKey("sessions.id", ondelete="SET NULL"), index=True
    )
    player_id: Mapped[str | None] = mapped_column(ForeignKey("players.id", ondelete="SET NULL"))
    guild_ref: Mapped[str | None] = mapped_column(String(64))
    """The server (e.g. a Discord guild id) the call was made for; None when local."""
    user_ref: Mapped[str] = mapped_column(String(64))
    day: Mapped[date] = mapped_column(Date)
    """The UTC day, for daily budgets."""
    provider: Mapped[str] = mapped_column(String(32))
    model: Mapped[str] = mapped_column(String(100))
    prompt_tokens: Mapped[int] = mapped_column(Integer, server_default=text("0"), default=0)
    completion_tokens: Mapped[int] = mapped_column(Integer, server_default=text("0"), default=0)
    cached_tokens: Mapped[int] = mapped_column(Integer, server_default=text("0"), default=0)
    cost_micros: Mapped[int] = mapped_column(BigInteger, server_default=text("0"), default=0)
    """Cost in millionths of a US dollar: exact integer sums, no float drift."""
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())


class QuotaCounterRow(Base):
    """Turns and credits one user or server (guild) used on one UTC day (migration 0003).

    Written only by ``INSERT ... ON CONFLICT DO UPDATE ... WHERE`` statements, so a
    limit is checked and counted in one atomic step under the row's lock.
    """

    __tablename__ = "quota_counters"
    __table_args__ = (
        CheckConstraint("scope IN ('user', 'guild')", name="scope"),
        CheckConstraint("turns >= 0 AND credits >= 0", name="non_negative"),
        Index(None, "day"),
    )

    scope: Mapped[str] = mapped_column(String(8), primary_key=True)
    """"user" or "guild"."""
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    """The platform id of the user or server, e.g. a Discord id."""
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    """The UTC day the counter is for; a new day starts from zero."""
    turns: Mapped[int] = mapped_column(Integer, server_default=text("0"), default=0)
    credits: Mapped[int] = mapped_column(BigInteger, server_default=text("0"), default=0)


class LibraryRow(Base):
    """An installed content library such as the SRD (migration 0004)."""

    __tablename__ = "libraries"

    library: Mapped[str] = mapped_column(String(32), primary_key=True)
    installed_at: Mapped[datetime] = mapped_column(UtcDateTime())
    origin: Mapped[str] = mapped_column(Text, default="")
    """Where it was installed from: a folder, or the download's addresses."""
    counts: Mapped[dict[str, Any]] = mapped_column(JsonDocument)


class LibraryEntryRow(Base):
    """One library entry: ``(library, edition, kind, key)``, e.g. srd 5.1 monster goblin."""

    __tablename__ = "library_entries"
    __table_args__ = (Index(None, "library", "kind", "name"),)

    library: Mapped[str] = mapped_column(
        String(32), ForeignKey("libraries.library", ondelete="CASCADE"), primary_key=True
    )
    edition: Mapped[str] = mapped_column(String(16), primary_key=True)
    kind: Mapped[str] = mapped_column(String(32), primary_key=True)
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    summary: Mapped[str] = mapped_column(String(500))
    text: Mapped[str] = mapped_column(Text)
    data: Mapped[dict[str, Any]] = mapped_column(JsonDocument)


class RecallTermRow(Base):
    """The recall index (migration 0005): one row per word stem of a told or typed event.

    ``storyai.core.storage.recall`` makes the rows and ranks what a search finds; a
    search reads, for each stem, its deepest rows on one line of the tree straight off
    the primary key ``(session_id, term, depth, event_id)``, so its cost does not grow
    with the story. On SQLite the table is the key (``WITHOUT ROWID``): one B-tree to
    write per stem, not three. Rows go with their session; events are never deleted
    alone."""

    __tablename__ = "recall_terms"
    __table_args__ = {"sqlite_with_rowid": False}  # noqa: RUF012 - SQLAlchemy's own name

    session_id: Mapped[str] = mapped_column(
        ForeignKey("sessions.id", ondelete="CASCADE"), primary_key=True
    )
    term: Mapped[str] = mapped_column(String(64), primary_key=True)
    depth: Mapped[int] = mapped_column(Integer, primary_key=True)
    event_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    segment: Mapped[int] = mapped_column(Integer)
    count: Mapped[int] = mapped_column(Integer)
    """How often the stem occurs in the event."""
    length: Mapped[int] = mapped_column(Integer)
    """How many indexed words the event has."""


class CompanionNoteRow(Base):
    """What a companion remembers of a player (migration 0009), by player key so it
    carries across stories; ``segment``/``depth`` place it on its story's tree so a
    rewind forgets it with the branch. No foreign key: a memory outlives its story."""

    __tablename__ = "companion_notes"
    __table_args__ = (Index(None, "player_key", "created_at"),)

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    player_key: Mapped[str] = mapped_column(String(128))
    companion: Mapped[str] = mapped_column(String(80))
    session_id: Mapped[str] = mapped_column(String(64))
    segment: Mapped[int] = mapped_column(Integer)
    depth: Mapped[int] = mapped_column(Integer)
    turn: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(80))
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())


class McpTokenRow(Base):
    """An MCP client's token (migration 0009): only the SHA-256 of the secret is kept."""

    __tablename__ = "mcp_tokens"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    digest: Mapped[str] = mapped_column(String(64), unique=True)
    session_id: Mapped[str] = mapped_column(String(64), index=True)
    player_key: Mapped[str] = mapped_column(String(128))
    permissions: Mapped[str] = mapped_column(String(64))
    """Comma-separated: read, play, gm."""
    label: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)


class LegacyRecordRow(Base):
    """What one profile earned from one finished story (migration 0008). The key is
    (profile, story): a story's legacy is written once, never duplicated."""

    __tablename__ = "legacy_records"

    profile_key: Mapped[str] = mapped_column(String(100), primary_key=True)
    """"local" for solo play on this machine, "discord:<user id>" for the bot."""
    story_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    world_id: Mapped[str] = mapped_column(String(64))
    data: Mapped[dict[str, Any]] = mapped_column(JsonDocument)
    earned_at: Mapped[datetime] = mapped_column(UtcDateTime())
