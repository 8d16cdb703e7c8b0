"""SQLite's write-ahead log under a story that never pauses: checkpoints run beside the
turns, the log is restarted only when a checkpoint finds it far too long, and its file is
cut back afterwards (a log file that once grew must not make every later commit slow)."""

from __future__ import annotations

from pathlib import Path

import pytest

from storyai.core import services
from storyai.core.play import Play
from storyai.core.storage import sqlite_thread
from storyai.core.storage.database import Database, ensure_ready
from storyai.core.storage.sql import sql_uow_factory
from storyai.core.worlds.bundled import bundled_world_paths
from storyai.core.worlds.validate import load_world

LOOP = ["look", "go west", "look", "go east", "rest", "inventory"]


def log_bytes(path: Path) -> int:
    wal = path.with_name(path.name + "-wal")
    return wal.stat().st_size if wal.exists() else 0


async def test_under_writes_that_never_pause_the_log_is_restarted_now_and_then_and_stays_short(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A passive checkpoint beside a writer that never pauses never catches up with it, so
    the log only starts again when a commit restarts it: that must happen when a
    checkpoint found the log long (not at every commit once its file has grown), and the
    file must stay about that long."""
    monkeypatch.setattr(sqlite_thread, "LOG_LIMIT_BYTES", 64 * 1024)
    path = tmp_path / "log.db"
    async with Database(f"sqlite:///{path}") as db:
        await ensure_ready(db)
        log = db.sqlite_thread()
        log.checkpoint_every, log.restart_frames = 4, 1000
        uow = sql_uow_factory(db)
        await services.install_world(
            uow, load_world(bundled_world_paths()["ember_hollow"]), source="test"
        )
        play = Play(uow)
        story = (await play.start("ember_hollow", player_name="Ash", seed=1)).session_id
        turns, longest = 200, 0
        for turn in range(turns):
            await play.act(story, LOOP[turn % len(LOOP)])
            longest = max(longest, log_bytes(path))
        commits = 2 * turns
        assert log.checkpoints >= commits // log.checkpoint_every // 2
        assert 1 <= log.restarts <= commits // 10
        frame = 4096 + 24
        assert longest <= 2 * log.restart_frames * frame
        assert (await play.status(story)).turn == turns  # and nothing was lost on the way
