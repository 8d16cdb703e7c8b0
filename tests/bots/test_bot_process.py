"""`storyai bot` as a user runs it: a separate process, configured only through its
environment, talking to the local fake Discord over real sockets."""

from __future__ import annotations

import asyncio
import contextlib
import os
import sys
from collections.abc import AsyncIterator
from pathlib import Path

from fakes.discord.harness import DiscordHarness, running_fake

TOLD_MARK = "\n-# "

PROVIDER_VARIABLES = ("ANTHROPIC_API_KEY", "OPENAI_API_KEY", "OLLAMA_HOST")
"""Besides the STORYAI_ ones: the bot narrates offline."""
START_TIMEOUT = 90.0
"""Seconds for a fresh process to migrate SQLite, install the bundled worlds and connect."""
TURN_TIMEOUT = 30.0


def bot_environment(fake: DiscordHarness, database_url: str, home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("STORYAI_")}
    for name in PROVIDER_VARIABLES:
        env.pop(name, None)
    env.update(
        {
            "STORYAI_DISCORD_TOKEN": fake.token,
            "STORYAI_DISCORD_API_BASE": fake.api_url,
            "STORYAI_DISCORD_GATEWAY_URL": fake.gateway_url,
            "STORYAI_DATABASE_URL": database_url,
            "STORYAI_CONFIG": str(home / "no-config.toml"),
            "STORYAI_QUOTA_USER_TURNS": "3",
            "XDG_DATA_HOME": str(home / "data"),
            "XDG_CONFIG_HOME": str(home / "config"),
            "XDG_CACHE_HOME": str(home / "cache"),
        }
    )
    return env


@contextlib.asynccontextmanager
async def bot_process(env: dict[str, str], logs: Path) -> AsyncIterator[asyncio.subprocess.Process]:
    """`storyai bot` running; killed (and waited for) on exit."""
    with (logs / "stdout.txt").open("wb") as out, (logs / "stderr.txt").open("wb") as err:
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "storyai.cli", "bot", env=env, stdout=out, stderr=err
        )
        try:
            yield process
        finally:
            if process.returncode is None:
                process.kill()
            await process.wait()


def output(logs: Path) -> str:
    return "\n".join(
        f"--- {name}\n{(logs / name).read_text(errors='replace')}"
        for name in ("stdout.txt", "stderr.txt")
    )


async def wait_ready(fake: DiscordHarness, process: asyncio.subprocess.Process, logs: Path):
    """Until the bot synced its commands and was sent READY and GUILD_CREATE (or died)."""

    def ready() -> bool:
        if process.returncode is not None:
            return True
        connected = any(session.seq >= 2 for session in fake.ready_sessions)
        return connected and "act" in fake.commands

    await fake.wait_until(ready, START_TIMEOUT, "storyai bot to connect")
    assert process.returncode is None, f"storyai bot exited:\n{output(logs)}"


async def test_storyai_bot_refuses_the_fourth_turn_under_storyai_quota_user_turns_3(
    cli_database: str, tmp_path: Path
) -> None:
    async with (
        running_fake() as fake,
        bot_process(bot_environment(fake, cli_database, tmp_path), tmp_path) as process,
    ):
        await wait_ready(fake, process, tmp_path)
        started = await fake.slash(
            "story start", user="alice", channel="adventures", world="ember_hollow"
        )
        opening = await started.wait_text(TOLD_MARK, TURN_TIMEOUT)
        assert "Village Square" in opening.content, output(tmp_path)

        for _ in range(3):
            played = await fake.slash("act", user="alice", channel="adventures", text="look")
            told = await played.wait_text(TOLD_MARK, TURN_TIMEOUT)
            assert not told.ephemeral and len(played.replies) == 1, told.content

        refused = await fake.slash("act", user="alice", channel="adventures", text="look")
        reply = await refused.wait_reply(TURN_TIMEOUT)
        assert reply.ephemeral
        assert "You have used your 3 turns for today" in reply.content
        assert fake.violations == []
