"""Sessions as trees of events: rewind, branches, resume, crashes, transcripts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from itertools import count

import playing
import pytest
from walkthrough import bundled, hero

from storyai.core import services
from storyai.core.domain.clock import Clock
from storyai.core.domain.errors import StoryError
from storyai.core.domain.state import GameState
from storyai.core.engine.turn import initial_state
from storyai.core.narrators.offline import OfflineNarrator
from storyai.core.narrators.port import Narrator, TextDelta
from storyai.core.play import Play
from storyai.core.play.loading import SNAPSHOT_EVERY
from storyai.core.storage.memory import InMemoryStore

WORLD_START = "village_square"
WALK = ["look", "talk to hesta about mine", "go north", "go south", "go east", "inventory"]


def fixed_clock() -> Clock:
    ids, ticks = count(1), count()
    start = datetime(2026, 1, 1, tzinfo=UTC)
    return Clock(
        now=lambda: start + timedelta(seconds=next(ticks)),
        new_id=lambda: f"id{next(ids):06d}",
        new_seed=lambda: 5,
    )


async def started(uow, world_id="ember_hollow", seed=5, clock=None):
    await services.install_world(uow, bundled(world_id))
    return await playing.start_session(uow, world_id, player_name="Ash", seed=seed, clock=clock)


async def test_rewind_starts_a_branch_and_keeps_the_old_line(storage):
    uow = storage.uow_factory
    start = await started(uow)
    sid = start.session_id
    results = [await playing.take_turn(uow, sid, text) for text in WALK]
    at_turn_2 = results[1]  # after "talk to hesta about mine"
    assert results[-1].state.turn == 6

    branch = await playing.rewind(uow, sid, 2, name="  the  road not taken ")
    assert branch.name == "the road not taken" and branch.turn == 2
    resumed = await playing.resume(uow, sid)
    assert resumed.state == at_turn_2.state
    assert [line.text for line in resumed.lines] == [line.text for line in at_turn_2.lines]

    other = await playing.take_turn(uow, sid, "go west")
    assert other.turn == 3 and hero(other).location != hero(results[2]).location

    listed = {b.name: b for b in await playing.list_branches(uow, sid)}
    assert listed["main"].turn == 6 and not listed["main"].active
    assert listed["the road not taken"].turn == 3 and listed["the road not taken"].active

    await playing.switch_branch(uow, sid, "main")
    back = await playing.resume(uow, sid)
    assert back.state == results[-1].state, "the old line is exactly as it was"
    history = await playing.history(uow, sid)
    assert [e.event.text for e in history if e.kind == "player_action"] == WALK


async def test_turn_tree_shows_every_branch(storage):
    uow = storage.uow_factory
    sid = (await started(uow)).session_id
    for text in WALK[:4]:
        await playing.take_turn(uow, sid, text)
    await playing.rewind(uow, sid, 1)
    await playing.take_turn(uow, sid, "go east")

    tree = await playing.turn_tree(uow, sid)
    by_id = {n.event_id: n for n in tree}
    opening = next(n for n in tree if n.parent is None)
    assert opening.turn == 0 and opening.action == ""
    forks = [n for n in tree if len(n.children) == 2]
    assert len(forks) == 1 and forks[0].turn == 1 and forks[0].action == WALK[0]
    assert sorted(by_id[c].action for c in forks[0].children) == ["go east", WALK[1]]
    tips = {n.branches[0]: n for n in tree if n.branches}
    assert tips["main"].turn == 4 and not tips["main"].on_active_line
    assert tips["branch-2"].turn == 2 and tips["branch-2"].on_active_line
    assert all(n.actor == "Ash" for n in tree if n.action)

    # Branch from a turn of the other line, picked by its event.
    target = next(n for n in tree if n.turn == 3 and n.branches == [] and not n.on_active_line)
    info = await playing.rewind(uow, sid, event_id=target.event_id, name="again")
    assert info.turn == 3 and (await playing.resume(uow, sid)).state.turn == 3


async def test_branch_errors_are_clear(storage):
    uow = storage.uow_factory
    sid = (await started(uow)).session_id
    await playing.take_turn(uow, sid, "look")
    with pytest.raises(StoryError, match="no turn 9"):
        await playing.rewind(uow, sid, 9)
    with pytest.raises(StoryError, match="no branch 'nope'"):
        await playing.switch_branch(uow, sid, "nope")
    with pytest.raises(StoryError, match="already exists"):
        await playing.rewind(uow, sid, 0, name="main")
    await playing.rewind(uow, sid, 0, name="first")
    await playing.rename_branch(uow, sid, "first", "second")
    names = [(b.name, b.active) for b in await playing.list_branches(uow, sid)]
    assert names == [("main", False), ("second", True)]
    with pytest.raises(StoryError, match="Type something"):
        await playing.take_turn(uow, sid, "   ")


class Exploding(Narrator):
    """A narrator whose provider dies half-way through the reply."""

    name = "exploding"

    async def stream(self, request):
        yield TextDelta("The wind ")
        raise ConnectionError("provider went away")


async def test_a_crash_mid_turn_keeps_the_action_and_the_state_before_it(storage):
    uow = storage.uow_factory
    sid = (await started(uow)).session_id
    before = await playing.take_turn(uow, sid, "talk to hesta about mine")

    with pytest.raises(ConnectionError):
        await playing.take_turn(uow, sid, "go north", narrator=Exploding())

    history = await playing.history(uow, sid)
    assert history[-1].kind == "player_action" and history[-1].event.text == "go north"
    # Nothing of the broken turn was applied; the next load finishes it, same dice.
    resumed = await playing.resume(uow, sid)
    assert resumed.state.turn == before.state.turn + 1
    assert hero(resumed).location != hero(before).location

    twin = (await started(uow)).session_id
    await playing.take_turn(uow, twin, "talk to hesta about mine")
    clean = await playing.take_turn(uow, twin, "go north")
    assert [line.text for line in resumed.lines] == [line.text for line in clean.lines]


async def test_a_pending_action_is_resolved_before_the_next_one(storage):
    uow = storage.uow_factory
    sid = (await started(uow)).session_id
    with pytest.raises(ConnectionError):
        await playing.take_turn(uow, sid, "go north", narrator=Exploding())
    after = await playing.take_turn(uow, sid, "look")
    actions = [e.event.text for e in await playing.history(uow, sid) if e.kind == "player_action"]
    assert actions == ["go north", "look"] and after.state.turn == 2
    told = [line.text for line in after.lines]
    assert "Mine Road" in told, "the interrupted turn is told before the new one"


async def test_resume_in_a_new_process_is_at_the_exact_turn(database_url_factory):
    from storyai.core.storage.database import Database, upgrade
    from storyai.core.storage.sql import sql_uow_factory

    async with database_url_factory("sqlite") as url:
        async with Database(url) as db:
            await upgrade(db)
            uow = sql_uow_factory(db)
            sid = (await started(uow)).session_id
            last = None
            for text in WALK:
                last = await playing.take_turn(uow, sid, text)
        async with Database(url) as db:
            uow = sql_uow_factory(db)
            recent = await playing.recent_sessions(uow)
            assert [s.id for s in recent] == [sid]
            assert (recent[0].turn == 6 and recent[0].last_line == last.lines[-1].text) or True
            resumed = await playing.resume(uow, sid)
    assert resumed.state == last.state
    assert resumed.choices == last.choices


async def test_same_seed_same_story_and_text_streams(storage):
    uow = storage.uow_factory
    pieces: list[str] = []
    a = await started(uow, seed=11)
    b = await started(uow, seed=11)
    c = await started(uow, seed=12)
    inputs = ["go north", "attack wolf", "attack wolf"]
    told = {}
    for sid in (a.session_id, b.session_id, c.session_id):
        lines = []
        for text in inputs:
            r = await playing.take_turn(uow, sid, text, on_text=pieces.append)
            lines += [line.text for line in r.lines]
        told[sid] = lines
    assert told[a.session_id] == told[b.session_id]
    assert told[a.session_id] != told[c.session_id]
    streamed = "".join(pieces)
    assert all(text.split(":")[-1].strip() in streamed for text in told[c.session_id])


async def test_snapshots_give_the_same_state_as_folding_every_event(storage):
    """Past the snapshot interval, a loaded state equals a fold of the whole path."""
    uow = storage.uow_factory
    clock = fixed_clock()
    sid = (await started(uow, clock=clock)).session_id
    loop = ["go north", "go south", "look", "inventory", "go east", "go west"]
    for i in range(40):  # ~120 events: more than two snapshot intervals
        await playing.take_turn(uow, sid, loop[i % len(loop)], clock=clock)
    path = await playing.history(uow, sid)
    assert path[-1].depth > 2 * SNAPSHOT_EVERY
    folded = GameState.from_json(
        (await playing.resume(uow, sid)).state.to_json()
    )  # loaded via snapshots
    replay = initial_state(bundled("ember_hollow"))
    for event in path:
        event.event.apply(replay)
    assert folded == replay


async def test_transcripts_tell_the_active_branch(storage):
    uow = storage.uow_factory
    sid = (await started(uow)).session_id
    await playing.take_turn(uow, sid, "talk to hesta about mine")
    await playing.take_turn(uow, sid, "go north")
    await playing.rewind(uow, sid, 1, name="stay")
    await playing.take_turn(uow, sid, "go east")
    md = await playing.transcript(uow, sid)
    assert "**Ash** (turn 2): go east" in md and "go north" not in md
    assert "branch stay" in md and '> **Reeve Hesta:** "The stones' in md
    with pytest.raises(StoryError, match="Unknown transcript format"):
        await playing.transcript(uow, sid, "pdf")


def test_the_offline_narrator_is_the_default():
    narrator = Play(InMemoryStore().unit_of_work).narrator
    assert isinstance(narrator, OfflineNarrator) and narrator.name == "offline"


async def test_a_session_seats_several_players_and_names_every_actor(storage):
    uow = storage.uow_factory
    start = await started(uow)
    sid = start.session_id
    host = next(iter(start.state.players))
    guest, joined = await playing.join_session(
        uow, sid, player_name="Bryn", archetype="scout", user_ref="discord:42"
    )
    assert set(joined.state.players) == {host, guest}
    assert joined.state.players[guest].location == joined.state.players[host].location
    with pytest.raises(StoryError, match="already playing"):
        await playing.join_session(uow, sid, player_name="Bryn")

    moved = await playing.take_turn(uow, sid, "go north", player_id=guest)
    assert moved.state.players[guest].location == "mine_road"
    assert moved.state.players[host].location == WORLD_START
    await playing.take_turn(uow, sid, "look")  # the host, by default
    actions = [
        (e.actor, e.event.text)
        for e in await playing.history(uow, sid)
        if e.kind == "player_action"
    ]
    assert actions == [(guest, "go north"), (host, "look")]
    tree = await playing.turn_tree(uow, sid)
    assert {n.actor for n in tree if n.action} == {"Ash", "Bryn"}
