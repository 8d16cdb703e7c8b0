"""Daily quotas: how many turns and credits each player and each server may use.

The rules (``QuotaPolicy``; every number is configurable):

* **Turns.** A player (a platform user id) has 25 turns a UTC day, a server (a
  Discord guild) 500 across all its players. Every turn counts, whichever narrator
  tells it. Both refresh at 00:00 UTC.
* **Credits.** 100 credits are one US dollar of model time (``credits_per_usd``). A
  turn told by a model costs ``ceil(cost_usd * credits_per_usd)`` credits, at least
  1 (a local model costs 1); a turn told by the offline narrator costs none. A
  player has 100 credits a day, a server 1,000.

How a turn is metered, before any model is called::

    reservation = await reserve_turn(uow_factory, user=uid, guild=gid, clock=clock,
                                     policy=policy, uses_model=True)  # or QuotaExceeded
    try:
        result = await play(...)              # the model is called in here
    except BeforeTheModel:                    # nothing was spent: give the turn back
        await release(uow_factory, reservation)
        raise
    await settle(uow_factory, reservation, result.usage.cost_usd)

``reserve_turn`` checks and counts in one atomic step per counter (the user's, then
the server's; see ``QuotaRepository.take``), so concurrent turns never share the last
slot, across bot processes too. It also holds the minimum cost of a model turn
(1 credit), so a player with 1 credit left cannot start two model turns at once;
``settle`` charges the rest once the real cost is known. A turn may end a little
over the credit allowance (its cost is only known afterwards): the next one is
refused. Counters belong to the UTC day the turn was reserved on, so a turn that
runs past midnight is settled on the day it started.

``usage_report`` is what ``/usage`` shows.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Protocol

from storyai.core.domain.errors import StoryError
from storyai.core.domain.records import QuotaCounter
from storyai.core.storage.ports import UnitOfWorkFactory

USER = "user"
GUILD = "guild"
MIN_TURN_CREDITS = 1
"""What a turn told by a model costs at least; held from its reservation on."""


class Clock(Protocol):
    """Anything with ``now()`` returning an aware datetime (``sessions.Clock`` fits)."""

    def now(self) -> datetime: ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


@dataclass(frozen=True)
class QuotaPolicy:
    """Daily limits per user and per server (guild); ``None`` means no limit.

    Configured in the settings tree (``[quota]``, ``STORYAI_QUOTA_USER_TURNS``, ...:
    ``storyai.core.config.QuotaSettings``); ``bootstrap.build`` hands it to every
    interface as ``container.quota``.
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


# ------------------------------------------------------------------------------ errors


class QuotaExceeded(StoryError):
    """A daily limit refuses the turn. The message is ready to show the player."""

    def __init__(
        self, *, scope: str, kind: str, limit: int, resets_at: datetime, now: datetime
    ) -> None:
        super().__init__(_exhausted(scope, kind, limit, resets_at, now))
        self.scope = scope
        """"user" or "guild": whose limit it is."""
        self.kind = kind
        """"turns" or "credits"."""
        self.limit = limit
        self.resets_at = resets_at


def _exhausted(scope: str, kind: str, limit: int, resets_at: datetime, now: datetime) -> str:
    who, whose = ("You have", "your") if scope == USER else ("This server has", "its")
    if limit == 0:
        subject = "you" if scope == USER else "this server"
        return f"No {kind} are allowed for {subject}: the daily limit is 0."
    amount = _count(limit, kind)
    return (
        f"{who} used {whose} {amount} for today; they refresh at "
        f"{resets_at:%H:%M} UTC (in {until(now, resets_at)})."
    )


def _count(number: int, kind: str) -> str:
    return f"{number} {kind if number != 1 else kind[:-1]}"


def until(now: datetime, then: datetime) -> str:
    """``"3 h 12 min"``: the time from ``now`` to ``then``, minutes rounded up."""
    minutes = max(0, math.ceil((then - now).total_seconds() / 60))
    hours, minutes = divmod(minutes, 60)
    if hours and minutes:
        return f"{hours} h {minutes} min"
    if hours:
        return f"{hours} h"
    return f"{minutes} min"


