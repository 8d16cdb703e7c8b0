"""The recall index: word stems of what was typed and told, read stem by stem.

The ranking is ``storyai.core.storage.recall``'s (the same on every store); this
module only stores postings and reads, for each stem of a question, its
``PER_TERM`` deepest postings on the line, all stems in one ``UNION ALL`` statement
of range reads on ``ix_recall_terms_session_id_term_depth``.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import ColumnElement, and_, insert, or_, select, union_all

from storyai.core.domain.records import EventRecord, Lineage, RecallHit
from storyai.core.storage import recall
from storyai.core.storage.ports import RecallRepository
from storyai.core.storage.sql.events import SqlEventRepository
from storyai.core.storage.sql.link import Link
from storyai.core.storage.sql.rows import RECALL_TERMS

R = RECALL_TERMS.c


class SqlRecallRepository(RecallRepository):
    def __init__(self, link: Link, events: SqlEventRepository) -> None:
        self._link = link
        self._events = events

    async def index(self, records: list[EventRecord]) -> None:
        postings = recall.postings_for(records)
        if postings:  # with the commit: nothing reads the index in the same transaction
            await self._link.defer(insert(RECALL_TERMS), [p.values() for p in postings])

    async def search(
        self,
        session_id: str,
        query: str,
        *,
        limit: int = 20,
        before_depth: int | None = None,
        witness: str | None = None,
        lineage: Lineage | None = None,
    ) -> list[RecallHit]:
        async def postings(stems: Sequence[str]) -> list[recall.Posting]:
            reads = []
            for term in stems:
                read = select(RECALL_TERMS).where(R.session_id == session_id, R.term == term)
                if before_depth is not None:
                    read = read.where(R.depth < before_depth)
                if lineage is not None:
                    read = read.where(_on_line(lineage))
                reads.append(read.order_by(R.depth.desc()).limit(recall.PER_TERM).subquery())
            statement = union_all(*(select(sub) for sub in reads))
            rows = await self._link.run(statement)
            found = [row._mapping for row in rows]  # `count` is also a method of a row
            return [
                recall.Posting(
                    m["session_id"],
                    m["term"],
                    m["event_id"],
                    m["depth"],
                    m["segment"],
                    m["count"],
                    m["length"],
                )
                for m in found
            ]

        return await recall.search(
            query,
            limit=limit,
            before_depth=before_depth,
            witness=witness,
            postings=postings,
            events=self._events.get_many,
        )


def _on_line(lineage: Lineage) -> ColumnElement[bool]:
    return or_(
        *(
            R.segment == segment if limit is None else and_(R.segment == segment, R.depth <= limit)
            for segment, limit in lineage
        )
    )
