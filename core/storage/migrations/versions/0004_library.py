"""Content libraries: the SRD's monsters, spells, equipment... as installed entries.

``libraries`` has a row per installed library (``srd``) with where it came from
and its counts; ``library_entries`` a row per entry, keyed by
(library, edition, kind, key). Reinstalling replaces a library's rows in one
transaction.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-24
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0004"
down_revision: str | Sequence[str] | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON_DOCUMENT = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    op.create_table(
        "libraries",
        sa.Column("library", sa.String(length=32), nullable=False),
        sa.Column("installed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("origin", sa.Text(), nullable=False),
        sa.Column("counts", JSON_DOCUMENT, nullable=False),
        sa.PrimaryKeyConstraint("library", name=op.f("pk_libraries")),
    )
    op.create_table(
        "library_entries",
        sa.Column("library", sa.String(length=32), nullable=False),
        sa.Column("edition", sa.String(length=16), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("summary", sa.String(length=500), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("data", JSON_DOCUMENT, nullable=False),
        sa.ForeignKeyConstraint(
            ["library"],
            ["libraries.library"],
            name=op.f("fk_library_entries_library_libraries"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "library", "edition", "kind", "key", name=op.f("pk_library_entries")
        ),
    )
    op.create_index(
        op.f("ix_library_entries_library_kind_name"),
        "library_entries",
        ["library", "kind", "name"],
    )


def downgrade() -> None:
    op.drop_table("library_entries")
    op.drop_table("libraries")
