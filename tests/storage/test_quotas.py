"""Daily quotas on every backend: memory, SQLite and PostgreSQL (the ``storage`` /
``uow_factory`` fixtures in conftest.py). Time comes from a clock the test sets."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone

import pytest
from sqlalchemy import text

from storyai.core.domain.errors import QuotaExceeded
from storyai.core.domain.records import QuotaCounter
from storyai.core.play.quota import Reservation, release, reserve_turn, settle, usage_report
from storyai.core.quotas import QuotaPolicy
from storyai.core.storage.ports import UnitOfWorkFactory

EVENING = datetime(2026, 3, 4, 20, 48, tzinfo=UTC)
"""3 h 12 min before the counters of 2026-03-04 refresh."""
DAY = EVENING.date()
SAFETY_NET = 20.0
"""Seconds before a concurrency test gives up instead of hanging; never part of the proof."""


@dataclass
class FixedClock:
    moment: datetime

    def now(self) -> datetime:
        return self.moment


async def reserve_many(
    uow_factory: UnitOfWorkFactory,
    count: int,
    *,
    user: str = "ada",
    guild: str | None = "guild-1",
    clock: FixedClock | None = None,
    policy: QuotaPolicy | None = None,
    uses_model: bool = True,
) -> list[Reservation]:
    clock = clock or FixedClock(EVENING)
    return [
        await reserve_turn(
            uow_factory, user=user, guild=guild, clock=clock, policy=policy, uses_model=uses_model
        )
        for _ in range(count)
    ]


async def counters(uow_factory: UnitOfWorkFactory, scope: str, key: str, day: date = DAY):
    async with uow_factory() as uow:
        found = await uow.quotas.get(scope, key, day)
    return found.turns, found.credits


# ------------------------------------------------------------------------------ turns


async def test_the_26th_turn_of_a_day_is_refused_with_a_message(uow_factory) -> None:
    clock = FixedClock(EVENING)
    await reserve_many(uow_factory, 25, clock=clock)

    with pytest.raises(QuotaExceeded) as refused:
        await reserve_turn(uow_factory, user="ada", guild="guild-1", clock=clock)

    assert str(refused.value) == (
        "You have used your 25 turns for today; they refresh at 00:00 UTC (in 3 h 12 min)."
    )
    assert (refused.value.scope, refused.value.kind, refused.value.limit) == ("user", "turns", 25)
    assert refused.value.resets_at == datetime(2026, 3, 5, tzinfo=UTC)
    # The refused turn counted nowhere: not for the player, not for the server.
    assert await counters(uow_factory, "user", "ada") == (25, 25)
    assert await counters(uow_factory, "guild", "guild-1") == (25, 25)


async def test_a_new_utc_day_starts_from_zero(uow_factory) -> None:
    # 01:30 in UTC+2 is still 23:30 UTC on the 4th: the day is the UTC one.
    late = FixedClock(datetime(2026, 3, 5, 1, 30, tzinfo=timezone(timedelta(hours=2))))
    policy = QuotaPolicy(user_turns=2)
    await reserve_many(uow_factory, 2, clock=late, policy=policy)
    with pytest.raises(QuotaExceeded, match=r"refresh at 00:00 UTC \(in 30 min\)"):
        await reserve_turn(uow_factory, user="ada", guild="guild-1", clock=late, policy=policy)

    midnight = FixedClock(datetime(2026, 3, 5, tzinfo=UTC))
    reservation = await reserve_turn(
        uow_factory, user="ada", guild="guild-1", clock=midnight, policy=policy
    )

    assert reservation.day == date(2026, 3, 5)
    assert await counters(uow_factory, "user", "ada", date(2026, 3, 5)) == (1, 1)
    assert await counters(uow_factory, "user", "ada", date(2026, 3, 4)) == (2, 2)


async def test_the_server_limit_counts_every_player_of_the_server(uow_factory) -> None:
    policy = QuotaPolicy(guild_turns=3)
    for user in ("ada", "bo", "cy"):
        await reserve_many(uow_factory, 1, user=user, policy=policy)

    with pytest.raises(QuotaExceeded) as refused:
        await reserve_many(uow_factory, 1, user="dee", policy=policy)

    assert str(refused.value) == (
        "This server has used its 3 turns for today; they refresh at 00:00 UTC (in 3 h 12 min)."
    )
    assert refused.value.scope == "guild"
    assert await counters(uow_factory, "user", "dee") == (0, 0)  # rolled back with the refusal
    # The same player still plays in another server and in direct messages.
    await reserve_many(uow_factory, 1, user="dee", guild="guild-2", policy=policy)
    await reserve_many(uow_factory, 1, user="dee", guild=None, policy=policy)
    assert await counters(uow_factory, "user", "dee") == (2, 2)
    assert await counters(uow_factory, "guild", "guild-1") == (3, 3)


# ---------------------------------------------------------------------------- credits


async def test_credits_are_charged_after_the_turn_and_refused_once_used_up(uow_factory) -> None:
    policy = QuotaPolicy(user_credits=10, credits_per_usd=100)
    [first] = await reserve_many(uow_factory, 1, policy=policy)
    assert await counters(uow_factory, "user", "ada") == (1, 1)  # the minimum, held

    assert await settle(uow_factory, first, 0.0731) == 8  # 7.31 cents, rounded up
    assert await counters(uow_factory, "user", "ada") == (1, 8)
    assert await counters(uow_factory, "guild", "guild-1") == (1, 8)

    [second] = await reserve_many(uow_factory, 1, policy=policy)
    assert await settle(uow_factory, second, 0.05) == 5  # its cost is only known now
    assert await counters(uow_factory, "user", "ada") == (2, 13)  # over the 10, once

    with pytest.raises(QuotaExceeded) as refused:
        await reserve_many(uow_factory, 1, policy=policy)
    assert str(refused.value) == (
        "You have used your 10 credits for today; they refresh at 00:00 UTC (in 3 h 12 min)."
    )
    assert refused.value.kind == "credits"
    assert await counters(uow_factory, "user", "ada") == (2, 13)


async def test_a_model_turn_costs_at_least_one_credit(uow_factory) -> None:
    [free_model, unknown_price] = await reserve_many(uow_factory, 2)
    assert await settle(uow_factory, free_model, 0.0) == 1  # a local model
    assert await settle(uow_factory, unknown_price, None) == 1
    assert await counters(uow_factory, "user", "ada") == (2, 2)


async def test_offline_turns_count_as_turns_and_cost_no_credits(uow_factory) -> None:
    policy = QuotaPolicy(user_turns=3, user_credits=1)
    [model_turn] = await reserve_many(uow_factory, 1, policy=policy)
    await settle(uow_factory, model_turn, 0.02)
    with pytest.raises(QuotaExceeded, match="used your 1 credit for today"):
        await reserve_many(uow_factory, 1, policy=policy)

    offline = await reserve_many(uow_factory, 2, policy=policy, uses_model=False)
    assert [await settle(uow_factory, r, None) for r in offline] == [0, 0]
    assert await counters(uow_factory, "user", "ada") == (3, 2)
    with pytest.raises(QuotaExceeded, match="used your 3 turns"):
        await reserve_many(uow_factory, 1, policy=policy, uses_model=False)


# ----------------------------------------------------------------- release and settle


async def test_a_released_turn_gives_its_slot_back(uow_factory) -> None:
    reservations = await reserve_many(uow_factory, 25)

    assert await release(uow_factory, reservations[-1])  # failed before the model was called

    assert await counters(uow_factory, "user", "ada") == (24, 24)
    assert await counters(uow_factory, "guild", "guild-1") == (24, 24)
    await reserve_many(uow_factory, 1)  # the 25th again
    with pytest.raises(QuotaExceeded):
        await reserve_many(uow_factory, 1)


async def test_settle_and_release_act_once(uow_factory) -> None:
    [played, failed] = await reserve_many(uow_factory, 2)
    await settle(uow_factory, played, 0.03)

    assert not await release(uow_factory, played)  # safe in a `finally` after settle
    with pytest.raises(ValueError, match="settled already"):
        await settle(uow_factory, played, 0.03)
    assert await release(uow_factory, failed)
    assert not await release(uow_factory, failed)

    assert await counters(uow_factory, "user", "ada") == (1, 3)


async def test_a_turn_settled_after_midnight_is_charged_to_its_day(uow_factory) -> None:
    clock = FixedClock(datetime(2026, 3, 4, 23, 59, 59, tzinfo=UTC))
    [turn] = await reserve_many(uow_factory, 1, clock=clock)
    clock.moment += timedelta(seconds=2)  # the model answers on the 5th

    await settle(uow_factory, turn, 0.04)

    assert await counters(uow_factory, "user", "ada", date(2026, 3, 4)) == (1, 4)
    assert await counters(uow_factory, "user", "ada", date(2026, 3, 5)) == (0, 0)


# ----------------------------------------------------------------------------- report


async def test_the_report_shows_what_was_used_and_what_is_left(uow_factory) -> None:
    policy = QuotaPolicy(user_turns=25, guild_turns=None, user_credits=100, guild_credits=1000)
    turns = await reserve_many(uow_factory, 3, policy=policy)
    for reservation, cost in zip(turns, (0.04, 0.05, 0.031), strict=True):
        await settle(uow_factory, reservation, cost)
    await reserve_many(uow_factory, 1, user="bo", policy=policy)  # same server, not ada

    report = await usage_report(
        uow_factory, user="ada", guild="guild-1", clock=FixedClock(EVENING), policy=policy
    )

    assert (report.user.turns, report.user.turns_left) == (3, 22)
    assert (report.user.credits, report.user.credits_left) == (13, 87)
    assert report.guild is not None
    assert (report.guild.turns, report.guild.turns_left) == (4, None)
    assert (report.guild.credits, report.guild.credits_left) == (14, 986)
    assert report.resets_at == datetime(2026, 3, 5, tzinfo=UTC)
    assert report.lines()[:3] == [
        "You: 3 of 25 turns (22 left), 13 of 100 credits (87 left) used today.",
        "This server: 4 turns (no limit), 14 of 1000 credits (986 left) used today.",
        "They refresh at 00:00 UTC (in 3 h 12 min).",
    ]


async def test_the_report_of_a_new_player_outside_a_server(uow_factory) -> None:
    report = await usage_report(uow_factory, user="newcomer", clock=FixedClock(EVENING))

    assert report.guild is None
    assert report.text().splitlines()[0] == (
        "You: 0 of 25 turns (25 left), 0 of 100 credits (100 left) used today."
    )
    assert "This server" not in report.text()


# ------------------------------------------------------------------------ concurrency


async def _outcomes(calls) -> tuple[int, int]:
    """(reservations made, turns refused) of running ``calls`` all at once."""
    async with asyncio.timeout(SAFETY_NET):
        results = await asyncio.gather(*calls, return_exceptions=True)
    unexpected = [r for r in results if isinstance(r, BaseException | None)]
    unexpected = [r for r in unexpected if not isinstance(r, QuotaExceeded)]
    assert unexpected == []
    made = sum(isinstance(r, Reservation) for r in results)
    return made, len(results) - made


async def test_concurrent_turns_never_pass_the_players_limit(uow_factory) -> None:
    policy = QuotaPolicy(user_turns=7)
    clock = FixedClock(EVENING)
    calls = [
        reserve_turn(uow_factory, user="ada", guild="guild-1", clock=clock, policy=policy)
        for _ in range(30)
    ]

    assert await _outcomes(calls) == (7, 23)
    assert await counters(uow_factory, "user", "ada") == (7, 7)
    assert await counters(uow_factory, "guild", "guild-1") == (7, 7)


async def test_concurrent_players_never_pass_the_servers_limit(uow_factory) -> None:
    policy = QuotaPolicy(guild_turns=5)
    clock = FixedClock(EVENING)
    users = [f"player-{n}" for n in range(20)]
    calls = [
        reserve_turn(uow_factory, user=user, guild="guild-1", clock=clock, policy=policy)
        for user in users
    ]

    assert await _outcomes(calls) == (5, 15)
    assert await counters(uow_factory, "guild", "guild-1") == (5, 5)
    # The refused players' own counts were rolled back with their refusal.
    used = [(await counters(uow_factory, "user", user))[0] for user in users]
    assert sorted(used) == [0] * 15 + [1] * 5


async def test_concurrent_model_turns_cannot_share_the_last_credit(uow_factory) -> None:
    policy = QuotaPolicy(user_credits=5)
    [earlier] = await reserve_many(uow_factory, 1, policy=policy)
    await settle(uow_factory, earlier, 0.04)  # 4 of 5 credits used
    clock = FixedClock(EVENING)
    calls = [
        reserve_turn(uow_factory, user="ada", guild="guild-1", clock=clock, policy=policy)
        for _ in range(10)
    ]

    assert await _outcomes(calls) == (1, 9)
    assert await counters(uow_factory, "user", "ada") == (2, 5)


# ---------------------------------------------------------------- the repository itself


async def _until_waiting(storage, task: asyncio.Task) -> None:
    """Return once ``task`` waits for the counter's row (the safety net bounds it).

    PostgreSQL: a backend shows up in pg_locks waiting for a lock. Memory: ``take``
    waits on an asyncio.Lock after a few turns of the event loop. SQLite: the second
    writer waits in SQLite's busy handler, on its own thread, for the first to end.
    """
    if storage.backend != "postgres":
        for _ in range(5):
            await asyncio.sleep(0)
        return
    query = text("SELECT count(*) FROM pg_locks WHERE NOT granted")
    while not task.done():
        async with storage.database.connect() as connection:
            if (await connection.execute(query)).scalar():
                return
        await asyncio.sleep(0.01)  # polling, not proof: the condition above is the proof


@pytest.mark.parametrize("first_ends", ["commit", "rollback"])
async def test_a_second_take_of_the_last_slot_waits_for_the_first(
    storage, uow_factory, first_ends: str
) -> None:
    """Two open transactions want the last turn: the second waits for the first, then
    gets the slot only if the first rolled back."""
    limits = {"max_turns": 1, "max_credits": None}
    async with asyncio.timeout(SAFETY_NET):
        async with uow_factory() as first:
            assert await first.quotas.take("user", "ada", DAY, **limits) is not None
            async with uow_factory() as second:
                taking = asyncio.create_task(second.quotas.take("user", "ada", DAY, **limits))
                await _until_waiting(storage, taking)
                assert not taking.done()
                await (first.commit() if first_ends == "commit" else first.rollback())
                taken = await taking
                await second.commit()

    if first_ends == "commit":
        assert taken is None
    else:
        assert taken == QuotaCounter("user", "ada", DAY, turns=1, credits=0)
    assert await counters(uow_factory, "user", "ada") == (1, 0)


async def test_take_and_add_keep_counters_within_bounds(uow_factory) -> None:
    async with uow_factory() as uow:
        assert await uow.quotas.take("user", "ada", DAY, max_turns=0, max_credits=None) is None
        assert (
            await uow.quotas.take("user", "ada", DAY, credits=3, max_turns=5, max_credits=2) is None
        )
        taken = await uow.quotas.take("user", "ada", DAY, credits=2, max_turns=5, max_credits=2)
        assert taken == QuotaCounter("user", "ada", DAY, turns=1, credits=2)
        assert await uow.quotas.add("user", "ada", DAY, turns=-5, credits=-1) == QuotaCounter(
            "user", "ada", DAY, turns=0, credits=1
        )
        assert await uow.quotas.add("guild", "g", DAY, turns=-1) == QuotaCounter(
            "guild", "g", DAY, turns=0, credits=0
        )
        await uow.commit()
    async with uow_factory() as uow:
        assert await uow.quotas.get("user", "ada", DAY) == QuotaCounter("user", "ada", DAY, 0, 1)
        assert await uow.quotas.get("user", "bo", DAY) == QuotaCounter("user", "bo", DAY, 0, 0)
        with pytest.raises(ValueError, match="unknown quota scope"):
            await uow.quotas.get("channel", "c", DAY)


async def test_counts_without_commit_are_rolled_back(uow_factory) -> None:
    async with uow_factory() as uow:
        await uow.quotas.take("user", "ada", DAY, credits=1, max_turns=5, max_credits=5)
    assert await counters(uow_factory, "user", "ada") == (0, 0)
