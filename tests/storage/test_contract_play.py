"""The contract of what the play service stores: sessions (with their channel, telling
and deadline), locks, players, the event tree with its branch lines, branches and
snapshots. Every test runs on memory, SQLite and PostgreSQL (the ``storage`` /
``uow_factory`` fixtures in conftest.py)."""

from __future__ import annotations

import asyncio
import copy
from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from sqlalchemy import text

from storyai.core.domain.errors import ChannelBusy, SessionNotFound, StorageError, WorldNotFound
from storyai.core.domain.events import Line, Narration, PlayerAction
from storyai.core.domain.records import (
    BranchRecord,
    EventRecord,
    PlayerRecord,
    SessionRecord,
    SnapshotRecord,
    Telling,
    WorldVersionRecord,
)
from storyai.core.storage.ports import UnitOfWorkFactory

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


def session(session_id: str = "s1", channel: str | None = None, **changes: Any) -> SessionRecord:
    record = SessionRecord(
        id=session_id,
        world_id="harbour",
        world_version="1.0.0",
        title="A night at the harbour",
        status="active",
        active_branch="main",
        created_at=T0,
        updated_at=T0,
        channel=channel,
        settings={"mode": "solo"},
    )
    return replace(record, **changes)


def told(words: str) -> Narration:
    return Narration(lines=(Line("narration", words),), narrator="offline")


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
        actor="gm",
        event=told(f"event {event_id}"),
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


def branch(
    name: str, head: str | None, *, created_at: datetime = T0, lineage: Any = ((0, None),)
) -> BranchRecord:
    return BranchRecord("s1", name, head, created_at, lineage)


def snapshot(event_id: str, state: dict[str, Any], session_id: str = "s1") -> SnapshotRecord:
    return SnapshotRecord(
        session_id=session_id, event_id=event_id, turn=1, state=state, created_at=T0
    )


@pytest.fixture
async def uow(uow_factory: UnitOfWorkFactory) -> UnitOfWorkFactory:
    """``uow_factory`` with the world installed and the sessions s1 and s2 started."""
    async with uow_factory() as unit:
        await unit.worlds.add_version(world())
        await unit.sessions.add(session("s1", channel="123"))
        await unit.sessions.add(session("s2"))
        await unit.commit()
    return uow_factory


# The tree of s1:  e1 - e2 - e3 - e4 - e5     segment 0 (main)
#                         \
#                          b3 - b4            segment 1 (alt, made at e2: depth 2)
MAIN = ((0, None),)
ALT = ((1, None), (0, 2))
TREE = [
    event("e1", 1, 1),
    event("e2", 2, 2, "e1"),
    event("e3", 3, 3, "e2"),
    event("b3", 4, 3, "e2", segment=1),
    event("e4", 5, 4, "e3"),
    event("b4", 6, 4, "b3", segment=1),
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
            next_seq=8,
            next_segment=3,
            telling=Telling("e5", later),
            deadline=later,
        )
        await unit.sessions.update(changed)
        await unit.commit()
    async with uow() as unit:
        got = await unit.sessions.get("s1")
        assert got == replace(
            session("s1"),
            title="Renamed",
            status="ended",
            active_branch="alt",
            channel="thread-42",
            settings={"mode": "solo", "narrator": {"name": "Ünï", "temperature": 0.7}},
            updated_at=T0 + timedelta(hours=1),
            next_seq=8,
            next_segment=3,
            telling=Telling("e5", T0 + timedelta(hours=1)),
            deadline=T0 + timedelta(hours=1),
        )
        assert got.updated_at.utcoffset() == timedelta(0)
        assert (await unit.sessions.get("s2")) == session("s2")


async def test_update_of_an_unknown_session_is_not_found(uow: UnitOfWorkFactory) -> None:
    async with uow() as unit:
        with pytest.raises(SessionNotFound):
            await unit.sessions.update(session("nope"))


async def test_update_is_discarded_without_commit(uow: UnitOfWorkFactory) -> None:
    async with uow() as unit:
        await unit.sessions.update(replace(session("s1", channel="123"), title="Draft"))
        assert (await unit.sessions.get("s1")).title == "Draft"
    async with uow() as unit:
        assert (await unit.sessions.get("s1")).title == session("s1").title


