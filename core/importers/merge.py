"""Merge an ImportPlan into a world's data: replace what an earlier import of the same
source made, rename what collides with the author's own entries, fix references.

Each imported entry's ``source.digest`` is a hash of the entry as it was imported.
When a later import of the same document finds the entry changed since (its digest
no longer matches: the author edited it), the author's version is kept unless
``overwrite`` says otherwise; an entry the new import would leave as it is counts
as unchanged, not updated.

Pure data in, data out; the service validates and writes the result.
"""

from __future__ import annotations

import copy
import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from storyai.core.domain.world import Character, Item, Location, LoreEntry, WorldMap
from storyai.core.importers.html_text import plain_text
from storyai.core.importers.plan import SECTIONS, Entry, ImportPlan

MODELS: dict[str, type[BaseModel]] = {
    "characters": Character,
    "items": Item,
    "lore": LoreEntry,
    "maps": WorldMap,
    "locations": Location,
}
DEFAULT_ARCHETYPE = {
    "adventurer": {
        "name": "Adventurer",
        "description": "A capable traveller, ready for what this world holds.",
    }
}
START_LOCATION = "start"


@dataclass
class Merged:
    data: dict[str, Any]
    added: list[tuple[Entry, str]] = field(default_factory=list)
    """Entries new to the world, with the id they got."""
    replaced: list[tuple[Entry, str]] = field(default_factory=list)
    """Entries that replaced an earlier import of the same document, with its id."""
    renamed: list[tuple[Entry, str]] = field(default_factory=list)
    """Entries whose id was taken by something else, with the id they got instead."""
    unchanged: list[tuple[Entry, str]] = field(default_factory=list)
    """Entries an earlier import made that this one would leave exactly as they are."""
    kept: list[tuple[Entry, str]] = field(default_factory=list)
    """Entries the author edited since they were imported: their version stays."""


def digest(section: str, data: dict[str, Any]) -> str:
    """A hash of an entry's content in its normal form (defaults filled, no ``source``);
    empty when the entry is not valid (the world's validation then says why)."""
    content = {k: v for k, v in data.items() if k != "source"}
    try:
        model = MODELS[section].model_validate(content)
    except ValidationError:
        return ""
    normal = model.model_dump(mode="json", exclude_none=True)
    text = _DIGEST_JSON.encode(normal)  # json.dumps(normal, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


_DIGEST_JSON = json.JSONEncoder(sort_keys=True, ensure_ascii=False)
"""The digests' text, as ``json.dumps`` writes it (one encoder, not one per entry)."""


def source_key(entry: dict[str, Any]) -> tuple[str, str] | None:
    source = entry.get("source") if isinstance(entry, dict) else None
    if isinstance(source, dict) and source.get("ref"):
        return (str(source.get("format", "")), str(source["ref"]))
    return None


def merge(
    base: dict[str, Any], plan: ImportPlan, *, overwrite: bool = False, hub: str | None = None
) -> Merged:
    """``hub``: a new world's starting point, which gets an exit to every imported place
    and each place a way ``back`` to it."""
    data = _copied(base)
    result = Merged(data)
    final_ids: dict[tuple[str, str], str] = {}
    earlier_ids: set[tuple[str, str]] = set()
    planned: dict[str, list[Entry]] = {section: [] for section in SECTIONS}
    for entry in plan.entries:
        planned[entry.section].append(entry)
    for section in SECTIONS:
        existing = data.setdefault(section, {})
        by_source = {
            key: entry_id
            for entry_id, entry in existing.items()
            if (key := source_key(entry)) is not None
        }
        taken = set(existing)
        claimed: set[str] = set()
        for entry in planned[section]:
            key = source_key(entry.data)
            earlier = by_source.get(key) if key else None
            if earlier is not None and earlier not in claimed:
                final = earlier
                earlier_ids.add((section, final))
            else:
                final = _free(entry.id, taken)
                result.added.append((entry, final))
                if final != entry.id:
                    result.renamed.append((entry, final))
            taken.add(final)
            claimed.add(final)
            final_ids[(section, entry.id)] = final
    own: set[str] = set()
    for entry in plan.entries:
        final = final_ids[(entry.section, entry.id)]
        new = _with_references(entry, final_ids)
        if entry.section == "locations" and not new.get("exits"):
            current = (
                data["locations"].get(final) if (entry.section, final) in earlier_ids else None
            )
            if current and current.get("exits"):
                new["exits"] = current["exits"]  # scenes have none: keep the world's
            elif hub and hub in data["locations"] and final != hub:
                new["exits"] = {"back": {"to": hub}}
                if hub not in own:  # the caller's hub is not changed in place
                    data["locations"][hub] = copy.deepcopy(data["locations"][hub])
                    own.add(hub)
                data["locations"][hub].setdefault("exits", {})[final] = {"to": final}
        new["source"] = {**(new.get("source") or {"format": "import"})}
        new["source"]["digest"] = digest(entry.section, new)
        if (entry.section, final) in earlier_ids:
            state = _compare(entry.section, data[entry.section][final], new)
            if state == "edited" and not overwrite:
                result.kept.append((entry, final))
                continue
            if state == "same":
                result.unchanged.append((entry, final))
                continue
            result.replaced.append((entry, final))
        data[entry.section][final] = new
    return result


