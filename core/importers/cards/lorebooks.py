"""Lorebooks (V2/V3 ``character_book``, ``lorebook_v3``, SillyTavern World Info) as lore.

Both shapes are first read into :class:`BookEntry` objects; :func:`lore_view`
then turns one into the world's ``LoreEntry`` fields. Export uses the same
view to tell which fields a user changed since the import.

Choices: keywords are the primary ``keys`` only. ``secondary_keys`` (World
Info ``keysecondary``) only count for a selective entry, where they narrow it
(primary AND secondary); our lore has no such logic, so a selective entry
triggers on its primary keys alone, and its secondary keys stay in the raw
entry (written back on export unchanged). Regular-expression keys
(``use_regex`` or SillyTavern's ``/.../i``) are left out (they stay in the raw
entry too). Priority is :func:`order_priority` of ``insertion_order``/``order``:
``(order - 100) / 10`` rounded, within -99..99, so the usual order 100 is 0 and
a higher order is a higher priority (SillyTavern keeps higher orders first
when over budget), whatever else the book holds. Constant entries get
priority 100 and the tag ``always``. Titles and book names are plain text.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Any

from storyai.core.importers.cards import limits
from storyai.core.importers.cards.text import (
    as_number,
    as_text,
    as_text_list,
    clip,
    expand_macros,
    plain_text,
    sanitize_html,
    strip_decorators,
)
from storyai.core.importers.errors import ImportRefused

_ST_REGEX_KEY = re.compile(r"^/.+/[a-z]*$", re.DOTALL)
ALWAYS_TAG = "always"
DEFAULT_ORDER = 100
"""The order of an entry that has none (SillyTavern's default); priority 0."""
ORDER_STEP = 10
"""How much order one step of priority is."""


@dataclass
class BookEntry:
    """One lorebook entry, read from either shape; ``raw`` is the entry untouched."""

    raw: dict[str, Any]
    ref_id: str
    keys: list[str]
    secondary: list[str]
    content: str
    enabled: bool
    constant: bool
    order: float
    title: str
    use_regex: bool
    selective: bool = False
    """Whether secondary keys narrow the entry (they are ignored otherwise)."""
    disabled_reason: str = ""


@dataclass
class Book:
    name: str
    entries: list[BookEntry] = field(default_factory=list)
    bad: list[tuple[str, str]] = field(default_factory=list)
    """(ref id, reason) of entries that are not entry objects at all."""


def _ref_id(value: Any, fallback: int | str) -> str:
    text = as_text(value)
    if text is None or not text.strip():
        return str(fallback)
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return text.strip()[:60]


def _unique(ref: str, index: int | str, seen: set[str]) -> str:
    """Entry refs must be unique within a book; a repeated id gets its index added."""
    if ref in seen:
        ref = f"{ref}@{index}"
    seen.add(ref)
    return ref


def _check_count(count: int, file: str) -> None:
    if count > limits.MAX_LORE_ENTRIES:
        raise ImportRefused(
            f"{file}: the lorebook has {count:,} entries, over the limit of "
            f"{limits.MAX_LORE_ENTRIES:,}"
        )


def read_card_book(book: dict[str, Any], default_name: str, file: str) -> Book:
    """A V2/V3 ``character_book`` (or a ``lorebook_v3``'s ``data``)."""
    name = _first_line(book.get("name")) or default_name
    result = Book(name=name)
    entries = book.get("entries")
    if not isinstance(entries, list):
        if entries is not None:
            result.bad.append(("entries", "'entries' is not a list"))
        return result
    _check_count(len(entries), file)
    seen: set[str] = set()
    for index, raw in enumerate(entries):
        if not isinstance(raw, dict):
            result.bad.append((str(index), "not an entry object"))
            continue
        result.entries.append(card_entry(raw, _unique(_ref_id(raw.get("id"), index), index, seen)))
    return result


def card_entry(raw: dict[str, Any], ref_id: str) -> BookEntry:
    """One V2/V3 lorebook entry."""
    enabled = raw.get("enabled") is not False
    return BookEntry(
        raw=raw,
        ref_id=ref_id,
        keys=as_text_list(raw.get("keys")) or [],
        secondary=as_text_list(raw.get("secondary_keys")) or [],
        content=as_text(raw.get("content")) or "",
        enabled=enabled,
        constant=raw.get("constant") is True,
        order=_order(raw.get("insertion_order")),
        title=_first_line(raw.get("name")) or _first_line(raw.get("comment")),
        use_regex=raw.get("use_regex") is True,
        selective=raw.get("selective") is True,
        disabled_reason="" if enabled else "disabled in the lorebook (enabled: false)",
    )


def read_worldinfo(doc: dict[str, Any], default_name: str, file: str) -> Book:
    """SillyTavern World Info: ``entries`` keyed by uid (or, in some exports, a list)."""
    original = doc.get("originalData")
    name = _first_line(original.get("name")) if isinstance(original, dict) else ""
    result = Book(name=name or _first_line(doc.get("name")) or default_name)
    entries = doc.get("entries")
    if isinstance(entries, dict):
        pairs: list[tuple[Any, Any]] = list(entries.items())
    else:
        pairs = list(enumerate(entries)) if isinstance(entries, list) else []
    _check_count(len(pairs), file)
    seen: set[str] = set()
    for key, raw in pairs:
        if not isinstance(raw, dict):
            result.bad.append((str(key), "not an entry object"))
            continue
        disabled = raw.get("disable") is True or raw.get("enabled") is False
        result.entries.append(
            BookEntry(
                raw=raw,
                ref_id=_unique(_ref_id(raw.get("uid"), key), key, seen),
                keys=as_text_list(raw.get("key", raw.get("keys"))) or [],
                secondary=as_text_list(raw.get("keysecondary", raw.get("secondary_keys"))) or [],
                content=as_text(raw.get("content")) or "",
                enabled=not disabled,
                constant=raw.get("constant") is True,
                order=_order(raw.get("order", raw.get("insertion_order"))),
                title=_first_line(raw.get("comment")) or _first_line(raw.get("name")),
                use_regex=raw.get("use_regex") is True,
                selective=raw.get("selective") is not False,  # SillyTavern's default: true
                disabled_reason="disabled in World Info (disable: true)" if disabled else "",
            )
        )
    return result


def _order(value: Any) -> float:
    number = as_number(value)
    return DEFAULT_ORDER if number is None else number


def _first_line(value: Any) -> str:
    """The first non-empty line of a title or name, as plain text (no HTML)."""
    text = sanitize_html(as_text(value) or "")[0]
    for line in text.splitlines():
        if plain := plain_text(line)[0]:
            return plain[: limits.NAME_MAX]
    return ""


def usable_key(key: str, use_regex: bool) -> str | None:
    """A key as a plain keyword, or ``None`` when it is empty or a regular expression."""
    key = " ".join(key.split())
    if not key or use_regex or _ST_REGEX_KEY.match(key):
        return None
    return key


def order_priority(order: float) -> int:
    """An entry's priority from its order: ``(order - 100) / 10``, rounded (halves away
    from 0), kept within -99..99. Order 100 is 0, 110 is 1, 5 is -10, 200 is 10."""
    steps = (order - DEFAULT_ORDER) / ORDER_STEP
    rounded = math.copysign(math.floor(abs(steps) + 0.5), steps)
    return int(max(-99, min(99, rounded)))


def priority_order(priority: int) -> int:
    """The order for a priority a user set: the inverse of :func:`order_priority`
    (priority 0 is order 100, 1 is 110; -100 and 100 count as -99 and 99)."""
    return DEFAULT_ORDER + ORDER_STEP * max(-99, min(99, priority))


@dataclass
class LoreView:
    data: dict[str, Any]
    """LoreEntry fields: title, keywords, text, priority, tags (no source)."""
    regex_dropped: int = 0
    title_keyword: bool = False
    cut: bool = False
    html: bool = False
    selective: bool = False
    """Its secondary keys would narrow it, which our lore cannot do."""


def lore_view(entry: BookEntry, book: Book, *, char: str | None) -> LoreView | str:
    """The world's LoreEntry fields for one entry, or why it is skipped."""
    if not entry.enabled:
        return entry.disabled_reason
    text, decorators = strip_decorators(entry.content)
    text, html = sanitize_html(text)
    text = expand_macros(text, char=char).strip()
    if not text:
        return "only decorators, no text" if decorators else "empty content"
    text, cut = clip(text, limits.TEXT_MAX)
    keywords: list[str] = []
    seen: set[str] = set()
    dropped = 0
    for key in entry.keys:  # secondary keys never trigger an entry on their own
        usable = usable_key(key, entry.use_regex)
        if usable is None:
            dropped += bool(key.strip())
        elif usable.lower() not in seen:
            seen.add(usable.lower())
            keywords.append(usable)
    title = entry.title or (keywords[0] if keywords else f"{book.name} entry {entry.ref_id}")
    title = title[: limits.NAME_MAX]
    title_keyword = not keywords
    if title_keyword:
        keywords = [title]
    tags = [ALWAYS_TAG] if entry.constant else []
    priority = 100 if entry.constant else order_priority(entry.order)
    data = {"title": title, "keywords": keywords, "text": text, "priority": priority, "tags": tags}
    selective = entry.selective and not entry.constant and any(k.strip() for k in entry.secondary)
    return LoreView(data, dropped, title_keyword and not entry.constant, cut, html, selective)
