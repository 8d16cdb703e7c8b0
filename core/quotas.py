"""Daily quotas: the policy (how many turns and credits each player and server may use).

The use cases that count and charge turns are in ``storyai.core.play.quota``.

The rules (``QuotaPolicy``; every number is configurable):

* **Turns.** A player (a platform user id) has 25 turns a UTC day, a server (a
  Discord guild) 500 across all its players. Every turn counts, whichever narrator
  tells it. Both refresh at 00:00 UTC.
* **Credits.** 100 credits are one US dollar of model time (``credits_per_usd``). A
  turn told by a model costs ``ceil(cost_usd * credits_per_usd)`` credits, at least
  1 (a local model costs 1); a turn told by the offline narrator costs none. A
  player has 100 credits a day, a server 1,000.

A turn is counted in the same transaction that stores the player's action, before
any model is called, and charged its real cost in the transaction that stores its
telling; a turn refused before anything is stored counts nothing.
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping
from dataclasses import dataclass, fields
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from storyai.core.domain.errors import StoryError

USER = "user"
GUILD = "guild"
ENV_PREFIX = "STORYAI_QUOTA_"
"""``STORYAI_QUOTA_USER_TURNS`` etc.: one variable per ``QuotaPolicy`` field."""
MIN_TURN_CREDITS = 1
"""What a turn told by a model costs at least; held from its reservation on."""
UNLIMITED_WORDS = frozenset({"unlimited", "none", "off"})
"""Values of a limit that mean "no limit"."""


@dataclass(frozen=True)
class QuotaPolicy:
    """Daily limits per user and per server (guild); ``None`` means no limit.

    Read from a mapping (``from_mapping``, e.g. the ``[quota]`` table of the storyai
    config file) or the environment (``from_env``: ``STORYAI_QUOTA_USER_TURNS``, ...),
    or both (``load``).
    """

    user_turns: int | None = 25
    guild_turns: int | None = 500
    user_credits: int | None = 100
    guild_credits: int | None = 1000
    credits_per_usd: float = 100.0

    def __post_init__(self) -> None:
        for name in ("user_turns", "guild_turns", "user_credits", "guild_credits"):
            value = getattr(self, name)
            if value is not None and (
                isinstance(value, bool) or not isinstance(value, int) or value < 0
            ):
                raise ValueError(f"{name} must be a whole number >= 0 or None, not {value!r}")
        rate = self.credits_per_usd
        if isinstance(rate, bool) or not isinstance(rate, int | float) or not 0 < rate < math.inf:
            raise ValueError(f"credits_per_usd must be a number > 0, not {rate!r}")

    def limits(self, scope: str) -> tuple[int | None, int | None]:
        """(turns, credits) a day for ``"user"`` or ``"guild"``."""
        if scope == USER:
            return self.user_turns, self.user_credits
        if scope == GUILD:
            return self.guild_turns, self.guild_credits
        raise ValueError(f"unknown quota scope {scope!r}")

    def credits_for(self, cost_usd: float | None) -> int:
        """What a model turn that cost ``cost_usd`` costs in credits: rounded up, at least
        ``MIN_TURN_CREDITS``; an unknown cost (None) costs the minimum."""
        if cost_usd is None or not math.isfinite(cost_usd) or cost_usd <= 0:
            return MIN_TURN_CREDITS
        # Decimal from the printed floats: 0.07 USD at 100 credits is 7 credits, not 8.
        exact = Decimal(str(cost_usd)) * Decimal(str(self.credits_per_usd))
        return max(MIN_TURN_CREDITS, math.ceil(exact))

    @classmethod
    def from_mapping(
        cls, data: Mapping[str, Any], *, source: str = "quota settings"
    ) -> QuotaPolicy:
        """A policy from ``{"user_turns": 25, "guild_credits": "unlimited", ...}``; missing
        keys keep their defaults. Raises ``StoryError`` naming ``source`` and the key."""
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise StoryError(
                f"The {source} have unknown keys: {', '.join(unknown)}.",
                hint=f"Use {', '.join(sorted(known))}.",
            )
        values = {
            name: _parse(name, value, source)
            for name, value in data.items()
            if not (isinstance(value, str) and not value.strip())  # "" keeps the default
        }
        return cls(**values)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> QuotaPolicy:
        """A policy from ``STORYAI_QUOTA_<FIELD>`` variables, e.g.
        ``STORYAI_QUOTA_USER_TURNS=50``, ``STORYAI_QUOTA_GUILD_CREDITS=unlimited``; unset
        or empty ones keep the defaults. The config file is not read (``load`` does)."""
        return cls.load(environ, config_file=None, read_file=False)

    @classmethod
    def load(
        cls,
        environ: Mapping[str, str] | None = None,
        config_file: Path | None = None,
        *,
        read_file: bool = True,
    ) -> QuotaPolicy:
        """The policy: ``STORYAI_QUOTA_*`` variables over the ``[quota]`` table of the
        storyai config file (``config_file``, else ``$STORYAI_CONFIG``, else the user
        config folder; a missing file is fine) over the defaults."""
        env = os.environ if environ is None else environ
        data: dict[str, Any] = {}
        source = "quota settings"
        if read_file:
            from storyai.core.providers.settings import default_config_path, read_config_file

            path = config_file if config_file is not None else default_config_path(env)
            table = read_config_file(path).get("quota", {})
            if not isinstance(table, Mapping):
                raise StoryError(f"[quota] in the storyai config file {path} is not a table.")
            data.update(table)
            source = f"quota settings ([quota] in {path}, or {ENV_PREFIX}* variables)"
        for field in fields(cls):
            value = env.get(ENV_PREFIX + field.name.upper())
            if value is not None and value.strip():
                data[field.name] = value
        return cls.from_mapping(data, source=source)


def _parse(name: str, value: Any, source: str) -> int | float | None:
    variable = ENV_PREFIX + name.upper()
    where = f"{name} in the {source}"
    if name == "credits_per_usd":
        try:
            rate = float(Decimal(str(value).strip()))
        except (InvalidOperation, ValueError):
            rate = -1.0
        if isinstance(value, bool) or not 0 < rate < math.inf:
            raise StoryError(
                f"{where} must be a number above 0, not {value!r}.",
                hint=f"e.g. {variable}=100 (1 credit = 1 US cent)",
            )
        return rate
    if value is None or (isinstance(value, str) and value.strip().lower() in UNLIMITED_WORDS):
        return None
    text = str(value).strip()
    if isinstance(value, bool) or not (text.isascii() and text.isdigit()):
        raise StoryError(
            f"{where} must be a whole number of 0 or more, or 'unlimited', not {value!r}.",
            hint=f"e.g. {variable}=25",
        )
    return int(text)
