"""The play pipeline: branch lines, tellings, one story per channel, bounded recall.

* ``events.segment`` and ``branches.lineage``: every event records the line of the
  tree it was appended on, and every branch the lines it sees (see
  ``storyai.core.domain.records.Lineage``), so the events of a branch are found by a
  range read instead of walking parents. Existing trees are given their segments here:
  events in seq order continue their parent's segment while the parent is that
  segment's newest event, else start a new one.
* ``sessions.next_seq`` / ``next_segment`` (no ``max()`` per turn), ``telling_event_id``
  / ``telling_until`` (a telling under way and its lease) and ``deadline`` (indexed:
  when a story in a channel next needs tending).
* A unique index on the channel of running stories: one story per channel, whoever
  starts it. Running stories that already share a channel (a race of the previous
  release) are reduced to the most recently played; the others are ended.
* ``recall_terms`` replaces ``recall`` and its per-dialect full-text index (FTS5 on
  SQLite, a tsvector on PostgreSQL): one row per word stem of an action or narration,
  keyed ``(session_id, term, depth, event_id)`` and read stem by stem off that key
  within the branch, so a search costs the same in a story of any length
  (``storyai.core.storage.recall``). On SQLite it is ``WITHOUT ROWID``. Stored events
  are indexed here with a frozen copy of the rules of that module as they were when
  this was written.
* ``events(session_id, turn)`` is indexed, for turn pages and rewinds.

Events keep their stored JSON: the typed events read it as it is (old chapter
summaries stored as ``state_changed`` read as ``chapter_closed``). Downgrading drops
the new columns and table and rebuilds 0002's recall index; chapter summaries stored
as ``chapter_closed`` are turned back into the old shape.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-06
"""

from __future__ import annotations

import importlib.util
import re
from collections import Counter
from collections.abc import Iterator, Sequence
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from alembic import context, op
from sqlalchemy.dialects import postgresql

revision: str = "0005"
down_revision: str | Sequence[str] | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON_DOCUMENT = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")
RUNNING_IN_A_CHANNEL = "channel IS NOT NULL AND status != 'ended'"
BATCH = 1000


