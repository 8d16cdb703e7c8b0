"""Told lines as renderables, safe against markup in anything a world or player wrote.

Nothing here builds console markup from text: names and narration go into
``rich.text.Text`` objects (or Markdown, which has no console markup), so a
character called ``[bold red]x[/]`` is shown exactly as typed.
"""

from __future__ import annotations

import zlib
from typing import TYPE_CHECKING

from rich.console import RenderableType
from rich.markdown import Markdown
from rich.text import Text

if TYPE_CHECKING:
    from storyai.core.domain.events import Line

SPEAKER_COLOURS = (
    "#7fd1b9",
    "#f2c14e",
    "#9ab8ff",
    "#f78f6b",
    "#c49bff",
    "#8fd16a",
    "#ff9ecf",
    "#6fd3e8",
)
DICE = "🎲"


def speaker_colour(speaker: str) -> str:
    """The same speaker always gets the same colour (stable across runs)."""
    return SPEAKER_COLOURS[zlib.crc32(speaker.encode("utf-8")) % len(SPEAKER_COLOURS)]


def plain(text: str, style: str = "") -> Text:
    """Literal text: square brackets and all."""
    return Text(text, style=style)


def line_renderable(line: Line) -> RenderableType:
    """One told line, drawn by its kind. The widget's CSS class adds colours."""
    if line.kind == "dialogue":
        speaker = line.speaker or "Someone"
        return Text.assemble((speaker, f"bold {speaker_colour(speaker)}"), ": ", line.text)
    if line.kind == "dice":
        return Text.assemble(DICE + " ", line.text)
    if line.kind in ("heading", "notice"):
        return plain(line.text)
    if line.kind == "ending":
        return Markdown(line.text)
    return Markdown(line.text)


def action_renderable(text: str) -> Text:
    """The player's own input, echoed above what it led to."""
    return Text.assemble(("› ", "bold"), text)


def queued_renderable(text: str) -> Text:
    """Input waiting for the turn being told: dim, and saying it waits."""
    return Text.assemble(
        ("› ", "bold"), text, ("  (queued: sent when this turn is told)", "italic")
    )


def hp_bar(hp: int, max_hp: int, width: int = 10) -> Text:
    """``▰▰▰▰▱▱`` coloured by how hurt someone is."""
    max_hp = max(1, max_hp)
    filled = round(width * max(0, min(hp, max_hp)) / max_hp)
    if hp > 0 and filled == 0:
        filled = 1
    fraction = hp / max_hp
    colour = "green" if fraction > 0.5 else "yellow" if fraction > 0.25 else "red"
    return Text.assemble(("▰" * filled, colour), ("▱" * (width - filled), "dim"))


def shorten(text: str, limit: int) -> str:
    """One line of at most ``limit`` characters, cut at a word when one is near."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[: max(0, limit - 1)]
    space = cut.rfind(" ")
    if space > limit * 0.6:
        cut = cut[:space]
    return cut.rstrip(" ,.;:—-") + "…"
