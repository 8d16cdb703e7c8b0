"""The contract of what the session engine stores: session updates and locks, players,
the event tree, branches and snapshots. Every test runs on memory, SQLite and PostgreSQL
(the ``storage`` / ``uow_factory`` fixtures in conftest.py)."""

from __future__ import annotations

import asyncio
import copy
from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from sqlalchemy import text

from storyai.core.domain.errors import SessionNotFound, StorageError
from storyai.core.domain.records import (
    BranchRecord,
    EventRecord,
    PlayerRecord,
    SessionRecord,
    SnapshotRecord,
    WorldVersionRecord,
)
from storyai.core.storage.ports import UnitOfWorkFactory
from storyai.core.storage.sql import advisory_lock_key

T0 = datetime(2026, 1, 2, 3, 4, 5, 678901, tzinfo=UTC)
SAFETY_NET = 10.0
"""Seconds before a lock test gives up instead of hanging; never part of the proof."""

PAYLOAD: dict[str, Any] = {
    "text": 'Die Möwe schreit — «ünïcode» 🐉 中文 "quoted" \\ back\nslash',
    "nested": {"list": [1, 2.5, None, True, False, {"deep": ["x", []]}], "empty": {}},
    "numbers": {"big": 2**53, "negative": -17, "small": -1.25e-7, "zero": 0},
    "": "an empty key",
}


def world() -> WorldVersionRecord:
    return WorldVersionRecord(
        world_id="harbour",
        version="1.0.0",
        title="Harbour",
        content={"world": {"id": "harbour"}},
        content_hash="sha256-harbour",
        installed_at=T0,
    )


def session(session_id: str = "s1") -> SessionRecord:
    return SessionRecord(
        id=session_id,
        world_id="harbour",
        world_version="1.0.0",
        title="A night at the harbour",
        status="active",
        active_branch="main",
        created_at=T0,
        updated_at=T0,
        channel="123",
        settings={"mode": "solo"},
    )


def event(
    event_id: str,
    seq: int,
    depth: int,
    parent_id: str | None = None,
    session_id: str = "s1",
    **changes: Any,
) -> EventRecord:
    record = EventRecord(
        id=event_id,
        session_id=session_id,
        parent_id=parent_id,
        seq=seq,
        depth=depth,
        turn=depth,
        kind="narration",
        actor="gm",
        payload={"text": f"event {event_id}"},
        created_at=T0 + timedelta(seconds=seq),
    )
    return replace(record, **changes)


def player(player_id: str = "p1", session_id: str = "s1", **changes: Any) -> PlayerRecord:
    record = PlayerRecord(
        id=player_id,
        session_id=session_id,
        user_ref="local",
        display_name="Ada",
        role="host",
        character={"name": "Ada", "stats": {"str": 12}, "items": ["rope", "lamp"]},
        presence="joined",
        joined_at=T0,
    )
    return replace(record, **changes)


def branch(name: str, head: str | None, *, created_at: datetime = T0) -> BranchRecord:
    return BranchRecord(session_id="s1", name=name, head_event_id=head, created_at=created_at)


def snapshot(event_id: str, state: dict[str, Any], session_id: str = "s1") -> SnapshotRecord:
    return SnapshotRecord(
        session_id=session_id, event_id=event_id, turn=1, state=state, created_at=T0
    )


@pytest.fixture
async def uow(uow_factory: UnitOfWorkFactory) -> UnitOfWorkFactory:
    """``uow_factory`` with the world installed and the sessions s1 and s2 started."""
    async with uow_factory() as unit:
        await unit.worlds.add_version(world())
        await unit.sessions.add(session("s1"))
        await unit.sessions.add(session("s2"))
        await unit.commit()
    return uow_factory


TREE = [
    #     id    seq depth parent       s1 is:  e1 - e2 - e3 - e4 - e5   (main)
    event("e1", 1, 1),  #                                 \
    event("e2", 2, 2, "e1"),  #                            b3 - b4      (alt)
    event("e3", 3, 3, "e2"),
    event("b3", 4, 3, "e2"),
    event("e4", 5, 4, "e3"),
    event("b4", 6, 4, "b3"),
    event("e5", 7, 5, "e4"),
]


