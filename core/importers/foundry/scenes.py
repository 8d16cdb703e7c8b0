"""Scenes as locations: who stands on the map, what the map's notes point to.

Foundry scenes do not link to each other, so imported locations have no exits.
"""

from __future__ import annotations

from typing import Any

from storyai.core.importers.foundry.convert_common import Context, Made, clip, embedded
from storyai.core.importers.foundry.documents import FoundryDoc


def scene_entries(doc: FoundryDoc, ctx: Context) -> list[Made]:
    """A ``Location`` for the scene, and a GM-only lore entry naming its hidden tokens."""
    data = doc.data
    name = str(data.get("name") or "Scene")
    parts: list[str] = []
    described = ctx.markdown(data.get("description"), name)
    if described.text:
        parts.append(described.text)
    nav = data.get("navName")
    if isinstance(nav, str) and nav.strip() and nav.strip() != name:
        parts.append(f"Players see it as: {nav.strip()}.")
    journal = data.get("journal")
    if isinstance(journal, str) and ctx.resolve(journal):
        parts.append(f"See also: {ctx.resolve(journal)}.")

    characters: list[str] = []
    others: list[str] = []
    hidden: list[str] = []
    for token in embedded(data, "tokens"):
        actor = token.get("actorId")
        actor_name = ctx.resolve(actor) if isinstance(actor, str) and actor else None
        label = _token_name(token, actor_name)
        if token.get("hidden") is True:
            hidden.append(label)
        elif isinstance(actor, str) and actor in ctx.actor_ids:
            world_id = ctx.actor_ids[actor]
            if world_id not in characters:
                characters.append(world_id)
        elif label:
            others.append(label)
    if others:
        parts.append("Also here: " + ", ".join(dict.fromkeys(others)) + ".")
    notes = [n for n in (_note(note, ctx) for note in embedded(data, "notes")) if n]
    if notes:
        parts.append("Notes on the map: " + "; ".join(notes) + ".")

    location = {
        "name": name,
        "description": clip("\n\n".join(parts) or f"A map: {name}"),
        "characters": characters,
    }
    made = [Made("locations", location, "scene")]
    if hidden:
        lore = {
            "title": f"{name} (GM: hidden tokens)",
            "keywords": [name.lower()],
            "text": clip(f"Hidden on the map '{name}': " + ", ".join(hidden) + "."),
            "visibility": "gm-only",
        }
        made.append(Made("lore", lore, "scene notes", "#hidden"))
    return made


def _token_name(token: dict[str, Any], actor_name: str | None) -> str:
    own = token.get("name")
    if isinstance(own, str) and own.strip():
        if actor_name and actor_name != own.strip():
            return f"{own.strip()} ({actor_name})"
        return own.strip()
    return actor_name or "an unnamed token"


def _note(note: dict[str, Any], ctx: Context) -> str:
    """``Label (see Entry: Page)`` for a map pin."""
    label = note.get("text") if isinstance(note.get("text"), str) else ""
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