def resets_at(day: date) -> datetime:
    """When the counters of ``day`` stop counting: the next 00:00 UTC."""
    return datetime.combine(day + timedelta(days=1), time(0), tzinfo=UTC)


# ------------------------------------------------------------------------ use cases


@dataclass
class Reservation:
    """One counted turn, from ``reserve_turn`` until ``settle`` or ``release``."""

    user: str
    guild: str | None
    day: date
    """The UTC day the turn counts on (also when it is settled after midnight)."""
    uses_model: bool
    held_credits: int
    """Credits counted at reservation: the minimum cost of a model turn, or 0."""
    policy: QuotaPolicy
    state: str = "reserved"
    """"reserved", then "settled" or "released"."""
    charged: int = 0
    """The credits the turn cost in the end (after ``settle``)."""


def _scopes(user: str, guild: str | None) -> Iterator[tuple[str, str]]:
    """The counters a turn touches, user first: the order every writer locks them in."""
    yield USER, user
    if guild is not None:
        yield GUILD, guild


def _today(clock: Clock | None) -> tuple[datetime, date]:
    now = (clock or SystemClock()).now()
    if now.tzinfo is None:
        raise ValueError(f"naive datetime {now!r} from the clock: give an aware one (UTC)")
    now = now.astimezone(UTC)
    return now, now.date()


MAX_KEY_LENGTH = 64
"""The longest user or guild id a counter holds (Discord ids have up to 20 digits)."""


def _check_ids(user: str, guild: str | None) -> None:
    if not user:
        raise ValueError("a quota needs a user id")
    if guild is not None and not guild:
        raise ValueError("a guild id cannot be empty (pass None outside a server)")
    for key in (user, guild or ""):
        if len(key) > MAX_KEY_LENGTH:
            raise ValueError(f"a quota key has at most {MAX_KEY_LENGTH} characters: {key!r}")


async def reserve_turn(
    uow_factory: UnitOfWorkFactory,
    *,
    user: str,
    guild: str | None = None,
    clock: Clock | None = None,
    policy: QuotaPolicy | None = None,
    uses_model: bool = True,
) -> Reservation:
    """Count one turn for ``user`` (and ``guild``, outside DMs and local play) today,
    before anything is played. ``uses_model``: a model will tell the turn (it then
    needs, and holds, ``MIN_TURN_CREDITS`` credits); False for the offline narrator.

    Raises ``QuotaExceeded`` (nothing counted) when a daily limit is used up.
    """
    _check_ids(user, guild)
    policy = policy or QuotaPolicy()
    now, day = _today(clock)
    held = MIN_TURN_CREDITS if uses_model else 0
    async with uow_factory() as uow:
        for scope, key in _scopes(user, guild):
            max_turns, max_credits = policy.limits(scope)
            taken = await uow.quotas.take(
                scope, key, day, credits=held, max_turns=max_turns, max_credits=max_credits
            )
            if taken is None:
                counter = await uow.quotas.get(scope, key, day)
                # Leaving the block rolls back what was counted for the user already.
                raise _refusal(counter, max_turns, max_credits, now)
        await uow.commit()
    return Reservation(user, guild, day, uses_model, held, policy)


def _refusal(
    counter: QuotaCounter, max_turns: int | None, max_credits: int | None, now: datetime
) -> QuotaExceeded:
    if max_turns is not None and counter.turns >= max_turns:
        kind, limit = "turns", max_turns
    else:
        kind, limit = "credits", max_credits or 0
    return QuotaExceeded(
        scope=counter.scope, kind=kind, limit=limit, resets_at=resets_at(counter.day), now=now
    )


