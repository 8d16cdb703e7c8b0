"""Legacy: what a player's profile earned from each finished story.

One ``legacy_records`` row per (profile key, story): a story's legacy is earned once,
on the first of its branches to reach an ending, and never again (rewinding and
ending again writes nothing: ``INSERT ... ON CONFLICT DO NOTHING`` on the key). A
profile is the fold of its rows; an imported profile adds the rows it lacks.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-07
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | Sequence[str] | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "legacy_records",
        sa.Column("profile_key", sa.String(length=100), nullable=False),
        sa.Column("story_id", sa.String(length=64), nullable=False),
        sa.Column("world_id", sa.String(length=64), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("earned_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("profile_key", "story_id", name=op.f("pk_legacy_records")),
    )


def downgrade() -> None:
    op.drop_table("legacy_records")
