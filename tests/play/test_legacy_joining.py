"""Joining a story under way with what one's legacy brings (heirlooms, a title,
followers, purchases): the same checks as at the start of a story (Play.join, as the
bot's /character create and /story join use it); on memory, SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from test_legacy import EMBER, finished

from storyai.core.domain.errors import UsageError


async def test_a_player_joining_brings_the_heirloom_title_and_follower_picked(uow_factory):
    play, _ = await finished(uow_factory)  # the local profile earned all of it
    host = await play.start("ember_hollow", player_name="Ana", seed=1, user_ref="discord:1")
    sid = host.session_id
    assert host.state.npcs["wren"].location != EMBER.start.location
    seat, told = await play.join(
        sid,
        name="Bryn",
        heirlooms=["everwarm_coal"],
        legacy_title="Little Warden",
        followers=["Sister Wren"],
        buys=["seasoned"],
    )
    assert told is not None
    state, _ = await play.state(sid)
    sheet = state.players[seat.player_id].sheet
    assert sheet.inventory["everwarm_coal"] == 1
    assert sheet.identity is not None and sheet.identity.title == "Little Warden"
    assert sheet.max_hp == sheet.hit_die + sheet.mod("con") + 3  # seasoned
    wren = state.npcs["wren"]
    assert wren.location == EMBER.start.location and wren.attitude == "friendly"
    assert sum(1 for n in state.npcs if n == "wren") == 1, "the world's own, never a copy"
    assert (await play.profile()).spent == 15
    history = await play.history(sid)
    assert any(e.kind == "state_changed" and e.actor == "system" for e in history)


async def test_what_the_joining_player_did_not_earn_is_refused_and_nobody_is_seated(
    uow_factory,
):
    play, _ = await finished(uow_factory)
    host = await play.start("ember_hollow", player_name="Ana", seed=1, user_ref="discord:1")
    sid = host.session_id
    with pytest.raises(UsageError, match="not a follower of yours"):
        await play.join(sid, name="Cass", user_ref="discord:2", followers=["wren"])
    with pytest.raises(UsageError, match="not an heirloom"):
        await play.join(sid, name="Cass", user_ref="discord:2", heirlooms=["everwarm_coal"])
    state, _ = await play.state(sid)
    assert [p.name for p in state.players.values()] == ["Ana"]
    assert (await play.profile("discord:2")).spent == 0
    seat, told = await play.join(sid, name="Cass", user_ref="discord:2")  # plain: welcome
    assert told is not None and seat.name == "Cass"
