"""Costs from the price table: hand-computed numbers, overrides, unknown models."""

from __future__ import annotations

from dataclasses import astuple

import pytest

from storyai.core.llm.port import Usage
from storyai.core.llm.pricing import Price, PriceConfigError, PriceTable


def usage(model: str, provider: str = "openai", **tokens: int) -> Usage:
    return Usage(provider=provider, model=model, calls=1, **tokens)


def test_openai_cost_by_hand_with_cached_tokens_cheaper() -> None:
    table = PriceTable()
    # gpt-4.1-mini: $0.40 input, $0.10 cached input, $1.60 output per million.
    cost = table.cost(
        usage("gpt-4.1-mini", input_tokens=10_000, cached_tokens=4_000, output_tokens=500)
    )
    # 6,000 x 0.40 + 4,000 x 0.10 + 500 x 1.60 = 2,400 + 400 + 800 = 3,600 per million
    assert cost == pytest.approx(0.0036)

    uncached = table.cost(usage("gpt-4.1-mini", input_tokens=10_000, output_tokens=500))
    assert uncached == pytest.approx(0.0048)
    assert cost < uncached


def test_anthropic_cost_counts_cache_reads_and_writes() -> None:
    table = PriceTable()
    # claude-sonnet-4-5: $3 input, $0.30 cache read, $3.75 cache write, $15 output.
    cost = table.cost(
        usage(
            "claude-sonnet-4-5-20250929",
            provider="anthropic",
            input_tokens=10_000,
            cached_tokens=6_000,
            cache_write_tokens=2_000,
            output_tokens=1_000,
        )
    )
    # 2,000 x 3 + 6,000 x 0.30 + 2,000 x 3.75 + 1,000 x 15 = 30,300 per million
    assert cost == pytest.approx(0.0303)


@pytest.mark.parametrize(
    ("model", "expected"),
    [
        ("gpt-4o", Price(2.50, 1.25, 2.50, 10.00)),
        ("gpt-4o-mini-2024-07-18", Price(0.15, 0.075, 0.15, 0.60)),
        ("gpt-4.1", Price(2.00, 0.50, 2.00, 8.00)),
        ("gpt-5", Price(1.25, 0.125, 1.25, 10.00)),
        ("gpt-5-mini", Price(0.25, 0.025, 0.25, 2.00)),
        ("openai/gpt-5-mini", Price(0.25, 0.025, 0.25, 2.00)),
        ("claude-opus-4-1-20250805", Price(15.00, 1.50, 18.75, 75.00)),
        ("claude-opus-4-5", Price(5.00, 0.50, 6.25, 25.00)),
        ("claude-haiku-4-5", Price(1.00, 0.10, 1.25, 5.00)),
        ("claude-3-5-haiku-latest", Price(0.80, 0.08, 1.00, 4.00)),
    ],
)
def test_the_most_specific_default_wins(model: str, expected: Price) -> None:
    price = PriceTable().price(model, "openai")
    assert price is not None
    assert astuple(price) == pytest.approx(astuple(expected))


def test_a_partial_override_keeps_the_other_default_fields() -> None:
    table = PriceTable({"gpt-4o": {"output": 8.0}})
    assert table.price("gpt-4o") == Price(2.50, 1.25, 2.50, 8.0)
    cost = table.cost(usage("gpt-4o", input_tokens=1_000_000, output_tokens=1_000_000))
    assert cost == pytest.approx(2.50 + 8.0)
    # Other models keep their defaults.
    assert table.price("gpt-4o-mini") == Price(0.15, 0.075, 0.15, 0.60)


def test_a_glob_override_prices_a_model_the_table_does_not_know() -> None:
    table = PriceTable({"my-finetune-*": {"input": 1.0, "output": 2.0}})
    assert table.price("my-finetune-v3") == Price(1.0, 1.0, 1.0, 2.0)
    cost = table.cost(usage("my-finetune-v3", input_tokens=500_000, output_tokens=250_000))
    assert cost == pytest.approx(0.5 + 0.5)
    assert table.is_known("my-finetune-v3", "openai")


def test_an_unknown_hosted_model_costs_zero_and_is_flagged() -> None:
    table = PriceTable()
    spent = usage("mystery-model-9", provider="openai", input_tokens=1_000, output_tokens=100)
    assert table.cost(spent) == 0.0
    assert not table.is_known("mystery-model-9", "openai")
    assert table.unpriced == {"openai/mystery-model-9"}
    assert spent.input_tokens == 1_000  # tokens are still counted


def test_local_models_are_free_and_known() -> None:
    table = PriceTable()
    cost = table.cost(usage("llama3.1:8b", provider="local", input_tokens=9_000, output_tokens=900))
    assert cost == 0.0
    assert table.is_known("llama3.1:8b", "local")
    assert table.unpriced == set()


def test_an_override_prices_a_local_model() -> None:
    table = PriceTable({"llama3.1:8b": {"input": 0.1, "output": 0.2}})
    cost = table.cost(usage("llama3.1:8b", provider="local", input_tokens=1_000_000))
    assert cost == pytest.approx(0.1)


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"gpt-4o": {"inptu": 1.0}}, "Unknown price field"),
        ({"gpt-4o": {"input": -1.0}}, "0 or more"),
        ({"gpt-4o": {"input": "cheap"}}, "must be a number"),
        ({"gpt-4o": 3.0}, "must be a mapping"),
    ],
)
def test_bad_overrides_are_refused_with_a_message(overrides, message: str) -> None:
    with pytest.raises(PriceConfigError, match=message):
        PriceTable(overrides)
