"""A turn's told lines as Discord message text.

Every line's text (and a speaker's name) is escaped first; the only Markdown
in the result is the one added here:

- narration: paragraphs as written;
- dialogue: ``**Speaker:** text``;
- dice: ``-# 🎲 roll`` (small grey subtext), consecutive rolls on adjacent lines;
- notice: each line in ``*italics*``;
- heading: each line in ``**bold**``;
- ending: a ``>`` quote, opened with 🏁.

Blocks are separated by a blank line. ``render_messages`` splits the result
at the message limit. Buttons and embeds live in ``buttons`` and ``embeds``
and are re-exported here.
"""

from __future__ import annotations

from collections.abc import Iterable

from storyai.bots.output.buttons import (
    ChoiceButton,
    ChoiceButtons,
    ChoiceRef,
    choice_buttons,
    parse_custom_id,
)
from storyai.bots.output.embeds import (
    SeatLine,
    StatusSummary,
    inventory_embed,
    quests_embed,
    sheet_embed,
    status_embed,
)
from storyai.bots.output.escape import escape_inline, escape_text
from storyai.bots.output.limits import MESSAGE_CHARS
from storyai.bots.output.split import split_message
from storyai.core.engine.draft import Line

__all__ = [
    "DICE",
    "ChoiceButton",
    "ChoiceButtons",
    "ChoiceRef",
    "SeatLine",
    "StatusSummary",
    "choice_buttons",
    "inventory_embed",
    "parse_custom_id",
    "quests_embed",
    "render_line",
    "render_lines",
    "render_messages",
    "sheet_embed",
    "status_embed",
]

DICE = "🎲"
ENDING = "🏁"
SPEAKER = 80
"""How much of a speaker's name is shown."""


def _lines(text: str) -> list[str]:
    return [line.strip() for line in escape_text(text).split("\n") if line.strip()]


def render_line(line: Line) -> str:
    """One told line as Markdown; empty when it has nothing to show."""
    if line.kind == "dialogue":
        speaker = escape_inline(line.speaker or "", SPEAKER) or "Someone"
        text = escape_text(line.text.strip())
        return f"**{speaker}:** {text}" if text else ""
    if line.kind == "dice":
        return "\n".join(f"-# {DICE} {part}" for part in _lines(line.text))
    if line.kind == "notice":
        return "\n".join(f"*{part}*" for part in _lines(line.text))
    if line.kind == "heading":
        return "\n".join(f"**{part}**" for part in _lines(line.text))
    if line.kind == "ending":
        parts = _lines(line.text)
        if not parts:
            return ""
        parts[0] = f"{ENDING} {parts[0]}"
        return "\n".join(f"> {part}" for part in parts)
    return escape_text(line.text.strip())


def render_lines(lines: Iterable[Line]) -> str:
    """A turn's lines as one text (which may be longer than a message)."""
    out: list[str] = []
    previous = ""
    for line in lines:
        block = render_line(line)
        if not block:
            continue
        if out:
            out.append("\n" if line.kind == previous == "dice" else "\n\n")
        out.append(block)
        previous = line.kind
    return "".join(out)


def render_messages(lines: Iterable[Line], limit: int = MESSAGE_CHARS) -> list[str]:
    """A turn's lines as message contents, each within ``limit``."""
    return split_message(render_lines(lines), limit)
