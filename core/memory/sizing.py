"""How big a prompt may be: the prompt profile and the section budgets, sized to the
model's context window.

The window comes from the provider's ``context_window`` setting or, for a local
server, from the server itself (``providers/serverinfo.py``, asked once, on the first
turn). ``prompt_profile = "auto"`` picks ``compact`` for a window of
``COMPACT_AT`` tokens or less; budgets then shrink, all in proportion, until the
prompt and the reply fit the window with room to spare (budgets count our local
tokens; a small model's tokenizer usually counts more, and the calibration factor
corrects for it from the second turn on).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, fields, replace

from storyai.core.memory.context import Budgets

log = logging.getLogger("storyai.memory")

COMPACT_AT = 8192
"""``auto`` chooses the compact profile for a context window this small or smaller."""
COMPACT_BUDGETS = Budgets(
    world=1400, summaries=300, recent=1400, lore=120, memories=0, scene=300, input=300
)
"""The compact profile's budgets: ~4.2k local tokens with the rules, against ~9.3k. What
changes every turn (lore, scene, input) is what the server reads anew each turn, so it
is kept short (lore entries are cut to their first sentence: 120 tokens hold two or
three); the recent turns are read once and then come from the server's cache, so
there is room for several (the compact window restarts when a chapter closes, and
loses half when it outgrows this budget before then)."""
HEADROOM = 0.8
"""The share of (window - reply) the budgets may fill: the rest is for a tokenizer that
counts more than ours and for the chat template."""
PROFILES = ("auto", "full", "compact")
LOCAL_SERVERS = ("llama.cpp /props", "ollama /api/show")
"""Where a window comes from when a local model server told it: a server that keeps
the last prompt in its cache and charges nothing for reading one."""

Detect = Callable[[], Awaitable[tuple[int | None, str]]]
"""Asks the server: (its context window or None, where the answer came from)."""


def choose_profile(setting: str, window: int | None) -> str:
    """``full`` or ``compact``: the setting, or for ``auto`` the window's size."""
    if setting in ("full", "compact"):
        return setting
    return "compact" if window is not None and window <= COMPACT_AT else "full"


def fit_budgets(budgets: Budgets, limit: int) -> Budgets:
    """``budgets`` shrunk so that their total is at most ``limit``: the recent turns
    first, down to a quarter of their budget (the chapter summaries keep what they
    lose; the world bible is what the model cannot do without), then all in proportion."""
    if budgets.total <= limit:
        return budgets
    give = min(budgets.total - limit, budgets.recent * 3 // 4)
    budgets = replace(budgets, recent=budgets.recent - give)
    if budgets.total <= limit:
        return budgets
    rules = budgets.total - sum(getattr(budgets, f.name) for f in fields(budgets))
    share = max(0.0, (limit - rules)) / max(1, budgets.total - rules)
    return Budgets(**{f.name: int(getattr(budgets, f.name) * share) for f in fields(budgets)})


@dataclass(frozen=True)
class Sizing:
    """The profile and window one narrator builds its prompts for."""

    profile: str = "full"
    window: int | None = None
    source: str = ""  # where the window came from: "config", "llama.cpp /props", ...

    def budgets(self, reply_tokens: int, base: Budgets | None = None) -> Budgets:
        """The section budgets for this profile, fitted to the window."""
        budgets = base or (COMPACT_BUDGETS if self.profile == "compact" else Budgets())
        if self.window is None:
            return budgets
        return fit_budgets(budgets, int((self.window - reply_tokens) * HEADROOM))

    @property
    def local(self) -> bool:
        """Whether a local model server (llama.cpp, Ollama) said what its window is."""
        return self.source in LOCAL_SERVERS

    def describe(self) -> str:
        if self.window is None:
            return f"{self.profile} (context window unknown)"
        return f"{self.profile} (context window {self.window:,} tokens, from {self.source})"


class Sizer:
    """Decides the sizing once: from the settings, else by asking the server on first use.

    A server that does not answer is asked again on the next turns (a local server may
    start after storyai), at most ``tries`` times; then the window stays unknown."""

    def __init__(
        self,
        setting: str = "auto",
        window: int | None = None,
        detect: Detect | None = None,
        *,
        tries: int = 3,
    ) -> None:
        if setting not in PROFILES:
            raise ValueError(f"unknown prompt profile {setting!r}")
        self.setting = setting
        self.window = window
        self.detect = detect
        self.tries = tries
        self._asked = 0
        self._sizing: Sizing | None = None

    def known(self) -> Sizing | None:
        """The sizing if it is decided already (no server needs asking)."""
        if self._sizing is None and (self.window is not None or self.detect is None):
            self._sizing = Sizing(
                choose_profile(self.setting, self.window),
                self.window,
                "config" if self.window else "",
            )
        return self._sizing

    async def resolve(self) -> Sizing:
        known = self.known()
        if known is not None:
            return known
        assert self.detect is not None
        window, source = None, ""
        self._asked += 1
        try:
            window, source = await self.detect()
        except Exception as exc:  # a window is a hint: never fail a turn for it
            log.info("could not read the context window: %s", exc)
        sizing = Sizing(choose_profile(self.setting, window), window, source)
        if window is not None or self._asked >= self.tries:
            self._sizing = sizing
        return sizing
