"""Choice buttons: labels and custom_ids within Discord's limits.

A choice button's ``custom_id`` is ``sai1:c:<session_ref>:<turn>:<index>``:

- ``sai1:c`` marks a story-choice button (format version 1), so the bot can
  tell its own buttons from others';
- ``session_ref`` is a short reference to the session (1-40 of ``A-Z a-z 0-9 _ -``,
  such as a session id's hex), which the bot maps back to the session;
- ``turn`` is the turn the choices were offered after: a click whose turn is
  not the session's current turn is stale and answered "expired";
- ``index`` is the choice's position in the turn's choices (0-based).

At most 100 characters, and unique within a message because the index is.
``parse_custom_id`` reads one back, or returns None for anything else.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from storyai.bots.output.escape import plain_line
from storyai.bots.output.limits import BUTTON_LABEL, BUTTONS, BUTTONS_PER_ROW, CUSTOM_ID
from storyai.core.domain.state import Choice

PREFIX = "sai1:c"
_REF = re.compile(r"[A-Za-z0-9_-]{1,40}")
_CUSTOM_ID = re.compile(
    rf"{PREFIX}:(?P<ref>{_REF.pattern}):(?P<turn>0|[1-9][0-9]{{0,9}}):(?P<index>0|[1-9][0-9]?)"
)
CUSTOM_ID_PATTERN = _CUSTOM_ID.pattern
"""The custom_id as a regex with named groups ``ref``, ``turn`` and ``index``: usable as a
``discord.ui.DynamicItem`` template (a match still goes through ``parse_custom_id``)."""
EXPIRED = "Those choices have expired: the story has moved on. Pick from the latest turn."


@dataclass(frozen=True)
class ChoiceRef:
    """What a choice button's custom_id carries."""

    session_ref: str
    turn: int
    index: int

    def __post_init__(self) -> None:
        if not _REF.fullmatch(self.session_ref):
            raise ValueError("session_ref must be 1-40 characters of A-Z a-z 0-9 _ -")
        if not 0 <= self.turn < 10**10:
            raise ValueError("turn must be between 0 and 9,999,999,999")
        if not 0 <= self.index < BUTTONS:
            raise ValueError(f"index must be between 0 and {BUTTONS - 1}")

    @property
    def custom_id(self) -> str:
        custom_id = f"{PREFIX}:{self.session_ref}:{self.turn}:{self.index}"
        assert len(custom_id) <= CUSTOM_ID
        return custom_id

    def expired(self, current_turn: int) -> bool:
        """Whether the button belongs to an earlier (or another branch's) turn."""
        return self.turn != current_turn


def parse_custom_id(custom_id: str) -> ChoiceRef | None:
    """The choice a button stands for, or None if it is not a story-choice button."""
    match = _CUSTOM_ID.fullmatch(custom_id)
    if match is None:
        return None
    try:
        return ChoiceRef(match["ref"], int(match["turn"]), int(match["index"]))
    except ValueError:
        return None


@dataclass(frozen=True)
class ChoiceButton:
    label: str  # plain text: button labels render no Markdown and no mentions
    custom_id: str
    row: int  # 0-4
    index: int  # the choice's index in the turn's choices


@dataclass(frozen=True)
class ChoiceButtons:
    buttons: list[ChoiceButton]
    dropped: int = 0
    note: str | None = None  # "(3 more: type /act)" when choices did not fit

    def __iter__(self):
        return iter(self.buttons)

    def __len__(self) -> int:
        return len(self.buttons)


def choice_buttons(
    choices: Sequence[Choice],
    session_ref: str,
    turn: int,
    *,
    max_buttons: int = BUTTONS,
) -> ChoiceButtons:
    """Buttons for a turn's choices, five to a row, at most ``max_buttons`` (≤ 25).

    Labels are numbered (``"2. Open the door"``) and cut to 80 characters. A
    smaller ``max_buttons`` leaves rows for the bot's own buttons.
    """
    if not 1 <= max_buttons <= BUTTONS:
        raise ValueError(f"max_buttons must be between 1 and {BUTTONS}")
    shown = list(choices)[:max_buttons]
    buttons = []
    for index, choice in enumerate(shown):
        text = " ".join(choice.text.split()) or " ".join(choice.command.split())
        label = plain_line(f"{index + 1}. {text}" if text else f"Choice {index + 1}", BUTTON_LABEL)
        ref = ChoiceRef(session_ref, turn, index)
        buttons.append(ChoiceButton(label, ref.custom_id, index // BUTTONS_PER_ROW, index))
    dropped = len(choices) - len(shown)
    note = f"({dropped} more: type /act)" if dropped else None
    return ChoiceButtons(buttons, dropped, note)
