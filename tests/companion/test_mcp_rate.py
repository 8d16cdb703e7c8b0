"""Per-token rate limits of `storyai mcp --http`: counted in the database, so two
server processes on one database share them; a real HTTP client gets 429."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

pytest.importorskip("mcp")

import anyio
import httpx2

from storyai.core.companion.access import SharedRateLimit
from storyai.core.domain.clock import Clock
from storyai.core.domain.errors import ToolRefused
from storyai.core.play import Play

from .test_mcp_server import _cli, _free_port


async def test_a_shared_limit_is_one_count_for_every_limiter_and_refills_each_minute(
    uow_factory,
):
    at = [datetime(2026, 12, 7, 6, 0, 5, tzinfo=UTC)]
    clock = Clock(now=lambda: at[0])
    one, other = (SharedRateLimit(Play(uow_factory, clock=clock).deps, 2) for _ in range(2))
    await one.take("tok")
    await other.take("tok")  # another process, the same count
    with pytest.raises(ToolRefused, match="Too many requests"):
        await one.take("tok")
    await other.take("another-token")  # each token has its own
    at[0] += timedelta(minutes=1)
    await one.take("tok")


def _window() -> int:
    return int(time.time() // 60)


async def test_two_http_servers_share_a_tokens_tiny_rate_limit_and_answer_429(tmp_path: Path):
    env = {**os.environ, "STORYAI_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 's.db'}"}
    out = subprocess.run(
        [sys.executable, "-m", "storyai.cli", "run", "ember_hollow", "--save", "--name", "Ash"],
        env=env,
        input="look\n",
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    ).stdout
    sid = out.split("Saved as session ")[1].split(".")[0]
    created = _cli(env, "mcp", "token", "create", "--session", sid, "--player", "Ash")
    headers = {"Authorization": f"Bearer {created.strip().splitlines()[-1]}"}
    ports = [_free_port(), _free_port()]
    servers = [
        subprocess.Popen(
            [sys.executable, "-m", "storyai.cli", "mcp", "--http", "--port", str(p), "--rate", "2"],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        for p in ports
    ]
    a, b = (f"http://127.0.0.1:{p}/mcp" for p in ports)
    try:
        async with httpx2.AsyncClient(timeout=30) as http:
            for url, server in zip((a, b), servers, strict=True):
                for _ in range(600):  # wait until it listens (a condition, not a sleep)
                    try:
                        response = await http.post(url, json={})
                        break
                    except httpx2.TransportError:
                        assert server.poll() is None, server.stdout.read() if server.stdout else ""
                        await anyio.sleep(0.05)
                assert response.status_code == 401  # no token: refused before any count
            for _ in range(3):  # calls that straddle a minute's edge are tried again
                window = _window()
                codes = [(await http.post(u, json={}, headers=headers)) for u in (a, b, a, b)]
                if _window() == window:
                    break
            assert [r.status_code == 429 for r in codes] == [False, False, True, True]
            assert "Too many requests" in codes[2].text and "Too many requests" in codes[3].text
    finally:
        for server in servers:
            server.terminate()
            server.wait(timeout=30)
