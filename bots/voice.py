"""The GM speaking in a Discord voice channel: the discord.py adapter of the core's
``VoicePlayer`` (``core.media.voice_room``), and what a told turn hands to it.

WAV audio (espeak-ng, local speech servers, the fake) is decoded here with the stdlib
``wave`` module to the 48 kHz 16-bit stereo PCM discord.py's ``PCMAudio`` takes (it
encodes Opus with libopus); other audio (MP3 from OpenAI TTS and ElevenLabs) goes
through ffmpeg when it is on the PATH, else the line is skipped with a notice saying
so. Voice needs ``storyai[media]`` (PyNaCl and davey, which discord.py 2.7 requires)
and the system's libopus.
"""

from __future__ import annotations

import array
import asyncio
import contextlib
import io
import logging
import shutil
import sys
import wave
from typing import TYPE_CHECKING, Any

import discord

from storyai.core.domain.errors import VoiceChannelError
from storyai.core.domain.events import Line
from storyai.core.media.voice_room import VoiceLink, VoicePlayer

if TYPE_CHECKING:
    from storyai.bots.client import StoryBot

log = logging.getLogger("storyai.bot")

RATE = 48000
FRAME = 3840
"""20 ms of 48 kHz 16-bit stereo: what ``PCMAudio`` reads per Opus frame."""
CONNECT_TIMEOUT = 20.0
INSTALL = "pip install 'storyai[media]'"
WAV_TYPES = ("audio/wav", "audio/x-wav", "audio/wave")


