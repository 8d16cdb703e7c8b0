"""The event tree in memory: events, branches and snapshots."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import replace
from typing import TYPE_CHECKING

from storyai.core.domain.records import BranchRecord, EventRecord, Lineage, SnapshotRecord, on_line
from storyai.core.storage import behaviour
from storyai.core.storage.memory.store import json_copy
from storyai.core.storage.ports import BranchRepository, EventRepository, SnapshotRepository

if TYPE_CHECKING:
    from storyai.core.storage.memory.unit_of_work import InMemoryUnitOfWork


class InMemoryEventRepository(EventRepository):
    def __init__(self, uow: InMemoryUnitOfWork) -> None:
        self._uow = uow

    async def append(
        self, records: list[EventRecord], *, parent: EventRecord | None = None
    ) -> None:
        if not records:
            return
        view = self._uow.view
        for session_id in sorted({r.session_id for r in records}):
            view.require_session(session_id)
        if parent is not None:
            ordered = behaviour.check_chain(records, parent)
        else:
            stored = {}
            for record in records:
                for event_id in (record.id, record.parent_id):
                    found = view.event(event_id) if event_id else None
                    if found is not None:
                        stored[found.id] = found
            taken = {(r.session_id, r.seq) for r in records if view.seq_taken(r.session_id, r.seq)}
            ordered = behaviour.check_new_events(records, stored, taken)
        for record in ordered:
            if view.event(record.id) is not None:
                raise behaviour.event_conflict(record.id)
            if view.seq_taken(record.session_id, record.seq):
                raise behaviour.seq_taken(record.session_id, record.seq)
            self._uow.pending.events[record.id] = replace(
                record, created_at=behaviour.utc(record.created_at)
            )

    async def get(self, event_id: str) -> EventRecord | None:
        return self._uow.view.event(event_id)

    async def get_many(self, event_ids: Collection[str]) -> list[EventRecord]:
        found = [self._uow.view.event(i) for i in set(event_ids)]
        return [e for e in found if e is not None]

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
        view = self._uow.view
        high = view.max_depth(session_id) if max_depth is None else max_depth
        if turns is not None:
            found = [
                e
                for e in view.events_of_turns(session_id, *turns)
                if min_depth <= e.depth <= high
                and on_line(lineage, e.segment, e.depth)
                and (kinds is None or e.kind in kinds)
            ]
            found.sort(key=lambda e: e.depth)
            return found[-newest:] if newest is not None else found
        if newest is not None:
            out: list[EventRecord] = []
            depth = high
            while depth >= min_depth and len(out) < newest:
                step = max(newest * 4, 32)
                low = max(min_depth, depth - step + 1)
                batch = self._line(session_id, lineage, low, depth, kinds)
                out = batch[-(newest - len(out)) :] + out if batch else out
                depth = low - 1
            return out
        return self._line(session_id, lineage, min_depth, high, kinds)

    def _line(
        self,
        session_id: str,
        lineage: Lineage,
        low: int,
        high: int,
        kinds: Collection[str] | None,
    ) -> list[EventRecord]:
        return [
            e
            for e in self._uow.view.events_at(session_id, low, high)
            if on_line(lineage, e.segment, e.depth) and (kinds is None or e.kind in kinds)
        ]

    async def list(self, session_id: str) -> list[EventRecord]:
        view = self._uow.view
        self._uow.view.require_session(session_id)
        found = view.events_at(session_id, 1, view.max_depth(session_id))
        return sorted(found, key=lambda e: e.seq)


class InMemoryBranchRepository(BranchRepository):
    def __init__(self, uow: InMemoryUnitOfWork) -> None:
        self._uow = uow

    async def put(self, record: BranchRecord) -> None:
        view = self._uow.view
        view.require_session(record.session_id)
        head = record.head_event_id
        if head is not None:
            event = view.event(head)
            if event is None or event.session_id != record.session_id:
                raise behaviour.unknown_event(head, record.session_id)
        stored = view.branch(record.session_id, record.name)
        key = (record.session_id, record.name)
        # Moving a branch keeps its lineage and created_at.
        self._uow.pending.branches[key] = (
            replace(record, created_at=behaviour.utc(record.created_at))
            if stored is None
            else replace(stored, head_event_id=head)
        )

    async def get(self, session_id: str, name: str) -> BranchRecord | None:
        return self._uow.view.branch(session_id, name)

    async def list(self, session_id: str) -> list[BranchRecord]:
        view = self._uow.view
        found = [view.branch(session_id, n) for n in view.branch_names(session_id)]
        return behaviour.branches_in_order(b for b in found if b is not None)


class InMemorySnapshotRepository(SnapshotRepository):
    def __init__(self, uow: InMemoryUnitOfWork) -> None:
        self._uow = uow

    async def put(self, record: SnapshotRecord) -> None:
        event = self._uow.view.event(record.event_id)
        if event is None or event.session_id != record.session_id:
            raise behaviour.unknown_event(record.event_id, record.session_id)
        if record.event_id in self._uow.committed.snapshots:
            return
        self._uow.pending.snapshots.setdefault(
            record.event_id, replace(record, state=json_copy(record.state))
        )

    async def get(self, event_id: str) -> SnapshotRecord | None:
        found = self._uow.pending.snapshots.get(event_id) or self._uow.committed.snapshots.get(
            event_id
        )
        return None if found is None else replace(found, state=json_copy(found.state))
