"""The Character Card V2 copy of a V3 card, for tools that only read V2 (the PNG ``chara``)."""

from __future__ import annotations

import copy
from typing import Any

from storyai.core.importers.cards.characters import V1_FIELDS
from storyai.core.importers.cards.text import as_text, as_text_list, strip_decorators

V2_FIELDS = (*V1_FIELDS, "creator_notes", "system_prompt", "post_history_instructions")
V2_LIST_FIELDS = ("alternate_greetings", "tags")
V2_OTHER_FIELDS = ("creator", "character_version")
BACKFILL_NOTE = (
    "This character card is Character Card V3, but it is loaded as a Character Card V2. "
    "Please use a Character Card V3 compatible application to use this character card properly."
)


def v2_backfill(card_v3: dict[str, Any]) -> dict[str, Any]:
    """The Character Card V2 version of a V3 card (for the PNG ``chara`` chunk):
    V2 fields only, decorators removed from lore, a note for V2-only readers."""
    data3 = card_v3.get("data") if isinstance(card_v3.get("data"), dict) else {}
    data: dict[str, Any] = {}
    for key in V2_FIELDS + V2_OTHER_FIELDS:
        text = as_text(data3.get(key))
        data[key] = "" if text is None else text
    for key in V2_LIST_FIELDS:
        data[key] = as_text_list(data3.get(key)) or []
    notes = data["creator_notes"]
    data["creator_notes"] = f"{BACKFILL_NOTE}\n\n{notes}" if notes else BACKFILL_NOTE
    book = data3.get("character_book")
    if isinstance(book, dict):
        book = copy.deepcopy(book)
        for entry in book.get("entries") or []:
            if isinstance(entry, dict) and isinstance(entry.get("content"), str):
                entry["content"] = strip_decorators(entry["content"])[0].strip("\n")
        data["character_book"] = book
    extensions = data3.get("extensions")
    data["extensions"] = copy.deepcopy(extensions) if isinstance(extensions, dict) else {}
    return {"spec": "chara_card_v2", "spec_version": "2.0", "data": data}
