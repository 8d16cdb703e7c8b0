"""Companions and MCP tokens: what a companion remembers of its player, and the keys
outside clients (``storyai mcp``) use, stored hashed.

Revision ID: 0009
Revises: 0007
Create Date: 2026-12-07
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

TIMESTAMP = sa.DateTime(timezone=True)


revision: str = "0009"
down_revision: str | Sequence[str] | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "companion_notes",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("player_key", sa.String(length=128), nullable=False),
        sa.Column("companion", sa.String(length=80), nullable=False),
        sa.Column("session_id", sa.String(length=64), nullable=False),
        sa.Column("segment", sa.Integer(), nullable=False),
        sa.Column("depth", sa.Integer(), nullable=False),
        sa.Column("turn", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=80), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_companion_notes")),
    )
    op.create_index(
        op.f("ix_companion_notes_player_key_created_at"),
        "companion_notes",
        ["player_key", "created_at"],
    )
    op.create_table(
        "mcp_tokens",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("session_id", sa.String(length=64), nullable=False),
        sa.Column("player_key", sa.String(length=128), nullable=False),
        sa.Column("permissions", sa.String(length=64), nullable=False),
        sa.Column("label", sa.String(length=200), nullable=False),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.Column("revoked_at", TIMESTAMP, nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mcp_tokens")),
        sa.UniqueConstraint("digest", name=op.f("uq_mcp_tokens_digest")),
    )
    op.create_index(op.f("ix_mcp_tokens_session_id"), "mcp_tokens", ["session_id"])


def downgrade() -> None:
    op.drop_table("mcp_tokens")
    op.drop_table("companion_notes")
