"""The recall index in memory: postings per session and word stem, sorted by depth."""

from __future__ import annotations

import heapq
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING

from storyai.core.domain.records import EventRecord, Lineage, RecallHit
from storyai.core.storage import recall
from storyai.core.storage.ports import RecallRepository

if TYPE_CHECKING:
    from storyai.core.storage.memory.unit_of_work import InMemoryUnitOfWork


class InMemoryRecallRepository(RecallRepository):
    def __init__(self, uow: InMemoryUnitOfWork) -> None:
        self._uow = uow

    async def index(self, records: list[EventRecord]) -> None:
        self._uow.pending.postings += recall.postings_for(records)

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
        uow = self._uow

        async def postings(stems: Sequence[str]) -> list[recall.Posting]:
            index = uow.committed.index.get(session_id)
            out: list[recall.Posting] = []
            for term in stems:
                committed = index.postings.get(term, []) if index is not None else []
                pending = [
                    p for p in uow.pending.postings if p.session_id == session_id and p.term == term
                ]
                out += recall.deepest_on_line(
                    _newest_first(committed, pending), lineage, before_depth
                )
            return out

        return await recall.search(
            query,
            limit=limit,
            before_depth=before_depth,
            witness=witness,
            postings=postings,
            events=uow.events.get_many,
        )


def _newest_first(
    committed: list[recall.Posting], pending: list[recall.Posting]
) -> Iterator[recall.Posting]:
    """The postings of one stem, deepest first, lazily (the committed list is sorted)."""
    mine = sorted(pending, key=lambda p: -p.depth)
    return heapq.merge(mine, reversed(committed), key=lambda p: -p.depth)
