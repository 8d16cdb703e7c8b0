"""The media ports: what an image or speech adapter is asked, and what it gives back.

Adapters raise ``ProviderError`` subclasses only (``core.providers.errors`` maps SDK
and HTTP failures; ``ContentRefused`` for a prompt the provider will not draw or say),
so the router can retry, fail over, or give up without blocking anything.
"""

from __future__ import annotations

import abc
import hashlib
import json
from dataclasses import asdict, dataclass, field

SIZES = ("512x512", "1024x1024", "1536x1024", "1024x1536")
"""Image sizes a request may ask for (square, landscape, portrait)."""


@dataclass(frozen=True)
class ImageRequest:
    """One picture to draw. ``reference`` is the digest of an image already in the
    store that the picture must stay consistent with (adapters that take an input
    image use it; the others get the same words and seed)."""

    prompt: str
    size: str = "1024x1024"
    seed: int = 0
    negative: str = ""
    reference: str | None = None

    def __post_init__(self) -> None:
        if self.size not in SIZES:
            raise ValueError(f"size must be one of {', '.join(SIZES)}, not {self.size!r}")

    @property
    def width(self) -> int:
        return int(self.size.split("x")[0])

    @property
    def height(self) -> int:
        return int(self.size.split("x")[1])

    def key(self) -> str:
        """The cache key: the same request is never drawn twice. The reference is left
        out: it is the subject's first picture, fixed by the spec once there is one, so
        asking again for a picture already made finds it."""
        data = asdict(self)
        del data["reference"]
        return _digest({"task": "image", **data})


@dataclass(frozen=True)
class SpeechRequest:
    """One line to say, in one voice (a provider's voice name; "" for its default)."""

    text: str
    voice: str = ""
    speed: float = 1.0

    def key(self) -> str:
        return _digest({"task": "speech", **asdict(self)})


@dataclass(frozen=True)
class Media:
    """Bytes an adapter made, with their type and who made them."""

    data: bytes
    mime: str
    provider: str = ""
    model: str = ""
    meta: dict[str, str] = field(default_factory=dict)

    @property
    def suffix(self) -> str:
        return SUFFIXES.get(self.mime, ".bin")


SUFFIXES = {
    "image/png": ".png",
    "image/jpeg": ".jpg",
    "image/webp": ".webp",
    "audio/mpeg": ".mp3",
    "audio/wav": ".wav",
    "audio/ogg": ".ogg",
}


def _digest(data: dict[str, object]) -> str:
    text = json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def sniff_image(data: bytes) -> str | None:
    """The image type of ``data`` from its first bytes, or None when it is no image."""
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    return None


def sniff_audio(data: bytes) -> str | None:
    if data[:4] == b"RIFF" and data[8:12] == b"WAVE":
        return "audio/wav"
    if data.startswith(b"ID3") or data[:2] in (b"\xff\xfb", b"\xff\xf3", b"\xff\xf2"):
        return "audio/mpeg"
    if data.startswith(b"OggS"):
        return "audio/ogg"
    return None


class ImageGenerator(abc.ABC):
    """Draws pictures (one configured provider)."""

    name: str = "images"
    model: str = ""

    @abc.abstractmethod
    async def generate(self, request: ImageRequest, *, reference: bytes | None = None) -> Media:
        """The picture for ``request`` (``reference``: the bytes of ``request.reference``).
        Raises ``ProviderError``."""

    async def aclose(self) -> None:
        return None


class SpeechSynthesizer(abc.ABC):
    """Says lines (one configured provider)."""

    name: str = "speech"
    model: str = ""
    voices: tuple[str, ...] = ()
    """The voices this provider offers, for assigning one per character."""

    @abc.abstractmethod
    async def synthesize(self, request: SpeechRequest) -> Media:
        """The audio of ``request``. Raises ``ProviderError``."""

    async def aclose(self) -> None:
        return None
