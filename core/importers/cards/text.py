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
_NEXT_WORD = re.compile(r"( +)([a-z]+(?:'[a-z]+)?)\b")
_PREVIOUS_WORD = re.compile(r"([A-Za-z]+)\s+$")
_YOU_FORMS = {
    "is": "are",
    "isn't": "aren't",
    "was": "were",
    "wasn't": "weren't",
    "has": "have",
    "hasn't": "haven't",
    "does": "do",
    "doesn't": "don't",
}
_SUBJECT_AFTER = frozenset(
    [
        "after",
        "and",
        "as",
        "because",
        "before",
        "but",
        "if",
        "once",
        "so",
        "than",
        "that",
        "then",
        "though",
        "until",
        "when",
        "whenever",
        "where",
        "wherever",
        "whether",
        "while",
        "who",
    ]
)
"""Words after which ``{{user}}`` is the subject of the verb that follows it."""
_ADVERBS = frozenset(
    ["always", "never", "often", "sometimes", "still", "also", "just", "even", "already"]
)
"""Words that may stand between ``{{user}}`` and its verb (as do words in -ly)."""
_NOT_VERBS = _ADVERBS | frozenset(
    [
        "perhaps",
        "afterwards",
        "besides",
        "nevertheless",
        "nonetheless",
        "regardless",
        "towards",
        "backwards",
        "forwards",
        "upwards",
        "downwards",
        "unless",
        "thus",
        "yes",
        "less",
    ]
)


def expand_macros(text: str, *, char: str | None) -> str:
    """Fill in ``{{char}}`` (when the character is known) and ``{{user}}``.

    ``{{user}}`` is the player, and the world speaks to the player, so it becomes
    "you" everywhere (``{{user}}'s`` becomes "your"), with a capital at the start
    of a sentence; a verb right after it agrees ("{{user}} wakes" -> "you wake").
    Other macros (``{{random:...}}``) are left as they are.
    """
    if "{" not in text and "<" not in text:
        return text
    if char:
        text = _CHAR_MACRO.sub(lambda _m: char, text)
    out, pos = [], 0
    for match in _USER_MACRO.finditer(text):
        out.append(text[pos : match.start()])
        pos = match.end()
        start = _at_sentence_start(text, match.start())
        word = "your" if match.group(2) else "you"
        out.append(word.capitalize() if start else word)
        if match.group(2):
            continue
        if start or _after_subject_word(text, match.start()):
            pos = _agree(text, pos, out)
    out.append(text[pos:])
    return "".join(out)


def _agree(text: str, pos: int, out: list[str]) -> int:
    """Make the verb after "you" (at ``pos``) agree, past one adverb; the new ``pos``."""
    verb = _NEXT_WORD.match(text, pos)
    if verb is not None and (verb.group(2) in _ADVERBS or verb.group(2).endswith("ly")):
        adverb, verb = verb, _NEXT_WORD.match(text, verb.end())
    else:
        adverb = None
    if verb is None:
        return pos
    agreed = _you_verb(verb.group(2))
    if agreed == verb.group(2):
        return pos
    out.append(text[pos : verb.start()] if adverb else "")
    out.append(verb.group(1) + agreed)
    return verb.end()


def _after_subject_word(text: str, index: int) -> bool:
    """Whether ``{{user}}`` at ``index`` starts a clause: after a comma, a semicolon,
    a colon or a dash, or after a word such as "when", "and" or "that"."""
    before = text[max(0, index - 40) : index].rstrip(" \t")
    if before.endswith((",", ";", ":", "—", "–")):
        return True
    previous = _PREVIOUS_WORD.search(text, max(0, index - 40), index)
    return previous is not None and previous.group(1).lower() in _SUBJECT_AFTER


def _you_verb(word: str) -> str:
    """A third-person verb as it goes with "you" ("wakes" -> "wake"); other words as
    they are."""
    if word in _YOU_FORMS:
        return _YOU_FORMS[word]
    if len(word) < 3 or word in _NOT_VERBS or not word.endswith("s"):
        return word
    if word.endswith(("ss", "us", "is", "'s")):
        return word
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    if word.endswith(("ches", "shes", "sses", "xes", "zzes", "oes")):
        return word[:-2]
    return word[:-1]


def _at_sentence_start(text: str, index: int) -> bool:
    i = index - 1
    while i >= 0 and text[i] in " \t":
        i -= 1
    return i < 0 or text[i] in _SENTENCE_ENDS


_ANY_TAG = re.compile(r"<!--.*?(?:-->|$)|<(/?)([A-Za-z][A-Za-z0-9]*)[^<>]*>", re.DOTALL)
_BLOCK_TAGS = frozenset(
    [
        "br",
        "div",
        "p",
        "li",
        "ul",
        "ol",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "hr",
        "tr",
        "td",
        "th",
        "table",
    ]
)


def plain_text(text: str) -> tuple[str, bool]:
    """``text`` as plain text on one line (names, titles): unsafe HTML removed with its
    contents, other tags removed, whitespace collapsed; and whether markup was removed."""
    safe, changed = sanitize_html(text)

    def _drop(tag: re.Match[str]) -> str:
        return " " if (tag.group(2) or "").lower() in _BLOCK_TAGS else ""

    plain = _ANY_TAG.sub(_drop, safe) if "<" in safe else safe
    return " ".join(plain.split()), changed or plain != safe


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
