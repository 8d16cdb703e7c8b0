"""In-memory fakes of the media ports: deterministic pictures and audio, every request
kept (``requests``), failures scripted (``fail_next``)."""

from __future__ import annotations

import hashlib
import io
import struct
import wave
import zlib

from storyai.core.domain.errors import ProviderError
from storyai.core.media.port import (
    ImageGenerator,
    ImageRequest,
    Media,
    SpeechRequest,
    SpeechSynthesizer,
)


def png(width: int, height: int, pixel: bytes | None = None, *, seed: bytes = b"") -> bytes:
    """A small RGB PNG: one colour (``pixel``), or a pattern of colours from ``seed``."""
    rows = []
    colours = hashlib.sha256(seed or b"x").digest()
    for y in range(height):
        row = bytearray(b"\x00")
        for x in range(width):
            if pixel is not None:
                row += pixel
            else:
                i = ((x * 4) // max(1, width) + (y * 4) // max(1, height) * 4) % 10
                row += colours[i * 3 : i * 3 + 3]
        rows.append(bytes(row))

    def chunk(tag: bytes, body: bytes) -> bytes:
        crc = zlib.crc32(tag + body) & 0xFFFFFFFF
        return struct.pack(">I", len(body)) + tag + body + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"".join(rows)))
        + chunk(b"IEND", b"")
    )


def wav(text: str, *, rate: int = 8000) -> bytes:
    """A short WAV whose length follows the text (silence with a tick per word)."""
    frames = bytearray()
    for _word in text.split() or [""]:
        frames += b"\x40\x00" * 40 + b"\x00\x00" * (rate // 20)
    out = io.BytesIO()
    with wave.open(out, "wb") as handle:
        handle.setnchannels(1)
        handle.setsampwidth(2)
        handle.setframerate(rate)
        handle.writeframes(bytes(frames))
    return out.getvalue()


class FakeImages(ImageGenerator):
    def __init__(self, name: str = "fake-images", *, size: int = 16) -> None:
        self.name = name
        self.model = "fake"
        self.size = size
        self.requests: list[ImageRequest] = []
        self.references: list[bytes | None] = []
        self.failures: list[ProviderError] = []

    def fail_next(self, *errors: ProviderError) -> None:
        self.failures.extend(errors)

    async def generate(self, request: ImageRequest, *, reference: bytes | None = None) -> Media:
        self.requests.append(request)
        self.references.append(reference)
        if self.failures:
            raise self.failures.pop(0)
        seed = f"{request.prompt}|{request.seed}".encode()
        return Media(png(self.size, self.size, seed=seed), "image/png", self.name, self.model)


class FakeSpeech(SpeechSynthesizer):
    def __init__(self, name: str = "fake-speech") -> None:
        self.name = name
        self.model = "fake"
        self.voices = ("alloy", "echo", "fable", "nova", "onyx", "shimmer")
        self.requests: list[SpeechRequest] = []
        self.failures: list[ProviderError] = []

    def fail_next(self, *errors: ProviderError) -> None:
        self.failures.extend(errors)

    async def synthesize(self, request: SpeechRequest) -> Media:
        self.requests.append(request)
        if self.failures:
            raise self.failures.pop(0)
        return Media(wav(f"{request.voice}: {request.text}"), "audio/wav", self.name, self.model)