async def append(uow_factory: UnitOfWorkFactory, *records: EventRecord) -> None:
    async with uow_factory() as unit:
        await unit.events.append(list(records))
        await unit.commit()


# ----------------------------------------------------------------------------- sessions


async def test_update_replaces_the_changing_fields(uow: UnitOfWorkFactory) -> None:
    later = T0.astimezone(timezone(timedelta(hours=-5))) + timedelta(hours=1)
    async with uow() as unit:
        stored = await unit.sessions.get("s1")
        stored.settings["narrator"] = {"name": "Ünï", "temperature": 0.7}  # edited in place
        changed = replace(
            stored,
            title="Renamed",
            status="ended",
            active_branch="alt",
            updated_at=later,
            world_version="ignored",
            channel="thread-42",  # a story moves to a thread when the bot opens one
            created_at=later,
        )
        await unit.sessions.update(changed)
        await unit.commit()
    async with uow() as unit:
        assert await unit.sessions.get("s1") == replace(
            session("s1"),
            title="Renamed",
            status="ended",
            active_branch="alt",
            channel="thread-42",
            settings={"mode": "solo", "narrator": {"name": "Ünï", "temperature": 0.7}},
            updated_at=T0 + timedelta(hours=1),
        )
        assert (await unit.sessions.get("s1")).updated_at.utcoffset() == timedelta(0)
        assert (await unit.sessions.get("s2")) == session("s2")


async def test_update_of_an_unknown_session_is_not_found(uow: UnitOfWorkFactory) -> None:
    async with uow() as unit:
        with pytest.raises(SessionNotFound):
            await unit.sessions.update(session("nope"))


async def test_update_is_discarded_without_commit(uow: UnitOfWorkFactory) -> None:
    async with uow() as unit:
        await unit.sessions.update(replace(session("s1"), title="Draft"))
        assert (await unit.sessions.get("s1")).title == "Draft"
    async with uow() as unit:
        assert (await unit.sessions.get("s1")).title == session("s1").title


# ------------------------------------------------------------------------------ players


async def test_players_add_update_list(uow: UnitOfWorkFactory) -> None:
    host = player("p1", character=PAYLOAD)
    guest = player("p2", user_ref="42", display_name="Bo", role="player", joined_at=T0)
    late = player("p0", joined_at=T0 + timedelta(minutes=5))
    elsewhere = player("p9", session_id="s2")
    async with uow() as unit:
        for record in (late, guest, host, elsewhere):
            await unit.players.add(record)
        await unit.commit()
    left = replace(
        guest,
        presence="left",
        left_at=(T0 + timedelta(hours=1)).astimezone(timezone(timedelta(hours=3))),
        character={"name": "Bo", "hp": 0},
    )
    async with uow() as unit:
        await unit.players.update(left)
        await unit.commit()
    async with uow() as unit:
        players = await unit.players.list("s1")
        # Order they joined; equal times by id.
        assert [p.id for p in players] == ["p1", "p2", "p0"]
        assert players[0] == host and players[0].character == PAYLOAD
        assert players[1] == replace(left, left_at=T0 + timedelta(hours=1))
        assert players[1].left_at is not None and players[1].left_at.utcoffset() == timedelta(0)
        assert await unit.players.list("s2") == [elsewhere]
        assert await unit.players.list("nope") == []


async def test_player_errors(uow: UnitOfWorkFactory) -> None:
    async with uow() as unit:
        await unit.players.add(player("p1"))
        await unit.commit()
        with pytest.raises(StorageError, match="already exists"):
            await unit.players.add(player("p1", session_id="s2"))
        with pytest.raises(SessionNotFound):
            await unit.players.add(player("p2", session_id="nope"))
        with pytest.raises(StorageError, match="no player with the id 'p3'"):
            await unit.players.update(player("p3"))
        with pytest.raises(StorageError, match="no player with the id 'p1'"):
            await unit.players.update(player("p1", session_id="s2"))
        await unit.players.add(player("p2"))  # the unit of work goes on after a refusal
        await unit.commit()
    async with uow() as unit:
        assert [p.id for p in await unit.players.list("s1")] == ["p1", "p2"]


