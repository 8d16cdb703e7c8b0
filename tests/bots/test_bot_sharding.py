"""Shard settings (``STORYAI_SHARD_IDS``, ``STORYAI_SHARD_COUNT``) and one process running
every shard (``STORYAI_SHARD_COUNT=auto``) against the fake Discord, whose gateway
honours ``shard`` in IDENTIFY. Two processes on PostgreSQL: ``test_bot_shards.py``."""

from __future__ import annotations

import pytest
from fakes.discord.harness import running_fake
from test_bot_game import TOLD_MARK, Time, world_installed  # noqa: F401

from storyai.bots.client import ShardedStoryBot, StoryBot, story_bot
from storyai.bots.sharding import Shards, read_shards
from storyai.core.domain.errors import SettingsError
from storyai.core.play import Play, Shard


def test_shard_settings_are_read_from_the_environment():
    assert read_shards({}) == Shards()
    assert read_shards({"STORYAI_SHARD_COUNT": "2", "STORYAI_SHARD_IDS": "1"}) == Shards([1], 2)
    assert read_shards({"STORYAI_SHARD_COUNT": "4"}) == Shards([0, 1, 2, 3], 4)
    assert read_shards({"STORYAI_SHARD_COUNT": "auto"}).auto
    for wrong in (
        {"STORYAI_SHARD_IDS": "0"},
        {"STORYAI_SHARD_COUNT": "two"},
        {"STORYAI_SHARD_COUNT": "2", "STORYAI_SHARD_IDS": "2"},
        {"STORYAI_SHARD_COUNT": "0"},
    ):
        with pytest.raises(SettingsError):
            read_shards(wrong)


def test_a_shard_owns_the_servers_discord_sends_it():
    guild = str((5 << 22) | 123)  # (guild_id >> 22) % 2 == 1
    assert Shard(frozenset({1}), 2).owns_guild(guild)
    assert not Shard(frozenset({0}), 2).owns_guild(guild)
    assert Shard(frozenset({0}), 1).owns_guild(guild)


async def test_one_process_can_run_every_shard_and_still_plays(world_installed):  # noqa: F811
    play = Play(world_installed, clock=Time().clock)
    assert type(story_bot(play)) is StoryBot
    single = story_bot(play, Shards([1], 2))
    assert (single.shard_id, single.shard_count) == (1, 2)
    bot = story_bot(play, Shards(auto=True), tick=0.05, stream_interval=0.05)
    assert isinstance(bot, ShardedStoryBot)
    async with running_fake(recommended_shards=2) as fake:
        await fake.start_bot(bot)
        await fake.wait_until(lambda: len(fake.ready_sessions) == 2, what="two shards")
        assert sorted(s.shard for s in fake.ready_sessions) == [(0, 2), (1, 2)]
        assert bot.shard == Shard(frozenset({0, 1}), 2)
        started = await fake.slash(
            "story start", user="alice", channel="adventures", world="ember_hollow"
        )
        await started.wait_text(TOLD_MARK)
        owner = (fake.guild_id >> 22) % 2
        (session,) = [s for s in fake.ready_sessions if s.shard[0] == owner]
        assert started.session_ids == [session.session_id]
        assert fake.violations == []
