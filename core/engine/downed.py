"""A player at 0 HP: what their turn is, and what they are told they can do.

The rule system says what being down means (``RuleSystem.downed``): a d20 hero
makes death saving throws, a percentile one fights for life or tries to come
round. On such a turn that roll is all that happens; anything else typed is
answered with what is possible and costs nothing (no roll, no time).
"""

from __future__ import annotations

from storyai.core.engine.draft import Draft
from storyai.core.engine.intent import Intent

RECOVERING = frozenset({"recover", "wait"})
"""Verbs that spend a downed player's turn on the rule system's roll."""


def take_turn(draft: Draft, intent: Intent) -> bool:
    """The downed player's turn. Returns whether time passed (the others act)."""
    down = draft.rules.downed(draft.sheet)
    assert down is not None
    if intent.verb not in RECOVERING:
        draft.say(
            f"You are {down.state}: you can't {_what(intent)} now. "
            f"All you can do is: {down.action}.",
            "notice",
        )
        return False
    after, result, notes = draft.rules.downed_turn(draft.sheet, draft.dice)
    if result is not None:
        draft.roll_line(result.text)
    draft.set_sheet(draft.actor, after)
    for note in notes:
        draft.say(note, "notice")
    if after.hp > 0:
        draft.say("You are back on your feet.", "notice")
    return True


def recover(draft: Draft, intent: Intent) -> None:
    """``recover`` typed by someone who is not down."""
    draft.say("You are on your feet; there is nothing to recover from.", "notice")


def _what(intent: Intent) -> str:
    words = intent.raw.strip().rstrip(".!?") if intent.raw else intent.verb
    return f'"{words}"' if words else "do that"