async def test_open_reads_the_session_its_branch_and_head_at_once(uow: UnitOfWorkFactory) -> None:
    await append(uow, *TREE)
    async with uow() as unit:
        opened = await unit.sessions.open("s1")
        assert opened.session == session("s1", channel="123")
        assert opened.branch is None and opened.head is None  # no branch yet
        await unit.branches.put(branch("main", "e5"))
        await unit.branches.put(branch("alt", "b4", lineage=ALT))
        await unit.sessions.update(replace(opened.session, active_branch="alt"))
        await unit.commit()
    async with uow() as unit:
        opened = await unit.sessions.open("s1", lock=True)
        assert opened.branch == branch("alt", "b4", lineage=ALT)
        assert opened.head == next(e for e in TREE if e.id == "b4")
        with pytest.raises(SessionNotFound):
            await unit.sessions.open("nope")


async def test_one_running_story_per_channel(uow: UnitOfWorkFactory) -> None:
    async with uow() as unit:
        with pytest.raises(ChannelBusy, match="already being told here"):
            await unit.sessions.add(session("s3", channel="123"))
    async with uow() as unit:  # an ended story frees its channel
        ended = replace(await unit.sessions.get("s1"), status="ended")
        await unit.sessions.update(ended)
        await unit.sessions.add(session("s3", channel="123"))
        await unit.commit()
    async with uow() as unit:
        found = await unit.sessions.in_channel("123")
        assert found is not None and found.id == "s3"  # the running one, not the latest
        await unit.sessions.update(replace(found, status="ended", updated_at=T0))
        await unit.commit()
    async with uow() as unit:
        found = await unit.sessions.in_channel("123")
        assert found is not None and found.id in {"s1", "s3"}
        assert await unit.sessions.in_channel("elsewhere") is None


async def test_two_starts_in_one_channel_at_once_leave_one_story(
    storage, uow: UnitOfWorkFactory
) -> None:
    """Both units of work insert before either commits: the database refuses the second."""
    first_added = asyncio.Event()

    async def start(session_id: str, wait: bool) -> str:
        async with uow() as unit:
            if wait:
                await first_added.wait()
            await unit.sessions.add(session(session_id, channel="999"))
            first_added.set()
            await asyncio.sleep(0)
            await unit.commit()
            return session_id

    async with asyncio.timeout(SAFETY_NET):
        results = await asyncio.gather(start("a", False), start("b", True), return_exceptions=True)
    assert sorted(type(r).__name__ for r in results) == ["ChannelBusy", "str"]
    async with uow() as unit:
        found = await unit.sessions.in_channel("999")
        assert found is not None and found.id in results


async def test_due_finds_running_sessions_whose_deadline_came(uow: UnitOfWorkFactory) -> None:
    async with uow() as unit:
        s1 = await unit.sessions.get("s1")
        s2 = await unit.sessions.get("s2")
        await unit.sessions.update(replace(s1, deadline=T0 + timedelta(minutes=5)))
        await unit.sessions.update(replace(s2, deadline=T0 - timedelta(minutes=5)))
        await unit.commit()
    async with uow() as unit:
        assert [s.id for s in await unit.sessions.due(T0)] == ["s2"]
        assert [s.id for s in await unit.sessions.due(T0 + timedelta(hours=1))] == ["s2", "s1"]
        assert [s.id for s in await unit.sessions.due(T0 + timedelta(hours=1), limit=1)] == ["s2"]
        s2 = await unit.sessions.get("s2")
        await unit.sessions.update(replace(s2, status="ended"))
        assert [s.id for s in await unit.sessions.due(T0 + timedelta(hours=1))] == ["s1"]