def upgrade() -> None:
    with op.batch_alter_table("sessions") as batch:
        batch.add_column(
            sa.Column("next_seq", sa.BigInteger(), server_default=sa.text("1"), nullable=False)
        )
        batch.add_column(
            sa.Column("next_segment", sa.Integer(), server_default=sa.text("1"), nullable=False)
        )
        batch.add_column(sa.Column("telling_event_id", sa.String(length=64), nullable=True))
        batch.add_column(sa.Column("telling_until", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("deadline", sa.DateTime(timezone=True), nullable=True))
        batch.create_index(batch.f("ix_sessions_deadline"), ["deadline"])
    with op.batch_alter_table("events") as batch:
        batch.add_column(
            sa.Column("segment", sa.Integer(), server_default=sa.text("0"), nullable=False)
        )
        batch.create_index(batch.f("ix_events_session_id_turn"), ["session_id", "turn"])
    with op.batch_alter_table("branches") as batch:
        batch.add_column(
            sa.Column(
                "lineage", JSON_DOCUMENT, server_default=sa.text("'[[0, null]]'"), nullable=False
            )
        )
    if op.get_context().dialect.name != "postgresql":
        op.execute("DROP TABLE IF EXISTS recall_fts")  # its triggers go with the recall table
    op.drop_table("recall")
    op.create_table(
        "recall_terms",
        sa.Column("session_id", sa.String(length=64), nullable=False),
        sa.Column("term", sa.String(length=64), nullable=False),
        sa.Column("depth", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.String(length=64), nullable=False),
        sa.Column("segment", sa.Integer(), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("length", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["sessions.id"],
            name=op.f("fk_recall_terms_session_id_sessions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "session_id", "term", "depth", "event_id", name=op.f("pk_recall_terms")
        ),
        sqlite_with_rowid=False,
    )
    if not context.is_offline_mode():  # `alembic upgrade --sql` has no rows to read
        connection = op.get_bind()
        _lines(connection)
        _one_story_per_channel(connection)
        _deadlines(connection)
        _index(connection)
    op.create_index(
        "ix_sessions_running_channel",
        "sessions",
        ["channel"],
        unique=True,
        sqlite_where=sa.text(RUNNING_IN_A_CHANNEL),
        postgresql_where=sa.text(RUNNING_IN_A_CHANNEL),
    )


def downgrade() -> None:
    op.drop_index("ix_sessions_running_channel", table_name="sessions")
    if not context.is_offline_mode():
        _chapters_back(op.get_bind())
    op.drop_table("recall_terms")
    with op.batch_alter_table("branches") as batch:
        batch.drop_column("lineage")
    with op.batch_alter_table("events") as batch:
        batch.drop_index(batch.f("ix_events_session_id_turn"))
        batch.drop_column("segment")
    with op.batch_alter_table("sessions") as batch:
        batch.drop_index(batch.f("ix_sessions_deadline"))
        for name in ("deadline", "telling_until", "telling_event_id", "next_segment", "next_seq"):
            batch.drop_column(name)
    _revision_0002().upgrade()  # the recall table and its full-text index, backfilled


# ------------------------------------------------------------------------------- tables

EVENTS = sa.table(
    "events",
    sa.column("id", sa.String()),
    sa.column("session_id", sa.String()),
    sa.column("parent_id", sa.String()),
    sa.column("seq", sa.BigInteger()),
    sa.column("depth", sa.Integer()),
    sa.column("kind", sa.String()),
    sa.column("payload", JSON_DOCUMENT),
    sa.column("segment", sa.Integer()),
)
SESSIONS = sa.table(
    "sessions",
    sa.column("id", sa.String()),
    sa.column("status", sa.String()),
    sa.column("active_branch", sa.String()),
    sa.column("channel", sa.String()),
    sa.column("settings", JSON_DOCUMENT),
    sa.column("updated_at", sa.DateTime(timezone=True)),
    sa.column("next_seq", sa.BigInteger()),
    sa.column("next_segment", sa.Integer()),
    sa.column("deadline", sa.DateTime(timezone=True)),
)
BRANCHES = sa.table(
    "branches",
    sa.column("session_id", sa.String()),
    sa.column("name", sa.String()),
    sa.column("head_event_id", sa.String()),
    sa.column("created_at", sa.DateTime(timezone=True)),
    sa.column("lineage", JSON_DOCUMENT),
)
RECALL_TERMS = sa.table(
    "recall_terms",
    sa.column("session_id", sa.String()),
    sa.column("term", sa.String()),
    sa.column("event_id", sa.String()),
    sa.column("depth", sa.Integer()),
    sa.column("segment", sa.Integer()),
    sa.column("count", sa.Integer()),
    sa.column("length", sa.Integer()),
)


# -------------------------------------------------------------------------------- lines


def _lines(connection: sa.Connection) -> None:
    """Give every stored event its segment and every branch its lineage."""
    sessions = connection.execute(sa.select(SESSIONS.c.id, SESSIONS.c.active_branch)).all()
    for session_id, active in sessions:
        events = connection.execute(
            sa.select(EVENTS.c.id, EVENTS.c.parent_id, EVENTS.c.seq, EVENTS.c.depth)
            .where(EVENTS.c.session_id == session_id)
            .order_by(EVENTS.c.seq)
        ).all()
        segment_of: dict[str, int] = {}
        depth_of: dict[str, int] = {}
        tip: dict[int, str] = {}  # segment -> its newest event
        forked_from: dict[int, tuple[int, int]] = {}  # segment -> (parent segment, depth)
        moved: list[dict[str, Any]] = []
        fresh = 1
        for event_id, parent_id, _seq, depth in events:
            depth_of[event_id] = depth
            if parent_id is not None and tip.get(segment_of.get(parent_id, -1)) == parent_id:
                segment = segment_of[parent_id]  # goes on from the newest event of its line
            elif parent_id is None and 0 not in tip:
                segment = 0
            else:
                segment, fresh = fresh, fresh + 1
                if parent_id in segment_of:
                    forked_from[segment] = (segment_of[parent_id], depth_of[parent_id])
            segment_of[event_id] = segment
            tip[segment] = event_id
            if segment:
                moved.append({"event": event_id, "segment": segment})
        for start in range(0, len(moved), BATCH):
            connection.execute(
                sa.update(EVENTS)
                .where(EVENTS.c.id == sa.bindparam("event"))
                .values(segment=sa.bindparam("segment")),
                moved[start : start + BATCH],
            )
        next_segment = fresh
        branches = connection.execute(
            sa.select(BRANCHES.c.name, BRANCHES.c.head_event_id, BRANCHES.c.created_at).where(
                BRANCHES.c.session_id == session_id
            )
        ).all()
        owned: set[int] = set()
        ordered = sorted(branches, key=lambda b: (b.name != active, b.created_at, b.name))
        for name, head, _created in ordered:
            if head is None or head not in segment_of:
                lineage: list[list[Any]] = [[0, None]]
            else:
                segment = segment_of[head]
                chain = _chain(segment, forked_from)
                if tip.get(segment) == head and segment not in owned:
                    owned.add(segment)
                    lineage = [[segment, None], *chain]
                else:
                    lineage = [[next_segment, None], [segment, depth_of[head]], *chain]
                    next_segment += 1
            connection.execute(
                sa.update(BRANCHES)
                .where(BRANCHES.c.session_id == session_id, BRANCHES.c.name == name)
                .values(lineage=lineage)
            )
        next_seq = (events[-1][2] + 1) if events else 1
        connection.execute(
            sa.update(SESSIONS)
            .where(SESSIONS.c.id == session_id)
            .values(next_seq=next_seq, next_segment=next_segment)
        )


def _chain(segment: int, forked_from: dict[int, tuple[int, int]]) -> list[list[int]]:
    """The segments above ``segment``, each with the depth it is seen up to."""
    out = []
    while segment in forked_from:
        parent, depth = forked_from[segment]
        out.append([parent, depth])
        segment = parent
    return out


def _one_story_per_channel(connection: sa.Connection) -> None:
    running = connection.execute(
        sa.select(SESSIONS.c.id, SESSIONS.c.channel, SESSIONS.c.updated_at)
        .where(SESSIONS.c.channel.is_not(None), SESSIONS.c.status != "ended")
        .order_by(SESSIONS.c.channel, SESSIONS.c.updated_at.desc(), SESSIONS.c.id)
    ).all()
    seen: set[str] = set()
    for session_id, channel, _updated in running:
        if channel in seen:
            connection.execute(
                sa.update(SESSIONS).where(SESSIONS.c.id == session_id).values(status="ended")
            )
        seen.add(channel)


def _deadlines(connection: sa.Connection) -> None:
    """When each running table in a channel next needs tending (a frozen copy of
    ``Table.deadline`` as it was when this was written)."""
    rows = connection.execute(
        sa.select(SESSIONS.c.id, SESSIONS.c.settings).where(
            SESSIONS.c.channel.is_not(None), SESSIONS.c.status != "ended"
        )
    ).all()
    for session_id, settings in rows:
        table = (settings or {}).get("table") or {}
        deadline = None
        try:
            if (
                table.get("mode", "turn") == "turn"
                and table.get("turn_started")
                and table.get("order")
            ):
                deadline = datetime.fromisoformat(table["turn_started"]) + timedelta(
                    seconds=int(table.get("timeout_s", 300))
                )
            elif table.get("mode") == "free" and table.get("queue"):
                deadline = datetime.fromisoformat(table["queue"][0]["at"]) + timedelta(
                    seconds=int(table.get("window_s", 20))
                )
        except (KeyError, TypeError, ValueError):
            deadline = None
        if deadline is not None and not table.get("ended"):
            if connection.dialect.name == "sqlite" and deadline.tzinfo is not None:
                deadline = deadline.replace(tzinfo=None) - (deadline.utcoffset() or timedelta())
            connection.execute(
                sa.update(SESSIONS).where(SESSIONS.c.id == session_id).values(deadline=deadline)
            )


# ------------------------------------------------------------------------------- recall

_STOPWORDS = frozenset(
    [
        "about",
        "above",
        "after",
        "again",
        "all",
        "also",
        "and",
        "any",
        "are",
        "because",
        "been",
        "before",
        "being",
        "below",
        "between",
        "both",
        "but",
        "can",
        "could",
        "did",
        "does",
        "doing",
        "down",
        "during",
        "each",
        "few",
        "for",
        "from",
        "further",
        "had",
        "has",
        "have",
        "having",
        "her",
        "here",
        "hers",
        "herself",
        "him",
        "himself",
        "his",
        "how",
        "into",
        "its",
        "itself",
        "just",
        "more",
        "most",
        "myself",
        "nor",
        "not",
        "now",
        "off",
        "once",
        "only",
        "other",
        "our",
        "ours",
        "ourselves",
        "out",
        "over",
        "own",
        "same",
        "she",
        "should",
        "some",
        "such",
        "than",
        "that",
        "the",
        "their",
        "theirs",
        "them",
        "themselves",
        "then",
        "there",
        "these",
        "they",
        "this",
        "those",
        "through",
        "too",
        "under",
        "until",
        "very",
        "was",
        "were",
        "what",
        "when",
        "where",
        "which",
        "while",
        "who",
        "whom",
        "why",
        "will",
        "with",
        "would",
        "you",
        "your",
        "yours",
        "yourself",
        "yourselves",
    ]
)
_WORD = re.compile(r"[^\W_]+")


def _stem(word: str) -> str:
    w = word.lower()
    if len(w) > 4 and w.endswith("ies"):
        w = w[:-3] + "y"
    elif w.endswith("sses"):
        w = w[:-2]
    elif len(w) > 3 and w.endswith("s") and not w.endswith(("ss", "us", "is")):
        w = w[:-1]
    for suffix in ("ing", "ed"):
        if w.endswith(suffix) and len(w) - len(suffix) >= 3:
            w = w[: -len(suffix)]
            break
    if len(w) > 3 and w.endswith("e"):
        w = w[:-1]
    if len(w) > 3 and w.endswith("y"):
        w = w[:-1] + "i"
    return w


def _text(kind: str, payload: Any) -> str:
    payload = payload if isinstance(payload, dict) else {}
    if kind == "player_action":
        text = payload.get("text")
        return text if isinstance(text, str) else ""
    lines = payload.get("lines")
    lines = lines if isinstance(lines, list) else []
    texts = [line.get("text") for line in lines if isinstance(line, dict)]
    return "\n".join(t for t in texts if isinstance(t, str) and t)


def _postings(event: sa.Row[Any]) -> list[dict[str, Any]]:
    words = [
        w
        for w in _WORD.findall(_text(event.kind, event.payload).lower())
        if len(w) >= 3 and w not in _STOPWORDS
    ]
    stems = Counter(_stem(w)[:64] for w in words)
    length = sum(stems.values())
    return [
        {
            "session_id": event.session_id,
            "term": term,
            "event_id": event.id,
            "depth": event.depth,
            "segment": event.segment,
            "count": count,
            "length": length,
        }
        for term, count in stems.items()
    ]


def _index(connection: sa.Connection) -> None:
    """Index every stored player action and narration, a batch at a time."""
    indexed = 0
    for events in _batches(connection):
        rows = [row for event in events for row in _postings(event)]
        for start in range(0, len(rows), BATCH * 10):
            connection.execute(sa.insert(RECALL_TERMS), rows[start : start + BATCH * 10])
        indexed += len(rows)
    if indexed and connection.dialect.name == "postgresql":
        connection.execute(sa.text("ANALYZE recall_terms"))


def _batches(connection: sa.Connection) -> Iterator[Sequence[sa.Row[Any]]]:
    """The events of the indexed kinds, by id, ``BATCH`` at a time (keyset)."""
    after: str | None = None
    while True:
        query = (
            sa.select(EVENTS)
            .where(EVENTS.c.kind.in_(["player_action", "narration"]))
            .order_by(EVENTS.c.id)
            .limit(BATCH)
        )
        if after is not None:
            query = query.where(EVENTS.c.id > after)
        batch = connection.execute(query).all()
        if not batch:
            return
        yield batch
        after = batch[-1].id


# ------------------------------------------------------------------------------ downgrade


def _chapters_back(connection: sa.Connection) -> None:
    """Chapter summaries as the previous release stored them."""
    rows = connection.execute(
        sa.select(EVENTS.c.id, EVENTS.c.payload).where(EVENTS.c.kind == "chapter_closed")
    ).all()
    for event_id, payload in rows:
        payload = payload or {}
        old: dict[str, Any] = {
            "ops": [{"op": "chapter", "chapter": payload.get("chapter")}],
            "rejected": [],
            "source": "memory",
        }
        if payload.get("usage"):
            old["usage"] = payload["usage"]
        connection.execute(
            sa.update(EVENTS)
            .where(EVENTS.c.id == event_id)
            .values(kind="state_changed", payload=old)
        )


def _revision_0002() -> Any:
    path = Path(__file__).with_name("0002_recall.py")
    spec = importlib.util.spec_from_file_location("storyai_migration_0002", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
