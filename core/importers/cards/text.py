"""Text clean-up for card fields: unsafe HTML out, macros filled in, lengths capped.

Risu cards carry HTML and CSS in their text. We keep the markup as text but
remove what could run or load something (``<script>``, ``<style>``,
``<iframe>``, ``<object>``, ``<embed>`` with their contents, ``on*=``
attributes and ``javascript:`` links). Non-HTML text such as ``<START>`` is
left exactly as it was.
"""

from __future__ import annotations

import math
import re
from typing import Any

_UNSAFE_OPEN = re.compile(r"<\s*(script|style|iframe|object|embed)\b[^<>]*>", re.IGNORECASE)
_CLOSE = {
    name: re.compile(rf"<\s*/\s*{name}\s*>", re.IGNORECASE)
    for name in ("script", "style", "iframe", "object", "embed")
}
_TAG = re.compile(r"<[A-Za-z][^<>]*>")
_EVENT_ATTR = re.compile(r"""\son[a-z0-9_-]+\s*=\s*(?:"[^"]*"|'[^']*'|[^\s>]+)""", re.IGNORECASE)
_JS_LINK = re.compile(
    r"""\s(?:href|src|action|formaction|xlink:href)\s*=\s*"""
    r"""(?:"\s*javascript:[^"]*"|'\s*javascript:[^']*'|javascript:[^\s>]*)""",
    re.IGNORECASE,
)


def sanitize_html(text: str) -> tuple[str, bool]:
    """``text`` without scripts, styles, frames, embeds and event handlers; and whether
    anything was removed."""
    if "<" not in text:
        return text, False
    out, pos, changed = [], 0, False
    while (match := _UNSAFE_OPEN.search(text, pos)) is not None:
        changed = True
        out.append(text[pos : match.start()])
        name = match.group(1).lower()
        if match.group(0).rstrip(">").rstrip().endswith("/"):
            pos = match.end()  # self-closing: only the tag goes
            continue
        close = _CLOSE[name].search(text, match.end())
        if close is not None:
            pos = close.end()
        elif name == "embed":
            pos = match.end()  # a void element: it has no contents
        else:
            pos = len(text)  # unclosed: a browser would swallow the rest too
    out.append(text[pos:])
    result = "".join(out)

    def _clean_tag(tag: re.Match[str]) -> str:
        cleaned = _JS_LINK.sub("", _EVENT_ATTR.sub("", tag.group(0)))
        return cleaned

    cleaned = _TAG.sub(_clean_tag, result)
    return cleaned, changed or cleaned != result


_CHAR_MACRO = re.compile(r"\{\{\s*(?:char|bot)\s*\}\}|<(?:bot|char)>", re.IGNORECASE)
_USER_MACRO = re.compile(r"(\{\{\s*user\s*\}\}|<user>)('s)?", re.IGNORECASE)
_SENTENCE_ENDS = '.!?*"“\n'


def expand_macros(text: str, *, char: str | None, user: str) -> str:
    """Fill in ``{{char}}`` (when the character is known) and ``{{user}}``.

    ``user`` is ``"you"`` for what is said to the player (greetings, the opening)
    and ``"the player"`` for descriptions; ``{{user}}'s`` becomes ``your`` or
    ``the player's``. Other macros (``{{random:...}}``) are left as they are.
    """
    if "{" not in text and "<" not in text:
        return text
    if char:
        text = _CHAR_MACRO.sub(lambda _m: char, text)

    def _user(match: re.Match[str]) -> str:
        word = user
        if match.group(2):
            word = "your" if user == "you" else f"{user}'s"
        if _at_sentence_start(text, match.start()):
            word = word[:1].upper() + word[1:]
        return word

    return _USER_MACRO.sub(_user, text)


def _at_sentence_start(text: str, index: int) -> bool:
    i = index - 1
    while i >= 0 and text[i] in " \t":
        i -= 1
    return i < 0 or text[i] in _SENTENCE_ENDS


def strip_decorators(content: str) -> tuple[str, list[str]]:
    """Lore content without its V3 ``@@decorator`` lines, and those lines."""
    if "@@" not in content:
        return content, []
    kept, decorators = [], []
    for line in content.splitlines():
        (decorators if line.lstrip().startswith("@@") else kept).append(line)
    return "\n".join(kept), decorators


def clip(text: str, limit: int) -> tuple[str, bool]:
    """``text`` cut to at most ``limit`` characters (ending in ``…``), and whether it was cut."""
    if len(text) <= limit:
        return text, False
    return text[: limit - 1].rstrip() + "…", True


def as_text(value: Any) -> str | None:
    """A card's text field as a string; ``None`` when it is not text at all (a list, a map)."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return None
    if isinstance(value, int) or (isinstance(value, float) and math.isfinite(value)):
        return str(value)
    return None


def as_text_list(value: Any) -> list[str] | None:
    """A list of strings from a card field; a comma-separated string is split.
    ``None`` when it is neither."""
    if value is None:
        return []
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    if not isinstance(value, list):
        return None
    return [text for item in value if (text := as_text(item))]


def as_number(value: Any) -> float | None:
    """A finite number (not a bool), or ``None``."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value) if math.isfinite(value) else None


def describe_start(data: bytes) -> str:
    """How a file starts, for "it starts with ..." messages."""
    head = data[:16]
    printable = bytearray()
    for byte in head:
        if 32 <= byte < 127:
            printable.append(byte)
        else:
            break
    if len(printable) >= 3:
        return repr(printable.decode("ascii"))
    return "bytes " + " ".join(f"{b:02x}" for b in head[:8])
