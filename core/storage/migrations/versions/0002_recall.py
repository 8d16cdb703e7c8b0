"""Recall: a full-text index of what was said and done in each session.

A ``recall`` row per ``player_action`` and ``narration`` event (its text, depth,
turn, kind, actor and witnesses), deleted with its event. The full-text half is
per dialect:

* SQLite: the FTS5 table ``recall_fts`` (``tokenize='porter unicode61'``) over
  ``recall.text`` as external content (``content_rowid='id'``: ``id`` is an INTEGER
  PRIMARY KEY, so VACUUM never renumbers it), kept in step by triggers, so a row and
  its index entry are written, and rolled back, together.
* PostgreSQL: the stored generated column ``recall.search`` =
  ``to_tsvector('english', text)`` with a GIN index.

Events stored before this revision are indexed here (the backfill), so sessions
that already exist get recall too. The rules are a frozen copy of
``storyai.core.storage.recall.entry_for`` as it was when this was written.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-01
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

import sqlalchemy as sa
from alembic import context, op
from sqlalchemy.dialects import postgresql

revision: str = "0002"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON_DOCUMENT = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")
BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")

BACKFILL_BATCH = 1000

SQLITE_FTS = [
    "CREATE VIRTUAL TABLE recall_fts USING fts5("
    "text, content='recall', content_rowid='id', tokenize='porter unicode61')",
    "CREATE TRIGGER recall_fts_insert AFTER INSERT ON recall BEGIN "
    "INSERT INTO recall_fts(rowid, text) VALUES (new.id, new.text); END",
    "CREATE TRIGGER recall_fts_delete AFTER DELETE ON recall BEGIN "
    "INSERT INTO recall_fts(recall_fts, rowid, text) VALUES ('delete', old.id, old.text); END",
    "CREATE TRIGGER recall_fts_update AFTER UPDATE ON recall BEGIN "
    "INSERT INTO recall_fts(recall_fts, rowid, text) VALUES ('delete', old.id, old.text); "
    "INSERT INTO recall_fts(rowid, text) VALUES (new.id, new.text); END",
]


def upgrade() -> None:
    postgres = op.get_context().dialect.name == "postgresql"
    search = (
        [
            sa.Column(
                "search",
                postgresql.TSVECTOR(),
                sa.Computed("to_tsvector('english', text)", persisted=True),
            )
        ]
        if postgres
        else []
    )
    op.create_table(
        "recall",
        sa.Column("id", BIG_ID, autoincrement=True, nullable=False),
        sa.Column("event_id", sa.String(length=64), nullable=False),
        sa.Column("session_id", sa.String(length=64), nullable=False),
        sa.Column("depth", sa.Integer(), nullable=False),
        sa.Column("turn", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("actor", sa.String(length=100), nullable=False),
        sa.Column("witnesses", JSON_DOCUMENT, nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        *search,
        sa.ForeignKeyConstraint(
            ["event_id"],
            ["events.id"],
            name=op.f("fk_recall_event_id_events"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_recall")),
        sa.UniqueConstraint("event_id", name=op.f("uq_recall_event_id")),
    )
    op.create_index(op.f("ix_recall_session_id_depth"), "recall", ["session_id", "depth"])
    if postgres:
        op.create_index(op.f("ix_recall_search"), "recall", ["search"], postgresql_using="gin")
    else:
        for statement in SQLITE_FTS:
            op.execute(statement)
    if not context.is_offline_mode():  # `alembic upgrade --sql` has no rows to read
        _backfill(op.get_bind())


def downgrade() -> None:
    if op.get_context().dialect.name != "postgresql":
        op.execute("DROP TABLE recall_fts")  # its triggers go with the recall table
    op.drop_table("recall")


# ---------------------------------------------------------------------------- backfill

EVENTS = sa.table(
    "events",
    sa.column("id", sa.String()),
    sa.column("session_id", sa.String()),
    sa.column("depth", sa.Integer()),
    sa.column("turn", sa.Integer()),
    sa.column("kind", sa.String()),
    sa.column("actor", sa.String()),
    sa.column("payload", JSON_DOCUMENT),
)
RECALL = sa.table(
    "recall",
    sa.column("event_id", sa.String()),
    sa.column("session_id", sa.String()),
    sa.column("depth", sa.Integer()),
    sa.column("turn", sa.Integer()),
    sa.column("kind", sa.String()),
    sa.column("actor", sa.String()),
    sa.column("witnesses", JSON_DOCUMENT),
    sa.column("text", sa.Text()),
)


def _backfill(connection: sa.Connection) -> None:
    """Index every stored player action and narration, a batch at a time."""
    indexed = 0
    for events in _batches(connection):
        rows = [row for row in map(_recall_row, events) if row is not None]
        if rows:
            connection.execute(sa.insert(RECALL), rows)
            indexed += len(rows)
    if indexed and connection.dialect.name == "postgresql":
        connection.execute(sa.text("ANALYZE recall"))  # plan searches on real statistics


def _batches(connection: sa.Connection) -> Iterator[Sequence[sa.Row[Any]]]:
    """The events of the indexed kinds, by id, ``BACKFILL_BATCH`` at a time (keyset)."""
    after: str | None = None
    while True:
        query = (
            sa.select(EVENTS)
            .where(EVENTS.c.kind.in_(["player_action", "narration"]))
            .order_by(EVENTS.c.id)
            .limit(BACKFILL_BATCH)
        )
        if after is not None:
            query = query.where(EVENTS.c.id > after)
        batch = connection.execute(query).all()
        if not batch:
            return
        yield batch
        after = batch[-1].id


def _recall_row(event: sa.Row[Any]) -> dict[str, Any] | None:
    payload = event.payload if isinstance(event.payload, dict) else {}
    if event.kind == "player_action":
        text = payload.get("text")
        text = text if isinstance(text, str) else ""
    else:
        lines = payload.get("lines")
        lines = lines if isinstance(lines, list) else []
        texts = [line.get("text") for line in lines if isinstance(line, dict)]
        text = "\n".join(t for t in texts if isinstance(t, str) and t)
    if not text.strip():
        return None
    witnesses = payload.get("witnesses")
    if witnesses is None:
        witnesses = [event.actor]
    elif isinstance(witnesses, str):
        witnesses = [witnesses]
    elif not isinstance(witnesses, list | tuple):
        witnesses = [event.actor]
    return {
        "event_id": event.id,
        "session_id": event.session_id,
        "depth": event.depth,
        "turn": event.turn,
        "kind": event.kind,
        "actor": event.actor,
        "witnesses": list(dict.fromkeys(str(w) for w in witnesses)),
        "text": text,
    }
