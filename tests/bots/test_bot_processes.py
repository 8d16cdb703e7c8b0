"""Two `storyai bot` processes on one PostgreSQL database, behind one fake Discord.

Each process is started as a user starts it (``python -m storyai.cli bot``, configured
through its environment) and narrates with a model: a fake OpenAI-compatible server
in the test's process, which holds a reply until the test lets go, so a telling in one
process is really under way while the other process is asked to play. Interactions
are routed to a chosen process (``to=0`` / ``to=1``). A story started through one is
played through the other, turns stay in order, a turn both processes are asked to play
at once is played once, and a free-mode round is told once though both tend it.

Needs ``STORYAI_TEST_DATABASE_URL`` (a PostgreSQL server): a database is made for the
test, migrated with ``storyai db upgrade``, and dropped afterwards.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import sys
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import asyncpg
import pytest
from fakes.discord.harness import DiscordHarness, running_fake
from fakes.llm_server import FakeLLMServer
from sqlalchemy.engine import make_url
from test_bot_game import TOLD_MARK, text_of
from test_bot_process import START_TIMEOUT, TURN_TIMEOUT, bot_environment, bot_process, output

from storyai.core.domain.events import Narration, PlayerAction, PlayerJoined
from storyai.core.play import Play
from storyai.core.storage.database import Database
from storyai.core.storage.sql import sql_uow_factory

pytestmark = pytest.mark.postgres

POSTGRES_ENV = "STORYAI_TEST_DATABASE_URL"
TOLD = "The model tells the tale."


def reply(narrative: str) -> str:
    return json.dumps(
        {
            "narrative": narrative,
            "dialogue": [],
            "choices": [{"id": "a", "text": "Look around"}],
            "state_changes": {},
            "check": None,
            "media_hints": {"image_prompt": "", "ambient_audio": ""},
        }
    )


class HeldModel(FakeLLMServer):
    """The fake model server, answering each request once ``go`` is set; ``reached`` is
    set when a request arrives."""

    def __init__(self) -> None:
        super().__init__(chunk_size=16)
        self.go = asyncio.Event()
        self.go.set()
        self.reached = asyncio.Event()
        self.default = lambda body: reply(TOLD)

    async def _take(self, request: Any) -> Any:
        taken = await super()._take(request)
        self.reached.set()
        await self.go.wait()
        return taken

    def hold_next(self) -> None:
        self.go.clear()
        self.reached.clear()


async def _admin(dsn: str, statement: str) -> None:
    connection = await asyncpg.connect(dsn)
    try:
        await connection.execute(statement)
    finally:
        await connection.close()


@pytest.fixture
async def own_database() -> AsyncIterator[str]:
    """A database of this test's own on the configured server, dropped afterwards."""
    configured = os.environ.get(POSTGRES_ENV, "").strip()
    if not configured:
        pytest.skip(f"set {POSTGRES_ENV} to run PostgreSQL tests")
    server = make_url(configured).set(drivername="postgresql")
    admin = server.render_as_string(hide_password=False)
    name = f"storyai_bots_{uuid.uuid4().hex[:12]}"
    await _admin(admin, f'CREATE DATABASE "{name}"')
    try:
        yield server.set(database=name).render_as_string(hide_password=False)
    finally:
        await _admin(admin, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


async def storyai(env: dict[str, str], *args: str) -> str:
    """Run ``storyai ARGS`` to its end; its output (it must succeed)."""
    done = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "storyai.cli",
        *args,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    out, _ = await asyncio.wait_for(done.communicate(), START_TIMEOUT)
    assert done.returncode == 0, out.decode(errors="replace")
    return out.decode(errors="replace")


async def connected(fake: DiscordHarness, processes: list, logs: list[Path]) -> None:
    """Until every process synced its commands and got READY and GUILD_CREATE."""

    def ready() -> bool:
        if any(p.returncode is not None for p in processes):
            return True
        return sum(s.seq >= 2 for s in fake.ready_sessions) >= len(processes)

    await fake.wait_until(ready, START_TIMEOUT, f"{len(processes)} bot processes to connect")
    for process, log in zip(processes, logs, strict=True):
        assert process.returncode is None, f"storyai bot exited:\n{output(log)}"
    assert "act" in fake.commands


async def test_two_bot_processes_share_a_story_and_never_play_a_turn_twice(
    own_database: str, tmp_path: Path
) -> None:
    async with (
        HeldModel() as model,
        running_fake() as fake,
        contextlib.AsyncExitStack() as stack,
    ):
        env = bot_environment(fake, own_database, tmp_path)
        env.update(
            STORYAI_QUOTA_USER_TURNS="50",
            STORYAI_LOCAL_BASE_URL=model.openai_base_url,
            STORYAI_NARRATION="local",
        )
        await storyai(env, "db", "upgrade")
        processes, logs = [], []
        for n in range(2):  # one after the other: the first installs the bundled worlds
            log = tmp_path / f"bot-{n}"
            log.mkdir()
            processes.append(await stack.enter_async_context(bot_process(env, log)))
            logs.append(log)
            await connected(fake, processes, logs)

        async def slash(command: str, user: str, to: int, **options: Any):
            return await fake.slash(command, user=user, channel="adventures", to=to, **options)

        # A story started through the first process, joined through the second.
        started = await slash("story start", "alice", 0, world="ember_hollow", window=1)
        await started.wait_text(TOLD_MARK, TURN_TIMEOUT)
        assert TOLD in text_of(started), output(logs[0])
        joined = await slash("story join", "bob", 1)
        await joined.wait_text(TOLD_MARK, TURN_TIMEOUT)
        assert "**Bob** joins the story" in text_of(joined) and TOLD in text_of(joined)

        # Both processes are asked to play Alice's turn at the same instant: one tells it
        # (held at the model), the other waits for that telling, then finds it is Bob's
        # turn, and says so to Alice only.
        model.hold_next()
        both = await asyncio.gather(
            slash("act", "alice", 0, text="look"), slash("act", "alice", 1, text="look")
        )
        await asyncio.wait_for(model.reached.wait(), TURN_TIMEOUT)
        model.go.set()
        for ix in both:
            await ix.wait_replies(1, TURN_TIMEOUT)
        await fake.wait_until(
            lambda: any("It is Bob's turn" in text_of(ix) and TOLD in text_of(ix) for ix in both),
            TURN_TIMEOUT,
            "Alice's turn told",
        )
        (played,) = [ix for ix in both if TOLD in text_of(ix)]
        (refused,) = [ix for ix in both if ix is not played]
        assert not any(m.ephemeral for m in played.replies)
        assert refused.reply.ephemeral and "It is Bob's turn" in refused.reply.content

        # Bob, who joined through the second process, plays through the first.
        bobs = await slash("act", "bob", 0, text="listen")
        await bobs.wait_text(TOLD_MARK, TURN_TIMEOUT)
        assert "**Bob** › listen" in text_of(bobs) and "It is Alice's turn" in text_of(bobs)

        # Free mode: one round, queued through both processes, told once though both
        # processes tend the story.
        mode = await slash("story mode", "alice", 1, mode="free")
        await mode.wait_reply(TURN_TIMEOUT)
        for user, to, text in (("alice", 0, "examine emberstone"), ("bob", 1, "go east")):
            queued = await slash("act", user, to, text=text)
            assert "Queued" in (await queued.wait_reply(TURN_TIMEOUT)).content
        told = await fake.wait_message("adventures", contains="Alice: examine emberstone")
        assert "Bob: go east" in told.content
        for to in (0, 1):  # later answers from both processes
            status = await slash("story status", "carol", to)
            await status.wait_reply(TURN_TIMEOUT)
        rounds = [m for m in fake.history("adventures") if "Alice: examine emberstone" in m.text]
        assert len(rounds) == 1

        async with Database(own_database) as db:
            play = Play(sql_uow_factory(db))
            story = await play.here(str(fake.channel("adventures").id))
            history = await play.history(story.id)
        actions = [e.event for e in history if isinstance(e.event, PlayerAction)]
        assert [(a.text, len(a.group or ())) for a in actions] == [
            ("look", 0),
            ("listen", 0),
            ("Alice: examine emberstone; Bob: go east", 2),
        ]
        arrivals = [e.event.name for e in history if isinstance(e.event, PlayerJoined)]
        assert arrivals == ["Alice", "Bob"]
        narrations = [e for e in history if isinstance(e.event, Narration)]
        assert len(narrations) == 5  # the opening, Bob's arrival and three turns, once each
        assert len(model.requests) == 5, "each was told by the model once, in one process"
        assert [e.turn for e in history if isinstance(e.event, PlayerAction)] == [1, 2, 3]
        assert fake.violations == []
