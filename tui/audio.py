"""Narration read aloud: the audio files the core makes, played by whatever player the
system has (ffplay from ffmpeg, mpv, paplay, aplay, afplay), one after another. With
none, nothing is played and the player is told once what to install."""

from __future__ import annotations

import asyncio
import shutil
from pathlib import Path

PLAYERS: tuple[tuple[str, tuple[str, ...], tuple[str, ...]], ...] = (
    # (program, arguments before the file, the audio it plays)
    ("ffplay", ("-nodisp", "-autoexit", "-loglevel", "quiet"), (".mp3", ".wav", ".ogg")),
    ("mpv", ("--no-video", "--really-quiet"), (".mp3", ".wav", ".ogg")),
    ("afplay", (), (".mp3", ".wav")),
    ("paplay", (), (".wav", ".ogg")),
    ("aplay", ("-q",), (".wav",)),
)
INSTALL_HINT = (
    "No audio player found: install ffmpeg (ffplay), mpv or alsa-utils (aplay) to hear "
    "the narration. It stays silent meanwhile."
)


def find_player(suffix: str = ".mp3") -> list[str] | None:
    """The command line (without the file) of the first player that plays ``suffix``."""
    for program, arguments, plays in PLAYERS:
        if suffix in plays and (found := shutil.which(program)):
            return [found, *arguments]
    return None


def any_player() -> bool:
    return any(shutil.which(program) for program, _, _ in PLAYERS)


async def play_file(path: Path) -> bool:
    """Play ``path`` to its end; False when no player plays it or the player failed."""
    command = find_player(path.suffix)
    if command is None:
        return False
    process = await asyncio.create_subprocess_exec(
        *command,
        str(path),
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL,
    )
    try:
        return await process.wait() == 0
    except asyncio.CancelledError:
        process.kill()
        raise