def wav_to_pcm(audio: bytes) -> bytes:
    """A WAV file (8 or 16 bit, mono or stereo, any rate) as 48 kHz 16-bit stereo
    little-endian PCM, padded with silence to whole 20 ms frames. Raises
    ``VoiceChannelError`` for what it cannot read."""
    try:
        with wave.open(io.BytesIO(audio)) as handle:
            channels, width, rate = (
                handle.getnchannels(),
                handle.getsampwidth(),
                handle.getframerate(),
            )
            raw = handle.readframes(handle.getnframes())
    except (wave.Error, EOFError) as exc:
        raise VoiceChannelError(f"The voice line is not a readable WAV file ({exc}).") from exc
    if width == 1:
        samples = array.array("h", ((b - 128) << 8 for b in raw))
    elif width == 2:
        samples = array.array("h")
        samples.frombytes(raw[: len(raw) - len(raw) % 2])
        if sys.byteorder == "big":
            samples.byteswap()
    else:
        raise VoiceChannelError(f"The voice line's WAV has {width * 8}-bit samples (8 or 16).")
    if channels not in (1, 2) or rate <= 0:
        raise VoiceChannelError(f"The voice line's WAV has {channels} channels (1 or 2).")
    frames = len(samples) // channels
    left = samples[0::channels] if channels == 2 else samples
    right = samples[1::channels] if channels == 2 else samples
    count = frames * RATE // rate
    out = array.array("h", bytes(4 * count))
    for i in range(count):  # nearest sample: speech needs no better resampling
        j = min(i * rate // RATE, frames - 1)
        out[2 * i] = left[j]
        out[2 * i + 1] = right[j]
    if sys.byteorder == "big":
        out.byteswap()
    pcm = out.tobytes()
    return pcm + bytes(-len(pcm) % FRAME)


def audio_source(audio: bytes, mime: str) -> discord.AudioSource:
    """What discord.py plays for ``audio``. Raises ``VoiceChannelError``."""
    if mime in WAV_TYPES:
        return discord.PCMAudio(io.BytesIO(wav_to_pcm(audio)))
    if shutil.which("ffmpeg") is None:
        raise VoiceChannelError(
            f"This voice makes {mime} audio, which needs ffmpeg to play here: install "
            "ffmpeg (apt install ffmpeg, brew install ffmpeg) or use a voice that makes WAV."
        )
    return discord.FFmpegPCMAudio(io.BytesIO(audio), pipe=True)


class DiscordVoiceLink(VoiceLink):
    def __init__(self, client: discord.VoiceClient) -> None:
        self.client = client

    async def play(self, audio: bytes, mime: str) -> None:
        source = await asyncio.to_thread(audio_source, audio, mime)  # decoding takes a while
        if not self.client.is_connected():
            raise VoiceChannelError("The voice connection was lost.")
        loop = asyncio.get_running_loop()
        done: asyncio.Future[Exception | None] = loop.create_future()

        def after(error: Exception | None) -> None:
            loop.call_soon_threadsafe(lambda: done.done() or done.set_result(error))

        try:
            self.client.play(source, after=after)
        except discord.opus.OpusNotLoaded as exc:
            raise VoiceChannelError(
                "libopus is not installed (apt install libopus0, brew install opus)."
            ) from exc
        except discord.ClientException as exc:
            raise VoiceChannelError(f"Could not play the line ({exc}).") from exc
        try:
            error = await done
        except asyncio.CancelledError:
            self.client.stop()
            raise
        if error is not None:
            raise VoiceChannelError(f"Playing the line failed ({error}).")

    async def leave(self) -> None:
        with contextlib.suppress(Exception):
            await self.client.disconnect(force=True)


class DiscordVoicePlayer(VoicePlayer):
    def __init__(self, bot: discord.Client, *, timeout: float = CONNECT_TIMEOUT) -> None:
        self.bot = bot
        self.timeout = timeout

    async def join(self, guild: str, channel: str) -> VoiceLink:
        target = self.bot.get_channel(int(channel)) if channel.isdigit() else None
        if not isinstance(target, discord.VoiceChannel | discord.StageChannel):
            raise VoiceChannelError("That is not a voice channel the game master can see.")
        if target.guild.voice_client is not None:  # a connection this process lost track of
            with contextlib.suppress(Exception):
                await target.guild.voice_client.disconnect(force=True)
        try:
            client = await target.connect(timeout=self.timeout, reconnect=False, self_deaf=True)
        except RuntimeError as exc:  # PyNaCl or davey missing
            raise VoiceChannelError(
                f"This bot cannot use voice: {exc}. Its host installs {INSTALL}."
            ) from exc
        except (TimeoutError, discord.ClientException, OSError) as exc:
            reason = (
                "timed out" if isinstance(exc, TimeoutError) else str(exc) or type(exc).__name__
            )
            raise VoiceChannelError(f"Could not connect to the voice channel ({reason}).") from exc
        except discord.errors.ConnectionClosed as exc:
            raise VoiceChannelError(
                f"Could not connect to the voice channel (closed, code {exc.code})."
            ) from exc
        return DiscordVoiceLink(client)


def speak_later(
    bot: StoryBot,
    guild: str | None,
    session_id: str,
    lines: list[Line],
    *,
    user: str | None,
    notify: Any = None,
) -> None:
    """Queue a told turn's lines for the voice channel the GM is in (none: nothing).
    ``user``: who told it (charged for the lines); None (a round told together): the
    host who invited the GM."""
    if bot.voice is None:
        return
    bot.voice.tell(guild, session_id, lines, user=user, notify=notify)


def privately(interaction: discord.Interaction) -> Any:
    """A notice only the turn's teller sees (a follow-up of their interaction)."""

    async def notify(text: str) -> None:
        with contextlib.suppress(discord.HTTPException):
            await interaction.followup.send(text[:2000], ephemeral=True)

    return notify


def by_dm(user: discord.abc.User) -> Any:
    """A notice sent to ``user`` by direct message (a turn told from a plain message)."""

    async def notify(text: str) -> None:
        with contextlib.suppress(discord.HTTPException):
            await user.send(text[:2000])

    return notify


async def voice_moved(
    bot: StoryBot, member: discord.Member, before: discord.VoiceState, after: discord.VoiceState
) -> None:
    """Someone left or moved: the GM leaves a channel with no humans left in it (and
    forgets a channel it was put out of)."""
    if bot.voice is None or before.channel is None or before.channel == after.channel:
        return
    guild = str(member.guild.id)
    if bot.user is not None and member.id == bot.user.id:
        humans = 0  # the GM itself was disconnected or moved
    else:
        humans = sum(1 for m in before.channel.members if not m.bot)
    if await bot.voice.emptied(guild, str(before.channel.id), humans):
        log.info("left voice channel %s: nobody is listening", before.channel.id)
