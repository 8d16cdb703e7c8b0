"""The structured reply every AI narrator must give (ARCHITECTURE.md §3), as JSON Schema.

The schema is strict-mode compatible (OpenAI ``json_schema`` strict, Anthropic
tool input): every property is required, optional values are ``null`` or
empty lists, no free-form objects. ``narrative`` comes first so it streams first.

Every string and array is bounded (``maxLength``, ``maxItems``): a local server
turns the schema into a grammar, and without bounds a small model loops inside
``dialogue`` or ``choices`` until its token cap (SmolLM2-135M did on 23 turns of
33). Hosted OpenAI strict mode does not take these keywords; its adapters send
the schema through ``storyai.core.llm.schemas.without_bounds``.

``state_changes`` are *proposals*; ``storyai.core.engine.proposals`` checks each
one against the rules and the world and records the rejected ones with a reason:

* ``location``   – move the acting player through an open exit of where they are;
* ``discovered`` – location ids the player has now heard of or seen;
* ``items``      – ``{"item", "delta"}``: +n takes n from the scene, -n drops n held;
* ``gold``       – null, or what the acting player pays (negative) when their action
  pays for something (buy, pay, bribe, trade); anything else is refused;
* ``hp``         – ``{"who", "delta", "reason"}`` for someone in the scene;
* ``quests``     – ``{"quest", "stage"}``: advance a quest to its next stage;
* ``lore``       – lore entry ids revealed to the player;
* ``attitudes``  – ``{"who", "attitude"}`` for a character in the scene.

``check`` asks the engine to roll: the engine rolls with its own dice and asks
the narrator to tell the outcome. The model never rolls.
"""

from __future__ import annotations

from typing import Any

NARRATIVE_CHARS = 1500
LINE_CHARS = 300  # a line of dialogue
TEXT_CHARS = 120  # a choice, a reason
ID_CHARS = 60  # ids, names, skills
MAX_LINES = 4  # dialogue lines
MAX_CHOICES = 4
MAX_CHANGES = 4  # entries of each list of state_changes

_INT = {"type": "integer"}


def _str(limit: int = ID_CHARS) -> dict[str, Any]:
    return {"type": "string", "maxLength": limit}


_STR = _str()


def _obj(props: dict[str, Any]) -> dict[str, Any]:
    return {
        "type": "object",
        "properties": props,
        "required": list(props),
        "additionalProperties": False,
    }


def _list(item: dict[str, Any], limit: int = MAX_CHANGES) -> dict[str, Any]:
    return {"type": "array", "items": item, "maxItems": limit}


STATE_CHANGES_SCHEMA = _obj(
    {
        "location": {"type": ["string", "null"], "maxLength": ID_CHARS},
        "discovered": _list(_STR),
        "items": _list(_obj({"item": _STR, "delta": _INT})),
        "gold": {"type": ["integer", "null"]},  # null (no change) is the default
        "hp": _list(_obj({"who": _STR, "delta": _INT, "reason": _str(TEXT_CHARS)})),
        "quests": _list(_obj({"quest": _STR, "stage": _STR})),
        "lore": _list(_STR),
        "attitudes": _list(
            _obj({"who": _STR, "attitude": {"enum": ["friendly", "neutral", "wary", "hostile"]}})
        ),
    }
)

CHECK_SCHEMA = {
    "anyOf": [
        _obj({"skill": _STR, "difficulty": _INT, "reason": _str(TEXT_CHARS)}),
        {"type": "null"},
    ]
}

REPLY_SCHEMA: dict[str, Any] = _obj(
    {
        "narrative": _str(NARRATIVE_CHARS),
        "dialogue": _list(_obj({"speaker": _STR, "text": _str(LINE_CHARS)}), MAX_LINES),
        "choices": _list(_obj({"id": _STR, "text": _str(TEXT_CHARS)}), MAX_CHOICES),
        "state_changes": STATE_CHANGES_SCHEMA,
        "check": CHECK_SCHEMA,
        "media_hints": _obj({"image_prompt": _str(TEXT_CHARS * 2), "ambient_audio": _STR}),
    }
)

EMPTY_CHANGES: dict[str, Any] = {
    "location": None,
    "discovered": [],
    "items": [],
    "gold": None,
    "hp": [],
    "quests": [],
    "lore": [],
    "attitudes": [],
}
