"""A player's codex: what their character learned, when and where; never GM secrets,
never what another player alone saw. Played for real with the offline game master."""

from __future__ import annotations

from datetime import UTC, datetime

from storyai.core import services
from storyai.core.domain.events import StateChanged
from storyai.core.domain.ops import LearnLore
from storyai.core.domain.records import EventRecord
from storyai.core.play import Play
from storyai.core.views.codex import build_codex
from storyai.core.worlds.bundled import bundled_world_paths
from storyai.core.worlds.validate import load_world

WORLD = load_world(bundled_world_paths()["ember_hollow"])


async def _two_players(uow_factory) -> tuple[Play, str, str, str]:
    await services.install_world(uow_factory, WORLD, source="bundled")
    play = Play(uow_factory)
    started = await play.start_in_channel(
        "c1", "ember_hollow", user_ref="u1", player_name="Ash", seed=4
    )
    sid = started.session_id
    ash = (await play.seat(sid, "u1")).id
    await play.act(sid, "talk to hesta about mine", player_id=ash)
    await play.join(sid, user_ref="u2", name="Bryn")
    bryn = (await play.seat(sid, "u2")).id
    await play.act(sid, "go west", player_id=bryn)
    return play, sid, ash, bryn


async def test_each_player_knows_what_they_saw_and_when(uow_factory):
    play, sid, _, _ = await _two_players(uow_factory)
    mine = await play.codex(sid, user_ref="u1")
    theirs = await play.codex(sid, user_ref="u2")

    assert mine.player_name == "Ash" and theirs.player_name == "Bryn"
    square = next(e for e in mine.of_kind("place") if e.id == "village_square")
    assert square.how == "visited" and square.text.startswith(
        WORLD.locations["village_square"].description[:20]
    )
    hesta = next(e for e in mine.of_kind("person") if e.id == "hesta")
    assert "Village Square" in hesta.how and hesta.turn == 0
    lore = {e.id: e for e in mine.of_kind("lore")}
    assert lore["ember_hollow"].turn == 1 and lore["ember_hollow"].how == "learned"
    assert "iron_key" in mine.ids("item")

    # Bryn arrived after the talk and went to the tavern alone
    assert "ember_hollow" not in theirs.ids("lore")
    assert "tavern" in theirs.ids("place") and "dunnick" in theirs.ids("person")
    assert "dunnick" not in mine.ids("person")
    tavern_for_ash = [e for e in mine.of_kind("place") if e.id == "tavern"]
    assert all(e.how.startswith("seen from") and not e.text for e in tavern_for_ash)

    found = mine.search("hollow")
    assert "ember_hollow" in found.ids("lore") and not found.ids("person") - {"hesta"}


async def test_gm_only_lore_and_secrets_never_reach_a_codex(uow_factory):
    play, sid, ash, _ = await _two_players(uow_factory)
    events = await play.history(sid)
    last = events[-1]
    secret = EventRecord(
        id="secret",
        session_id=sid,
        parent_id=last.id,
        seq=last.seq + 1,
        depth=last.depth + 1,
        turn=last.turn + 1,
        actor=ash,
        event=StateChanged(ops=(LearnLore(lore="the_binding"), LearnLore(lore="heartstone"))),
        created_at=datetime.now(UTC),
    )
    codex = build_codex(WORLD, [*events, secret], ash)
    assert WORLD.lore["the_binding"].visibility == "gm-only"
    assert "the_binding" not in codex.ids("lore") and "heartstone" in codex.ids("lore")
    everything = " ".join(f"{e.name} {e.text} {e.how}" for e in codex.entries)
    for character in WORLD.characters.values():
        for hidden in character.secrets:
            assert hidden not in everything
    assert WORLD.lore["the_binding"].text[:40] not in everything