async def test_sessions_found_by_the_start_of_their_id(uow: UnitOfWorkFactory) -> None:
    """Exact and case-sensitive on every store; % and _ are only characters."""
    async with uow() as unit:
        for sid in ("abc1", "abc2", "ABC9", "a%c", "a_c", "axc"):
            await unit.sessions.add(session(sid))
        await unit.commit()
    async with uow() as unit:
        found = unit.sessions.starting_with
        assert await found("abc") == ["abc1", "abc2"]
        assert await found("abc", limit=1) == ["abc1"]
        assert await found("ABC") == ["ABC9"]
        assert await found("a%") == ["a%c"]
        assert await found("a_") == ["a_c"]
        assert await found("abc2") == ["abc2"]
        assert await found("zz") == []


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
    first = event("e1", 1, 1, created_at=T0.astimezone(local))
    rest = [
        event("e2", 2, 2, "e1", event=PlayerAction(text="ünï «go»"), actor="p1"),
        event("e3", 3, 3, "e2"),
    ]
    async with uow() as unit:
        await unit.events.append([rest[1], first, rest[0]])  # any order: stored by seq
        await unit.commit()
    async with uow() as unit:
        got = await unit.events.get("e1")
        assert got == replace(first, created_at=T0)
        assert got is not None and got.created_at.utcoffset() == timedelta(0)
        assert await unit.events.get("nope") is None
        assert [e.id for e in await unit.events.list("s1")] == ["e1", "e2", "e3"]
        assert (await unit.events.list("s1"))[1:] == rest
        assert await unit.events.list("s2") == []
        assert sorted(e.id for e in await unit.events.get_many(["e3", "e1", "zz"])) == ["e1", "e3"]
        assert await unit.events.get_many([]) == []


async def test_append_nothing_is_fine(uow: UnitOfWorkFactory) -> None:
    async with uow() as unit:
        await unit.events.append([])
        assert await unit.events.list("s1") == []


async def test_event_json_round_trips_exactly(uow: UnitOfWorkFactory) -> None:
    """What a narration carries for the record (its prompt trace) comes back as it went."""
    shapes: list[dict[str, Any]] = [
        {},
        PAYLOAD,
        {"a": [[[]]], "b": {"c": {"d": {"e": "🦀"}}}, "f": [{"g": None}, "", 0.1, -0.5]},
    ]
    await append(
        uow,
        *(
            event(f"e{i}", i, i, f"e{i - 1}" if i > 1 else None, event=Narration(context=p))
            for i, p in enumerate(shapes, 1)
        ),
    )
    async with uow() as unit:
        found = await unit.events.list("s1")
        assert [e.event.context for e in found] == shapes


async def test_events_of_a_line(uow: UnitOfWorkFactory) -> None:
    await append(uow, *TREE)
    await append(uow, event("x1", 1, 1, session_id="s2"), event("x2", 2, 2, "x1", session_id="s2"))
    by_id = {e.id: e for e in TREE}
    async with uow() as unit:
        line = await unit.events.on_line("s1", MAIN)
        assert line == [by_id[i] for i in ("e1", "e2", "e3", "e4", "e5")]
        alt = await unit.events.on_line("s1", ALT)
        assert [e.id for e in alt] == ["e1", "e2", "b3", "b4"]
        assert [e.id for e in await unit.events.on_line("s1", ALT, min_depth=2, max_depth=3)] == [
            "e2",
            "b3",
        ]
        assert [e.id for e in await unit.events.on_line("s1", MAIN, newest=2)] == ["e4", "e5"]
        newest = await unit.events.on_line("s1", ALT, max_depth=3, newest=1)
        assert [e.id for e in newest] == ["b3"]
        assert [e.id for e in await unit.events.on_line("s1", MAIN, turns=(2, 3))] == ["e2", "e3"]
        assert await unit.events.on_line("s1", MAIN, kinds=("player_action",)) == []
        assert await unit.events.on_line("s1", MAIN, min_depth=6) == []
        assert [e.id for e in await unit.events.on_line("s2", MAIN)] == ["x1", "x2"]


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