async def test_returned_character_is_a_copy(uow: UnitOfWorkFactory) -> None:
    async with uow() as unit:
        given = player("p1")
        await unit.players.add(given)
        given.character["name"] = "changed after add"
        (await unit.players.list("s1"))[0].character["items"].clear()
        assert (await unit.players.list("s1"))[0].character == player("p1").character


# ------------------------------------------------------------------------------- events


async def test_append_get_list_round_trip(uow: UnitOfWorkFactory) -> None:
    local = timezone(timedelta(hours=9))
    first = event("e1", 1, 1, payload=PAYLOAD, created_at=T0.astimezone(local))
    rest = [event("e2", 2, 2, "e1", kind="roll", actor="p1"), event("e3", 3, 3, "e2")]
    async with uow() as unit:
        await unit.events.append([rest[1], first, rest[0]])  # any order: stored by seq
        await unit.commit()
    async with uow() as unit:
        got = await unit.events.get("e1")
        assert got == replace(first, created_at=T0)
        assert got is not None and got.payload == PAYLOAD
        assert got.created_at.utcoffset() == timedelta(0)
        assert await unit.events.get("nope") is None
        assert [e.id for e in await unit.events.list("s1")] == ["e1", "e2", "e3"]
        assert (await unit.events.list("s1"))[1:] == rest
        assert await unit.events.list("s2") == []


async def test_append_nothing_is_fine(uow: UnitOfWorkFactory) -> None:
    async with uow() as unit:
        await unit.events.append([])
        assert await unit.events.list("s1") == []


async def test_payload_round_trips_through_json_exactly(uow: UnitOfWorkFactory) -> None:
    shapes: list[dict[str, Any]] = [
        {},
        PAYLOAD,
        {"a": [[[]]], "b": {"c": {"d": {"e": "🦀"}}}, "f": [{"g": None}, "", 0.1, -0.5]},
    ]
    await append(
        uow,
        *(
            event(f"e{i}", i, i, f"e{i - 1}" if i > 1 else None, payload=p)
            for i, p in enumerate(shapes, 1)
        ),
    )
    async with uow() as unit:
        assert [e.payload for e in await unit.events.list("s1")] == shapes


async def test_returned_payload_is_a_copy(uow: UnitOfWorkFactory) -> None:
    given = event("e1", 1, 1, payload=copy.deepcopy(PAYLOAD))
    await append(uow, given)
    given.payload["nested"]["list"].clear()
    async with uow() as unit:
        got = await unit.events.get("e1")
        assert got is not None
        got.payload["nested"]["list"].clear()
        (await unit.events.list("s1"))[0].payload.clear()
        (await unit.events.between_depths("s1", 1, 1))[0].payload.clear()
        again = await unit.events.get("e1")
        assert again is not None and again.payload == PAYLOAD


async def test_next_seq(uow: UnitOfWorkFactory) -> None:
    async with uow() as unit:
        assert await unit.events.next_seq("s1") == 1
        await unit.events.append([event("e1", 1, 1), event("e2", 2, 2, "e1")])
        assert await unit.events.next_seq("s1") == 3  # own uncommitted events count
        await unit.commit()
    await append(uow, event("x1", 7, 1, session_id="s2"))
    async with uow() as unit:
        assert await unit.events.next_seq("s1") == 3
        assert await unit.events.next_seq("s2") == 8
        assert await unit.events.next_seq("nope") == 1


async def test_between_depths_spans_every_branch_in_seq_order(uow: UnitOfWorkFactory) -> None:
    await append(uow, *TREE)
    await append(uow, event("x1", 1, 1, session_id="s2"), event("x2", 2, 2, "x1", session_id="s2"))
    async with uow() as unit:
        window = await unit.events.between_depths("s1", 3, 4)
        assert [e.id for e in window] == ["e3", "b3", "e4", "b4"]
        assert window == [e for e in TREE if e.id in {"e3", "b3", "e4", "b4"}]
        assert [e.id for e in await unit.events.between_depths("s1", 5, 5)] == ["e5"]
        assert [e.id for e in await unit.events.between_depths("s1", 1, 99)] == [e.id for e in TREE]
        assert await unit.events.between_depths("s1", 6, 9) == []
        assert await unit.events.between_depths("s1", 4, 3) == []
        assert [e.id for e in await unit.events.between_depths("s2", 0, 1)] == ["x1"]


