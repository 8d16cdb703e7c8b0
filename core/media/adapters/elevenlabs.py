"""ElevenLabs over plain HTTP (``POST /v1/text-to-speech/{voice_id}``, ``xi-api-key``),
no SDK needed; the voice pool is the account's voices (``GET /v1/voices``) unless
configured."""

from __future__ import annotations

import httpx

from storyai.core.domain.errors import AuthFailed
from storyai.core.media.adapters.errors import MediaErrors, checked
from storyai.core.media.port import Media, SpeechRequest, SpeechSynthesizer, sniff_audio

DEFAULT_BASE = "https://api.elevenlabs.io"
DEFAULT_VOICES = ("21m00Tcm4TlvDq8ikWAM", "AZnzlk1XvdvUeBnXmlld", "EXAVITQu4vr4xnSDxMaL")
"""Premade voices every account has (Rachel, Domi, Bella)."""


class ElevenLabsSpeech(SpeechSynthesizer):
    def __init__(
        self,
        name: str,
        *,
        api_key: str | None,
        model: str = "eleven_multilingual_v2",
        base_url: str | None = None,
        timeout: float = 60.0,
        voices: tuple[str, ...] = (),
    ) -> None:
        self.name = name
        self.model = model
        self.base_url = (base_url or DEFAULT_BASE).rstrip("/")
        self.voices = voices or DEFAULT_VOICES
        self._key = api_key
        self._errors = MediaErrors(name, secrets=[api_key], base_url=self.base_url)
        self._http = httpx.AsyncClient(timeout=timeout)

    async def synthesize(self, request: SpeechRequest) -> Media:
        if not self._key:
            raise AuthFailed(
                f"{self.name}: no ElevenLabs key", provider=self.name, hint="set ELEVENLABS_API_KEY"
            )
        voice = request.voice or self.voices[0]
        url = f"{self.base_url}/v1/text-to-speech/{voice}?output_format=mp3_44100_128"
        try:
            response = await checked(
                await self._http.post(
                    url,
                    headers={"xi-api-key": self._key, "accept": "audio/mpeg"},
                    json={"text": request.text, "model_id": self.model},
                ),
                self._errors,
            )
            data = response.content
        except httpx.HTTPError as exc:
            raise self._errors.map(exc) from exc
        mime = sniff_audio(data)
        if mime is None:
            raise self._errors.unreadable(ValueError("the reply holds no audio"))
        return Media(data, mime, self.name, self.model)

    async def aclose(self) -> None:
        await self._http.aclose()
