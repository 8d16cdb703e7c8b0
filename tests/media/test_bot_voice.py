"""The GM speaking in a Discord voice channel, through the real discord.py client and
its real voice stack (voice WebSocket, UDP, PyNaCl encryption, libopus) against the
fake Discord's voice gateway (``tests/fakes/discord/voice.py``): the host invites it
with /story voice join, each told turn's narration and dialogue arrive as audio frames
in order, each line the length of the WAV the speech provider made for it, charged
like every voice line; it leaves when the channel empties and on /story voice leave; a
refusal is private and never holds up the story."""

from __future__ import annotations

import io
import math
import wave
from datetime import UTC, datetime

import pytest
from fakes.discord.harness import running_bot
from fakes.discord.voice import voice_stack_missing

from storyai.bots.client import StoryBot
from storyai.bots.voice import FRAME, RATE, wav_to_pcm
from storyai.core import services
from storyai.core.domain.clock import Clock
from storyai.core.domain.errors import VoiceChannelError
from storyai.core.media.fake import FakeSpeech, wav
from storyai.core.media.router import MediaRouter
from storyai.core.media.service import MediaService
from storyai.core.media.store import InMemoryMediaStore
from storyai.core.play import Play
from storyai.core.worlds.bundled import bundled_world_paths
from storyai.core.worlds.validate import load_world

MISSING = voice_stack_missing()
pytestmark = pytest.mark.skipif(MISSING is not None, reason=MISSING or "")
TOLD_MARK = "\n-# "
WORLD = load_world(bundled_world_paths()["ember_hollow"])
NOW = datetime(2026, 12, 7, 20, 0, tzinfo=UTC)


async def _no_sleep(_: float) -> None:
    return None


@pytest.fixture
async def setup(uow_factory):
    await services.install_world(uow_factory, WORLD, source="bundled")
    clock = Clock(now=lambda: NOW, new_seed=lambda: 4)
    play = Play(uow_factory, clock=clock)
    speech = FakeSpeech()
    media = MediaService(
        play, MediaRouter(speech=[speech], sleep=_no_sleep), InMemoryMediaStore(), clock=clock
    )
    bot = StoryBot(play, tick=0.05, stream_interval=0.05, media=media)
    return bot, media, speech


def frames_of(request) -> int:
    """How many 20 ms frames the fake speech's WAV for ``request`` lasts."""
    with wave.open(io.BytesIO(wav(f"{request.voice}: {request.text}"))) as handle:
        seconds = handle.getnframes() / handle.getframerate()
    return math.ceil(round(seconds * RATE) * 4 / FRAME)


async def test_the_host_invites_the_gm_who_speaks_each_turn_in_order_then_leaves(setup):
    bot, media, speech = setup
    async with running_bot(bot, voice_channels=["Fireside"]) as fake:
        started = await fake.slash(
            "story start", user="alice", channel="adventures", world="ember_hollow"
        )
        await started.wait_text(TOLD_MARK)
        sid = (await bot.play.here(str(fake.channel("adventures").id))).id

        nowhere = await fake.slash("story voice join", user="alice", channel="adventures")
        refused = await nowhere.wait_text("Join a voice channel first")
        assert refused.ephemeral
        await fake.move_voice("bob", "Fireside")
        stranger = await fake.slash("story voice join", user="bob", channel="adventures")
        assert (await stranger.wait_reply()).ephemeral and fake.voice.connections == []

        await fake.move_voice("alice", "Fireside")
        joined = await fake.slash("story voice join", user="alice", channel="adventures")
        assert not (await joined.wait_text("joins **Fireside**")).ephemeral
        conn = fake.voice.connections[-1]
        assert conn.ready and conn.max_dave == 1, "discord.py offers DAVE; the fake declines"

        told = []
        for action in ("look around", "talk to the reeve"):
            acted = await fake.slash("act", user="alice", channel="adventures", text=action)
            await acted.wait_text(TOLD_MARK)
            told.append(acted)
        room = bot.voice.room(str(fake.guild_id))
        await fake.wait_until(lambda: room.told == 2, what="both turns queued to be said")
        await bot.voice.settled()
        await fake.wait_until(
            lambda: len(conn.lines()) == room.spoken, what="every line's audio received"
        )
        said = conn.lines()
        assert len(said) == len(speech.requests) >= 2
        assert [len(line) for line in said] == [frames_of(r) for r in speech.requests], (
            "each line's audio, in the order the lines were told"
        )
        assert len({frames_of(r) for r in speech.requests}) > 1, "lines told apart by length"
        sequences = [f.sequence for f in conn.frames]
        assert sequences == list(range(sequences[0], sequences[0] + len(sequences)))
        assert (await media.credits(sid)).lines == len(speech.requests)
        assert all(not r.ephemeral for ix in told for r in ix.replies), "no voice notice"

        await fake.move_voice("bob", None)
        await fake.move_voice("alice", None)
        await fake.wait_until(lambda: conn.closed, what="the GM leaves the empty channel")
        assert fake.bot_user.id not in fake.voice.states
        assert bot.voice.room(str(fake.guild_id)) is None

        await fake.move_voice("alice", "Fireside")
        rejoined = await fake.slash("story voice join", user="alice", channel="adventures")
        await rejoined.wait_text("joins")
        again = fake.voice.connections[-1]
        left = await fake.slash("story voice leave", user="alice", channel="adventures")
        await left.wait_text("leaves the voice channel")
        await fake.wait_until(lambda: again.closed, what="the GM leaves when asked")
        assert fake.bot_user.id not in fake.voice.states
        assert [v for v in fake.violations if v.kind == "voice"] == []


async def test_a_line_that_cannot_be_played_is_a_notice_to_the_teller_only(setup, monkeypatch):
    bot, _media, _speech = setup

    def no_audio(audio: bytes, mime: str):
        raise VoiceChannelError("This voice makes audio/mpeg audio, which needs ffmpeg.")

    monkeypatch.setattr("storyai.bots.voice.audio_source", no_audio)
    async with running_bot(bot, voice_channels=["Fireside"]) as fake:
        started = await fake.slash(
            "story start", user="alice", channel="adventures", world="ember_hollow"
        )
        await started.wait_text(TOLD_MARK)
        await fake.move_voice("alice", "Fireside")
        joined = await fake.slash("story voice join", user="alice", channel="adventures")
        await joined.wait_text("joins")
        acted = await fake.slash("act", user="alice", channel="adventures", text="look around")
        await acted.wait_text(TOLD_MARK)
        await fake.wait_until(
            lambda: any(r.ephemeral for r in acted.replies), what="a private notice"
        )
        notice = next(r for r in acted.replies if r.ephemeral)
        assert "needs ffmpeg" in notice.content
        assert fake.voice.connections[-1].lines() == []


def test_wav_of_any_rate_becomes_48k_stereo_pcm_in_whole_frames():
    pcm = wav_to_pcm(wav("one two three"))
    assert len(pcm) % FRAME == 0
    seconds = 3 * 440 / 8000
    assert len(pcm) == math.ceil(seconds * RATE * 4 / FRAME) * FRAME
    with pytest.raises(VoiceChannelError, match="not a readable WAV"):
        wav_to_pcm(b"ID3 an mp3")