async def settle(
    uow_factory: UnitOfWorkFactory, reservation: Reservation, cost_usd: float | None
) -> int:
    """Charge the turn's credits once it is played: ``policy.credits_for(cost_usd)`` for
    a model turn (None: cost unknown, the minimum), 0 for an offline one. Returns them.

    Raises ``ValueError`` when the reservation was settled or released already.
    """
    if reservation.state != "reserved":
        raise ValueError(f"this turn's reservation was {reservation.state} already")
    charged = reservation.policy.credits_for(cost_usd) if reservation.uses_model else 0
    extra = charged - reservation.held_credits
    if extra:
        async with uow_factory() as uow:
            for scope, key in _scopes(reservation.user, reservation.guild):
                await uow.quotas.add(scope, key, reservation.day, credits=extra)
            await uow.commit()
    reservation.state = "settled"
    reservation.charged = charged
    return charged


async def release(uow_factory: UnitOfWorkFactory, reservation: Reservation) -> bool:
    """Give the turn (and its held credits) back: for a turn that failed before any
    model was called. False, changing nothing, when it was settled or released already,
    so ``release`` is safe in a ``finally`` after ``settle``."""
    if reservation.state != "reserved":
        return False
    async with uow_factory() as uow:
        for scope, key in _scopes(reservation.user, reservation.guild):
            await uow.quotas.add(
                scope, key, reservation.day, turns=-1, credits=-reservation.held_credits
            )
        await uow.commit()
    reservation.state = "released"
    return True


@dataclass(frozen=True)
class ScopeUsage:
    """What one user or server used today, against its limits (None: no limit)."""

    scope: str
    key: str
    turns: int
    credits: int
    max_turns: int | None
    max_credits: int | None

    @property
    def turns_left(self) -> int | None:
        return None if self.max_turns is None else max(0, self.max_turns - self.turns)

    @property
    def credits_left(self) -> int | None:
        return None if self.max_credits is None else max(0, self.max_credits - self.credits)

    def describe(self) -> str:
        """``"3 of 25 turns (22 left), 12 of 100 credits (88 left) used today"``."""
        return (
            f"{_used(self.turns, self.max_turns, self.turns_left, 'turns')}, "
            f"{_used(self.credits, self.max_credits, self.credits_left, 'credits')} used today"
        )


def _used(used: int, limit: int | None, left: int | None, kind: str) -> str:
    if limit is None:
        return f"{_count(used, kind)} (no limit)"
    return f"{used} of {_count(limit, kind)} ({left} left)"


@dataclass(frozen=True)
class QuotaReport:
    """``/usage``: today's turns and credits for the user and the server."""

    day: date
    now: datetime
    user: ScopeUsage
    guild: ScopeUsage | None
    credits_per_usd: float

    @property
    def resets_at(self) -> datetime:
        return resets_at(self.day)

    def lines(self) -> list[str]:
        lines = [f"You: {self.user.describe()}."]
        if self.guild is not None:
            lines.append(f"This server: {self.guild.describe()}.")
        lines.append(
            f"They refresh at {self.resets_at:%H:%M} UTC (in {until(self.now, self.resets_at)})."
        )
        rate = f"{self.credits_per_usd:g}"
        lines.append(
            f"A turn told by an AI model costs its price in credits ({rate} credits = 1 USD), "
            f"at least {MIN_TURN_CREDITS}; offline turns cost none."
        )
        return lines

    def text(self) -> str:
        return "\n".join(self.lines())


async def usage_report(
    uow_factory: UnitOfWorkFactory,
    *,
    user: str,
    guild: str | None = None,
    clock: Clock | None = None,
    policy: QuotaPolicy | None = None,
) -> QuotaReport:
    """Today's (UTC) usage and what is left, for ``user`` and ``guild``."""
    _check_ids(user, guild)
    policy = policy or QuotaPolicy()
    now, day = _today(clock)
    found: dict[str, ScopeUsage] = {}
    async with uow_factory() as uow:
        for scope, key in _scopes(user, guild):
            counter = await uow.quotas.get(scope, key, day)
            max_turns, max_credits = policy.limits(scope)
            found[scope] = ScopeUsage(
                scope, key, counter.turns, counter.credits, max_turns, max_credits
            )
    return QuotaReport(day, now, found[USER], found.get(GUILD), policy.credits_per_usd)
