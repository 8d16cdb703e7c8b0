"""The event tree. Events are only ever inserted, in bulk, and read by line or by id."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterable
from typing import Any

from sqlalchemy import ColumnElement, and_, insert, or_, select
from sqlalchemy.exc import IntegrityError

from storyai.core.domain.errors import SessionNotFound
from storyai.core.domain.records import EventRecord, Lineage
from storyai.core.storage import behaviour
from storyai.core.storage.ports import EventRepository
from storyai.core.storage.sql.link import Link
from storyai.core.storage.sql.rows import EVENTS, SESSIONS, event_record, event_values, rows_of

E = EVENTS.c


def on_line_clause(lineage: Lineage, depth: Any) -> ColumnElement[bool]:
    """``segment``/``depth`` on the line of ``lineage`` (one term per segment)."""
    terms = [
        E.segment == segment if limit is None else and_(E.segment == segment, depth <= limit)
        for segment, limit in lineage
    ]
    return or_(*terms)


class SqlEventRepository(EventRepository):
    def __init__(self, link: Link) -> None:
        self._link = link

    async def append(
        self, records: list[EventRecord], *, parent: EventRecord | None = None
    ) -> None:
        if not records:
            return
        link = self._link
        await link.begin_write()
        if parent is not None:
            # The caller read ``parent`` in this transaction: the chain is checked here,
            # and the insert goes with the next read or the commit.
            ordered = behaviour.check_chain(records, parent)
            await link.defer(
                insert(EVENTS).execution_options(render_nulls=True),
                [event_values(r) for r in ordered],
                conflict=lambda: behaviour.concurrent_events(ordered[0].session_id),
            )
            link.appended.update(r.id for r in ordered)
            return
        for session_id in sorted({r.session_id for r in records}):
            found = await link.run(select(SESSIONS.c.id).where(SESSIONS.c.id == session_id))
            if found.first() is None:
                raise SessionNotFound(session_id)
        stored, taken = await self._stored(records)
        ordered = behaviour.check_new_events(records, stored, taken)
        try:
            # One executemany, parents first (lower seq) for the foreign key.
            # render_nulls: else a root event (parent_id None) gets a statement of its own.
            await link.write(
                insert(EVENTS).execution_options(render_nulls=True),
                [event_values(r) for r in ordered],
            )
            link.appended.update(r.id for r in ordered)
        except IntegrityError as exc:
            # Another unit of work stored the same id or seq (it did not take the lock).
            await link.rollback()
            raise behaviour.concurrent_events(ordered[0].session_id) from exc

    async def _stored(
        self, records: Iterable[EventRecord]
    ) -> tuple[dict[str, Any], set[tuple[str, int]]]:
        """What ``check_new_events`` needs, in one query: the stored events that share an
        id with, or are the parent of, a new event, and those that share a seq with one."""
        ids: set[str] = set()
        seqs: dict[str, set[int]] = defaultdict(set)
        for record in records:
            ids.add(record.id)
            if record.parent_id is not None:
                ids.add(record.parent_id)
            seqs[record.session_id].add(record.seq)
        taken_seq = [
            and_(E.session_id == session_id, E.seq.in_(sorted(numbers)))
            for session_id, numbers in seqs.items()
        ]
        query = select(E.id, E.session_id, E.seq, E.depth).where(
            or_(E.id.in_(sorted(ids)), *taken_seq)
        )
        stored: dict[str, Any] = {}
        taken: set[tuple[str, int]] = set()
        for row in await self._link.run(query):
            stored[row.id] = row
            taken.add((row.session_id, row.seq))
        return stored, taken

    async def get(self, event_id: str) -> EventRecord | None:
        row = (await self._link.run(select(EVENTS).where(E.id == event_id))).first()
        return None if row is None else event_record(row._mapping)

    async def get_many(self, event_ids: Collection[str]) -> list[EventRecord]:
        if not event_ids:
            return []
        query = select(EVENTS).where(E.id.in_(sorted(set(event_ids))))
        return [event_record(row) for row in rows_of(await self._link.run(query))]

    async def on_line(
        self,
        session_id: str,
        lineage: Lineage,
        *,
        min_depth: int = 1,
        max_depth: int | None = None,
        kinds: Collection[str] | None = None,
        newest: int | None = None,
        turns: tuple[int, int] | None = None,
    ) -> list[EventRecord]:
        # A range scan of ix_events_session_id_depth (or _turn), filtered to the line.
        query = select(EVENTS).where(
            E.session_id == session_id, E.depth >= min_depth, on_line_clause(lineage, E.depth)
        )
        if max_depth is not None:
            query = query.where(E.depth <= max_depth)
        if kinds is not None:
            query = query.where(E.kind.in_(sorted(kinds)))
        if turns is not None:
            query = query.where(E.turn >= turns[0], E.turn <= turns[1])
        if newest is not None:
            query = query.order_by(E.depth.desc()).limit(newest)
        else:
            query = query.order_by(E.depth)
        found = [event_record(row) for row in rows_of(await self._link.run(query))]
        return found[::-1] if newest is not None else found

    async def list(self, session_id: str) -> list[EventRecord]:
        query = select(EVENTS).where(E.session_id == session_id).order_by(E.seq)
        return [event_record(row) for row in rows_of(await self._link.run(query))]