async def test_appending_bad_events_is_refused(uow: UnitOfWorkFactory) -> None:
    await append(uow, event("e1", 1, 1), event("e2", 2, 2, "e1"))
    await append(uow, event("x1", 1, 1, session_id="s2"))
    refused: list[tuple[list[EventRecord], str]] = [
        ([event("e1", 4, 1)], "event with the id 'e1' already exists"),
        ([event("n1", 4, 1), event("n1", 5, 1)], "event with the id 'n1' already exists"),
        ([event("n1", 2, 1)], "already has an event with seq 2"),
        ([event("n1", 3, 1)], "already has an event with seq 3"),  # taken, uncommitted
        ([event("n1", 4, 1), event("n2", 4, 1)], "already has an event with seq 4"),
        ([event("n1", 4, 3, "zz")], "no parent event with the id 'zz'"),
        ([event("n1", 4, 2, "x1")], "no parent event with the id 'x1'"),  # other session
        ([event("n1", 5, 5, "n2"), event("n2", 6, 4, "e3")], "parent 'n2' has a later seq"),
        ([event("n1", 4, 2, "e2")], "not its parent's depth \\+ 1 \\(3\\)"),
        ([event("n1", 4, 2)], "a root event has depth 1, not 2"),
        ([event("n1", 0, 1)], "its seq is 0"),
    ]
    async with uow() as unit:
        await unit.events.append([event("e3", 3, 3, "e2")])
        for records, message in refused:
            with pytest.raises(StorageError, match=message):
                await unit.events.append(records)
        with pytest.raises(SessionNotFound):
            await unit.events.append([event("n1", 1, 1, session_id="nope")])
        # A refusal changes nothing: earlier work in the unit of work is still there.
        await unit.events.append([event("e4", 4, 4, "e3")])
        await unit.commit()
    async with uow() as unit:
        assert [e.id for e in await unit.events.list("s1")] == ["e1", "e2", "e3", "e4"]


async def test_rollback_discards_events(uow: UnitOfWorkFactory) -> None:
    async with uow() as unit:
        await unit.events.append([event("e1", 1, 1)])
        await unit.commit()
        await unit.events.append([event("e2", 2, 2, "e1")])
        assert await unit.events.next_seq("s1") == 3
        await unit.rollback()
        assert await unit.events.get("e2") is None
        assert await unit.events.next_seq("s1") == 2
    with pytest.raises(RuntimeError):
        async with uow() as unit:
            await unit.events.append([event("e2", 2, 2, "e1")])
            raise RuntimeError("the narrator failed")
    async with uow() as unit:
        await unit.events.append([event("e2", 2, 2, "e1")])  # never committed
    async with uow() as unit:
        assert [e.id for e in await unit.events.list("s1")] == ["e1"]
        assert await unit.events.between_depths("s1", 1, 9) == [event("e1", 1, 1)]


async def test_uncommitted_events_are_invisible_to_others(uow: UnitOfWorkFactory) -> None:
    async with uow() as writer:
        await writer.events.append([event("e1", 1, 1)])
        async with uow() as reader:
            assert await reader.events.list("s1") == []
            assert await reader.events.next_seq("s1") == 1
        await writer.commit()
    async with uow() as reader:
        assert await reader.events.next_seq("s1") == 2


# ----------------------------------------------------------------------------- branches


async def test_branches_put_move_get_list(uow: UnitOfWorkFactory) -> None:
    await append(uow, *TREE)
    later = T0 + timedelta(minutes=1)
    async with uow() as unit:
        await unit.branches.put(branch("main", None))
        await unit.branches.put(branch("zeta", "e2", created_at=T0))  # same time: by name
        await unit.branches.put(branch("alt", "b3", created_at=later))
        await unit.commit()
    async with uow() as unit:
        assert await unit.branches.get("s1", "main") == branch("main", None)
        await unit.branches.put(branch("main", "e5", created_at=later + timedelta(days=1)))
        await unit.branches.put(branch("alt", "b4", created_at=T0))
        assert (await unit.branches.get("s1", "main")) == branch("main", "e5")
        await unit.commit()
    async with uow() as unit:
        # Moving a head keeps the branch's creation time, and so its place in the list.
        assert await unit.branches.list("s1") == [
            branch("main", "e5"),
            branch("zeta", "e2"),
            branch("alt", "b4", created_at=later),
        ]
        assert await unit.branches.get("s1", "nope") is None
        assert await unit.branches.get("s2", "main") is None
        assert await unit.branches.list("s2") == []


