"""The media service the settings configure (``[media]``): the adapters of each task in
failover order, the file store, and where bundled worlds keep their pinned pictures."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

from storyai.core.config.media import MediaProviderSettings, MediaSettings
from storyai.core.domain.world import World
from storyai.core.media.port import ImageGenerator, SpeechSynthesizer
from storyai.core.media.router import MediaRouter
from storyai.core.media.store import FileMediaStore

if TYPE_CHECKING:
    from storyai.core.domain.clock import Clock
    from storyai.core.media.service import MediaService
    from storyai.core.play import Play
    from storyai.core.quotas import QuotaPolicy


def default_directory() -> Path:
    import platformdirs

    return Path(platformdirs.user_data_dir("storyai", appauthor=False)) / "media"


def image_adapter(name: str, cfg: MediaProviderSettings) -> ImageGenerator:
    key = cfg.key(dict(os.environ))
    if cfg.kind == "automatic1111":
        from storyai.core.media.adapters.automatic1111 import Automatic1111

        assert cfg.base_url is not None
        return Automatic1111(name, base_url=cfg.base_url, timeout=cfg.timeout, steps=cfg.steps)
    from storyai.core.media.adapters.openai_media import OpenAIImages

    return OpenAIImages(
        name,
        model=cfg.model or "gpt-image-1",
        api_key=key,
        base_url=cfg.base_url,
        timeout=cfg.timeout,
    )


def speech_adapter(name: str, cfg: MediaProviderSettings) -> SpeechSynthesizer:
    key = cfg.key(dict(os.environ))
    voices = tuple(cfg.voices)
    if cfg.kind == "elevenlabs":
        from storyai.core.media.adapters.elevenlabs import ElevenLabsSpeech

        return ElevenLabsSpeech(
            name,
            api_key=key,
            model=cfg.model or "eleven_multilingual_v2",
            base_url=cfg.base_url,
            timeout=cfg.timeout,
            voices=voices,
        )
    if cfg.kind == "espeak":
        from storyai.core.media.adapters.espeak import EspeakSpeech

        return EspeakSpeech(name, voices=voices)
    from storyai.core.media.adapters.openai_media import OpenAISpeech

    return OpenAISpeech(
        name,
        model=cfg.model or "gpt-4o-mini-tts",
        api_key=key,
        base_url=cfg.base_url,
        timeout=cfg.timeout,
        voices=voices,
    )


def router_for(settings: MediaSettings) -> MediaRouter:
    if not settings.enabled:
        return MediaRouter()
    images = [image_adapter(n, settings.providers[n]) for n in settings.image]
    speech = [speech_adapter(n, settings.providers[n]) for n in settings.speech]
    return MediaRouter(images=images, speech=speech)


def bundled_folder(world: World) -> Path | None:
    from storyai.core.worlds.bundled import bundled_world_paths

    path = bundled_world_paths().get(world.id)
    if path is None:
        return None
    return path if path.is_dir() else path.parent


def media_service(
    settings: MediaSettings, play: Play, *, policy: QuotaPolicy, clock: Clock
) -> MediaService:
    from storyai.core.media.service import MediaService

    store = FileMediaStore(settings.directory or default_directory())
    return MediaService(
        play, router_for(settings), store, policy=policy, clock=clock, world_folder=bundled_folder
    )
