"""/companion ask in the bot, through the real discord.py client and the fake Discord."""

from __future__ import annotations

import pytest
from fakes.discord.harness import running_bot
from test_bot_game import Time, new_bot, start_story

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