async def test_branch_errors(uow: UnitOfWorkFactory) -> None:
    await append(uow, event("e1", 1, 1), event("x1", 1, 1, session_id="s2"))
    async with uow() as unit:
        await unit.branches.put(branch("main", "e1"))
        with pytest.raises(SessionNotFound):
            await unit.branches.put(replace(branch("main", None), session_id="nope"))
        with pytest.raises(StorageError, match="no event with the id 'zz'"):
            await unit.branches.put(branch("main", "zz"))
        with pytest.raises(StorageError, match="no event with the id 'x1'"):
            await unit.branches.put(branch("alt", "x1"))  # an event of another session
        await unit.commit()
    async with uow() as unit:
        assert await unit.branches.list("s1") == [branch("main", "e1")]


async def test_rollback_discards_branches(uow: UnitOfWorkFactory) -> None:
    await append(uow, event("e1", 1, 1), event("e2", 2, 2, "e1"))
    async with uow() as unit:
        await unit.branches.put(branch("main", "e1"))
        await unit.commit()
        await unit.branches.put(branch("main", "e2"))
        await unit.branches.put(branch("alt", "e2"))
        await unit.rollback()
        assert await unit.branches.list("s1") == [branch("main", "e1")]


# ---------------------------------------------------------------------------- snapshots


async def test_snapshots_put_get_and_put_again_is_a_no_op(uow: UnitOfWorkFactory) -> None:
    await append(uow, event("e1", 1, 1), event("e2", 2, 2, "e1"))
    first = snapshot("e1", copy.deepcopy(PAYLOAD))
    async with uow() as unit:
        await unit.snapshots.put(first)
        await unit.snapshots.put(snapshot("e1", {"different": True}))  # same unit of work
        assert await unit.snapshots.get("e1") == first
        await unit.commit()
    first.state.clear()  # the caller's dict is not the stored one
    async with uow() as unit:
        await unit.snapshots.put(snapshot("e1", {"later": True}))  # another unit of work
        await unit.snapshots.put(snapshot("e2", {"turn": 2}))
        await unit.commit()
    async with uow() as unit:
        got = await unit.snapshots.get("e1")
        assert got == snapshot("e1", PAYLOAD)
        assert got is not None and got.created_at.utcoffset() == timedelta(0)
        got.state.clear()
        assert await unit.snapshots.get("e1") == snapshot("e1", PAYLOAD)
        assert await unit.snapshots.get("e2") == snapshot("e2", {"turn": 2})
        assert await unit.snapshots.get("nope") is None


async def test_snapshot_errors_and_rollback(uow: UnitOfWorkFactory) -> None:
    await append(uow, event("e1", 1, 1))
    async with uow() as unit:
        with pytest.raises(StorageError, match="no event with the id 'zz'"):
            await unit.snapshots.put(snapshot("zz", {}))
        with pytest.raises(StorageError, match="no event with the id 'e1'"):
            await unit.snapshots.put(snapshot("e1", {}, session_id="s2"))
        await unit.snapshots.put(snapshot("e1", {"kept": False}))
        await unit.rollback()
        assert await unit.snapshots.get("e1") is None


# -------------------------------------------------------------------------------- locks


async def _until_waiting(storage: Any, task: asyncio.Task[None]) -> None:
    """Return once ``task`` waits for a session lock (the test's safety net bounds it).

    PostgreSQL: its backend shows up in pg_locks as waiting for an advisory lock.
    Memory and SQLite: ``lock`` does no I/O before waiting on its asyncio.Lock, so a
    few turns of the event loop are enough for the task to get there.
    """
    if storage.backend != "postgres":
        for _ in range(5):
            await asyncio.sleep(0)
        return
    query = text("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted")
    while not task.done():
        async with storage.database.connect() as connection:
            if (await connection.execute(query)).scalar():
                return
        await asyncio.sleep(0.01)  # polling, not proof: the condition above is the proof


