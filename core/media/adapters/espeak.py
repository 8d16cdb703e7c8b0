"""Offline voices: ``espeak-ng`` (Debian/Ubuntu: ``apt install espeak-ng``; macOS:
``brew install espeak-ng``), when it is on the PATH. Never needed to play."""

from __future__ import annotations

import asyncio
import shutil

from storyai.core.domain.errors import ProviderError, ProviderUnavailable
from storyai.core.media.port import Media, SpeechRequest, SpeechSynthesizer, sniff_audio

INSTALL_HINT = "install espeak-ng (apt install espeak-ng, brew install espeak-ng)"
ESPEAK_VOICES = ("en", "en-us", "en-gb-scotland", "en-gb-x-rp", "en+f3", "en+m3", "en+f4")


def espeak_binary() -> str | None:
    return shutil.which("espeak-ng") or shutil.which("espeak")


class EspeakSpeech(SpeechSynthesizer):
    def __init__(self, name: str = "espeak", *, voices: tuple[str, ...] = ()) -> None:
        self.name = name
        self.model = "espeak-ng"
        self.voices = voices or ESPEAK_VOICES

    async def synthesize(self, request: SpeechRequest) -> Media:
        binary = espeak_binary()
        if binary is None:
            raise ProviderUnavailable(
                f"{self.name}: espeak-ng is not installed", provider=self.name, hint=INSTALL_HINT
            )
        words = max(80, min(450, round(175 * request.speed)))
        process = await asyncio.create_subprocess_exec(
            binary,
            "-v",
            request.voice or self.voices[0],
            "-s",
            str(words),
            "--stdout",
            "--",
            request.text,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        out, err = await process.communicate()
        if process.returncode != 0 or sniff_audio(out) != "audio/wav":
            detail = err.decode("utf-8", "replace").strip()[:200] or f"exit {process.returncode}"
            raise ProviderError(f"{self.name}: espeak-ng failed ({detail})", provider=self.name)
        return Media(out, "audio/wav", self.name, self.model)
