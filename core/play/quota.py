"""Counting and charging turns against the daily quotas (``storyai.core.quotas``).

A turn is counted (``reserve``) in the unit of work that stores the player's action,
before any model is called: a refused turn stores nothing, and two turns at once never
share the last slot, because each counter is checked and counted in one atomic step
(``QuotaRepository.take``; the user's counter first, then the server's). A model turn
holds ``MIN_TURN_CREDITS`` from then on, so a player with 1 credit left cannot start
two. ``settle`` charges the rest in the unit of work that stores the telling, once the
real cost is known; a turn may end a little over the credit allowance (its cost is
only known afterwards) and the next one is refused. Counters belong to the UTC day the
turn was counted on. ``usage_report`` is what ``/usage`` shows.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from storyai.core.domain.clock import Clock
from storyai.core.domain.errors import QuotaExceeded, until
from storyai.core.domain.records import QuotaCounter
from storyai.core.media.credits import IMAGE_CREDITS, SPEECH_MAX, SPEECH_STEPS
from storyai.core.quotas import GUILD, MIN_TURN_CREDITS, USER, QuotaPolicy
from storyai.core.storage.ports import UnitOfWork, UnitOfWorkFactory


def _count(number: int, kind: str) -> str:
    return f"{number} {kind if number != 1 else kind[:-1]}"


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
    now = (clock or Clock()).now()
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


async def reserve(
    uow: UnitOfWork,
    *,
    user: str,
    guild: str | None = None,
    clock: Clock | None = None,
    policy: QuotaPolicy | None = None,
    uses_model: bool = True,
) -> Reservation:
    """Count one turn for ``user`` (and ``guild``, outside DMs and local play) today, in
    ``uow``. ``uses_model``: a model will tell the turn (it then needs, and holds,
    ``MIN_TURN_CREDITS`` credits); False for the offline narrator.

    Raises ``QuotaExceeded`` when a daily limit is used up (roll ``uow`` back: what
    was counted for the user already goes with it).
    """
    _check_ids(user, guild)
    policy = policy or QuotaPolicy()
    now, day = _today(clock)
    held = MIN_TURN_CREDITS if uses_model else 0
    for scope, key in _scopes(user, guild):
        max_turns, max_credits = policy.limits(scope)
        taken = await uow.quotas.take(
            scope, key, day, credits=held, max_turns=max_turns, max_credits=max_credits
        )
        if taken is None:
            counter = await uow.quotas.get(scope, key, day)
            raise _refusal(counter, max_turns, max_credits, now)
    return Reservation(user, guild, day, uses_model, held, policy)


async def reserve_turn(
    uow_factory: UnitOfWorkFactory,
    *,
    user: str,
    guild: str | None = None,
    clock: Clock | None = None,
    policy: QuotaPolicy | None = None,
    uses_model: bool = True,
) -> Reservation:
    """``reserve`` in a unit of work of its own, committed."""
    async with uow_factory() as uow:
        reservation = await reserve(
            uow, user=user, guild=guild, clock=clock, policy=policy, uses_model=uses_model
        )
        await uow.commit()
    return reservation


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


def charge_of(reservation: Reservation, cost_usd: float | None) -> int:
    """What the turn costs in credits: ``policy.credits_for(cost_usd)`` for a model
    turn (None: cost unknown, the minimum), 0 for an offline one."""
    if not reservation.uses_model:
        return 0
    return reservation.policy.credits_for(cost_usd)


async def settle_in(uow: UnitOfWork, reservation: Reservation, cost_usd: float | None) -> int:
    """Charge the turn's credits in ``uow``, once it is told. Returns them.

    Raises ``ValueError`` when the reservation was settled or released already.
    """
    if reservation.state != "reserved":
        raise ValueError(f"this turn's reservation was {reservation.state} already")
    charged = charge_of(reservation, cost_usd)
    extra = charged - reservation.held_credits
    if extra:
        for scope, key in _scopes(reservation.user, reservation.guild):
            await uow.quotas.add(scope, key, reservation.day, credits=extra)
    reservation.state = "settled"
    reservation.charged = charged
    return charged


async def settle(
    uow_factory: UnitOfWorkFactory, reservation: Reservation, cost_usd: float | None
) -> int:
    """``settle_in`` in a unit of work of its own, committed."""
    async with uow_factory() as uow:
        charged = await settle_in(uow, reservation, cost_usd)
        await uow.commit()
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
        lines.append(
            f"A picture costs {min(IMAGE_CREDITS.values())}-{max(IMAGE_CREDITS.values())} "
            f"credits by size, a voice line {SPEECH_STEPS[0][1]}-{SPEECH_MAX} by length; "
            "one shown again costs none."
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
