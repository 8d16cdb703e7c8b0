"""Stored documents keep their keys in the order they were written.

PostgreSQL's ``jsonb`` stores an object's keys sorted (shortest first), so a world,
a snapshot or an event read back from it listed its archetypes, exits, people and
items in another order than SQLite and the in-memory store: the default archetype,
the order of choices and who acts first could differ by database. Every JSON
document column becomes ``json`` on PostgreSQL, which keeps the text as written
(nothing here queries into the documents). SQLite's JSON is text already: nothing
changes there.

Rows written before this keep the order ``jsonb`` gave them; reinstalling a world
(a new version) or new turns write in the author's order.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-07
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0007"
down_revision: str | Sequence[str] | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

DOCUMENTS = (
    ("world_versions", "content"),
    ("sessions", "settings"),
    ("players", "character"),
    ("events", "payload"),
    ("branches", "lineage"),
    ("snapshots", "state"),
    ("libraries", "counts"),
    ("library_entries", "data"),
)


LINEAGE_DEFAULT = "'[[0, null]]'"
"""``branches.lineage``'s server default, set again once the column has its new type."""


def _retype(kind: str) -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute('ALTER TABLE "branches" ALTER COLUMN "lineage" DROP DEFAULT')
    for table, column in DOCUMENTS:
        op.execute(
            f'ALTER TABLE "{table}" ALTER COLUMN "{column}" TYPE {kind} USING "{column}"::{kind}'
        )
    op.execute(f'ALTER TABLE "branches" ALTER COLUMN "lineage" SET DEFAULT {LINEAGE_DEFAULT}')


def upgrade() -> None:
    _retype("json")


def downgrade() -> None:
    _retype("jsonb")
