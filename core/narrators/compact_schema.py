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
    out["properties"] = {k: v for k, v in out["properties"].items() if k in keys}
    if "required" in schema:
        out["required"] = [k for k in schema["required"] if k in keys]
    return out


def compact_schema(full: dict[str, Any] = REPLY_SCHEMA) -> dict[str, Any]:
    """``full`` cut down to ``COMPACT_KEYS`` and ``COMPACT_CHANGES``."""
    out = _only(full, COMPACT_KEYS)
    changes = full["properties"]["state_changes"]
    out["properties"]["state_changes"] = _only(changes, COMPACT_CHANGES)
    # Tighter bounds than the full reply's: a grammar-constrained server makes even a
    # model that rambles or repeats itself close its JSON well within the compact token
    # cap (``COMPACT_WORST_CHARS`` is the most the schema lets it write).
    props, changes_props = out["properties"], out["properties"]["state_changes"]["properties"]
    props["narrative"]["maxLength"] = COMPACT_NARRATIVE_CHARS
    props["narrative"]["minLength"] = COMPACT_NARRATIVE_MIN
    props["choices"]["maxItems"] = 3
    _bound(props["choices"]["items"], id=8, text=80)
    changes_props["location"]["maxLength"] = 40
    for key, fields in (("items", {"item": 40}), ("quests", {"quest": 40, "stage": 40})):
        changes_props[key]["maxItems"] = 2
        _bound(changes_props[key]["items"], **fields)
    return out


COMPACT_NARRATIVE_CHARS = 600
"""About four sentences: a small model's paragraph, not a page."""
COMPACT_NARRATIVE_MIN = 40
"""A sentence at least: under a grammar a small model cannot answer with an empty (or
one-word) narrative, which costs a repair request (SmolLM2-135M gave ``""`` on 2 turns
of 8). Hosted strict modes get the schema without it (``llm.schemas.without_bounds``)."""


def _bound(obj: dict[str, Any], **lengths: int) -> None:
    for name, length in lengths.items():
        obj["properties"][name]["maxLength"] = length


def worst_chars(schema: dict[str, Any]) -> int:
    """The most characters a reply valid under ``schema`` can hold in its bounded
    strings (keys and punctuation not counted)."""
    kind = schema.get("type")
    if kind == "object" or "properties" in schema:
        return sum(worst_chars(v) for v in schema.get("properties", {}).values())
    if kind == "array":
        return int(schema.get("maxItems", 0)) * worst_chars(schema.get("items", {}))
    return int(schema.get("maxLength", 0))


COMPACT_REPLY_SCHEMA: dict[str, Any] = compact_schema()
COMPACT_WORST_CHARS = worst_chars(COMPACT_REPLY_SCHEMA)
