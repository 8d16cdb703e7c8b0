"""The smaller reply a small local model is asked for (the ``compact`` prompt profile).

Derived from ``schema.REPLY_SCHEMA``, so whatever bounds that schema carries carry
over: the same keys in the same order, minus the ones a 100M-8B model mostly botches
or leaves empty: no ``media_hints``, no ``check`` (the rules roll), no ``dialogue``
(speech goes in the narrative), and only the three state changes play needs most:
moving (``location``), taking or dropping (``items``) and advancing a quest
(``quests``). ``reply.parse_reply`` reads both shapes; the missing keys are simply
absent, which the proposal checker and the narrator treat as "nothing proposed".
Lists, ids and choices are short (``maxItems``, ``maxLength``) unless the full schema
bounds them already: a small model repeating itself cannot fill its reply with them.
"""

from __future__ import annotations

import copy
from typing import Any

from storyai.core.narrators.schema import REPLY_SCHEMA

COMPACT_KEYS: tuple[str, ...] = ("narrative", "choices", "state_changes")
COMPACT_CHANGES: tuple[str, ...] = ("location", "items", "quests")


def _only(schema: dict[str, Any], keys: tuple[str, ...]) -> dict[str, Any]:
    out = copy.deepcopy(schema)
    out["properties"] = {k: v for k, v in schema["properties"].items() if k in keys}
    if "required" in schema:
        out["required"] = [k for k in schema["required"] if k in keys]
    return out


def compact_schema(full: dict[str, Any] = REPLY_SCHEMA) -> dict[str, Any]:
    """``full`` cut down to ``COMPACT_KEYS`` and ``COMPACT_CHANGES``."""
    out = _only(full, COMPACT_KEYS)
    changes = full["properties"]["state_changes"]
    out["properties"]["state_changes"] = _only(changes, COMPACT_CHANGES)
    # Short lists keep a rambling model from filling its reply with choices; a bound the
    # full schema already sets is kept (a grammar-constrained server enforces these).
    props, changes_props = out["properties"], out["properties"]["state_changes"]["properties"]
    props["choices"].setdefault("maxItems", 3)
    _bound(props["choices"]["items"], id=8, text=100)
    changes_props["location"].setdefault("maxLength", 40)
    for key, fields in (("items", {"item": 40}), ("quests", {"quest": 40, "stage": 40})):
        changes_props[key].setdefault("maxItems", 2)
        _bound(changes_props[key]["items"], **fields)
    return out


def _bound(obj: dict[str, Any], **lengths: int) -> None:
    for name, length in lengths.items():
        obj["properties"][name].setdefault("maxLength", length)


COMPACT_REPLY_SCHEMA: dict[str, Any] = compact_schema()
