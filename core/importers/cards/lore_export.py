"""A card's ``character_book`` rebuilt from the world's lore.

Entries imported from this card's book go back where they were, from their
own raw entry, with only the fields a user changed rewritten (secondary keys
and an unedited ``insertion_order`` always come back as they were). Entries the
import skipped (disabled, empty) stay as they were; entries whose lore was
deleted from the world are dropped. Any other lore given becomes a new entry,
except GM-only lore: cards are shared, so it never goes into one.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

from storyai.core.domain.world import LoreEntry
from storyai.core.importers.cards.lorebooks import (
    ALWAYS_TAG,
    DEFAULT_ORDER,
    Book,
    card_entry,
    lore_view,
    priority_order,
    read_card_book,
    usable_key,
)
from storyai.core.importers.cards.text import (
    as_number,
    as_text,
    as_text_list,
    strip_decorators,
)


def build_book(
    raw_book: dict[str, Any] | None,
    default_name: str,
    char: str,
    lore: Mapping[str, LoreEntry],
    *,
    new_book_name: str,
) -> dict[str, Any] | None:
    """The V3 ``character_book`` for a card, or ``None`` when there is nothing to put in."""
    entries: list[dict[str, Any]] = []
    mine: dict[str, LoreEntry] = {}
    mine_ids: set[str] = set()
    if raw_book is not None:
        book = read_card_book(raw_book, default_name, "card")
        prefix = f"{book.name}#"
        for lore_id, entry in lore.items():
            source = entry.source
            if source and source.format == "card" and source.ref.startswith(prefix):
                mine.setdefault(source.ref, entry)
                mine_ids.add(lore_id)
        used: set[str] = set()
        for original in book.entries:
            ref = f"{book.name}#{original.ref_id}"[:500]
            if ref in mine:
                entries.append(_restore(mine[ref], original.raw, original.ref_id, book, char))
                used.add(ref)
            elif isinstance(lore_view(original, book, char=char), str):
                entries.append(upgrade_entry(copy.deepcopy(original.raw)))  # skipped on import
        for ref, entry in mine.items():
            if ref not in used:
                entries.append(_restore(entry, {}, ref[len(prefix) :], book, char))
    ids = [int(n) for e in entries if (n := as_number(e.get("id"))) is not None]
    next_id = max(ids, default=-1) + 1
    for lore_id, entry in lore.items():
        if lore_id not in mine_ids and entry.visibility != "gm-only":
            entries.append(new_entry(entry, next_id))
            next_id += 1
    if raw_book is None:
        if not entries:
            return None
        return {"name": new_book_name, "extensions": {}, "entries": entries}
    result = copy.deepcopy(raw_book)
    if not isinstance(result.get("extensions"), dict):
        result["extensions"] = {}
    result["entries"] = entries
    return result


def upgrade_entry(entry: dict[str, Any]) -> dict[str, Any]:
    """A V2/V3 entry with every field V3 requires."""
    if not isinstance(entry.get("keys"), list):
        entry["keys"] = as_text_list(entry.get("keys")) or []
    if not isinstance(entry.get("content"), str):
        entry["content"] = as_text(entry.get("content")) or ""
    if not isinstance(entry.get("extensions"), dict):
        entry["extensions"] = {}
    if not isinstance(entry.get("enabled"), bool):
        entry["enabled"] = True
    if as_number(entry.get("insertion_order")) is None:
        entry["insertion_order"] = DEFAULT_ORDER
    if not isinstance(entry.get("use_regex"), bool):
        entry["use_regex"] = False
    return entry


def _restore(
    lore: LoreEntry, fallback: dict[str, Any], ref_id: str, book: Book, char: str
) -> dict[str, Any]:
    """The lore's raw entry, with what the user changed since the import written in."""
    raw = lore.source.raw if lore.source and isinstance(lore.source.raw, dict) else fallback
    entry = upgrade_entry(copy.deepcopy(raw))
    view = lore_view(card_entry(raw, ref_id), book, char=char)
    old = view.data if not isinstance(view, str) else {}
    if lore.keywords != old.get("keywords"):
        _write_keys(entry, raw, lore.keywords)
    if lore.text != old.get("text"):
        decorators = strip_decorators(entry["content"])[1]
        entry["content"] = "\n".join([*decorators, lore.text])
    if lore.title != old.get("title"):
        entry["comment" if "comment" in raw and "name" not in raw else "name"] = lore.title
    always = ALWAYS_TAG in lore.tags
    if always != (ALWAYS_TAG in old.get("tags", [])):
        entry["constant"] = always
    if lore.priority != old.get("priority") and not always:
        entry["insertion_order"] = priority_order(lore.priority)
    entry["enabled"] = True
    if not (as_text(entry.get("id")) or "").strip() and ref_id.isdigit():
        entry["id"] = int(ref_id)  # keeps its identity if entries before it are dropped
    return entry


def _write_keys(entry: dict[str, Any], raw: dict[str, Any], keywords: list[str]) -> None:
    """New keywords into ``keys``, keeping regex keys; ``secondary_keys`` (never
    keywords) stay as they were."""
    use_regex = raw.get("use_regex") is True
    wanted = {k.casefold() for k in keywords}
    used: set[str] = set()

    def keep(items: Any) -> list[Any]:
        kept = []
        for item in items if isinstance(items, list) else []:
            plain = usable_key(item, use_regex) if isinstance(item, str) else None
            if plain is None:
                kept.append(item)
            elif plain.casefold() in wanted and plain.casefold() not in used:
                kept.append(item)
                used.add(plain.casefold())
        return kept

    keys = keep(raw.get("keys"))
    entry["keys"] = keys + [k for k in keywords if k.casefold() not in used]


def new_entry(lore: LoreEntry, entry_id: int) -> dict[str, Any]:
    """A fresh V3 lorebook entry for lore that did not come from this card; its order
    is :func:`priority_order` of its priority."""
    raw = lore.source.raw if lore.source else None
    extensions = raw.get("extensions") if isinstance(raw, dict) else None
    return {
        "id": entry_id,
        "keys": list(lore.keywords),
        "secondary_keys": [],
        "content": lore.text,
        "extensions": copy.deepcopy(extensions) if isinstance(extensions, dict) else {},
        "enabled": True,
        "insertion_order": priority_order(lore.priority),
        "use_regex": False,
        "constant": ALWAYS_TAG in lore.tags,
        "selective": False,
        "name": lore.title,
        "comment": lore.title,
    }
