"""Quotas: daily counters of turns and credits per user and per server (guild).

One ``quota_counters`` row per (scope, key, UTC day), written only by
``INSERT ... ON CONFLICT DO UPDATE ... WHERE``, so a limit is checked and counted
in one atomic step (``storyai.core.quotas``). Rows of past days are history: a new
day simply starts a new row.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-08
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | Sequence[str] | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "quota_counters",
        sa.Column("scope", sa.String(length=8), nullable=False),
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("turns", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("credits", sa.BigInteger(), server_default=sa.text("0"), nullable=False),
        sa.CheckConstraint("scope IN ('user', 'guild')", name=op.f("ck_quota_counters_scope")),
        sa.CheckConstraint(
            "turns >= 0 AND credits >= 0", name=op.f("ck_quota_counters_non_negative")
        ),
        sa.PrimaryKeyConstraint("scope", "key", "day", name=op.f("pk_quota_counters")),
    )
    op.create_index(op.f("ix_quota_counters_day"), "quota_counters", ["day"])


def downgrade() -> None:
    op.drop_table("quota_counters")  # its index goes with it
