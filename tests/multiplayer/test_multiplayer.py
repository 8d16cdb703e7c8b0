"""A table of players around one story: turns, free rounds, presence, the host."""

from __future__ import annotations

import asyncio
import itertools
from datetime import UTC, datetime, timedelta

import playing
import pytest

from storyai.core import services, sessions
from storyai.core.domain.errors import StoryError
from storyai.core.multiplayer import service as table
from storyai.core.multiplayer.service import HostOnly, NotSeated, NotYourTurn
from storyai.core.worlds.bundled import bundled_world_paths
from storyai.core.worlds.validate import load_world

WORLD = load_world(bundled_world_paths()["ember_hollow"])


class Time:
    def __init__(self) -> None:
        self.now = datetime(2026, 11, 24, 20, 0, tzinfo=UTC)
        ids = itertools.count(1)
        self.clock = sessions.Clock(
            now=lambda: self.now, new_id=lambda: f"id{next(ids):06d}", new_seed=lambda: 4
        )

    def pass_(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@pytest.fixture
async def game(uow_factory):
    t = Time()
    await services.install_world(uow_factory, WORLD, source="bundled")
    start = await playing.start_session(
        uow_factory, "ember_hollow", player_name="Ash", seed=4, clock=t.clock
    )
    sid = start.session_id
    async with uow_factory() as uow:  # the host is the user who started it
        host = (await uow.players.list(sid))[0]
        from dataclasses import replace

        await uow.players.update(replace(host, user_ref="u-ash"))
        await uow.commit()
    await table.open_table(uow_factory, sid, mode="turn", timeout_s=60, clock=t.clock)
    for ref, name in (("u-bryn", "Bryn"), ("u-cole", "Cole")):
        await table.join(uow_factory, WORLD, sid, user_ref=ref, name=name, clock=t.clock)
    return uow_factory, sid, t


async def test_turns_go_round_the_table_and_out_of_turn_is_refused(game):
    uow, sid, t = game
    view = await table.table_view(uow, sid)
    assert [s.name for s in view.seats] == ["Ash", "Bryn", "Cole"]
    assert view.whose_turn.name == "Ash"
    played = await table.act(uow, WORLD, sid, user_ref="u-ash", text="look", clock=t.clock)
    assert played.kind == "played" and played.next_up.name == "Bryn"
    with pytest.raises(NotYourTurn, match="It is Bryn's turn"):
        await table.act(uow, WORLD, sid, user_ref="u-cole", text="look", clock=t.clock)
    await table.act(uow, WORLD, sid, user_ref="u-bryn", text="go east", clock=t.clock)
    await table.act(uow, WORLD, sid, user_ref="u-cole", text="go west", clock=t.clock)
    assert (await table.table_view(uow, sid)).whose_turn.name == "Ash"
    with pytest.raises(NotSeated):
        await table.act(uow, WORLD, sid, user_ref="u-stranger", text="look", clock=t.clock)


async def test_an_idle_player_is_skipped_with_a_notice(game):
    uow, sid, t = game
    await table.act(uow, WORLD, sid, user_ref="u-ash", text="look", clock=t.clock)
    assert await table.skip_idle(uow, sid, clock=t.clock) is None  # not yet
    t.pass_(61)
    notice = await table.skip_idle(uow, sid, clock=t.clock)
    assert notice == "Bryn took too long and was skipped. It is Cole's turn."
    view = await table.table_view(uow, sid)
    assert view.whose_turn.name == "Cole"
    assert {s.name: s.presence for s in view.seats}["Bryn"] == "idle"


async def test_free_mode_resolves_everyone_in_one_gm_turn_in_arrival_order(game):
    uow, sid, t = game
    with pytest.raises(HostOnly, match="Only the host \\(Ash\\)"):
        await table.set_mode(uow, sid, user_ref="u-bryn", mode="free", clock=t.clock)
    await table.set_mode(uow, sid, user_ref="u-ash", mode="free", clock=t.clock)
    for ref, said in (("u-cole", "go west"), ("u-ash", "look"), ("u-ash", "rest")):
        queued = await table.act(uow, WORLD, sid, user_ref=ref, text=said, clock=t.clock)
        assert queued.kind == "queued"
    t.pass_(5)
    await table.act(uow, WORLD, sid, user_ref="u-bryn", text="go east", clock=t.clock)
    assert await table.resolve_round(uow, WORLD, sid, clock=t.clock) is None  # window open
    t.pass_(20)
    result = await table.resolve_round(uow, WORLD, sid, clock=t.clock)
    assert result is not None
    actions = [e for e in result.events if e.kind == "player_action"]
    assert len(actions) == 1  # one GM turn ...
    order = [m["text"] for m in actions[0].payload["group"]]
    assert order == ["go west", "look", "go east"]  # ... in arrival order, none dropped
    assert len([e for e in result.events if e.kind == "narration"]) == 1
    where = {p.name: p.location for p in result.state.players.values()}
    assert where == {"Ash": "village_square", "Bryn": "forge", "Cole": "tavern"}
    assert (await table.table_view(uow, sid)).queued == 1  # Ash's second action waits
    t.pass_(30)
    second = await table.resolve_round(uow, WORLD, sid, clock=t.clock)
    assert [m["text"] for m in second.events[0].payload["group"]] == ["rest"]


async def test_only_the_host_rewinds_and_ends(game):
    uow, sid, t = game
    await table.act(uow, WORLD, sid, user_ref="u-ash", text="look", clock=t.clock)
    await table.act(uow, WORLD, sid, user_ref="u-bryn", text="go east", clock=t.clock)
    with pytest.raises(HostOnly):
        await table.rewind(uow, sid, user_ref="u-bryn", turn=1, clock=t.clock)
    branch = await table.rewind(uow, sid, user_ref="u-ash", turn=1, clock=t.clock)
    assert branch.turn == 1
    with pytest.raises(HostOnly):
        await table.end(uow, sid, user_ref="u-cole", clock=t.clock)
    assert (await table.end(uow, sid, user_ref="u-ash", clock=t.clock)).ended
    with pytest.raises(StoryError, match="has ended"):
        await table.act(uow, WORLD, sid, user_ref="u-cole", text="look", clock=t.clock)


async def test_leaving_passes_the_turn_and_rejoining_keeps_the_character(game):
    uow, sid, t = game
    await table.act(uow, WORLD, sid, user_ref="u-ash", text="look", clock=t.clock)
    view = await table.leave(uow, sid, user_ref="u-bryn", clock=t.clock)
    assert view.whose_turn.name == "Cole"
    assert {s.name: s.presence for s in view.seats}["Bryn"] == "left"
    seat, told = await table.join(
        uow, WORLD, sid, user_ref="u-bryn", name="Someone Else", clock=t.clock
    )
    assert seat.name == "Bryn" and told is None
    assert [s.name for s in (await table.table_view(uow, sid)).seats] == ["Ash", "Cole", "Bryn"]


async def test_a_double_submission_plays_one_turn(game):
    uow, sid, t = game
    outcomes = await asyncio.gather(
        *(
            table.act(uow, WORLD, sid, user_ref="u-ash", text="look", clock=t.clock)
            for _ in range(3)
        ),
        return_exceptions=True,
    )
    played = [o for o in outcomes if not isinstance(o, Exception)]
    refused = [o for o in outcomes if isinstance(o, NotYourTurn)]
    assert len(played) == 1 and len(refused) == 2
