"""Scenes as locations: who stands on the map, what the map's notes point to.

Foundry scenes do not link to each other, so imported locations have no exits.
"""

from __future__ import annotations

import copy
from collections import Counter
from typing import Any

from pydantic import ValidationError

from storyai.core.domain.world import Character
from storyai.core.importers.foundry.convert_common import (
    Context,
    Made,
    clip,
    embedded,
    plain_name,
)
from storyai.core.importers.foundry.documents import FoundryDoc
from storyai.core.importers.foundry.journal import OBSERVER, ownership_level


def scene_entries(doc: FoundryDoc, ctx: Context) -> list[Made]:
    """A ``Location`` for the scene, a character per token that changes its actor, and a
    GM-only lore entry naming its hidden tokens and the notes that point to GM-only lore."""
    data = doc.data
    name = plain_name(data.get("name")) or "Scene"
    parts: list[str] = []
    described = ctx.markdown(data.get("description"), name)
    if described.text:
        parts.append(described.text)
    nav = plain_name(data.get("navName"))
    if nav and nav != name:
        parts.append(f"Players see it as: {nav}.")
    journal = data.get("journal")
    if isinstance(journal, str) and ctx.resolve(journal) and not _secret_ref(journal, ctx):
        parts.append(f"See also: {ctx.resolve(journal)}.")

    characters: list[str] = []
    shared: Counter[str] = Counter()
    own: list[Made] = []
    others: list[str] = []
    hidden: list[str] = []
    for number, token in enumerate(embedded(data, "tokens")):
        actor = token.get("actorId")
        actor_name = ctx.resolve(actor) if isinstance(actor, str) and actor else None
        label = _token_name(token, actor_name)
        if token.get("hidden") is True:
            hidden.append(label)
        elif isinstance(actor, str) and actor in ctx.actor_ids:
            made = _token_character(doc, token, number, ctx)
            if made is not None:
                own.append(made)
                characters.append(made.entry_id or "")
                continue
            world_id = ctx.actor_ids[actor]
            shared[world_id] += 1
            if world_id not in characters:
                characters.append(world_id)
        elif label:
            others.append(label)
            if isinstance(actor, str) and actor:
                ctx.plan.skip(
                    f"{ctx.origin(doc)} token '{label}'",
                    "its actor was not in the import; the scene only names it",
                )
    several = [
        f"{_character_name(world_id, ctx)} ×{count}"
        for world_id, count in shared.items()
        if count > 1
    ]
    if several:
        parts.append("On the map: " + ", ".join(several) + ".")
    if others:
        parts.append("Also here: " + ", ".join(dict.fromkeys(others)) + ".")
    public_notes: list[str] = []
    secret_notes: list[str] = []
    for note in embedded(data, "notes"):
        text = _note(note, ctx)
        if text:
            (secret_notes if _secret_note(note, ctx) else public_notes).append(text)
    if public_notes:
        parts.append("Notes on the map: " + "; ".join(public_notes) + ".")

    location: dict[str, Any] = {
        "name": name,
        "description": clip("\n\n".join(parts) or f"A map: {name}"),
        "characters": characters,
    }
    made = [Made("locations", location, "scene"), *own]
    drawn = scene_map(data, name)
    if drawn is not None:
        map_made = Made("maps", drawn, "scene map", "#map")
        map_made.entry_id = ctx.ids.take("maps", name, fallback="map")
        location["map"] = {"map": map_made.entry_id, "x": 0, "y": 0}
        made.insert(1, map_made)
    secret_doors = sum(1 for wall in embedded(data, "walls") if wall.get("door") == SECRET_DOOR)
    if hidden or secret_notes or secret_doors:
        lines = []
        if secret_doors:
            lines.append(f"Secret doors on the map '{name}': {secret_doors}.")
        if hidden:
            lines.append(f"Hidden on the map '{name}': " + ", ".join(hidden) + ".")
        if secret_notes:
            lines.append(f"GM-only notes on the map '{name}': " + "; ".join(secret_notes) + ".")
        what = " and ".join(
            w
            for w, there in (
                ("hidden tokens", hidden),
                ("map notes", secret_notes),
                ("secret doors", secret_doors),
            )
            if there
        )
        lore = {
            "title": f"{name} (GM: {what})",
            "keywords": [name.lower()],
            "text": clip("\n\n".join(lines)),
            "visibility": "gm-only",
        }
        made.append(Made("lore", lore, "scene notes", "#hidden"))
    return made


DOOR, SECRET_DOOR = 1, 2
LOCKED = 2
"""Foundry wall ``door``: 0 none, 1 door, 2 secret door; ``ds`` (door state): 2 locked."""


