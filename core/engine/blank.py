"""What a model writes when it means "nothing": no change, never a refused proposal.

Small models fill a schema's every field: 0, "", empty lists, null, or a value
copied from the schema or the prompt's example ("item", "who", "string"). None
of that is a proposal; a reply's reader and the proposal checker skip it
quietly, so the player never reads a refusal of something nobody asked for.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

PLACEHOLDERS = frozenset(
    {
        "string",
        "text",
        "str",
        "id",
        "item",
        "items",
        "item_id",
        "who",
        "name",
        "speaker",
        "location",
        "location_id",
        "place",
        "quest",
        "quest_id",
        "stage",
        "stage_id",
        "lore",
        "lore_id",
        "reason",
        "narrative",
        "description",
        "skill",
        "attitude",
        "delta",
        "none",
        "null",
        "nil",
        "nothing",
        "n/a",
        "na",
        "unknown",
        "example",
        "0",
        "...",
        "…",
    }
)
"""Words a model copies from the schema or the example instead of a real value."""

KEYS = {
    "items": ("item", "delta"),
    "hp": ("who", "delta"),
    "quests": ("quest", "stage"),
    "attitudes": ("who", "attitude"),
}
"""The keys an entry of each list needs: any of them blank makes the entry blank."""


def is_placeholder(text: str, real: Collection[str] = ()) -> bool:
    """Empty text, or a word copied from the schema instead of a value (unless it is
    one of the ``real`` ids of the story)."""
    word = text.strip()
    return not word or (word.strip("<>\"'").lower() in PLACEHOLDERS and word not in real)


def is_blank(value: Any, field: str = "", real: Collection[str] = ()) -> bool:
    """Nothing proposed: null, 0, false, empty or placeholder text, an empty list or
    object, or an entry of ``field`` with one of its needed keys blank (a delta of 0,
    "who" for who)."""
    if value is None or value is False:
        return True
    if isinstance(value, bool):
        return False
    if isinstance(value, int | float):
        return value == 0
    if isinstance(value, str):
        return is_placeholder(value, real)
    if isinstance(value, list | tuple):
        return all(is_blank(v, field, real) for v in value)
    if isinstance(value, dict):
        if all(is_blank(v, "", real) for v in value.values()):
            return True
        return any(key in value and is_blank(value[key], "", real) for key in KEYS.get(field, ()))
    return False
