"""Two sharded `storyai bot` processes (STORYAI_SHARD_COUNT=2, STORYAI_SHARD_IDS 0 and 1)
on one PostgreSQL database, behind one fake Discord whose gateway honours ``shard`` in
IDENTIFY: the guild's events (interactions, messages) reach only the process of its
shard, and only that process tends the guild's stories.

Each process narrates with its own fake model server, whose reply names the shard, so
what is posted shows which process told it.

Needs ``STORYAI_TEST_DATABASE_URL`` (a PostgreSQL server).
"""

from __future__ import annotations

import contextlib
import json
from pathlib import Path

import pytest
from fakes.discord.harness import running_fake
from fakes.llm_server import FakeLLMServer
from test_bot_process import START_TIMEOUT, TURN_TIMEOUT, bot_environment, bot_process, output
from test_bot_processes import own_database, storyai

from storyai.core.domain.events import PlayerAction
from storyai.core.play import Play
from storyai.core.storage.database import Database
from storyai.core.storage.sql import sql_uow_factory

pytestmark = pytest.mark.postgres
__all__ = ["own_database"]  # the fixture, used by name

SHARDS = 2


def told_by(shard: int) -> str:
    return f"The tale as shard {shard} tells it."


def model_for(shard: int) -> FakeLLMServer:
    server = FakeLLMServer(chunk_size=16)
    reply = json.dumps(
        {
            "narrative": told_by(shard),
            "dialogue": [],
            "choices": [{"id": "a", "text": "Look around"}],
            "state_changes": {},
            "check": None,
            "media_hints": {"image_prompt": "", "ambient_audio": ""},
        }
    )
    server.default = lambda body: reply
    return server


async def test_two_shard_processes_each_tend_only_their_guilds_stories(
    own_database: str, tmp_path: Path
) -> None:
    async with (
        model_for(0) as model0,
        model_for(1) as model1,
        running_fake() as fake,
        contextlib.AsyncExitStack() as stack,
    ):
        models = [model0, model1]
        owner = (fake.guild_id >> 22) % SHARDS
        other = 1 - owner
        base = bot_environment(fake, own_database, tmp_path)
        base.update(STORYAI_QUOTA_USER_TURNS="50", STORYAI_NARRATION="local")
        await storyai({**base, "STORYAI_LOCAL_BASE_URL": model0.openai_base_url}, "db", "upgrade")
        processes, logs = [], []
        for shard in range(SHARDS):  # one after the other: the first installs the worlds
            env = {
                **base,
                "STORYAI_SHARD_IDS": str(shard),
                "STORYAI_SHARD_COUNT": str(SHARDS),
                "STORYAI_LOCAL_BASE_URL": models[shard].openai_base_url,
            }
            log = tmp_path / f"shard-{shard}"
            log.mkdir()
            processes.append(await stack.enter_async_context(bot_process(env, log)))
            logs.append(log)

            def ready(n: int = shard + 1) -> bool:
                if any(p.returncode is not None for p in processes):
                    return True
                return len(fake.ready_sessions) >= n and "act" in fake.commands

            await fake.wait_until(ready, START_TIMEOUT, f"shard {shard} to connect")
            assert processes[-1].returncode is None, output(log)

        # Each process identified with its own shard; only the owner got the guild.
        assert sorted(s.shard for s in fake.ready_sessions) == [(0, SHARDS), (1, SHARDS)]
        (owning,) = [s for s in fake.ready_sessions if s.shard[0] == owner]
        await fake.wait_until(lambda: owning.seq >= 2, START_TIMEOUT, "GUILD_CREATE")
        (idle,) = [s for s in fake.ready_sessions if s.shard[0] == other]
        assert idle.seq == 1, "the other shard was sent READY only"

        # A free-mode story: an action queued by command, one by a plain message; the
        # round is told by the tending of the owner's process.
        started = await fake.slash(
            "story start", user="alice", channel="adventures", world="ember_hollow",
            mode="free", window=1,
        )  # fmt: skip
        await started.wait_text("\n-# ", TURN_TIMEOUT)
        assert started.session_ids == [owning.session_id]
        assert told_by(owner) in started.reply.content, output(logs[owner])
        joined = await fake.slash("story join", user="bob", channel="adventures")
        await joined.wait_text("\n-# ", TURN_TIMEOUT)
        queued = await fake.slash("act", user="alice", channel="adventures", text="look")
        assert "Queued" in (await queued.wait_reply(TURN_TIMEOUT)).content
        said = await fake.say("go east", user="bob", channel="adventures")
        told = await fake.wait_message("adventures", after=said, contains="Bob: go east")
        await fake.wait_until(lambda: "\n-# " in told.content, TURN_TIMEOUT, "the round told")
        assert told_by(owner) in told.content and "Alice: look" in told.content
        assert models[other].requests == [], "the other shard told nothing"
        assert len([m for m in fake.history("adventures") if "Bob: go east" in m.text]) == 1

        async with Database(own_database) as db:
            play = Play(sql_uow_factory(db))
            story = await play.here(str(fake.channel("adventures").id))
            history = await play.history(story.id)
        assert story.settings["guild"] == str(fake.guild_id)
        actions = [e.event for e in history if isinstance(e.event, PlayerAction)]
        assert [len(a.group or ()) for a in actions] == [2], "one round, told once"
        assert fake.violations == []
