"""Daily quotas: the policy (how many turns and credits each player and server may use).

The rules (``QuotaPolicy``; every number is configurable in the settings tree:
``[quota]``, ``STORYAI_QUOTA_USER_TURNS``, ...: ``storyai.core.config``):

* **Turns.** A player (a platform user id) has 25 turns a UTC day, a server (a
  Discord guild) 500 across all its players. Every turn counts, whichever narrator
  tells it. Both refresh at 00:00 UTC.
* **Credits.** 100 credits are one US dollar of model time (``credits_per_usd``). A
  turn told by a model costs ``ceil(cost_usd * credits_per_usd)`` credits, at least
  1 (a local model costs 1); a turn told by the offline narrator costs none. A
  player has 100 credits a day, a server 1,000.

The use cases that count and charge turns are in ``storyai.core.play.quota``: a turn is
counted in the same transaction that stores the player's action, before any model is
called, and charged its real cost in the transaction that stores its telling; a turn
refused before anything is stored counts nothing.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import Decimal

USER = "user"
GUILD = "guild"
MIN_TURN_CREDITS = 1
"""What a turn told by a model costs at least; held from its reservation on."""


@dataclass(frozen=True)
class QuotaPolicy:
    """Daily limits per user and per server (guild); ``None`` means no limit.

    Configured in the settings tree (``storyai.core.config.QuotaSettings``);
    ``bootstrap.build`` hands it to every interface as ``container.quota``.
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
