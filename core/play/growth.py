"""New events after a head: numbered, on the branch's segment, folded as they come.

A ``Growth`` collects the events of one step of a story (an action; the telling of
it) in memory, folding each into its state, then writes them in the caller's unit of
work: one bulk insert of events, a snapshot where depth asks
for one, the branch's new head, and the session row (its next seq), so a telling that
took a model ten seconds to write is stored in one short transaction.
"""

from __future__ import annotations

from dataclasses import replace

from storyai.core.domain.clock import Clock
from storyai.core.domain.events import Event
from storyai.core.domain.records import (
    BranchRecord,
    EventRecord,
    SessionRecord,
    SnapshotRecord,
)
from storyai.core.domain.state import GameState
from storyai.core.play.loading import snapshot_due
from storyai.core.storage.ports import UnitOfWork


class Growth:
    def __init__(
        self,
        session: SessionRecord,
        branch: BranchRecord,
        head: EventRecord | None,
        state: GameState,
        clock: Clock,
    ) -> None:
        self.session = session
        self.branch = branch
        self.head = head
        self.state = state
        """The state after the last event added (a fork: it is changed as events come)."""
        self.clock = clock
        self.records: list[EventRecord] = []
        self.snapshots: list[tuple[int, dict]] = []  # (index in records, state)

    def add(self, event: Event, actor: str, turn: int) -> EventRecord:
        """Append ``event`` after the current head and fold it into ``state``."""
        depth = (self.head.depth + 1) if self.head else 1
        record = EventRecord(
            id=self.clock.new_id(),
            session_id=self.session.id,
            parent_id=self.head.id if self.head else None,
            seq=0,  # numbered when written
            depth=depth,
            turn=turn,
            actor=actor,
            event=event,
            created_at=self.clock.now(),
            segment=self.branch.segment,
        )
        event.apply(self.state)
        self.records.append(record)
        if snapshot_due(depth):
            self.snapshots.append((len(self.records) - 1, self.state.to_json()))
        self.head = record
        return record

    async def write(
        self, uow: UnitOfWork, session: SessionRecord, *, base: EventRecord | None
    ) -> SessionRecord:
        """Store what was added after ``base`` (the stored head it follows; None for a
        new story) in ``uow``: events numbered from ``session.next_seq`` (the session as
        the caller has it, with its own changes), snapshots, the branch head. Returns
        that session with its new ``next_seq`` and ``updated_at``, for the caller to
        store (the caller indexes what it wants recalled)."""
        start = session.next_seq
        self.records = [replace(r, seq=start + i) for i, r in enumerate(self.records)]
        if self.records:
            await uow.events.append(self.records, parent=base)
            for position, state in self.snapshots:
                record = self.records[position]
                snapshot = SnapshotRecord(
                    session.id, record.id, record.turn, state, self.clock.now()
                )
                await uow.snapshots.put(snapshot)
            self.head = self.records[-1]
            await uow.branches.put(replace(self.branch, head_event_id=self.head.id))
        return replace(session, next_seq=start + len(self.records), updated_at=self.clock.now())
