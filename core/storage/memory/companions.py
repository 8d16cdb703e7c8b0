"""Companion notes and MCP tokens in memory: written on commit, as the SQL tables are."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field, replace
from datetime import datetime

from storyai.core.domain.companion import CompanionNote, McpToken
from storyai.core.domain.errors import StorageError
from storyai.core.storage.ports import CompanionRepository, McpTokenRepository


@dataclass
class CompanionTables:
    """The committed rows, shared by every unit of work of one store."""

    notes: list[CompanionNote] = field(default_factory=list)
    tokens: dict[str, McpToken] = field(default_factory=dict)
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)


class InMemoryCompanionRepository(CompanionRepository):
    def __init__(self, tables: CompanionTables) -> None:
        self._tables = tables
        self.pending: list[CompanionNote] = []

    async def add(self, note: CompanionNote) -> None:
        if any(n.id == note.id for n in (*self._tables.notes, *self.pending)):
            raise StorageError(f"companion note {note.id} exists")
        self.pending.append(note)

    async def notes(
        self, player_key: str, *, limit: int = 500, kind: str | None = None
    ) -> list[CompanionNote]:
        mine = [
            n
            for n in (*self._tables.notes, *self.pending)
            if n.player_key == player_key and (kind is None or n.kind == kind)
        ]
        mine.sort(key=lambda n: (n.created_at, n.id), reverse=True)
        return mine[:limit]


class InMemoryMcpTokenRepository(McpTokenRepository):
    def __init__(self, tables: CompanionTables) -> None:
        self._tables = tables
        self.pending: dict[str, McpToken] = {}

    def _all(self) -> dict[str, McpToken]:
        return {**self._tables.tokens, **self.pending}

    async def add(self, token: McpToken) -> None:
        if token.id in self._all() or any(t.digest == token.digest for t in self._all().values()):
            raise StorageError(f"token {token.id} exists")
        self.pending[token.id] = token

    async def by_digest(self, digest: str) -> McpToken | None:
        return next((t for t in self._all().values() if t.digest == digest), None)

    async def revoke(self, token_id: str, at: datetime) -> bool:
        token = self._all().get(token_id)
        if token is None or token.revoked_at is not None:
            return False
        self.pending[token_id] = replace(token, revoked_at=at)
        return True

    async def list(self, session_id: str | None = None) -> list[McpToken]:
        found = [t for t in self._all().values() if session_id in (None, t.session_id)]
        return sorted(found, key=lambda t: (t.created_at, t.id))


def commit_companions(
    tables: CompanionTables, notes: InMemoryCompanionRepository, tokens: InMemoryMcpTokenRepository
) -> None:
    tables.notes.extend(notes.pending)
    tables.tokens.update(tokens.pending)
    notes.pending = []
    tokens.pending = {}
