"""The fake's voice side, driven through a plain discord.py client: joining a voice
channel over the real voice handshake (op 4, VOICE_STATE/SERVER_UPDATE, the voice
WebSocket, UDP IP discovery, SESSION_DESCRIPTION), sending encrypted audio the fake
decrypts, and leaving."""

from __future__ import annotations

import asyncio
import io
import itertools

import discord
import pytest
from fakes.discord import running_bot
from fakes.discord.voice import voice_stack_missing

MISSING = voice_stack_missing()
pytestmark = pytest.mark.skipif(MISSING is not None, reason=MISSING or "")
FRAME = 3840
"""20 ms of 48 kHz 16-bit stereo PCM: one Opus frame."""


class Client(discord.Client):
    def __init__(self) -> None:
        super().__init__(intents=discord.Intents.default())
        self.moves: list[tuple[str, str | None, str | None]] = []

    async def on_voice_state_update(
        self, member: discord.Member, before: discord.VoiceState, after: discord.VoiceState
    ) -> None:
        name = lambda s: s.channel.name if s.channel else None  # noqa: E731
        self.moves.append((member.name, name(before), name(after)))


async def _play(client: discord.VoiceClient, pcm: bytes) -> None:
    loop = asyncio.get_running_loop()
    done: asyncio.Future[Exception | None] = loop.create_future()
    source = discord.PCMAudio(io.BytesIO(pcm))
    client.play(source, after=lambda error: loop.call_soon_threadsafe(done.set_result, error))
    assert await done is None


async def test_a_client_joins_speaks_two_sources_in_order_and_leaves() -> None:
    client = Client()
    async with running_bot(client, voice_channels=["Fireside"]) as fake:
        fireside = fake.channel("Fireside")
        await fake.move_voice("alice", "Fireside")
        await fake.wait_until(lambda: ("alice", None, "Fireside") in client.moves, 10, "alice")
        channel = client.get_channel(fireside.id)
        assert isinstance(channel, discord.VoiceChannel)
        assert [m.name for m in channel.members] == ["alice"]

        voice = await channel.connect(timeout=20, reconnect=False, self_deaf=True)
        assert voice.is_connected()
        conn = fake.voice.connections[-1]
        assert conn.ready and conn.address is not None and conn.ops[:2] == [0, 1]
        assert [m.name for m in channel.members] == ["alice", "StoryBot"]

        await _play(voice, b"\x01\x00" * (FRAME // 2) * 7)  # 7 frames
        await _play(voice, b"\x01\x00" * (FRAME // 2) * 3)  # 3 frames
        await fake.wait_until(lambda: len(conn.lines()) == 2, 10, "two sources")
        lines = conn.lines()
        assert [len(line) for line in lines] == [7, 3]
        sequences = [f.sequence for f in conn.frames]
        assert sequences == list(range(sequences[0], sequences[0] + len(sequences)))
        assert all(b.timestamp - a.timestamp == 960 for a, b in itertools.pairwise(conn.frames))
        decoded = discord.opus.Decoder().decode(lines[0][3].opus)
        assert len(decoded) == FRAME, "a real Opus frame of 20 ms, decrypted"
        assert 1 in conn.speaking and conn.speaking[-1] == 0

        await voice.disconnect()
        await fake.wait_until(lambda: conn.closed, 10, "the voice socket closed")
        assert fake.voice.states == {fake.user("alice").id: fireside.id}
        assert fake.violations == []
