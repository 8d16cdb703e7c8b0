"""Joining a story under way with what one's legacy brings (heirlooms, a title,
followers, purchases): the same checks as at the start of a story (Play.join, as the
bot's /character create and /story join use it); on memory, SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from test_legacy import EMBER, REMEMBERED, finished

from storyai.core import services
from storyai.core.domain.errors import UsageError
from storyai.core.play import Play


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


FRAIL = {
    "abilities": {"str": 8, "dex": 10, "con": 9, "int": 14, "wis": 15, "cha": 12},
    "ac": 10,
    "hp": 2,
    "attacks": [{"name": "Hymnal", "to_hit": 0, "damage": "1", "damage_type": "bludgeoning"}],
}


async def test_a_follower_this_story_already_defeated_is_refused_and_nothing_is_spent(
    uow_factory,
):
    # Ember Hollow's Wren with a stat block of her own, so that a story can defeat her
    wren = EMBER.characters["wren"].model_copy(update={"stats": FRAIL})
    world = EMBER.model_copy(update={"characters": {**EMBER.characters, "wren": wren}})
    await services.install_world(uow_factory, world, source="bundled")
    play = Play(uow_factory)
    earned = await play.start("ember_hollow", player_name="Mira", seed=REMEMBERED.seed)
    for text in REMEMBERED.inputs:
        await play.act(earned.session_id, text)
    assert (await play.profile()).followers == ("Sister Wren",)

    host = await play.start("ember_hollow", player_name="Ana", seed=1, user_ref="discord:1")
    sid = host.session_id
    await play.act(sid, "go south")  # the Hearth Chapel
    for _ in range(10):  # until the fight is over
        state, _ = await play.state(sid)
        if state.npcs["wren"].defeated:
            break
        await play.act(sid, "attack wren")
    assert state.npcs["wren"].defeated

    with pytest.raises(UsageError, match="Sister Wren cannot join you: this story has already"):
        await play.join(sid, name="Bryn", followers=["Sister Wren"], buys=["seasoned"])
    after, _ = await play.state(sid)
    assert [p.name for p in after.players.values()] == ["Ana"]
    assert after.npcs["wren"] == state.npcs["wren"], "not brought back, not copied"
    assert (await play.profile()).spent == 0
    # the same follower joins a story that has not lost her
    other = await play.start("ember_hollow", player_name="Cai", seed=1, user_ref="discord:3")
    await play.join(other.session_id, name="Bryn", followers=["Sister Wren"])
    again, _ = await play.state(other.session_id)
    assert again.npcs["wren"].location == EMBER.start.location
