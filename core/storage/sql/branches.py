"""Branches: named heads of the event tree, each with the line of segments it sees."""

from __future__ import annotations

from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.exc import IntegrityError

from storyai.core.domain.errors import SessionNotFound
from storyai.core.domain.records import BranchRecord
from storyai.core.storage import behaviour
from storyai.core.storage.ports import BranchRepository
from storyai.core.storage.sql.link import Link
from storyai.core.storage.sql.rows import (
    BRANCHES,
    EVENTS,
    SESSIONS,
    branch_record,
    branch_values,
    rows_of,
)

B = BRANCHES.c
_MOVE = (
    update(BRANCHES)
    .where(B.session_id == bindparam("branch_session"), B.name == bindparam("branch_name"))
    .values(head_event_id=bindparam("head"))
)
"""A branch's head moved, built once (a turn moves it twice)."""


class SqlBranchRepository(BranchRepository):
    def __init__(self, link: Link) -> None:
        self._link = link

    async def put(self, record: BranchRecord) -> None:
        link = self._link
        await link.begin_write()
        head = record.head_event_id
        # Moving a branch is one statement; the EXISTS keeps the head in the session
        # (a head from elsewhere moves nothing and is refused below).
        in_session = (
            select(EVENTS.c.id)
            .where(EVENTS.c.id == head, EVENTS.c.session_id == record.session_id)
            .exists()
        )
        known = head is None or head in link.appended  # stored by this caller just now
        if known and (record.session_id, record.name) in link.branches_read:
            # A branch read in this transaction, moved to an event stored in it: nothing
            # to check, so the update goes with the commit.
            params = {"branch_session": record.session_id, "branch_name": record.name}
            await link.defer(_MOVE, {**params, "head": head})
            return
        moved = await link.write(
            update(BRANCHES)
            .where(B.session_id == record.session_id, B.name == record.name)
            .where(B.name == record.name if known else in_session)
            .values(head_event_id=head)
        )
        if moved.rowcount:
            return
        found = await link.run(select(SESSIONS.c.id).where(SESSIONS.c.id == record.session_id))
        if found.first() is None:
            raise SessionNotFound(record.session_id)
        if head is not None:
            owner = await link.run(select(EVENTS.c.session_id).where(EVENTS.c.id == head))
            if owner.scalar() != record.session_id:
                raise behaviour.unknown_event(head, record.session_id)
        try:
            await link.write(insert(BRANCHES).values(**branch_values(record)))
        except IntegrityError as exc:
            await link.rollback()
            raise behaviour.branch_conflict(record.session_id, record.name) from exc

    async def get(self, session_id: str, name: str) -> BranchRecord | None:
        query = select(BRANCHES).where(B.session_id == session_id, B.name == name)
        row = (await self._link.run(query)).first()
        return None if row is None else branch_record(row._mapping)

    async def list(self, session_id: str) -> list[BranchRecord]:
        query = select(BRANCHES).where(B.session_id == session_id).order_by(B.created_at, B.name)
        return [branch_record(row) for row in rows_of(await self._link.run(query))]
