"""The MCP server: the SDK's in-memory client and a real HTTP client against
`storyai mcp --http` on 127.0.0.1 (a subprocess on a free port)."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytest.importorskip("mcp")

import httpx2
from mcp import Client
from mcp.client.streamable_http import streamable_http_client

from storyai.cli.mcp_server import build_server
from storyai.core import services
from storyai.core.companion.access import Access
from storyai.core.companion.tools import PLAY_TOOLS, READ_TOOLS
from storyai.core.play import Play
from storyai.core.storage.memory import InMemoryStore
from storyai.core.worlds.bundled import bundled_world_paths
from storyai.core.worlds.validate import load_world

WORLD = load_world(bundled_world_paths()["halvard_relay"])
SECRETS = [e.text.split()[0:6] for e in WORLD.lore.values() if e.visibility == "gm-only"]


def _text(result) -> str:
    return "".join(getattr(c, "text", "") for c in result.content)


async def _story() -> tuple[Play, str]:
    store = InMemoryStore()
    await services.install_world(store.unit_of_work, WORLD, source="test")
    play = Play(store.unit_of_work)
    started = await play.start_in_channel("c1", WORLD.id, user_ref="u1", player_name="Ines")
    await play.join(started.session_id, user_ref="u2", name="Oskar")
    return play, started.session_id


ARGS = {
    "memory_search": {"query": "relay"},
    "lore_lookup": {"topic": "relay"},
    "take_turn": {"text": "look"},
    "roll": {"expression": "1d20+3"},
    "transcript": {"last_n": 3},
}


async def test_every_tool_answers_a_play_token_and_a_read_token_is_refused_play():
    play, sid = await _story()
    access = Access(play.deps)
    _, reader = await access.create(sid, player="Ines", can=["read"])
    secret, _ = await access.create(sid, player="Ines", can=["play"])
    grant = await access.resolve(secret)
    async with Client(build_server(play, grant=grant)) as client:
        names = {t.name for t in (await client.list_tools()).tools}
        assert names == set(READ_TOOLS) | set(PLAY_TOOLS)
        for name in (*READ_TOOLS, *PLAY_TOOLS):
            result = await client.call_tool(name, ARGS.get(name, {}))
            assert not result.is_error, (name, _text(result))
            json.loads(_text(result))
        sheet = json.loads(_text(await client.call_tool("sheet", {})))
        assert sheet["name"] == "Ines"
        world = await client.read_resource("storyai://world")
        assert "Halvard" in world.contents[0].text
        lore = await client.read_resource("storyai://lore")
        for words in SECRETS:
            assert " ".join(words) not in lore.contents[0].text
    read_grant = await access.resolve((await access.create(sid, player="Ines", can=["read"]))[0])
    assert reader.permissions == ("read",)
    async with Client(build_server(play, grant=read_grant)) as client:
        for name in PLAY_TOOLS:
            refused = await client.call_tool(name, ARGS.get(name, {}))
            assert refused.is_error and "needs the 'play' permission" in _text(refused)
        # no argument names another seat: one asking for Oskar gets Ines's own answer
        mine = await client.call_tool("memory_search", {"query": "relay"})
        other = await client.call_tool("memory_search", {"query": "relay", "player": "Oskar"})
        assert _text(other) == _text(mine)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _cli(env: dict[str, str], *args: str) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "storyai.cli", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return done.stdout


async def test_http_server_checks_bearer_tokens_and_revocation(tmp_path: Path):
    env = {**os.environ, "STORYAI_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 's.db'}"}
    out = subprocess.run(
        [sys.executable, "-m", "storyai.cli", "run", "ember_hollow", "--save", "--name", "Ash"],
        env=env,
        input="north\n",
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    ).stdout
    sid = out.split("Saved as session ")[1].split(".")[0]
    created = _cli(
        env, "mcp", "token", "create", "--session", sid, "--player", "Ash", "--can", "play"
    )
    secret = created.strip().splitlines()[-1]
    token_id = created.split()[1]
    port = _free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "storyai.cli", "mcp", "--http", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    url = f"http://127.0.0.1:{port}/mcp"
    try:
        async with httpx2.AsyncClient() as plain:
            deadline = time.monotonic() + 120  # a loaded CI machine starts it slowly
            while True:  # wait until it listens (a condition, not a sleep)
                assert time.monotonic() < deadline, "the MCP server never listened"
                try:
                    response = await plain.post(url, json={})
                    break
                except httpx2.TransportError:
                    assert server.poll() is None, server.stdout.read() if server.stdout else ""
                    import anyio

                    await anyio.sleep(0.05)
            assert response.status_code == 401, "no token, no story"
            bad = await plain.post(url, json={}, headers={"Authorization": "Bearer sai_nope"})
            assert bad.status_code == 401
        headers = {"Authorization": f"Bearer {secret}"}
        async with (
            httpx2.AsyncClient(headers=headers, timeout=30) as http,
            Client(streamable_http_client(url, http_client=http)) as client,
        ):
            found = await client.call_tool("memory_search", {"query": "paw prints"})
            assert "paw prints" in _text(found)
            turn = json.loads(_text(await client.call_tool("take_turn", {"text": "look"})))
            assert turn["lines"]
        _cli(env, "mcp", "token", "revoke", token_id)
        async with httpx2.AsyncClient(headers=headers) as http:
            revoked = await http.post(url, json={})
            assert revoked.status_code == 401 and "revoked" in revoked.text
    finally:
        server.terminate()
        server.wait(timeout=30)


def test_a_token_is_rate_limited_and_refills_with_time():
    from storyai.core.companion.access import RateLimit
    from storyai.core.domain.errors import ToolRefused

    limit = RateLimit(per_minute=60, burst=3)
    for _ in range(3):
        limit.take("a", 100.0)
    with pytest.raises(ToolRefused, match="Too many requests"):
        limit.take("a", 100.0)
    limit.take("b", 100.0)  # another token has its own bucket
    limit.take("a", 101.0)  # a second later, one more call


async def test_stdio_server_acts_with_the_token_it_was_started_with(tmp_path: Path):
    from mcp import StdioServerParameters

    env = {**os.environ, "STORYAI_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 's.db'}"}
    out = subprocess.run(
        [sys.executable, "-m", "storyai.cli", "run", "ember_hollow", "--save", "--name", "Ash"],
        env=env,
        input="north\n",
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    ).stdout
    sid = out.split("Saved as session ")[1].split(".")[0]
    created = _cli(env, "mcp", "token", "create", "--session", sid, "--player", "Ash")
    env["STORYAI_MCP_TOKEN"] = created.strip().splitlines()[-1]
    params = StdioServerParameters(
        command=sys.executable, args=["-m", "storyai.cli", "mcp"], env=env
    )
    async with Client(params) as client:
        ahead = json.loads(_text(await client.call_tool("story_predictor", {})))
        assert ahead["place"] == "Mine Road"
        assert any("Wolf hits for" in t for t in ahead["threats"])
        refused = await client.call_tool("take_turn", {"text": "north"})
        assert refused.is_error, "a read token may not play"


async def test_a_gm_token_reads_gm_only_lore_a_player_token_never_and_revoked_tokens_fail():
    from storyai.core.domain.errors import ToolRefused

    play, sid = await _story()
    access = Access(play.deps)
    secret_lore = next(k for k, e in WORLD.lore.items() if e.visibility == "gm-only")
    topic = WORLD.lore[secret_lore].keywords[0]
    gm_secret, _ = await access.create(sid, player=None, can=["gm"])
    player_secret, player_token = await access.create(sid, player="Oskar", can=["play"])
    for secret, sees in ((gm_secret, True), (player_secret, False)):
        grant = await access.resolve(secret)
        async with Client(build_server(play, grant=grant)) as client:
            found = _text(await client.call_tool("lore_lookup", {"topic": topic}))
            assert (secret_lore in found) is sees
            known = (await client.read_resource("storyai://lore")).contents[0].text
            assert (secret_lore in known) is sees
    stored = await access.list(sid)
    assert all(player_secret not in t.digest and gm_secret not in t.digest for t in stored)
    assert await access.revoke(player_token.id)
    with pytest.raises(ToolRefused, match="revoked"):
        await access.resolve(player_secret)
    assert not await access.revoke(player_token.id), "revoked once"