def _copied(base: dict[str, Any]) -> dict[str, Any]:
    """A copy of ``base`` that ``merge`` may change: the sections keyed by id are new
    mappings (their entries are replaced whole, never changed in place), the rest deep
    copies. Copying every entry of a big world (its raw documents) cost seconds."""
    return {
        key: dict(value) if key in SECTIONS and isinstance(value, dict) else copy.deepcopy(value)
        for key, value in base.items()
    }


def _compare(section: str, current: dict[str, Any], new: dict[str, Any]) -> str:
    """ "edited" (the author changed it since its import), "same" (this import would not
    change it), or "changed" (this import brings something new)."""
    source = current.get("source") or {}
    now = digest(section, current)
    if source.get("digest") and source["digest"] != now:
        return "edited"
    if now == new["source"]["digest"] and source.get("raw") == new["source"].get("raw"):
        return "same"
    return "changed"


def _free(wanted: str, taken: set[str]) -> str:
    if wanted not in taken:
        return wanted
    n = 2
    stem = wanted[:60]
    while f"{stem}_{n}" in taken:
        n += 1
    return f"{stem}_{n}"


def _with_references(entry: Entry, final_ids: dict[tuple[str, str], str]) -> dict[str, Any]:
    """The entry's data with ids of other planned entries rewritten to their final ids."""

    def char(i: str) -> str:
        return final_ids.get(("characters", i), i)

    def item(i: str) -> str:
        return final_ids.get(("items", i), i)

    data = dict(entry.data)
    if entry.section == "locations":
        data["characters"] = [char(i) for i in data.get("characters", [])]
        data["items"] = [item(i) for i in data.get("items", [])]
        point = data.get("map")
        if isinstance(point, dict) and isinstance(point.get("map"), str):
            data["map"] = {**point, "map": final_ids.get(("maps", point["map"]), point["map"])}
        exits = data.get("exits") or {}
        data["exits"] = {
            label: (
                {**ex, "to": final_ids.get(("locations", ex["to"]), ex["to"])}
                if isinstance(ex, dict)
                else final_ids.get(("locations", ex), ex)
            )
            for label, ex in exits.items()
        }
    elif entry.section == "characters":
        data["inventory"] = [item(i) for i in data.get("inventory", [])]
    return data


def plain_title(plan: ImportPlan, fallback: str) -> str:
    """The plan's title as plain text (Foundry titles may hold HTML)."""
    return " ".join(plain_text(plan.title).split())[:200] or fallback


def needs_hub(plan: ImportPlan) -> bool:
    """A new world starts at a plain starting point with a way to each imported place,
    unless the import brought exactly one place and nobody hostile is in it (a card's
    scenario): starting in the middle of a monster's lair is no start."""
    places = [e for e in plan.entries if e.section == "locations"]
    if len(places) != 1:
        return True
    hostile = {
        e.id
        for e in plan.entries
        if e.section == "characters" and e.data.get("attitude") == "hostile"
    }
    return bool(hostile & set(places[0].data.get("characters", [])))


def new_world(world_id: str, plan: ImportPlan) -> dict[str, Any]:
    """A playable skeleton for ``--new``: metadata, d20 rules, a start and an archetype.

    The start is the one imported place (see ``needs_hub``), or a plain starting point
    whose exits lead to every imported place (each gets a way ``back``, added by
    ``merge`` with ``hub``); the imported entries are merged in afterwards.
    """
    title = plain_title(plan, world_id.replace("_", " ").title())
    places = [e for e in plan.entries if e.section == "locations"]
    hub = needs_hub(plan)
    origin = Path(plan.source).name or plan.source
    data: dict[str, Any] = {
        "world": {
            "id": world_id,
            "title": title,
            "version": "1.0.0",
            "description": (
                (plan.description + "\n\n" if plan.description else "")
                + f"Imported from {plan.kind}: {origin}"
            )[:20_000],
        },
        "rules": {"system": "d20"},
        "start": {
            "location": START_LOCATION if hub else places[0].id,
            "text": plan.start_text or f"Your story in {title} begins.",
        },
        "locations": {},
        "archetypes": copy.deepcopy(DEFAULT_ARCHETYPE),
    }
    if hub:
        names = [str(e.data.get("name") or e.id) for e in places]
        ways = f" From here you can go to: {', '.join(names)}." if names else ""
        data["locations"][START_LOCATION] = {
            "name": "Starting point",
            "description": f"Where your story in {title} begins.{ways}"[:20_000],
        }
    return data
