"""The ``[media]`` table of the settings tree: pictures and voices.

```toml
[media]
image = ["openai-images", "forge"]       # failover order for pictures
speech = ["openai-tts", "espeak"]        # failover order for voice lines
directory = "/srv/storyai/media"         # default: media in the user data folder

[media.providers.forge]
kind = "automatic1111"                   # openai, openai-compatible, automatic1111,
base_url = "http://127.0.0.1:7860"       # openai-tts, elevenlabs, espeak
```

Variables: ``STORYAI_MEDIA__IMAGE='["openai-images", "forge"]'`` (JSON),
``STORYAI_MEDIA__PROVIDERS__<NAME>__<FIELD>``. Keys are read like text providers'
(``api_key_env``, default ``OPENAI_API_KEY`` / ``ELEVENLABS_API_KEY``) and never shown.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator, model_validator

IMAGE_KINDS = ("openai", "openai-compatible", "automatic1111")
SPEECH_KINDS = ("openai-tts", "elevenlabs", "espeak")
KEY_VARIABLES = {"openai": "OPENAI_API_KEY", "openai-tts": "OPENAI_API_KEY"}
KEY_VARIABLES["elevenlabs"] = "ELEVENLABS_API_KEY"


class MediaProviderSettings(BaseModel):
    """One picture or voice provider (``[media.providers.NAME]``)."""

    model_config = ConfigDict(extra="forbid", use_attribute_docstrings=True)

    kind: Literal[
        "openai", "openai-compatible", "automatic1111", "openai-tts", "elevenlabs", "espeak"
    ]
    """The API it speaks (pictures: openai, openai-compatible, automatic1111; voices:
    openai-tts (also OpenAI-compatible speech servers with base_url), elevenlabs, espeak)."""
    model: str | None = None
    """The model: gpt-image-1 / dall-e-3, tts-1 / gpt-4o-mini-tts, eleven_multilingual_v2."""
    base_url: str | None = None
    """Where it is: required for openai-compatible and automatic1111."""
    api_key: SecretStr | None = None
    """The key itself (better: ``api_key_env``)."""
    api_key_env: str | None = None
    """The variable to read the key from (default OPENAI_API_KEY / ELEVENLABS_API_KEY)."""
    timeout: float = Field(default=120.0, gt=0)
    """Seconds to wait for one picture or line."""
    voices: list[str] = Field(default_factory=list)
    """The voice pool characters are given voices from (default: the provider's own)."""
    steps: int = Field(default=25, ge=1, le=150)
    """automatic1111: sampling steps."""

    @model_validator(mode="after")
    def _needs_url(self) -> MediaProviderSettings:
        if self.kind in ("openai-compatible", "automatic1111") and not self.base_url:
            raise ValueError(f"a {self.kind} provider needs base_url")
        return self

    @property
    def task(self) -> str:
        return "image" if self.kind in IMAGE_KINDS else "speech"

    def key(self, environ: dict[str, str]) -> str | None:
        if self.api_key is not None:
            return self.api_key.get_secret_value()
        variable = self.api_key_env or KEY_VARIABLES.get(self.kind)
        return environ.get(variable) if variable else None


def _names(value: Any) -> Any:
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    return value


class MediaSettings(BaseModel):
    """Pictures and voices (``[media]``, ``STORYAI_MEDIA__<FIELD>``). Nothing is drawn or
    said unless a provider is listed in ``image`` or ``speech``."""

    model_config = ConfigDict(extra="forbid", use_attribute_docstrings=True)

    enabled: bool = True
    """Off: no pictures or voices anywhere, whatever is configured."""
    image: list[str] = Field(default_factory=list)
    """Failover order of picture providers (names in ``providers``)."""
    speech: list[str] = Field(default_factory=list)
    """Failover order of voice providers."""
    providers: dict[str, MediaProviderSettings] = Field(default_factory=dict)
    """Picture and voice providers by name."""
    directory: Path | None = None
    """Where pictures and audio are kept; default: ``media`` in the user data folder."""
    inline_images: bool = True
    """The TUI draws pictures in the terminal (sixel, kitty or half-blocks)."""
    image_mode: Literal["auto", "halfblock"] = "auto"
    """auto: the best the terminal can show; halfblock: coloured blocks everywhere."""

    @field_validator("image", "speech", mode="before")
    @classmethod
    def _split(cls, value: Any) -> Any:
        return _names(value)

    @model_validator(mode="after")
    def _known(self) -> MediaSettings:
        for task in ("image", "speech"):
            for name in getattr(self, task):
                provider = self.providers.get(name)
                if provider is None:
                    known = ", ".join(sorted(self.providers)) or "none"
                    raise ValueError(
                        f"media.{task} lists {name!r}, which is not in [media.providers] "
                        f"(configured: {known})"
                    )
                if provider.task != task:
                    raise ValueError(
                        f"media.{task} lists {name!r}, a {provider.kind} provider, "
                        f"which makes {'pictures' if provider.task == 'image' else 'voices'}"
                    )
        return self
