"""Make player-, world- and model-written text inert in a Discord message.

``escape_text`` escapes rather than strips: Discord shows the escaped text
exactly as it was written (the backslashes and zero-width spaces it adds are
invisible), but none of it can ping, render a mention, or turn into Markdown.

What it does, outside links:

- ``\\ * _ ~ | ` < [ ]`` get a backslash anywhere, which disarms bold, italics,
  underline, strike-through, spoilers, inline code and code fences, masked
  links ``[x](url)`` and every ``<...>`` form: user, role and channel mentions
  (``<@1>``, ``<@!1>``, ``<@&1>``, ``<#1>``), slash-command mentions,
  timestamps and custom emoji.
- At the start of a line (after any indentation) ``> # - +`` and the dot of
  ``1.`` get a backslash: no quotes, headers, ``-#`` subtext or lists.
- ``@everyone`` and ``@here`` get a zero-width space after the ``@``, and any
  invisible characters someone slipped in between (``@\\u200beveryone``) are
  replaced by exactly one.

Links (``https://...``) are left as written, since a backslash inside one would
change where it leads; characters that could close or open Markdown around a
link (``* ~ | ` [ ] < >``) end the link and are escaped.

``NO_PINGS`` is the ``allowed_mentions`` for every message the bot sends, so
that even a mention that slipped through could not ping anyone.
"""

from __future__ import annotations

import re

import discord

from storyai.bots.output.limits import ELLIPSIS

NO_PINGS = discord.AllowedMentions.none()
"""Pass as ``allowed_mentions`` with every send and edit."""

ZWSP = "\u200b"
INVISIBLE = (
    "\u00ad\u034f\u061c\u115f\u1160\u180e\u200b\u200c\u200d\u200e\u200f"
    "\u2060\u2061\u2062\u2063\u2064\u3164\ufeff"
)
"""Characters that render as nothing, which could hide a mention from a filter."""

_INV = f"[{INVISIBLE}]*"
_MASS_MENTION = re.compile(rf"@{_INV}(everyone|here)", re.IGNORECASE)
_ANYWHERE = re.compile(r"([\\*_~|`<\[\]])")
_LINE_START = re.compile(r"(?m)^([ \t]*)([>#+\-])")
_ORDERED = re.compile(r"(?m)^([ \t]*\d+)([.)])(?=\s|$)")
_URL = re.compile(r"https?://[^\s<>*~|`\[\]\\]+")
_URL_TAIL = ".,:;!?'\")_"


def escape_text(text: str) -> str:
    """The text, safe to put in a message, an embed description or a field value.

    Reads the same once Discord renders it; mentions and Markdown are inert.
    """
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    out: list[str] = []
    pos = 0
    for match in _URL.finditer(text):
        url = match.group().rstrip(_URL_TAIL)
        if len(url) <= len("https://"):
            continue
        out.append(_escape_plain(text[pos : match.start()], _at_line_start(text, pos)))
        out.append(url)
        pos = match.start() + len(url)
    out.append(_escape_plain(text[pos:], _at_line_start(text, pos)))
    return "".join(out)


def escape_inline(text: str, limit: int | None = None) -> str:
    """``escape_text`` for one line: newlines and runs of spaces become one space.

    For names and titles. With ``limit``, the result is at most that long, cut
    with an ellipsis (never in the middle of an escape).
    """
    escaped = escape_text(" ".join(text.split()))
    return escaped if limit is None else clip(escaped, limit)


def clip(text: str, limit: int) -> str:
    """At most ``limit`` characters: cut with "…" when longer, never leaving half an escape.

    Meant for escaped text without Markdown of its own (a name, a title).
    """
    if limit < 1:
        raise ValueError("limit must be at least 1")
    if len(text) <= limit:
        return text
    cut = text[: limit - 1].rstrip()
    trailing = len(cut) - len(cut.rstrip("\\"))
    if trailing % 2:
        cut = cut[:-1]
    if cut.endswith("@" + ZWSP):  # keep "@\u200b" whole: it may be an escaped @everyone
        cut = cut[:-1]
    return cut + ELLIPSIS


def plain_line(text: str, limit: int) -> str:
    """One line of plain text for places that render no Markdown (button labels,
    footers, author names): whitespace collapsed, cut with "…" at ``limit``."""
    line = " ".join(text.split())
    if len(line) <= limit:
        return line
    return line[: limit - 1].rstrip() + ELLIPSIS


def _at_line_start(text: str, pos: int) -> bool:
    return pos == 0 or text[pos - 1] == "\n"


def _escape_plain(segment: str, line_start: bool) -> str:
    """Escape a piece of text that holds no link."""
    if not segment:
        return segment
    segment = _ANYWHERE.sub(r"\\\1", segment)
    if line_start:
        head, rest = "", segment
    else:  # the segment continues a line begun before it: its first line has no start
        head, newline, rest = segment.partition("\n")
        head += newline
    rest = _LINE_START.sub(r"\1\\\2", rest)
    rest = _ORDERED.sub(r"\1\\\2", rest)
    segment = head + rest
    return _MASS_MENTION.sub(lambda m: "@" + ZWSP + m.group(1), segment)
