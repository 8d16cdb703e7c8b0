"""Token counting that works offline, corrected per model by what providers report.

The local count uses the ``o200k_base`` BPE bundled with ``quicktok`` (no
download); if that is not importable, four characters per token (within a few
percent on English prose). ``Calibration`` learns, per provider and model, the
ratio of the provider's reported prompt tokens to our local count, so budgets
hold for tokenizers we do not have (Claude's, a local Llama's).
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from typing import Protocol


class Tokenizer(Protocol):
    name: str

    def count(self, text: str) -> int: ...


class CharTokenizer:
    """Four characters per token: the fallback."""

    name = "chars/4"

    def count(self, text: str) -> int:
        return (len(text) + 3) // 4


class BpeTokenizer:
    """o200k_base from the bundled quicktok data; counts are cached by text hash."""

    name = "o200k_base"

    def __init__(self, max_cached: int = 4096) -> None:
        import quicktok

        self._enc = quicktok.get_encoding("o200k_base")
        self._cache: OrderedDict[bytes, int] = OrderedDict()
        self._max = max_cached

    def count(self, text: str) -> int:
        if len(text) < 64:
            return len(self._enc.encode_ordinary(text)) if text else 0
        key = hashlib.blake2b(text.encode(), digest_size=16).digest()
        hit = self._cache.get(key)
        if hit is not None:
            self._cache.move_to_end(key)
            return hit
        n = len(self._enc.encode_ordinary(text))
        self._cache[key] = n
        if len(self._cache) > self._max:
            self._cache.popitem(last=False)
        return n


_DEFAULT: Tokenizer | None = None


def default_tokenizer() -> Tokenizer:
    """The best offline tokenizer available, loaded once."""
    global _DEFAULT
    if _DEFAULT is None:
        try:
            _DEFAULT = BpeTokenizer()
        except Exception:  # quicktok missing or its data unreadable: count characters
            _DEFAULT = CharTokenizer()
    return _DEFAULT


# Seeds before any usage is seen: OpenAI models tokenize like o200k; Claude's
# tokenizer gives roughly 20% more tokens for the same English text.
_SEEDS = {"anthropic": 1.2, "claude": 1.2}


class Calibration:
    """Reported ÷ local prompt tokens per provider/model, as an exponential moving average."""

    def __init__(self, alpha: float = 0.3) -> None:
        self.alpha = alpha
        self.factors: dict[str, float] = {}

    def factor(self, key: str) -> float:
        if key in self.factors:
            return self.factors[key]
        return next((v for k, v in _SEEDS.items() if k in key.lower()), 1.0)

    def observe(self, key: str, local: int, reported: int) -> float:
        if local <= 0 or reported <= 0:
            return self.factor(key)
        ratio = min(4.0, max(0.25, reported / local))
        old = self.factor(key)
        self.factors[key] = old + self.alpha * (ratio - old) if key in self.factors else ratio
        return self.factors[key]
