"""The play service's queries read and never write: what a player sees, on every store."""

from __future__ import annotations

import itertools

import pytest

from storyai.core import services
from storyai.core.domain.clock import Clock
from storyai.core.domain.errors import SessionNotFound
from storyai.core.play import Play
from storyai.core.worlds.bundled import bundled_world_paths
from storyai.core.worlds.validate import load_world

WORLD = load_world(bundled_world_paths()["ember_hollow"])


async def test_a_player_sees_their_own_character_and_the_story_reads_unchanged(uow_factory):
    for path in bundled_world_paths().values():
        await services.install_world(uow_factory, load_world(path), source="bundled")
    play = Play(uow_factory)
    started = await play.start_in_channel(
        "c1", "halvard_relay", user_ref="u1", player_name="Ines", seed=2
    )
    sid = started.session_id
    await play.join(sid, user_ref="u2", name="Oskar")
    before = await play.history(sid)
    host = await play.view(sid)
    guest = await play.view(sid, user_ref="u2")
    assert host.sheet.name == "Ines" and guest.sheet.name == "Oskar"
    assert host.location.name == guest.location.name
    assert host.sheet.hp.amount and host.sheet.score_label == "Characteristics"
    status = await play.status(sid)
    assert status.turn == 0 and not status.telling and status.table is not None
    assert [s.name for s in status.table.seats] == ["Ines", "Oskar"]
    assert await play.history(sid) == before, "reading wrote nothing"


async def test_a_story_is_found_by_the_start_of_its_id(uow_factory):
    await services.install_world(uow_factory, WORLD, source="bundled")
    ids = itertools.count(1)
    play = Play(uow_factory, clock=Clock(new_id=lambda: f"story-{next(ids):04d}"))
    first = (await play.start("ember_hollow", player_name="Ash", seed=1)).session_id
    second = (await play.start("ember_hollow", player_name="Bryn", seed=2)).session_id
    assert first != second and first[:6] == second[:6] == "story-"
    assert await play.find_session(first) == first
    assert await play.find_session(" " + second) == second
    with pytest.raises(SessionNotFound, match="Several stories start with 'story-'"):
        await play.find_session("story-")
    for missing in ("no-such-story", "STORY-", "  "):
        with pytest.raises(SessionNotFound, match="There is no story"):
            await play.find_session(missing)
