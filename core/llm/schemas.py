"""JSON Schema for a hosted strict mode that does not take every keyword.

Reply schemas carry ``maxLength`` and ``maxItems`` so that a grammar-constrained
local model (llama.cpp, vLLM) cannot loop inside a string or an array until its
token cap. OpenAI's hosted strict mode documents only a subset of JSON Schema and
does not list string lengths among it (array bounds only for some models), so an
adapter for it sends the schema without these bounds; the reply's reader clips
what it keeps anyway.
"""

from __future__ import annotations

from typing import Any

BOUNDS = frozenset({"maxLength", "minLength", "maxItems", "minItems"})


def without_bounds(schema: Any) -> Any:
    """A copy of ``schema`` with every length and item-count bound removed."""
    if isinstance(schema, dict):
        out = {}
        for key, value in schema.items():
            if key in BOUNDS:
                continue
            if key == "properties" and isinstance(value, dict):  # names, not keywords
                out[key] = {name: without_bounds(sub) for name, sub in value.items()}
            elif key in ("enum", "const", "required"):
                out[key] = value
            else:
                out[key] = without_bounds(value)
        return out
    if isinstance(schema, list):
        return [without_bounds(v) for v in schema]
    return schema
