"""/map and /codex through the real discord.py client against the fake Discord."""

from __future__ import annotations

import pytest
from fakes.discord.harness import running_bot
from test_bot_game import TOLD_MARK, Time, new_bot, start_story

from storyai.core import services
from storyai.core.maps.png import png_available, render_png
from storyai.core.maps.svg import render_svg
from storyai.core.play import Play
from storyai.core.worlds.bundled import bundled_world_paths
from storyai.core.worlds.validate import load_world

WORLD = load_world(bundled_world_paths()["ember_hollow"])


@pytest.fixture
async def installed(uow_factory):
    await services.install_world(uow_factory, WORLD, source="bundled")
    return uow_factory


async def test_map_is_an_image_of_what_the_asker_found(installed):
    t = Time()
    async with running_bot(new_bot(installed, t)) as fake:
        await start_story(fake)
        moved = await fake.slash("act", user="alice", channel="adventures", text="go north")
        await moved.wait_text(TOLD_MARK)
        shown = await fake.slash("map", user="alice", channel="adventures")
        await shown.wait_reply()
        reply = shown.reply
        assert reply.ephemeral and "places found; the party's place is ringed" in reply.content
        [image] = reply.attachments
        play = Play(installed, clock=t.clock)
        story = await play.here(str(fake.channel("adventures").id))
        view = await play.map(story.id, user_ref=str(fake.user("alice").id))
        assert "mine_road" in view.place_ids and "deep_gallery" not in view.place_ids
        expected = render_png(view) if png_available() else render_svg(view).encode()
        assert image["filename"] == ("map.png" if png_available() else "map.svg")
        assert image["size"] == len(expected), "the map of Alice's own view, as drawn"
        stranger = await fake.slash("map", user="carol", channel="adventures")
        await stranger.wait_reply()
        assert stranger.reply.ephemeral and "not playing" in stranger.reply.content
        assert not stranger.reply.attachments
        assert fake.violations == []


async def test_codex_lists_what_the_asker_learned_and_searches(installed):
    async with running_bot(new_bot(installed, Time())) as fake:
        await start_story(fake)
        talked = await fake.slash(
            "act", user="alice", channel="adventures", text="talk to hesta about mine"
        )
        await talked.wait_text(TOLD_MARK)
        await (await fake.slash("story join", user="bob", channel="adventures")).wait_reply()
        book = await fake.slash("codex", user="alice", channel="adventures")
        await book.wait_reply()
        assert book.reply.ephemeral
        embed = str(book.reply.embeds[0])
        assert "Alice" in embed and "Reeve Hesta" in embed and "Lore (1)" in embed
        assert "learned, turn 1" in embed
        theirs = await fake.slash("codex", user="bob", channel="adventures")
        await theirs.wait_reply()
        assert "Lore" not in str(theirs.reply.embeds[0]), "Bob was not there when she told it"
        found = await fake.slash("codex", user="alice", channel="adventures", search="key")
        await found.wait_reply()
        shown = str(found.reply.embeds[0])
        assert "Iron Key" in shown and "Reeve Hesta" not in shown
        assert fake.violations == []