async def test_appending_after_a_known_parent_checks_the_chain(uow: UnitOfWorkFactory) -> None:
    """With the head the caller read (``parent``), the chain is checked with no read."""
    await append(uow, event("e1", 1, 1), event("e2", 2, 2, "e1"))
    async with uow() as unit:
        head = await unit.events.get("e2")
        assert head is not None
        with pytest.raises(StorageError, match="not its parent's depth"):
            await unit.events.append([event("n1", 3, 4, "e2")], parent=head)
        with pytest.raises(StorageError, match="no parent event with the id 'e1'"):
            await unit.events.append([event("n1", 3, 2, "e1")], parent=head)
        await unit.events.append([event("e3", 3, 3, "e2"), event("e4", 4, 4, "e3")], parent=head)
        await unit.commit()
    async with uow() as unit:
        assert [e.id for e in await unit.events.list("s1")] == ["e1", "e2", "e3", "e4"]


async def test_rollback_discards_events(uow: UnitOfWorkFactory) -> None:
    async with uow() as unit:
        await unit.events.append([event("e1", 1, 1)])
        await unit.commit()
        await unit.events.append([event("e2", 2, 2, "e1")])
        await unit.rollback()
        assert await unit.events.get("e2") is None
    with pytest.raises(RuntimeError):
        async with uow() as unit:
            await unit.events.append([event("e2", 2, 2, "e1")])
            raise RuntimeError("the narrator failed")
    async with uow() as unit:
        await unit.events.append([event("e2", 2, 2, "e1")])  # never committed
    async with uow() as unit:
        assert [e.id for e in await unit.events.list("s1")] == ["e1"]
        assert await unit.events.on_line("s1", MAIN) == [event("e1", 1, 1)]


async def test_uncommitted_events_are_invisible_to_others(uow: UnitOfWorkFactory) -> None:
    async with uow() as writer:
        await writer.events.append([event("e1", 1, 1)])
        async with uow() as reader:
            assert await reader.events.list("s1") == []
            assert await reader.events.get("e1") is None
        await writer.commit()
    async with uow() as reader:
        assert [e.id for e in await reader.events.list("s1")] == ["e1"]


# ----------------------------------------------------------------------------- branches


