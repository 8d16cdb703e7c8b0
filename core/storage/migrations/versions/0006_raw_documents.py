"""Imported documents stored once: ``raw_documents``.

A world imported from Foundry keeps each entry's original document (``source.raw``);
they are most of a big import. From now on a world version's content holds
``{"$storyai_raw": hash}`` in place of each, and ``raw_documents`` the document once,
keyed by the sha256 of its compact JSON text, so a re-import stores only the documents
that changed. Versions installed before keep their documents inline and read as before.
Downgrading puts the documents back inline.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-07
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0006"
down_revision: str | Sequence[str] | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON_DOCUMENT = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")
SECTIONS = ("characters", "items", "lore", "locations")


def upgrade() -> None:
    op.create_table(
        "raw_documents",
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("hash", name=op.f("pk_raw_documents")),
    )


def downgrade() -> None:
    bind = op.get_bind()
    versions = sa.table(
        "world_versions",
        sa.column("world_id", sa.String()),
        sa.column("version", sa.String()),
        sa.column("content", JSON_DOCUMENT),
    )
    raw = sa.table("raw_documents", sa.column("hash", sa.String()), sa.column("text", sa.Text()))
    texts = {row.hash: row.text for row in bind.execute(sa.select(raw.c.hash, raw.c.text))}
    if texts:
        for row in bind.execute(sa.select(versions)).all():
            content = row.content
            if _inline(content, texts):
                bind.execute(
                    versions.update()
                    .where(versions.c.world_id == row.world_id, versions.c.version == row.version)
                    .values(content=content)
                )
    op.drop_table("raw_documents")


def _inline(content: dict[str, Any], texts: dict[str, str]) -> bool:
    changed = False
    for section in SECTIONS:
        for entry in (content.get(section) or {}).values():
            source = entry.get("source") if isinstance(entry, dict) else None
            if not isinstance(source, dict):
                continue
            raw = source.get("raw")
            if (
                isinstance(raw, dict)
                and set(raw) == {"$storyai_raw"}
                and raw["$storyai_raw"] in texts
            ):
                source["raw"] = json.loads(texts[raw["$storyai_raw"]])
                changed = True
    return changed
