"""Merge an ImportPlan into a world's data: replace what an earlier import of the same
source made, rename what collides with the author's own entries, fix references.

Pure data in, data out; the service validates and writes the result.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any

from storyai.core.importers.plan import SECTIONS, Entry, ImportPlan

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


def source_key(entry: dict[str, Any]) -> tuple[str, str] | None:
    source = entry.get("source") if isinstance(entry, dict) else None
    if isinstance(source, dict) and source.get("ref"):
        return (str(source.get("format", "")), str(source["ref"]))
    return None


def merge(base: dict[str, Any], plan: ImportPlan) -> Merged:
    data = copy.deepcopy(base)
    result = Merged(data)
    final_ids: dict[tuple[str, str], str] = {}
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
                result.replaced.append((entry, final))
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
        data[entry.section][final] = _with_references(entry, final_ids)
    return result


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
            "description": f"Imported from {plan.kind}: {plan.source}"[:20_000],
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
