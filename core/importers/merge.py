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
from typing import Any

from pydantic import BaseModel, ValidationError

from storyai.core.domain.world import Character, Item, Location, LoreEntry
from storyai.core.importers.plan import SECTIONS, Entry, ImportPlan

MODELS: dict[str, type[BaseModel]] = {
    "characters": Character,
    "items": Item,
    "lore": LoreEntry,
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
    text = json.dumps(normal, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def source_key(entry: dict[str, Any]) -> tuple[str, str] | None:
    source = entry.get("source") if isinstance(entry, dict) else None
    if isinstance(source, dict) and source.get("ref"):
        return (str(source.get("format", "")), str(source["ref"]))
    return None


def merge(base: dict[str, Any], plan: ImportPlan, *, overwrite: bool = False) -> Merged:
    data = copy.deepcopy(base)
    result = Merged(data)
    final_ids: dict[tuple[str, str], str] = {}
    earlier_ids: set[tuple[str, str]] = set()
    for section in SECTIONS:
        existing = data.setdefault(section, {})
        by_source = {
            key: entry_id
            for entry_id, entry in existing.items()
            if (key := source_key(entry)) is not None
        }
        taken = set(existing)
        claimed: set[str] = set()
        for entry in (e for e in plan.entries if e.section == section):
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
    for entry in plan.entries:
        final = final_ids[(entry.section, entry.id)]
        new = _with_references(entry, final_ids)
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


def new_world(world_id: str, plan: ImportPlan) -> dict[str, Any]:
    """A playable skeleton for ``--new``: metadata, d20 rules, a start and an archetype.

    The start is the first imported location, or a plain starting point when the
    import brought none; the imported entries are merged in afterwards.
    """
    title = plan.title or world_id.replace("_", " ").title()
    first = next((e.id for e in plan.entries if e.section == "locations"), None)
    data: dict[str, Any] = {
        "world": {
            "id": world_id,
            "title": title[:200],
            "version": "1.0.0",
            "description": (
                (plan.description + "\n\n" if plan.description else "")
                + f"Imported from {plan.kind}: {plan.source}"
            )[:20_000],
        },
        "rules": {"system": "d20"},
        "start": {
            "location": first or START_LOCATION,
            "text": plan.start_text or f"Your story in {title} begins.",
        },
        "locations": {},
        "archetypes": copy.deepcopy(DEFAULT_ARCHETYPE),
    }
    if first is None:
        data["locations"][START_LOCATION] = {
            "name": "Starting point",
            "description": f"Where your story in {title} begins.",
        }
    return data
