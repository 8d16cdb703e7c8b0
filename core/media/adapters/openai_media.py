"""OpenAI Images (``images.generate``; ``images.edit`` from the subject's reference
picture) and OpenAI TTS (``audio.speech``), through the ``openai`` SDK. With a
``base_url`` they speak to OpenAI-compatible local servers (LocalAI, Speaches, ...)."""

from __future__ import annotations

import base64
import binascii
from typing import Any

from storyai.core.domain.errors import ProviderError
from storyai.core.media.adapters.errors import MediaErrors
from storyai.core.media.port import (
    ImageGenerator,
    ImageRequest,
    Media,
    SpeechRequest,
    SpeechSynthesizer,
    sniff_audio,
    sniff_image,
)

OPENAI_VOICES = ("alloy", "ash", "coral", "echo", "fable", "onyx", "nova", "sage", "shimmer")


def _client(api_key: str | None, base_url: str | None, timeout: float) -> Any:
    from openai import AsyncOpenAI

    return AsyncOpenAI(
        api_key=api_key or "not-needed",
        base_url=base_url,
        timeout=timeout,
        max_retries=0,  # the media router retries and fails over
    )


class OpenAIImages(ImageGenerator):
    def __init__(
        self,
        name: str,
        *,
        model: str = "gpt-image-1",
        api_key: str | None = None,
        base_url: str | None = None,
        timeout: float = 120.0,
    ) -> None:
        self.name = name
        self.model = model
        self._errors = MediaErrors(name, secrets=[api_key], base_url=base_url)
        self._client = _client(api_key, base_url, timeout)

    async def generate(self, request: ImageRequest, *, reference: bytes | None = None) -> Media:
        try:
            if reference is not None:
                result = await self._client.images.edit(
                    model=self.model,
                    image=("reference.png", reference, "image/png"),
                    prompt=request.prompt,
                    size=request.size,
                    n=1,
                )
            else:
                extra: dict[str, Any] = {}
                if not self.model.startswith("gpt-image"):
                    extra["response_format"] = "b64_json"
                result = await self._client.images.generate(
                    model=self.model, prompt=request.prompt, size=request.size, n=1, **extra
                )
            encoded = result.data[0].b64_json
            data = base64.b64decode(encoded or "", validate=True)
        except ProviderError:
            raise
        except (binascii.Error, IndexError, TypeError, AttributeError) as exc:
            raise self._errors.unreadable(exc) from exc
        except Exception as exc:
            raise self._errors.map(exc) from exc
        mime = sniff_image(data)
        if mime is None:
            raise self._errors.unreadable(ValueError("the reply holds no PNG, JPEG or WebP"))
        return Media(data, mime, self.name, self.model)

    async def aclose(self) -> None:
        await self._client.close()


class OpenAISpeech(SpeechSynthesizer):
    def __init__(
        self,
        name: str,
        *,
        model: str = "gpt-4o-mini-tts",
        api_key: str | None = None,
        base_url: str | None = None,
        timeout: float = 60.0,
        voices: tuple[str, ...] = (),
    ) -> None:
        self.name = name
        self.model = model
        self.voices = voices or OPENAI_VOICES
        self._errors = MediaErrors(name, secrets=[api_key], base_url=base_url)
        self._client = _client(api_key, base_url, timeout)

    async def synthesize(self, request: SpeechRequest) -> Media:
        try:
            response = await self._client.audio.speech.create(
                model=self.model,
                voice=request.voice or self.voices[0],
                input=request.text,
                response_format="mp3",
                speed=request.speed,
            )
            data = response.content
        except Exception as exc:
            raise self._errors.map(exc) from exc
        mime = sniff_audio(data)
        if mime is None:
            raise self._errors.unreadable(ValueError("the reply holds no audio"))
        return Media(data, mime, self.name, self.model)

    async def aclose(self) -> None:
        await self._client.close()
