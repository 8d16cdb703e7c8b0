"""Companion notes and MCP tokens on SQLite and PostgreSQL (tables of migration 0009)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import insert, select, update

from storyai.core.domain.companion import CompanionNote, McpToken
from storyai.core.storage.behaviour import utc
from storyai.core.storage.orm import CompanionNoteRow, McpTokenRow
from storyai.core.storage.ports import CompanionRepository, McpTokenRepository
from storyai.core.storage.sql.link import Link
from storyai.core.storage.sql.rows import _table

NOTES = _table(CompanionNoteRow)
TOKENS = _table(McpTokenRow)


class SqlCompanionRepository(CompanionRepository):
    def __init__(self, link: Link) -> None:
        self._link = link

    async def add(self, note: CompanionNote) -> None:
        await self._link.write(
            insert(NOTES).values(
                id=note.id,
                player_key=note.player_key,
                companion=note.companion,
                session_id=note.session_id,
                segment=note.segment,
                depth=note.depth,
                turn=note.turn,
                kind=note.kind,
                text=note.text,
                created_at=note.created_at,
            )
        )

    async def notes(
        self, player_key: str, *, limit: int = 500, kind: str | None = None
    ) -> list[CompanionNote]:
        c = NOTES.c
        wanted = c.player_key == player_key
        if kind is not None:
            wanted = wanted & (c.kind == kind)
        rows = await self._link.run(
            select(NOTES).where(wanted).order_by(c.created_at.desc(), c.id.desc()).limit(limit)
        )
        return [
            CompanionNote(
                r.id,
                r.player_key,
                r.companion,
                r.session_id,
                r.segment,
                r.depth,
                r.turn,
                r.kind,
                r.text,
                _utc(r.created_at),
            )
            for r in rows
        ]


class SqlMcpTokenRepository(McpTokenRepository):
    def __init__(self, link: Link) -> None:
        self._link = link

    async def add(self, token: McpToken) -> None:
        await self._link.write(
            insert(TOKENS).values(
                id=token.id,
                digest=token.digest,
                session_id=token.session_id,
                player_key=token.player_key,
                permissions=",".join(token.permissions),
                label=token.label,
                created_at=token.created_at,
                revoked_at=token.revoked_at,
            )
        )

    async def by_digest(self, digest: str) -> McpToken | None:
        row = (await self._link.run(select(TOKENS).where(TOKENS.c.digest == digest))).first()
        return None if row is None else _token(row)

    async def revoke(self, token_id: str, at: datetime) -> bool:
        c = TOKENS.c
        done = await self._link.write(
            update(TOKENS).where(c.id == token_id, c.revoked_at.is_(None)).values(revoked_at=at)
        )
        return done.rowcount > 0

    async def list(self, session_id: str | None = None) -> list[McpToken]:
        statement = select(TOKENS).order_by(TOKENS.c.created_at, TOKENS.c.id)
        if session_id is not None:
            statement = statement.where(TOKENS.c.session_id == session_id)
        return [_token(r) for r in await self._link.run(statement)]


def _utc(value: datetime) -> datetime:
    return utc(value)


def _token(row: Any) -> McpToken:
    return McpToken(
        id=row.id,
        digest=row.digest,
        session_id=row.session_id,
        player_key=row.player_key,
        permissions=tuple(p for p in row.permissions.split(",") if p),
        created_at=_utc(row.created_at),
        revoked_at=None if row.revoked_at is None else _utc(row.revoked_at),
        label=row.label,
    )
