"""Quota rules without a database: the policy and where it comes from, credits, messages."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from storyai.core.config import load_settings
from storyai.core.domain.errors import QuotaExceeded, StoryError, until
from storyai.core.play.quota import reserve_turn
from storyai.core.quotas import QuotaPolicy
from storyai.core.storage.memory import InMemoryStore

# ------------------------------------------------------------------------------ policy


def test_the_defaults_are_the_free_tier() -> None:
    policy = QuotaPolicy()
    assert policy.limits("user") == (25, 100)
    assert policy.limits("guild") == (500, 1000)
    assert policy.credits_per_usd == 100


def policy(environ: dict[str, str], config: Path) -> QuotaPolicy:
    return load_settings(environ, config_file=config).quota.policy()


def test_the_policy_comes_from_storyai_quota_variables(tmp_path: Path) -> None:
    environ = {
        "STORYAI_QUOTA_USER_TURNS": "50",
        "STORYAI_QUOTA_GUILD_TURNS": " unlimited ",
        "STORYAI_QUOTA_USER_CREDITS": "0",
        "STORYAI_QUOTA_GUILD_CREDITS": "",  # empty, as compose passes an unset one
        "STORYAI_QUOTA_CREDITS_PER_USD": "250.5",
        "STORYAI_DATABASE_URL": "sqlite:///x.db",
    }
    assert policy(environ, tmp_path / "none.toml") == QuotaPolicy(
        user_turns=50,
        guild_turns=None,
        user_credits=0,
        guild_credits=1000,
        credits_per_usd=250.5,
    )


def test_variables_override_the_quota_table_of_the_config_file(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text(
        '[quota]\nuser_turns = 10\nguild_turns = "off"\nguild_credits = 5000\n', encoding="utf-8"
    )
    assert policy({"STORYAI_QUOTA_USER_TURNS": "12"}, config) == QuotaPolicy(
        user_turns=12, guild_turns=None, guild_credits=5000
    )
    # STORYAI_CONFIG names the file when none is given.
    assert load_settings({"STORYAI_CONFIG": str(config)}).quota.user_turns == 10
    assert policy({}, tmp_path / "missing.toml") == QuotaPolicy()


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        ("STORYAI_QUOTA_USER_TURNS", "-1", "user_turns .*whole number of 0 or more"),
        ("STORYAI_QUOTA_GUILD_CREDITS", "lots", "guild_credits .* or 'unlimited', not 'lots'"),
        ("STORYAI_QUOTA_CREDITS_PER_USD", "0", "credits_per_usd .*a number above 0"),
        ("STORYAI_QUOTA_CREDITS_PER_USD", "cheap", "credits_per_usd .*not 'cheap'"),
    ],
)
def test_a_bad_variable_is_named_in_the_error(
    tmp_path: Path, variable: str, value: str, message: str
) -> None:
    with pytest.raises(StoryError, match=message) as error:
        policy({variable: value}, tmp_path / "none.toml")
    assert f"({variable})" in str(error.value)


def test_unknown_keys_in_the_quota_table_are_refused(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text("[quota]\nuser_turn = 10\n", encoding="utf-8")
    with pytest.raises(StoryError, match=r"quota\.user_turn .*unknown setting") as error:
        policy({}, config)
    assert str(config) in str(error.value)


def test_a_policy_refuses_impossible_numbers() -> None:
    with pytest.raises(ValueError, match="user_turns"):
        QuotaPolicy(user_turns=-5)
    with pytest.raises(ValueError, match="credits_per_usd"):
        QuotaPolicy(credits_per_usd=0)


# ----------------------------------------------------------------------------- credits


@pytest.mark.parametrize(
    ("cost_usd", "credits"),
    [
        (0.07, 7),  # exactly 7 cents: no float drift up to 8
        (0.0701, 8),  # any part of a credit is a credit
        (0.0049, 1),
        (0.0, 1),  # a local model still costs the minimum
        (None, 1),  # so does a model whose price is unknown
        (float("nan"), 1),
        (1.5, 150),
    ],
)
def test_a_model_turn_costs_its_price_rounded_up(cost_usd: float | None, credits: int) -> None:
    assert QuotaPolicy(credits_per_usd=100).credits_for(cost_usd) == credits


def test_the_credit_rate_is_configurable() -> None:
    assert QuotaPolicy(credits_per_usd=1000).credits_for(0.0123) == 13


# ---------------------------------------------------------------------------- messages


@pytest.mark.parametrize(
    ("now", "text"),
    [
        (datetime(2026, 3, 4, 20, 48, tzinfo=UTC), "3 h 12 min"),
        (datetime(2026, 3, 4, 20, 47, 1, tzinfo=UTC), "3 h 13 min"),  # minutes round up
        (datetime(2026, 3, 4, 21, 0, tzinfo=UTC), "3 h"),
        (datetime(2026, 3, 4, 23, 59, 30, tzinfo=UTC), "1 min"),
        (datetime(2026, 3, 4, 0, 0, tzinfo=UTC), "24 h"),
    ],
)
def test_time_until_the_refresh(now: datetime, text: str) -> None:
    assert until(now, datetime(2026, 3, 5, tzinfo=UTC)) == text


def _refusal(scope: str, kind: str, limit: int) -> str:
    return str(
        QuotaExceeded(
            scope=scope,
            kind=kind,
            limit=limit,
            resets_at=datetime(2026, 3, 5, tzinfo=UTC),
            now=datetime(2026, 3, 4, 23, 15, tzinfo=UTC),
        )
    )


def test_refusals_speak_to_the_player() -> None:
    assert _refusal("user", "turns", 1) == (
        "You have used your 1 turn for today; they refresh at 00:00 UTC (in 45 min)."
    )
    assert _refusal("guild", "credits", 1000) == (
        "This server has used its 1000 credits for today; they refresh at 00:00 UTC (in 45 min)."
    )
    assert _refusal("guild", "turns", 0) == (
        "No turns are allowed for this server: the daily limit is 0."
    )


async def test_a_zero_limit_refuses_the_first_turn() -> None:
    store = InMemoryStore()
    with pytest.raises(QuotaExceeded, match="No turns are allowed for you"):
        await reserve_turn(store.unit_of_work, user="ada", policy=QuotaPolicy(user_turns=0))


async def test_a_naive_clock_is_a_bug() -> None:
    class Naive:
        def now(self) -> datetime:
            return datetime(2026, 3, 4, 12, 0)

    with pytest.raises(ValueError, match="naive datetime"):
        await reserve_turn(InMemoryStore().unit_of_work, user="ada", clock=Naive())


@pytest.mark.parametrize(
    ("user", "guild", "message"),
    [
        ("", None, "needs a user id"),
        ("ada", "", "cannot be empty"),
        ("9" * 65, None, "at most 64 characters"),
    ],
)
async def test_ids_are_checked_before_anything_is_counted(
    user: str, guild: str | None, message: str
) -> None:
    store = InMemoryStore()
    with pytest.raises(ValueError, match=message):
        await reserve_turn(store.unit_of_work, user=user, guild=guild)
    async with store.unit_of_work() as uow:
        assert (await uow.quotas.get("user", "ada", datetime.now(UTC).date())).turns == 0
