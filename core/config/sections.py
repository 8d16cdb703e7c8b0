"""The ``quota`` and ``discord`` tables of the settings tree.

Their variables take one underscore after the table's name:
``STORYAI_QUOTA_USER_TURNS`` sets ``quota.user_turns``, ``STORYAI_DISCORD_TOKEN``
sets ``discord.token``.
"""

from __future__ import annotations

import math
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any
from urllib.parse import urlsplit

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    SecretStr,
    field_validator,
    model_validator,
)

from storyai.core.quotas import QuotaPolicy

UNLIMITED_WORDS = frozenset({"unlimited", "none", "off"})
"""Values of a limit that mean "no limit"."""
_DEFAULT = QuotaPolicy()


def _limit(value: Any) -> int | None:
    """A daily limit: a whole number >= 0, or unlimited / none / off (no limit)."""
    if value is None or (isinstance(value, str) and value.strip().lower() in UNLIMITED_WORDS):
        return None
    text = str(value).strip()
    if isinstance(value, bool | float) or not (text.isascii() and text.isdigit()):
        raise ValueError(f"must be a whole number of 0 or more, or 'unlimited', not {value!r}")
    return int(text)


def _rate(value: Any) -> float:
    try:
        rate = float(Decimal(str(value).strip()))
    except (InvalidOperation, ValueError):
        rate = -1.0
    if isinstance(value, bool) or not 0 < rate < math.inf:
        raise ValueError(f"must be a number above 0, not {value!r}")
    return rate


Limit = Annotated[int | None, BeforeValidator(_limit)]


def _drop_blanks(data: Any) -> Any:
    """``user_turns = ""`` keeps the default (compose passes unset variables as "")."""
    if isinstance(data, dict):
        return {k: v for k, v in data.items() if not (isinstance(v, str) and not v.strip())}
    return data


class QuotaSettings(BaseModel):
    """Daily limits per player and per server (``[quota]``, ``STORYAI_QUOTA_<FIELD>``).
    A limit of ``unlimited`` lifts it; 0 allows nothing. ``policy()`` is what the quota
    code uses."""

    model_config = ConfigDict(extra="forbid", frozen=True, use_attribute_docstrings=True)

    user_turns: Limit = _DEFAULT.user_turns
    """Turns a player may play per UTC day."""
    guild_turns: Limit = _DEFAULT.guild_turns
    """Turns all players of one server (Discord guild) may play per UTC day."""
    user_credits: Limit = _DEFAULT.user_credits
    """Credits a player may spend per UTC day (model turns only)."""
    guild_credits: Limit = _DEFAULT.guild_credits
    """Credits one server may spend per UTC day."""
    credits_per_usd: Annotated[float, BeforeValidator(_rate)] = _DEFAULT.credits_per_usd
    """Credits per US dollar of model cost (100: a credit is a cent)."""

    @model_validator(mode="before")
    @classmethod
    def _blanks(cls, data: Any) -> Any:
        return _drop_blanks(data)

    def policy(self) -> QuotaPolicy:
        return QuotaPolicy(**self.model_dump())


class DiscordSettings(BaseModel):
    """The Discord bot (``[discord]``, ``STORYAI_DISCORD_<FIELD>``)."""

    model_config = ConfigDict(extra="forbid", frozen=True, use_attribute_docstrings=True)

    token: SecretStr | None = None
    """The bot's token, from the Discord developer portal (Bot → Token)."""
    api_base: str | None = None
    """Discord's REST API base, version included; default https://discord.com/api/v10.
    For tests and Discord-compatible self-hosted servers."""
    gateway_url: str | None = None
    """Discord's gateway WebSocket; default wss://gateway.discord.gg/. For tests and
    Discord-compatible self-hosted servers."""

    @field_validator("token", mode="before")
    @classmethod
    def _blank_token(cls, value: Any) -> Any:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("api_base")
    @classmethod
    def _http_url(cls, value: str | None) -> str | None:
        return _url(value, ("http", "https"), "http://127.0.0.1:8080/api/v10")

    @field_validator("gateway_url")
    @classmethod
    def _ws_url(cls, value: str | None) -> str | None:
        return _url(value, ("ws", "wss"), "ws://127.0.0.1:8080/gateway")


def _url(value: str | None, schemes: tuple[str, ...], example: str) -> str | None:
    if value is None or not value.strip():
        return None
    value = value.strip()
    parts = urlsplit(value)
    if parts.scheme not in schemes or not parts.netloc:
        raise ValueError(f"must be a {' or '.join(schemes)} URL such as {example}, not {value!r}")
    return value
