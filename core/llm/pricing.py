"""What model calls cost: prices per million tokens, matched by model name.

``PriceTable`` knows list prices for common hosted models; users override or add
prices with a mapping of model name (or glob) to fields::

    PriceTable({"gpt-4o*": {"output": 8.0}, "my-finetune": {"input": 1, "output": 2}})

A partial override keeps the other fields from the built-in price of the same
model. Models on a local provider cost nothing. A hosted model with no known
price is still counted in tokens, costs 0, and ``is_known`` says so (its name is
also collected in ``PriceTable.unpriced`` for a "cost unknown" note).
"""

from __future__ import annotations

import fnmatch
from collections.abc import Collection, Mapping
from dataclasses import dataclass, fields, replace
from typing import TypeVar

from storyai.core.domain.errors import PriceConfigError
from storyai.core.llm.port import Usage


@dataclass(frozen=True)
class Price:
    """USD per million tokens."""

    input: float
    cached_input: float  # prompt tokens read from the provider's cache
    cache_write: float  # prompt tokens written to the cache (Anthropic)
    output: float


_T = TypeVar("_T")

PRICE_FIELDS = tuple(f.name for f in fields(Price))
FREE = Price(0.0, 0.0, 0.0, 0.0)


def _openai(input: float, cached_input: float, output: float) -> Price:
    # OpenAI caches prefixes by itself and charges nothing extra for the write.
    return Price(input, cached_input, input, output)


def _anthropic(input: float, output: float) -> Price:
    # Anthropic: 5-minute cache writes cost 1.25x input, cache reads 0.1x.
    return Price(input, round(input * 0.1, 6), round(input * 1.25, 6), output)


# List prices in USD per million tokens, standard tier, as of 2026-11. Check the
# vendors' pricing pages before relying on them; users override them in config.
# OpenAI's cached input is 0.1x-0.5x input depending on the model; Anthropic's
# cache write is 1.25x input (5-minute TTL) and a cache read 0.1x. Long-context
# surcharges and batch discounts are not modelled.
# Patterns are globs on the lower-cased model name; the longest matching pattern
# wins, so "gpt-4o-mini*" beats "gpt-4o*".
DEFAULT_PRICES: dict[str, Price] = {
    "gpt-4.1*": _openai(2.00, 0.50, 8.00),
    "gpt-4.1-mini*": _openai(0.40, 0.10, 1.60),
    "gpt-4.1-nano*": _openai(0.10, 0.025, 0.40),
    "gpt-4o*": _openai(2.50, 1.25, 10.00),
    "gpt-4o-mini*": _openai(0.15, 0.075, 0.60),
    # gpt-5 and its dated/chat/codex variants; later gpt-5.x releases are priced
    # differently, so only the ones listed here are known.
    "gpt-5": _openai(1.25, 0.125, 10.00),
    "gpt-5-*": _openai(1.25, 0.125, 10.00),
    "gpt-5.1*": _openai(1.25, 0.125, 10.00),
    "gpt-5-mini*": _openai(0.25, 0.025, 2.00),
    "gpt-5-nano*": _openai(0.05, 0.005, 0.40),
    # Opus 4.5 and later: $5/$25; Opus 4 and 4.1 (ids claude-opus-4-0, -4-1,
    # claude-opus-4-2025....) stayed at $15/$75.
    "claude-opus-4*": _anthropic(5.00, 25.00),
    "claude-opus-4": _anthropic(15.00, 75.00),
    "claude-opus-4-0*": _anthropic(15.00, 75.00),
    "claude-opus-4-1*": _anthropic(15.00, 75.00),
    "claude-opus-4-20*": _anthropic(15.00, 75.00),
    "claude-sonnet-4*": _anthropic(3.00, 15.00),
    "claude-haiku-4*": _anthropic(1.00, 5.00),
    "claude-3-5-haiku*": _anthropic(0.80, 4.00),
}

LOCAL_PROVIDERS = frozenset({"local", "ollama", "lmstudio", "llamacpp", "vllm", "fake", "cache"})
"""Provider names whose models cost nothing unless the user sets a price."""


class PriceTable:
    """Prices by model name: user overrides first, then local providers (free), then defaults."""

    def __init__(
        self,
        overrides: Mapping[str, Mapping[str, float]] | None = None,
        *,
        defaults: Mapping[str, Price] | None = None,
        local_providers: Collection[str] = LOCAL_PROVIDERS,
    ) -> None:
        builtin = DEFAULT_PRICES if defaults is None else defaults
        self._defaults = {k.lower(): v for k, v in builtin.items()}
        self._overrides = {k.lower(): _check(k, v) for k, v in (overrides or {}).items()}
        self._local = frozenset(p.lower() for p in local_providers)
        self.unpriced: set[str] = set()
        """Hosted models seen by ``cost`` without a price ("provider/model")."""

    def price(self, model: str, provider: str = "") -> Price | None:
        """The price of ``model`` on ``provider``; ``None`` when unknown."""
        name = model.strip().lower()
        default = _match(self._defaults, name)
        override = _match(self._overrides, name)
        if override is not None:
            if default is None:  # nothing to fill from: cache reads/writes cost as input
                given = override.get("input", 0.0)
                default = Price(given, given, given, 0.0)
            return replace(default, **override)
        if provider.lower() in self._local:
            return FREE
        return default

    def is_known(self, model: str, provider: str = "") -> bool:
        return self.price(model, provider) is not None

    def cost(self, usage: Usage) -> float:
        """USD for ``usage``; 0 for a model without a known price.

        ``usage.input_tokens`` counts every prompt token: the uncached part is
        what is left after cache reads and cache writes.
        """
        price = self.price(usage.model, usage.provider)
        if price is None:
            if usage.model or usage.provider:
                self.unpriced.add(f"{usage.provider}/{usage.model}")
            return 0.0
        uncached = max(0, usage.input_tokens - usage.cached_tokens - usage.cache_write_tokens)
        return (
            uncached * price.input
            + usage.cached_tokens * price.cached_input
            + usage.cache_write_tokens * price.cache_write
            + usage.output_tokens * price.output
        ) / 1e6


def _match(table: Mapping[str, _T], name: str) -> _T | None:
    """Exact name first, then the longest glob that matches the name (or the part
    after a ``vendor/`` prefix, as routers like OpenRouter spell models)."""
    candidates = [name]
    if "/" in name:
        candidates.append(name.rsplit("/", 1)[1])
    for candidate in candidates:
        if candidate in table:
            return table[candidate]
    best: str | None = None
    for pattern in table:
        if any(fnmatch.fnmatchcase(c, pattern) for c in candidates):
            if best is None or len(pattern) > len(best):
                best = pattern
    return None if best is None else table[best]


def _check(model: str, values: Mapping[str, float]) -> dict[str, float]:
    if not isinstance(values, Mapping):
        raise PriceConfigError(
            f"The price for {model!r} must be a mapping of fields to numbers.",
            hint=f"fields: {', '.join(PRICE_FIELDS)} (USD per million tokens)",
        )
    unknown = sorted(set(values) - set(PRICE_FIELDS))
    if unknown:
        raise PriceConfigError(
            f"Unknown price field(s) for {model!r}: {', '.join(map(str, unknown))}.",
            hint=f"fields: {', '.join(PRICE_FIELDS)} (USD per million tokens)",
        )
    checked: dict[str, float] = {}
    for key, value in values.items():
        if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
            raise PriceConfigError(
                f"The {key} price for {model!r} must be a number of USD per million tokens "
                f"(0 or more), not {value!r}."
            )
        checked[key] = float(value)
    return checked
