"""A table of players around one story: turns, free rounds, presence, the host."""

from __future__ import annotations

import asyncio
import itertools
from datetime import UTC, datetime, timedelta

import pytest

from storyai.core import services
from storyai.core.domain.clock import Clock
from storyai.core.domain.errors import (
    ChoiceExpired,
    HostOnly,
    NotSeated,
    NotYourTurn,
    StoryError,
)
from storyai.core.domain.events import PlayerAction
from storyai.core.play import Play
from storyai.core.worlds.bundled import bundled_world_paths
from storyai.core.worlds.validate import load_world

WORLD = load_world(bundled_world_paths()["ember_hollow"])


class Time:
    def __init__(self) -> None:
        self.now = datetime(2026, 11, 24, 20, 0, tzinfo=UTC)
        ids = itertools.count(1)
        self.clock = Clock(
            now=lambda: self.now, new_id=lambda: f"id{next(ids):06d}", new_seed=lambda: 4
        )

    def pass_(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@pytest.fixture
async def game(uow_factory):
    t = Time()
    await services.install_world(uow_factory, WORLD, source="bundled")
    play = Play(uow_factory, clock=t.clock)
    start = await play.start_in_channel(
        "adventures", "ember_hollow", user_ref="u-ash", player_name="Ash", seed=4, timeout_s=60
    )
    sid = start.session_id
    for ref, name in (("u-bryn", "Bryn"), ("u-cole", "Cole")):
        await play.join(sid, user_ref=ref, name=name)
    return play, sid, t


async def test_turns_go_round_the_table_and_out_of_turn_is_refused(game):
    play, sid, _ = game
    view = await play.table(sid)
    assert [s.name for s in view.seats] == ["Ash", "Bryn", "Cole"]
    assert view.whose_turn.name == "Ash"
    played = await play.act_at_table(sid, user_ref="u-ash", text="look")
    assert played.kind == "played" and played.next_up.name == "Bryn"
    with pytest.raises(NotYourTurn, match="It is Bryn's turn"):
        await play.act_at_table(sid, user_ref="u-cole", text="look")
    await play.act_at_table(sid, user_ref="u-bryn", text="go east")
    await play.act_at_table(sid, user_ref="u-cole", text="go west")
    assert (await play.table(sid)).whose_turn.name == "Ash"
    with pytest.raises(NotSeated):
        await play.act_at_table(sid, user_ref="u-stranger", text="look")


async def test_input_not_understood_at_a_table_keeps_the_turn_and_stores_nothing(game):
    play, sid, _ = game
    before, _ = await play.state(sid)
    missed = await play.act_at_table(sid, user_ref="u-ash", text="dance wildly")
    assert missed.kind == "played" and missed.result is not None
    assert not missed.result.understood and missed.result.events == []
    assert missed.charged == 0
    assert (await play.table(sid)).whose_turn.name == "Ash", "still Ash's turn"
    after, _ = await play.state(sid)
    assert after.turn == before.turn
    played = await play.act_at_table(sid, user_ref="u-ash", text="I go east")
    assert played.result.understood and played.next_up.name == "Bryn"


async def test_an_idle_player_is_skipped_with_a_notice(game):
    play, sid, t = game
    await play.act_at_table(sid, user_ref="u-ash", text="look")
    assert await play.skip_idle(sid) is None  # not yet
    t.pass_(61)
    notice = await play.skip_idle(sid)
    assert notice == "Bryn took too long and was skipped. It is Cole's turn."
    view = await play.table(sid)
    assert view.whose_turn.name == "Cole"
    assert {s.name: s.presence for s in view.seats}["Bryn"] == "idle"


async def test_free_mode_resolves_everyone_in_one_gm_turn_in_arrival_order(game):
    play, sid, t = game
    with pytest.raises(HostOnly, match="Only the host \\(Ash\\)"):
        await play.set_mode(sid, user_ref="u-bryn", mode="free")
    await play.set_mode(sid, user_ref="u-ash", mode="free")
    for ref, said in (("u-cole", "go west"), ("u-ash", "look"), ("u-ash", "rest")):
        queued = await play.act_at_table(sid, user_ref=ref, text=said)
        assert queued.kind == "queued"
    t.pass_(5)
    await play.act_at_table(sid, user_ref="u-bryn", text="go east")
    assert await play.resolve_round(sid) is None  # window open
    t.pass_(20)
    result = await play.resolve_round(sid)
    assert result is not None
    actions = [e.event for e in result.events if isinstance(e.event, PlayerAction)]
    assert len(actions) == 1  # one GM turn ...
    order = [m.text for m in actions[0].group or ()]
    assert order == ["go west", "look", "go east"]  # ... in arrival order, none dropped
    assert len([e for e in result.events if e.kind == "narration"]) == 1
    where = {p.name: p.location for p in result.state.players.values()}
    assert where == {"Ash": "village_square", "Bryn": "forge", "Cole": "tavern"}
    assert (await play.table(sid)).queued == 1  # Ash's second action waits
    t.pass_(30)
    second = await play.resolve_round(sid)
    assert second is not None
    group = second.events[0].event
    assert isinstance(group, PlayerAction) and [m.text for m in group.group or ()] == ["rest"]


async def test_in_free_mode_a_choice_from_before_the_last_round_is_refused(game):
    play, sid, t = game
    await play.set_mode(sid, user_ref="u-ash", mode="free")
    at, offered, _ = await play.choices(sid)
    await play.act_at_table(sid, user_ref="u-cole", text="look")
    t.pass_(30)
    assert await play.resolve_round(sid) is not None  # a round told since the choice
    with pytest.raises(ChoiceExpired):
        await play.act_at_table(sid, user_ref="u-bryn", text=offered[0].command, after_turn=at)
    assert (await play.table(sid)).queued == 0
    now, offered, _ = await play.choices(sid)
    assert now == at + 1
    queued = await play.act_at_table(
        sid, user_ref="u-bryn", text=offered[0].command, after_turn=now
    )
    assert queued.kind == "queued"


async def test_only_the_host_rewinds_and_ends(game):
    play, sid, _ = game
    await play.act_at_table(sid, user_ref="u-ash", text="look")
    await play.act_at_table(sid, user_ref="u-bryn", text="go east")
    with pytest.raises(HostOnly):
        await play.rewind(sid, 1, by="u-bryn")
    branch = await play.rewind(sid, 1, by="u-ash")
    assert branch.turn == 1
    with pytest.raises(HostOnly):
        await play.end(sid, user_ref="u-cole")
    assert (await play.end(sid, user_ref="u-ash")).ended
    with pytest.raises(StoryError, match="has ended"):
        await play.act_at_table(sid, user_ref="u-cole", text="look")


async def test_leaving_passes_the_turn_and_rejoining_keeps_the_character(game):
    play, sid, _ = game
    await play.act_at_table(sid, user_ref="u-ash", text="look")
    view = await play.leave(sid, user_ref="u-bryn")
    assert view.whose_turn.name == "Cole"
    assert {s.name: s.presence for s in view.seats}["Bryn"] == "left"
    seat, told = await play.join(sid, user_ref="u-bryn", name="Someone Else")
    assert seat.name == "Bryn" and told is None
    assert [s.name for s in (await play.table(sid)).seats] == ["Ash", "Cole", "Bryn"]
    transcript = await play.transcript(sid)
    assert "*Bryn leaves the table.*" in transcript
    assert "*Bryn is back at the table.*" in transcript


async def test_a_double_submission_plays_one_turn(game):
    play, sid, _ = game
    outcomes = await asyncio.gather(
        *(play.act_at_table(sid, user_ref="u-ash", text="look") for _ in range(3)),
        return_exceptions=True,
    )
    played = [o for o in outcomes if not isinstance(o, Exception)]
    refused = [o for o in outcomes if isinstance(o, NotYourTurn)]
    assert len(played) == 1 and len(refused) == 2
