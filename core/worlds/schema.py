"""The world format as JSON Schema, for editors that validate while you type.

Top-level sections are not marked required: a folder's files each hold only
some of them, and the validator checks the merged whole. Stat blocks get the
schema of both rule systems so editors can complete either.
"""

from __future__ import annotations

import copy
from typing import Any

from storyai.core.domain.stats import ARCHETYPE_STATS, STAT_BLOCKS
from storyai.core.domain.world import FORMAT_VERSION, ID_PATTERN, World

SCHEMA_ID = "https://storyai.studio/schema/world-v{version}.json"


def world_json_schema() -> dict[str, Any]:
    schema = copy.deepcopy(World.model_json_schema())
    defs = schema.setdefault("$defs", {})
    for models, target, title in (
        (STAT_BLOCKS, "Character", "stats"),
        (ARCHETYPE_STATS, "Archetype", "stats"),
    ):
        options = []
        for system, model in models.items():
            sub = model.model_json_schema()
            for name, definition in sub.pop("$defs", {}).items():
                defs.setdefault(name, definition)
            defs[model.__name__] = sub
            options.append({"$ref": f"#/$defs/{model.__name__}", "description": system})
        prop = defs[target]["properties"][title]
        description = prop.get("description", "")
        defs[target]["properties"][title] = {
            "anyOf": [*options, {"type": "null"}] if target == "Character" else options,
            "description": description,
        }
    exits = defs["Location"]["properties"]["exits"]
    exits["additionalProperties"] = {
        "anyOf": [
            {"$ref": "#/$defs/Exit"},
            {"type": "string", "pattern": ID_PATTERN, "description": "Shorthand: the target id."},
        ]
    }
    schema.pop("required", None)
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["$id"] = SCHEMA_ID.format(version=FORMAT_VERSION)
    schema["title"] = "Story AI world"
    schema["description"] = (
        "A Story AI world file (or one file of a world folder). "
        "Validate the whole world with `storyai world validate PATH`."
    )
    return schema