async def test_branches_put_move_get_list(uow: UnitOfWorkFactory) -> None:
    await append(uow, *TREE)
    later = T0 + timedelta(minutes=1)
    async with uow() as unit:
        await unit.branches.put(branch("main", None))
        await unit.branches.put(branch("zeta", "e2", created_at=T0))  # same time: by name
        await unit.branches.put(branch("alt", "b3", created_at=later, lineage=ALT))
        await unit.commit()
    async with uow() as unit:
        assert await unit.branches.get("s1", "main") == branch("main", None)
        await unit.branches.put(branch("main", "e5", created_at=later + timedelta(days=1)))
        await unit.branches.put(branch("alt", "b4", created_at=T0))  # a move keeps the line
        assert (await unit.branches.get("s1", "main")) == branch("main", "e5")
        await unit.commit()
    async with uow() as unit:
        # Moving a head keeps the branch's creation time, and so its place in the list.
        assert await unit.branches.list("s1") == [
            branch("main", "e5"),
            branch("zeta", "e2"),
            branch("alt", "b4", created_at=later, lineage=ALT),
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
        with pytest.raises(StorageError, match="no event with the id 'x1'"):
            await unit.branches.put(branch("main", "x1"))  # moving there neither
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


async def _until_waiting(storage: Any, task: asyncio.Task[Any]) -> None:
    """Return once ``task`` waits for a story's lock (the test's safety net bounds it).

    PostgreSQL: its backend shows up in pg_locks waiting (a row lock). Memory and
    SQLite: ``lock`` does no I/O before waiting on its asyncio.Lock, so a few turns of
    the event loop are enough for the task to get there.
    """
    if storage.backend != "postgres":
        for _ in range(5):
            await asyncio.sleep(0)
        return
    query = text("SELECT count(*) FROM pg_locks WHERE NOT granted")
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
            await unit.commit()

    async def second() -> list[str]:
        await first_locked.wait()
        async with uow() as unit:
            locking = asyncio.create_task(unit.sessions.open("s1", lock=True))
            await _until_waiting(storage, locking)
            assert not locking.done()
            second_waiting.set()
            await locking
            order.append("second locked")
            seen = [e.id for e in await unit.events.list("s1")]  # what the first committed
            await unit.events.append([event("e3", 3, 3, "e2")])
            await unit.commit()
            return seen

    async with asyncio.timeout(SAFETY_NET):
        _, seen = await asyncio.gather(first(), second())
    assert order == ["first commits", "second locked"]
    assert seen == ["e1", "e2"]
    async with uow() as unit:
        assert [e.seq for e in await unit.events.list("s1")] == [1, 2, 3]


async def test_a_lock_that_waited_reads_what_the_first_committed(
    storage, uow: UnitOfWorkFactory
) -> None:
    """The story as the holder of its lock left it (the head it moved, the telling it
    marked), never a mix of that and what was there when the second one asked: a turn
    just told must not look as if it still waited to be told."""
    await append(uow, event("e1", 1, 1))
    async with uow() as unit:
        await unit.branches.put(branch("main", "e1"))
        await unit.commit()
    first_locked = asyncio.Event()
    second_waiting = asyncio.Event()

    async def first() -> None:
        async with uow() as unit:
            opened = await unit.sessions.open("s1", lock=True)
            first_locked.set()
            await unit.events.append([event("e2", 2, 2, "e1")])
            await unit.branches.put(branch("main", "e2"))
            await unit.sessions.update(replace(opened.session, title="Moved on"))
            await second_waiting.wait()
            await unit.commit()

    async def second() -> Any:
        await first_locked.wait()
        async with uow() as unit:
            locking = asyncio.create_task(unit.sessions.open("s1", lock=True))
            await _until_waiting(storage, locking)
            second_waiting.set()
            return await locking

    async with asyncio.timeout(SAFETY_NET):
        _, seen = await asyncio.gather(first(), second())
    assert seen.session.title == "Moved on"
    assert seen.branch.head_event_id == "e2" and seen.head.id == "e2"


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


async def test_locks_are_reentrant_and_end_with_commit_or_rollback(
    storage, uow: UnitOfWorkFactory
) -> None:
    async with asyncio.timeout(SAFETY_NET):
        async with uow() as first:
            await first.sessions.lock("s1")
            await first.sessions.lock("s1")  # the holder may ask again
            await first.sessions.open("s1", lock=True)
            with pytest.raises(SessionNotFound):
                await first.sessions.lock("unknown")  # a story's lock needs the story
            await first.commit()
            async with uow() as third:
                await third.sessions.lock("s1")  # free again after the commit
                await third.rollback()
            await first.sessions.lock("s1")  # and again after the rollback
            await first.rollback()
        if storage.backend != "sqlite":  # SQLite has one writer per database file
            async with uow() as first, uow() as other:
                await first.sessions.lock("s1")
                await other.sessions.lock("s2")  # another story is not blocked
                await first.rollback()
                await other.rollback()


# ---------------------------------------------------------------- removing (uninstall)


async def _story_in(unit_factory: UnitOfWorkFactory, session_id: str, prefix: str) -> None:
    """A player, two events (indexed for recall), a branch and a snapshot in a session."""
    first = event(f"{prefix}1", 1, 1, session_id=session_id, event=told("the lighthouse"))
    second = event(f"{prefix}2", 2, 2, f"{prefix}1", session_id=session_id)
    async with unit_factory() as unit:
        await unit.players.add(player(f"{prefix}-p", session_id))
        await unit.events.append([first, second])
        await unit.recall.index([first, second])
        await unit.branches.put(BranchRecord(session_id, "main", f"{prefix}2", T0, MAIN))
        await unit.snapshots.put(snapshot(f"{prefix}2", {"turn": 2}, session_id))
        await unit.commit()


async def test_removing_a_session_removes_its_story_and_nothing_else(
    uow: UnitOfWorkFactory,
) -> None:
    await _story_in(uow, "s1", "a")
    await _story_in(uow, "s2", "b")
    async with uow() as unit:
        await unit.sessions.remove("s1")
        assert [s.id for s in await unit.sessions.list()] == ["s2"]  # seen before commit
        await unit.commit()
    async with uow() as unit:
        with pytest.raises(SessionNotFound):
            await unit.sessions.get("s1")
        with pytest.raises(SessionNotFound):
            await unit.sessions.remove("s1")
        assert await unit.events.get("a1") is None and await unit.snapshots.get("a2") is None
        assert await unit.players.list("s1") == []
        assert await unit.branches.list("s1") == []
        assert await unit.recall.search("s1", "lighthouse") == []
        assert await unit.sessions.count_for_world_version("harbour", "1.0.0") == 1
        # The other story is whole.
        assert [p.id for p in await unit.players.list("s2")] == ["b-p"]
        assert await unit.events.get("b2") is not None
        assert await unit.snapshots.get("b2") == snapshot("b2", {"turn": 2}, "s2")
        assert [b.head_event_id for b in await unit.branches.list("s2")] == ["b2"]
        assert [h.event_id for h in await unit.recall.search("s2", "lighthouse")] == ["b1"]


async def test_removing_without_commit_keeps_the_session(uow: UnitOfWorkFactory) -> None:
    await _story_in(uow, "s1", "a")
    async with uow() as unit:
        await unit.sessions.remove("s1")
    async with uow() as unit:
        assert (await unit.sessions.get("s1")).id == "s1"
        assert await unit.events.get("a2") is not None


async def test_removing_world_versions(uow: UnitOfWorkFactory) -> None:
    newer = replace(world(), version="2.0.0", title="Harbour Two", content_hash="sha256-two")
    async with uow() as unit:
        await unit.worlds.add_version(newer)
        await unit.commit()
    async with uow() as unit:
        await unit.worlds.remove_version("harbour", "2.0.0")
        await unit.commit()
    async with uow() as unit:
        [summary] = await unit.worlds.list()
        assert (summary.versions, summary.title) == (("1.0.0",), "Harbour")
        with pytest.raises(WorldNotFound):
            await unit.worlds.remove_version("harbour", "2.0.0")
        for session_id in ("s1", "s2"):
            await unit.sessions.remove(session_id)
        await unit.worlds.remove_version("harbour", "1.0.0")  # the last: the world goes
        await unit.commit()
    async with uow() as unit:
        assert await unit.worlds.list() == []
        assert not await unit.worlds.exists("harbour")
        await unit.worlds.add_version(world())  # and can be installed again
        await unit.commit()
    async with uow() as unit:
        assert (await unit.worlds.get_version("harbour")).version == "1.0.0"


# ------------------------------------------------------------------------ key order

AUTHOR_ORDER = {
    "zeta_knight": {"name": "Zeta", "skills": {"stealth": 2, "arcana": 1}},
    "alpha": {"name": "Alpha"},
    "mid_wizard": {"name": "Mid", "items": ["staff", "book"]},
}


def _order(doc: Any) -> Any:
    """Every mapping's keys in order, all the way down."""
    if isinstance(doc, dict):
        return [(k, _order(v)) for k, v in doc.items()]
    if isinstance(doc, list):
        return [_order(v) for v in doc]
    return doc


async def test_documents_keep_the_order_they_were_written_in(uow: UnitOfWorkFactory) -> None:
    """An author's order is the story's order: the first archetype is the default one,
    exits and people are offered in the order written. PostgreSQL's JSONB would sort
    keys (shortest first), so a story told on it would differ from SQLite's."""
    content = {"world": {"id": "ordered", "version": "1.0.0"}, "archetypes": AUTHOR_ORDER}
    async with uow() as unit:
        await unit.worlds.add_version(
            replace(world(), world_id="ordered", content=content, content_hash="sha256-o")
        )
        await unit.commit()
    await append(uow, event("e1", 1, 1, event=Narration(context=AUTHOR_ORDER)))
    async with uow() as unit:
        await unit.snapshots.put(snapshot("e1", {"npcs": AUTHOR_ORDER}))
        await unit.commit()
    async with uow() as unit:
        stored = await unit.worlds.get_version("ordered", "1.0.0")
        assert _order(stored.content) == _order(content)
        assert list(stored.content["archetypes"]) == ["zeta_knight", "alpha", "mid_wizard"]
        (told,) = await unit.events.list("s1")
        assert _order(told.event.context) == _order(AUTHOR_ORDER)
        state = await unit.snapshots.get("e1")
        assert state is not None and _order(state.state) == _order({"npcs": AUTHOR_ORDER})
