"""Text for Discord: escaped, split at its limits, nothing that pings."""

from __future__ import annotations

import discord

from storyai.core.engine.draft import Line

NO_PINGS = discord.AllowedMentions.none()
LIMIT = 2000


def escape(text: str) -> str:
    """Player-, world- and model-written text: no mentions, no Markdown injection."""
    text = discord.utils.escape_markdown(text, as_needed=False)
    text = discord.utils.escape_mentions(text)
    return text.replace("<", "\\<").replace("#", "\\#")


def render_turn(lines: list[Line]) -> str:
    out = []
    for line in lines:
        text = escape(line.text)
        if line.kind == "dialogue" and line.speaker:
            out.append(f"**{escape(line.speaker)}:** {text}")
        elif line.kind == "dice":
            out.append(f"🎲 *{text}*")
        elif line.kind in ("notice",):
            out.append(f"*{text}*")
        elif line.kind == "heading":
            out.append(f"**{text}**")
        elif line.kind == "ending":
            out.append(f"✨ **{text}**")
        else:
            out.append(text)
    return "\n\n".join(out)


def split(text: str, limit: int = LIMIT) -> list[str]:
    """Chunks of at most ``limit`` characters, cut at paragraphs, lines, then words."""
    chunks: list[str] = []
    rest = text.strip()
    while len(rest) > limit:
        cut = max(rest.rfind("\n\n", 0, limit), rest.rfind("\n", 0, limit))
        if cut <= 0:
            cut = rest.rfind(" ", 0, limit)
        if cut <= 0:
            cut = limit
        chunks.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip()
    if rest:
        chunks.append(rest)
    return chunks


def choice_rows(labels: list[str], most: int = 25) -> list[tuple[int, str]]:
    """(number, label) for at most ``most`` buttons, labels within 80 characters."""
    out = []
    for i, label in enumerate(labels[:most], 1):
        text = f"{i}. {label}"
        out.append((i, text if len(text) <= 80 else text[:79] + "…"))
    return out
