"""Players: someone taking part in a session, with the character they play."""

from __future__ import annotations

from sqlalchemy import insert, select, update
from sqlalchemy.exc import IntegrityError

from storyai.core.domain.errors import SessionNotFound
from storyai.core.domain.records import PlayerRecord
from storyai.core.storage import behaviour
from storyai.core.storage.ports import PlayerRepository
from storyai.core.storage.sql.link import Link
from storyai.core.storage.sql.rows import (
    PLAYERS,
    SESSIONS,
    player_changes,
    player_record,
    player_values,
    rows_of,
)

P = PLAYERS.c


class SqlPlayerRepository(PlayerRepository):
    def __init__(self, link: Link) -> None:
        self._link = link

    async def add(self, record: PlayerRecord) -> None:
        link = self._link
        await link.begin_write()
        if (await link.run(select(P.id).where(P.id == record.id))).first() is not None:
            raise behaviour.player_conflict(record.id)
        found = await link.run(select(SESSIONS.c.id).where(SESSIONS.c.id == record.session_id))
        if found.first() is None:
            raise SessionNotFound(record.session_id)
        try:
            await link.write(insert(PLAYERS).values(**player_values(record)))
        except IntegrityError as exc:
            await link.rollback()
            raise behaviour.player_conflict(record.id) from exc

    async def update(self, record: PlayerRecord) -> None:
        done = await self._link.write(
            update(PLAYERS)
            .where(P.id == record.id, P.session_id == record.session_id)
            .values(**player_changes(record))
        )
        if done.rowcount == 0:
            raise behaviour.player_not_found(record.id, record.session_id)

    async def list(self, session_id: str) -> list[PlayerRecord]:
        query = select(PLAYERS).where(P.session_id == session_id).order_by(P.joined_at, P.id)
        return [player_record(row) for row in rows_of(await self._link.run(query))]
