"""/companion ask in the bot, through the real discord.py client and the fake Discord."""

from __future__ import annotations

import pytest
from fakes.discord.harness import running_bot
from test_bot_game import TOLD_MARK, Time, new_bot, start_story

from storyai.core import services
from storyai.core.worlds.bundled import bundled_world_paths
from storyai.core.worlds.validate import load_world

WORLD = load_world(bundled_world_paths()["ember_hollow"])


@pytest.fixture
async def installed(uow_factory):
    await services.install_world(uow_factory, WORLD, source="bundled")
    return uow_factory


async def test_companion_ask_answers_only_the_asker(installed):
    async with running_bot(new_bot(installed, Time())) as fake:
        await start_story(fake)
        asked = await fake.slash(
            "companion ask", user="alice", channel="adventures", question="our quest?"
        )
        await asked.wait_reply()
        assert asked.reply.ephemeral
        assert asked.reply.content.startswith("**Aria:**")
        assert "Ask Reeve Hesta about the mine" in asked.reply.content
        stranger = await fake.slash(
            "companion ask", user="carol", channel="adventures", question="the mine?"
        )
        await stranger.wait_reply()
        assert stranger.reply.ephemeral and "Aria" not in stranger.reply.content
        assert fake.violations == []


async def test_companion_remarks_after_the_turn_and_obeys_the_players_setting(installed):
    bot = new_bot(installed, Time())
    async with running_bot(bot) as fake:
        await start_story(fake)
        north = await fake.slash("act", user="alice", channel="adventures", text="go north")
        remark = await north.wait_text("New ground")
        told = await north.wait_text(TOLD_MARK)
        assert (
            remark.content == "**Aria** (to Alice): *Mine Road. New ground. Keep your eyes open.*"
        )
        assert north.replies.index(told) < north.replies.index(remark)  # after the turn
        look = await fake.slash("act", user="alice", channel="adventures", text="look")
        await look.wait_text(TOLD_MARK)

        bad = await fake.slash(
            "companion settings", user="bob", channel="adventures", remarks="loud"
        )
        await bad.wait_reply()
        assert bad.reply.ephemeral and "No remark setting 'loud'" in bad.reply.content
        off = await fake.slash(
            "companion settings", user="alice", channel="adventures", remarks="off"
        )
        await off.wait_reply()
        assert off.reply.ephemeral and "speaks first: **off**" in off.reply.content
        shown = await fake.slash("companion settings", user="alice", channel="adventures")
        await shown.wait_reply()
        assert "**off**" in shown.reply.content
        alice = str(fake.user("alice").id)
        assert not (await bot.play.companion.remark_settings(alice)).enabled
        assert (await bot.play.companion.remark_settings(str(fake.user("bob").id))).enabled
        assert fake.violations == []


async def test_a_plain_message_turn_gets_its_remark_and_the_host_can_silence_companions(installed):
    async with running_bot(new_bot(installed, Time())) as fake:
        await start_story(fake)
        said = await fake.say("go north", user="alice", channel="adventures")
        told = await fake.wait_message("adventures", after=said, contains=TOLD_MARK)
        remark = await fake.wait_message("adventures", after=said, contains="New ground")
        assert remark.id > told.id and remark.content.startswith("**Aria** (to Alice):")
        quiet = await fake.slash(
            "story settings", user="alice", channel="adventures", companion=False
        )
        await quiet.wait_reply()
        assert "companions speak only when asked" in quiet.reply.content
        assert fake.violations == []
