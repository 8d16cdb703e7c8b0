"""``Settings``: the root of the settings tree (see the package docstring)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

from pydantic import BaseModel, Field, PrivateAttr, field_validator, model_validator
from pydantic_settings import (
    BaseSettings,
    NoDecode,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
)

from storyai.core.config import providers as prov
from storyai.core.config.files import CONFIG_ENV
from storyai.core.config.media import MediaSettings
from storyai.core.config.sections import DiscordSettings, QuotaSettings
from storyai.core.config.sources import (
    ENV_PREFIX,
    FLAT_SECTIONS,
    FileSource,
    MappingEnvSource,
    current,
)


def _split_names(value: Any) -> Any:
    """``"anthropic, local"`` or ``'["anthropic", "local"]'`` → a list of names."""
    if isinstance(value, str):
        text = value.strip()
        if text.startswith("["):
            return json.loads(text)
        return [part.strip() for part in text.split(",") if part.strip()]
    return value


class Settings(BaseSettings):
    """Everything a user configures, in one tree. Build it with ``load_settings()``."""

    model_config = SettingsConfigDict(
        env_prefix="STORYAI_",
        env_nested_delimiter="__",
        env_ignore_empty=True,
        extra="forbid",
        use_attribute_docstrings=True,
    )

    database_url: str | None = None
    """Where worlds, sessions and quotas are kept: ``postgresql://user:pw@host/db`` or
    ``sqlite:///path/storyai.db``. Default: ``storyai.db`` in the user data folder."""
    providers: dict[str, prov.ProviderSettings] = Field(default_factory=dict)
    """Language-model providers by name (``[providers.NAME]``), plus those found from
    ``OPENAI_API_KEY``, ``ANTHROPIC_API_KEY``, ``STORYAI_LOCAL_BASE_URL``, ``OLLAMA_HOST``."""
    narration: Annotated[list[str], NoDecode] = Field(default_factory=list)
    """Failover order of providers for narration (comma-separated in the variable).
    Default: anthropic, openai, local (those configured), then the others."""
    summary: Annotated[list[str], NoDecode] = Field(default_factory=list)
    """Failover order for chapter summaries. Default: as ``narration``."""
    prices: dict[str, dict[str, float]] = Field(default_factory=dict)
    """Price overrides per model, USD per million tokens (``[prices."model"]``: input,
    cached_input, cache_write, output); JSON in the variable."""
    cache: bool = False
    """Cache identical model requests on disk (tests and demos)."""
    cache_dir: Path | None = None
    """Where that cache lives. Default: ``replies`` in the user cache folder."""
    quota: QuotaSettings = Field(default_factory=QuotaSettings)
    """Daily turn and credit limits per player and per server (``[quota]``)."""
    discord: DiscordSettings = Field(default_factory=DiscordSettings)
    """The Discord bot's token and, for tests, the Discord endpoints (``[discord]``)."""
    media: MediaSettings = Field(default_factory=MediaSettings)
    """Pictures and voices: providers and where files are kept (``[media]``)."""

    _config_file: Path | None = PrivateAttr(default=None)

    @property
    def config_file(self) -> Path | None:
        """The TOML file these settings were read from (None when there was none)."""
        return self._config_file

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        ctx = current()
        return (
            init_settings,
            MappingEnvSource(settings_cls, ctx.environ),
            FileSource(settings_cls, ctx.file_data),
        )

    @field_validator("providers", mode="before")
    @classmethod
    def _infer_kinds(cls, value: Any) -> Any:
        return prov.infer_kinds(value)

    @field_validator("narration", "summary", mode="before")
    @classmethod
    def _names(cls, value: Any) -> Any:
        return _split_names(value)

    @field_validator("prices")
    @classmethod
    def _price_keys(cls, value: dict[str, dict[str, float]]) -> dict[str, dict[str, float]]:
        return prov.check_prices(value)

    @model_validator(mode="after")
    def _complete(self) -> Settings:
        ctx = current()
        self._config_file = ctx.file if ctx.file_data else None
        prov.detect_providers(self.providers, ctx.environ)
        for name, cfg in self.providers.items():
            prov.resolve_key(name, cfg, ctx)
        if not self.narration:
            self.narration = prov.default_order(self.providers)
        if not self.summary:
            self.summary = list(self.narration)
        for task in ("narration", "summary"):
            for name in getattr(self, task):
                if name not in self.providers:
                    known = ", ".join(sorted(self.providers)) or "none"
                    where = ctx.source((task,))
                    raise ValueError(
                        f"{task}{f' ({where})' if where else ''} lists the provider "
                        f"{name!r}, which is not configured (configured: {known})"
                    )
        return self

    def prices_for(self, model: str) -> dict[str, float] | None:
        """The configured price override for ``model`` (USD per million tokens), if any."""
        return self.prices.get(model)


def variables() -> list[str]:
    """Every environment variable the tree reads, by name (one provider field:
    ``STORYAI_PROVIDERS__<NAME>__<FIELD>``)."""
    names = [CONFIG_ENV]
    for name, info in Settings.model_fields.items():
        if name in FLAT_SECTIONS:
            section = info.annotation
            assert isinstance(section, type) and issubclass(section, BaseModel)
            names += [f"{ENV_PREFIX}{name}_{sub}".upper() for sub in section.model_fields]
        elif name == "providers":
            names.append(f"{ENV_PREFIX}PROVIDERS__<NAME>__<FIELD>")
        else:
            names.append(f"{ENV_PREFIX}{name.upper()}")
    return names + list(prov.WELL_KNOWN_VARIABLES)
