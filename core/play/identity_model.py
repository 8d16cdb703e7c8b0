"""A new character's identity written by the configured model: one bounded structured
request (a JSON object of the fields the player left empty, each cut to size, and
picks from the world's background tables, checked), through the same model port the
GM uses. Whatever the model leaves out or gets wrong falls back to what happens
offline: the world's own tables, rolled. Typed fields are never replaced."""

from __future__ import annotations

import json
from typing import Any, Protocol

from storyai.core.domain.errors import StoryError
from storyai.core.domain.identity import MAX_LIST, IdentityRequest
from storyai.core.domain.world import IDENTITY_LIST_FIELDS, IDENTITY_TEXT_FIELDS, World
from storyai.core.llm.port import ModelDone, ModelRequest, PromptSection

REPLY_TOKENS = 500
"""The whole identity fits in this: a bounded request, whatever the model would write."""
LIMITS = {"title": 80, "origin": 300, "backstory": 1200, "appearance": 300}
SCHEMA_NAME = "character_identity"


class Completes(Protocol):
    async def complete(self, request: ModelRequest) -> ModelDone: ...


def schema(world: World) -> dict[str, Any]:
    """The JSON object the model must answer with."""
    props: dict[str, Any] = {
        name: {"type": "string", "maxLength": LIMITS[name]} for name in IDENTITY_TEXT_FIELDS
    }
    for name in IDENTITY_LIST_FIELDS:
        props[name] = {"type": "array", "items": {"type": "string"}, "maxItems": 3}
    props["background"] = {
        "type": "object",
        "properties": {
            tid: {"type": "string", "enum": [o.id for o in table.options]}
            for tid, table in world.backgrounds.items()
        },
        "additionalProperties": False,
    }
    return {
        "type": "object",
        "properties": props,
        "required": [*IDENTITY_TEXT_FIELDS, *IDENTITY_LIST_FIELDS, "background"],
        "additionalProperties": False,
    }


def request_for(world: World, name: str, archetype: str, given: IdentityRequest) -> ModelRequest:
    typed = {
        f: getattr(given, f)
        for f in (*IDENTITY_TEXT_FIELDS, *IDENTITY_LIST_FIELDS)
        if getattr(given, f)
    }
    tables = [
        f"- {tid} ({t.label}): " + "; ".join(f"{o.id} = {o.text}" for o in t.options)
        for tid, t in world.backgrounds.items()
        if tid not in given.background
    ]
    system = (
        "You write a new player character's identity for a tabletop story. Answer with "
        "one JSON object. Fit the world and its tone; keep each field short (a title of "
        "a few words, an origin and an appearance of one sentence, a backstory of two or "
        "three sentences, at most three goals, fears, desires, family, friends and "
        "enemies). Keep what the player typed; fill what is empty. For each background "
        "table listed, pick one option id that fits."
    )
    user = "\n".join(
        [
            f"World: {world.world.title}. {' '.join(world.world.description.split())}",
            f"Tone: {world.world.tone}" if world.world.tone else "",
            f"Character: {name}, {archetype}.",
            "Typed by the player: " + json.dumps(typed, ensure_ascii=False),
            "Background tables:" if tables else "",
            *tables,
        ]
    )
    return ModelRequest(
        task="narration",
        sections=(
            PromptSection("rules", system, role="system"),
            PromptSection("input", user),
        ),
        schema=schema(world),
        schema_name=SCHEMA_NAME,
        max_tokens=REPLY_TOKENS,
        temperature=0.9,
    )


async def generated(
    model: Completes, world: World, name: str, archetype: str, given: IdentityRequest
) -> IdentityRequest:
    """``given`` with its empty fields written by ``model`` and its open background
    tables picked (valid picks only). A model that fails or answers nonsense changes
    nothing: the tables are then rolled as offline."""
    try:
        done = await model.complete(request_for(world, name, archetype, given))
        data = json.loads(done.text)
    except (StoryError, ValueError):
        return given
    if not isinstance(data, dict):
        return given
    update: dict[str, Any] = {}
    for field, limit in LIMITS.items():
        value = data.get(field)
        if not getattr(given, field) and isinstance(value, str) and value.strip():
            update[field] = " ".join(value.split())[:limit]
    for field in IDENTITY_LIST_FIELDS:
        values = data.get(field)
        if not getattr(given, field) and isinstance(values, list):
            kept = [" ".join(v.split())[:200] for v in values if isinstance(v, str) and v.strip()]
            if kept:
                update[field] = tuple(kept[:MAX_LIST])
    picks = data.get("background")
    if isinstance(picks, dict):
        chosen = dict(given.background)
        for tid, option in picks.items():
            table = world.backgrounds.get(str(tid))
            if table is not None and tid not in chosen and table.option(str(option)):
                chosen[str(tid)] = str(option)
        update["background"] = chosen
    return given.model_copy(update=update)


async def written(
    narrator: object, world: World, name: str, archetype: str | None, given: IdentityRequest | None
) -> IdentityRequest | None:
    """The identity a new character starts with, wherever it is created (``storyai run``,
    the TUI, the bot's join): when the player asked for it (``generate``) and the
    narrator has a model, ``given`` written by it (``generated``); otherwise ``given``
    as it is, its open tables left to the dice."""
    model = _model(narrator)
    if given is None or not given.generate or model is None:
        return given
    who = world.archetypes.get(archetype or next(iter(world.archetypes)))
    return await generated(model, world, name, who.name if who else "adventurer", given)


def _model(narrator: object) -> Completes | None:
    return getattr(narrator, "router", None)  # the AI narrator's models, if any


def can_write(narrator: object) -> bool:
    """Whether ``narrator`` has a model to write identities with."""
    return _model(narrator) is not None