async def test_a_second_lock_waits_until_the_first_commits(storage, uow: UnitOfWorkFactory) -> None:
    order: list[str] = []
    first_locked = asyncio.Event()
    second_waiting = asyncio.Event()

    async def first() -> None:
        async with uow() as unit:
            await unit.sessions.lock("s1")
            first_locked.set()
            await unit.events.append([event("e1", 1, 1), event("e2", 2, 2, "e1")])
            await second_waiting.wait()
            order.append("first commits")
            # No marker after the commit: PostgreSQL grants the lock as the COMMIT ends,
            # and the second task may run before this one sees the commit return.
            await unit.commit()

    async def second() -> int:
        await first_locked.wait()
        async with uow() as unit:
            locking = asyncio.create_task(unit.sessions.lock("s1"))
            await _until_waiting(storage, locking)
            assert not locking.done()
            second_waiting.set()
            await locking
            order.append("second locked")
            seq = await unit.events.next_seq("s1")  # sees what the first committed
            await unit.events.append([event("e3", seq, 3, "e2")])
            await unit.commit()
            return seq

    async with asyncio.timeout(SAFETY_NET):
        _, seq = await asyncio.gather(first(), second())
    assert order == ["first commits", "second locked"]
    assert seq == 3  # the second saw the first's committed events once it had the lock
    async with uow() as unit:
        assert [e.seq for e in await unit.events.list("s1")] == [1, 2, 3]


async def test_a_lock_is_released_when_the_unit_of_work_fails(
    storage, uow: UnitOfWorkFactory
) -> None:
    first_locked = asyncio.Event()
    release = asyncio.Event()

    async def failing() -> None:
        async with uow() as unit:
            await unit.sessions.lock("s1")
            first_locked.set()
            await release.wait()
            raise RuntimeError("the narrator failed")

    async def waiting() -> None:
        await first_locked.wait()
        async with uow() as unit:
            locking = asyncio.create_task(unit.sessions.lock("s1"))
            try:
                await _until_waiting(storage, locking)
                assert not locking.done()
            finally:
                release.set()
            await locking
            await unit.events.append([event("e1", 1, 1)])
            await unit.commit()

    async with asyncio.timeout(SAFETY_NET):
        results = await asyncio.gather(failing(), waiting(), return_exceptions=True)
    assert isinstance(results[0], RuntimeError) and results[1] is None
    async with asyncio.timeout(SAFETY_NET), uow() as unit:
        await unit.sessions.lock("s1")  # nobody holds it any more


async def test_locks_are_per_session_reentrant_and_end_with_commit_or_rollback(
    uow: UnitOfWorkFactory,
) -> None:
    async with asyncio.timeout(SAFETY_NET):
        async with uow() as first, uow() as other:
            await first.sessions.lock("s1")
            await first.sessions.lock("s1")  # the holder may ask again
            await other.sessions.lock("s2")  # another session is not blocked
            await other.sessions.lock("unknown")  # a lock needs no stored session
            await first.commit()
            async with uow() as third:
                await third.sessions.lock("s1")  # free again after the commit
                await third.rollback()
            await first.sessions.lock("s1")  # and again after the rollback
            await first.rollback()
            await other.rollback()
        async with uow() as unit:
            await unit.sessions.lock("s1")
            await unit.sessions.lock("s2")


def test_advisory_lock_key_is_stable_and_a_signed_64_bit_integer() -> None:
    # sha256("s1") starts with e8bc163c82eee187: a different key in a new version would
    # let an old and a new bot process play the same session at once.
    assert advisory_lock_key("s1") == 0xE8BC163C82EEE187 - 2**64 == -1676440512138124921
    keys = {advisory_lock_key(name) for name in ("s1", "s2", "ünïcode", "")}
    assert len(keys) == 4
    assert all(-(2**63) <= key < 2**63 for key in keys)
