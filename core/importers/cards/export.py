"""World characters as Character Card V3 dicts (V2 copy: backfill.py; files: write.py).

A character imported from a card starts from the card it came from
(``source.raw``), so unknown fields and every ``extensions`` map survive.
Only the fields our world owns are written back, and only when they differ
from what the import made of them: an untouched description keeps its
original HTML and macros, an untouched lore entry its decorators and regex
keys. Game data card fields cannot hold (kind, stats, topics...) goes into
``data.extensions.storyai``: see :mod:`storyai_ext` for what is (and is never)
written there.
"""

from __future__ import annotations

import copy
import time
from collections.abc import Callable, Mapping
from typing import Any

from storyai.core.domain.world import Character, LoreEntry
from storyai.core.importers.cards.backfill import v2_backfill
from storyai.core.importers.cards.characters import (
    V1_FIELDS,
    CharacterView,
    card_fields,
    character_view,
    line_view,
    macro_name,
    tag_view,
)
from storyai.core.importers.cards.lore_export import build_book
from storyai.core.importers.cards.storyai_ext import KEY, export_extension
from storyai.core.importers.cards.text import as_text, as_text_list
from storyai.core.importers.cards.write import write_card_json, write_card_png

__all__ = ["card_from_character", "v2_backfill", "write_card_json", "write_card_png"]

V3_TEXT_FIELDS = (
    "name",
    "description",
    "personality",
    "scenario",
    "first_mes",
    "mes_example",
    "creator_notes",
    "system_prompt",
    "post_history_instructions",
    "creator",
    "character_version",
)
V3_LIST_FIELDS = ("alternate_greetings", "group_only_greetings", "tags")


def upgrade_to_v3(raw: dict[str, Any]) -> dict[str, Any]:
    """A copy of a V1/V2/V3 card in V3 shape, every required field present."""
    spec = raw.get("spec")
    if (
        isinstance(spec, str)
        and spec.startswith("chara_card_v")
        and isinstance(raw.get("data"), dict)
    ):
        card = copy.deepcopy(raw)
    else:  # V1: its fields move into data; anything else stays at the top
        card = {k: copy.deepcopy(v) for k, v in raw.items() if k not in V1_FIELDS}
        card["data"] = {k: copy.deepcopy(raw[k]) for k in V1_FIELDS if k in raw}
    card["spec"], card["spec_version"] = "chara_card_v3", "3.0"
    data = card["data"]
    for key in V3_TEXT_FIELDS:
        if not isinstance(data.get(key), str):
            data[key] = as_text(data.get(key)) or ""
    for key in V3_LIST_FIELDS:
        if not isinstance(data.get(key), list):
            data[key] = as_text_list(data.get(key)) or []
    if not isinstance(data.get("extensions"), dict):
        data["extensions"] = {}
    return {"spec": card.pop("spec"), "spec_version": card.pop("spec_version"), **card}


def card_from_character(
    character: Character, character_id: str, lore: Mapping[str, LoreEntry]
) -> dict[str, Any]:
    """A Character Card V3 dict for ``character``, its lorebook from ``lore``: entries
    imported from this card's book go back in place, any other lore is added."""
    source = character.source
    raw = source.raw if source and source.format == "card" else None
    if isinstance(raw, dict):
        card = upgrade_to_v3(raw)
        original = card_fields(raw)
        view: CharacterView | None = character_view(original, character.name)
        book_name = view.data["name"]
        raw_book = original.get("character_book")
    else:
        card = upgrade_to_v3({"spec": "chara_card_v3", "data": {}})
        original, view, book_name, raw_book = {}, None, character.name, None
        card["data"]["creation_date"] = int(time.time())
    data = card["data"]
    ext = export_extension(
        character, character_id, data["extensions"].get(KEY), always=not isinstance(raw, dict)
    )
    if ext is not None:
        data["extensions"][KEY] = ext
    changed = _apply_character(data, character, view, original)
    if not data["name"].strip():  # a nameless card was named on import (after its file)
        data["name"] = character.name
        changed.add("name")
    for key in changed & set(V1_FIELDS):
        if key in card and isinstance(card[key], str):  # SillyTavern's top-level copies
            card[key] = data[key]
    book = build_book(
        raw_book if isinstance(raw_book, dict) else None,
        book_name,
        macro_name(original) or book_name,
        lore,
        new_book_name=character.name,
    )
    if book is not None:
        data["character_book"] = book
    else:
        data.pop("character_book", None)
    data["modification_date"] = int(time.time())
    return card


def _apply_character(
    data: dict[str, Any],
    character: Character,
    view: CharacterView | None,
    original: dict[str, Any],
) -> set[str]:
    """Write the fields the world owns into ``data``; the card keys that changed."""
    old = view.data if view else None
    changed: set[str] = set()

    def put(key: str, value: Any, before: Any) -> None:
        if old is None or value != before:
            data[key] = value
            changed.add(key)

    description = character.description
    if old is None and character.backstory:
        description = f"{description}\n\n{character.backstory}".strip()
    put("name", character.name, old and old["name"])
    put("description", description, old and old["description"])
    put("personality", character.personality, old and old["personality"])
    put("mes_example", character.voice, old and old["voice"])
    put("first_mes", character.dialogue.greeting, old and old["dialogue"]["greeting"])
    lines = list(character.dialogue.lines)
    if old is None:
        data["alternate_greetings"] = lines
    elif lines != old["dialogue"]["lines"]:  # group_only_greetings are not lines: kept as is
        char = macro_name(original) or character.name
        used: set[str] = set()
        view_line: Callable[[str], str | None] = lambda g: line_view(g, char)  # noqa: E731
        alternate = merge_list(data["alternate_greetings"], view_line, lines, used)
        data["alternate_greetings"] = alternate + [v for v in lines if v not in used]
        changed.add("alternate_greetings")
    tags = list(character.tags)
    if old is None:
        data["tags"] = tags
    elif tags != old["tags"]:
        used = set()
        data["tags"] = merge_list(data["tags"], tag_view, tags, used) + [
            t for t in tags if t not in used
        ]
    return changed


def merge_list(
    items: list[Any],
    view: Callable[[str], str | None],
    wanted: list[str],
    used: set[str],
) -> list[Any]:
    """The original ``items`` that are still ``wanted`` (by their imported view), plus
    the ones the import never used (kept as they were). Matched views go into ``used``."""
    kept = []
    for item in items:
        seen = view(item) if isinstance(item, str) else None
        if seen is None:
            kept.append(item)
        elif seen in wanted and seen not in used:
            kept.append(item)
            used.add(seen)
    return kept