def scene_map(data: dict[str, Any], name: str) -> dict[str, Any] | None:
    """The scene as a map of the world: its background image and grid kept, its walls
    and doors counted (a scene is one place, so its walls divide nothing the world
    knows; secret doors are told to the GM only). ``None`` for a scene with no image,
    grid or walls: nothing to draw."""
    background = data.get("background")
    image = background.get("src") if isinstance(background, dict) else None
    image = image if isinstance(image, str) and image else data.get("img")
    grid = data.get("grid")
    size = grid.get("size") if isinstance(grid, dict) else grid
    size = size if isinstance(size, int) and not isinstance(size, bool) and 0 < size <= 1000 else 0
    walls = embedded(data, "walls")
    if not image and not size and not walls:
        return None
    about = []
    width, height = data.get("width"), data.get("height")
    if isinstance(width, int) and isinstance(height, int):
        about.append(f"{width}×{height} px")
    if size:
        about.append(f"a grid of {size} px")
        if isinstance(grid, dict) and isinstance(grid.get("distance"), int | float):
            about[-1] += (
                f" ({grid['distance']:g} {plain_name(grid.get('units')) or 'units'} a square)"
            )
    doors = [w for w in walls if w.get("door") == DOOR]
    if walls:
        locked = sum(1 for w in doors if w.get("ds") == LOCKED)
        about.append(
            f"{len(walls)} walls, {len(doors)} doors" + (f" ({locked} locked)" if locked else "")
        )
    drawn: dict[str, Any] = {
        "name": name,
        "kind": "other",
        "description": f"A Foundry VTT scene: {', '.join(about)}." if about else "",
        "grid": size,
    }
    if isinstance(image, str) and image:
        drawn["image"] = image[:1000]
    return drawn


def _token_character(
    scene: FoundryDoc, token: dict[str, Any], number: int, ctx: Context
) -> Made | None:
    """An unlinked token whose name or delta differs from its actor, as its own character.

    ``None`` for linked tokens (they are the actor) and tokens identical to their actor.
    """
    if token.get("actorLink") is True:
        return None
    actor_doc = ctx.actor_docs.get(str(token.get("actorId")))
    if actor_doc is None or not isinstance(actor_doc.data, dict):
        return None
    actor = actor_doc.data
    delta = token.get("delta")
    if not isinstance(delta, dict):
        delta = token.get("actorData") if isinstance(token.get("actorData"), dict) else {}
    changes = delta.get("system")
    if not isinstance(changes, dict):
        changes = delta.get("data") if isinstance(delta.get("data"), dict) else {}
    items = embedded(delta, "items")
    actor_name = plain_name(actor.get("name"))
    token_name = plain_name(token.get("name")) or plain_name(delta.get("name")) or actor_name
    if token_name == actor_name and not changes and not items:
        return None
    merged = copy.deepcopy(actor)
    merged["name"] = token_name
    system_key = "system" if isinstance(merged.get("system"), dict) else "data"
    merged[system_key] = _merge(merged.get(system_key) or {}, changes)
    if items:
        by_id = {i.get("_id"): i for i in embedded(merged, "items")}
        for item in items:
            base = by_id.get(item.get("_id"))
            by_id[item.get("_id") or f"new{len(by_id)}"] = _merge(base or {}, item)
        merged["items"] = list(by_id.values())
    one = FoundryDoc(
        document="Actor",
        data=merged,
        origin=actor_doc.origin,
        pack=actor_doc.pack,
        core_version=actor_doc.core_version,
        system_id=actor_doc.system_id,
        system_version=actor_doc.system_version,
    )
    from storyai.core.importers.foundry.convert import _actor  # a cycle at import time

    found = _actor(one, ctx)
    if not found or found[0].section != "characters":
        return None
    character = found[0]
    character.data["tags"] = [*ctx.folder_tags(actor_doc), *character.data.get("tags", [])]
    try:
        Character.model_validate({**character.data, "name": token_name})
    except ValidationError:
        return None
    token_id = token.get("_id")
    suffix = f".Token.{token_id}" if isinstance(token_id, str) and token_id else f"#token{number}"
    character.ref_suffix = suffix
    character.entry_id = ctx.ids.take("characters", token_name, fallback="character")
    return character


def _merge(base: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
    """``changes`` over ``base``, nested dicts merged (a token delta over its actor)."""
    out = copy.deepcopy(base) if isinstance(base, dict) else {}
    for key, value in changes.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _merge(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


def _character_name(world_id: str, ctx: Context) -> str:
    for found in ctx.plan.entries:
        if found.section == "characters" and found.id == world_id:
            return str(found.data.get("name") or world_id)
    return world_id


def _secret_ref(ref: Any, ctx: Context) -> bool:
    if not isinstance(ref, str) or not ref:
        return False
    return ref in ctx.gm_only or ref.split(".")[-1] in ctx.gm_only


def _secret_note(note: dict[str, Any], ctx: Context) -> bool:
    """A note players must not read: hidden itself, or pointing to GM-only lore."""
    if note.get("hidden") is True:
        return True
    level = ownership_level(note)
    if level is not None and level >= 0 and level < OBSERVER:
        return True
    page, entry = note.get("pageId"), note.get("entryId")
    if isinstance(page, str) and page in ctx.pages:
        return _secret_ref(page, ctx)
    return _secret_ref(entry, ctx)


def _token_name(token: dict[str, Any], actor_name: str | None) -> str:
    own = plain_name(token.get("name"))
    if own:
        if actor_name and actor_name != own:
            return f"{own} ({actor_name})"
        return own
    return actor_name or "an unnamed token"


def _note(note: dict[str, Any], ctx: Context) -> str:
    """``Label (see Entry: Page)`` for a map pin."""
    label = plain_name(note.get("text"))
    target = ""
    page, entry = note.get("pageId"), note.get("entryId")
    if isinstance(page, str) and page in ctx.pages:
        target = ": ".join(ctx.pages[page])
    elif isinstance(entry, str) and ctx.resolve(entry):
        target = ctx.resolve(entry) or ""
    label = " ".join(str(label).split())
    if label and target and label != target:
        return f"{label} (see {target})"
    return label or target
