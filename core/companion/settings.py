"""When a player lets their companion speak first: ``RemarkLimits`` read from and written
as a short text every interface takes (``/companion settings``, ``storyai run
--companion-remarks``, the TUI's toggle).

    off                              never speaks first
    on                               the defaults (every situation, at most once a turn)
    low-hp,new-place                 only those situations
    low-hp=50,stalled=4,every=3      HP at or under 50%, a stage stalled 4 things, at
                                     most one remark in 3 turns
"""

from __future__ import annotations

from dataclasses import replace

from storyai.core.companion.service import RemarkLimits
from storyai.core.domain.errors import UsageError

SITUATIONS = ("low-hp", "lethal", "stalled", "new-place")
HINT = "off, on, or some of low-hp[=PERCENT], lethal, stalled[=THINGS], new-place, every=TURNS"
DEFAULT = RemarkLimits()


def parse_remarks(text: str) -> RemarkLimits:
    """``RemarkLimits`` from the settings text; a UsageError names what is wrong."""
    words = [w.strip().lower() for w in text.replace(";", ",").split(",") if w.strip()]
    if not words or words == ["on"]:
        return DEFAULT
    if words == ["off"]:
        return RemarkLimits(enabled=False)
    chosen: dict[str, int | None] = {}
    every = 1
    for word in words:
        key, _, value = word.partition("=")
        key = key.strip().replace("_", "-")
        number: int | None = None
        if value:
            try:
                number = int(value.strip().rstrip("%"))
            except ValueError:
                raise UsageError(f"'{word}' needs a whole number after '='.", hint=HINT) from None
            if number < 1 or (key == "low-hp" and number > 100):
                raise UsageError(f"'{word}' is out of range.", hint=HINT)
        if key == "every":
            if number is None:
                raise UsageError("'every' needs a number of turns (every=3).", hint=HINT)
            every = number
        elif key in SITUATIONS:
            if number is not None and key in ("lethal", "new-place"):
                raise UsageError(f"'{key}' takes no number.", hint=HINT)
            chosen[key] = number
        else:
            raise UsageError(f"No remark setting '{key}'.", hint=HINT)
    if not chosen:  # only how often: every situation
        return replace(DEFAULT, every=every)
    low = chosen.get("low-hp")
    stalled = chosen.get("stalled")
    return RemarkLimits(
        enabled=True,
        low_hp=(low / 100 if low else DEFAULT.low_hp) if "low-hp" in chosen else 0.0,
        lethal="lethal" in chosen,
        stalled_after=(stalled or DEFAULT.stalled_after) if "stalled" in chosen else 0,
        new_place="new-place" in chosen,
        every=every,
    )


def describe_remarks(limits: RemarkLimits) -> str:
    """The settings text that gives ``limits`` back (``parse_remarks`` reads it)."""
    if not limits.enabled:
        return "off"
    if limits == DEFAULT:
        return "on"
    parts = []
    if limits.low_hp > 0:
        parts.append(f"low-hp={round(limits.low_hp * 100)}")
    if limits.lethal:
        parts.append("lethal")
    if limits.stalled_after > 0:
        parts.append(f"stalled={limits.stalled_after}")
    if limits.new_place:
        parts.append("new-place")
    if not parts:
        return "off"
    if limits.every > 1:
        parts.append(f"every={limits.every}")
    return ",".join(parts)
