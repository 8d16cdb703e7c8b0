"""Settings from the environment (prefix ``STORYAI_``)."""

from __future__ import annotations

from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """What the user configures. Nothing here is read at import time."""

    model_config = SettingsConfigDict(env_prefix="STORYAI_", extra="ignore")

    database_url: str | None = None
    """SQLAlchemy URL. Default: a SQLite file in the user's data directory."""


def load_settings() -> Settings:
    return Settings()
