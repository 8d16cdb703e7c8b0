"""Reassemble LevelDB entries (Foundry v11+) into whole documents.

A primary document is stored under ``!<collection>!<id>``; an embedded one under
``!<collection>.<embedded>!<parentId>.<childId>``, recursively
(``!actors.items.effects!a.i.e``). In the stored parent each embedded collection
is a list of child ids (a single id for a single embedded document such as a
token's ``delta``): each id is replaced by the child, itself reassembled.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from storyai.core.importers.foundry.limits import BadDocument, loads_json

EMBEDDED: dict[str, tuple[str, ...]] = {
    "actors": ("items", "effects"),
    "items": ("effects",),
    "journal": ("pages", "categories"),
    "scenes": (
        "tokens",
        "notes",
        "walls",
        "lights",
        "tiles",
        "drawings",
        "sounds",
        "templates",
        "regions",
        "levels",
    ),
    "tables": ("results",),
    "playlists": ("sounds",),
    "cards": ("cards",),
    "combats": ("combatants", "groups"),
    "tokens": ("delta",),
    "delta": ("items", "effects"),
    "regions": ("behaviors",),
}
"""Embedded collections per collection (foundryvtt-cli's HIERARCHY, plus v13/v14 additions)."""

_MAX_LEVELS = 8

Stored = tuple[str, dict[str, Any]]
"""(key, document as stored)."""


@dataclass
class Primary:
    """One primary document with its embedded documents inline."""

    collection: str
    key: str
    data: dict[str, Any]


@dataclass
class Assembled:
    docs: list[Primary] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def assemble(items: Mapping[str, Any], label: str) -> Assembled:
    """Whole documents from LevelDB ``items`` (key -> JSON bytes, text or dict), in key order."""
    primaries: list[tuple[str, str, str, dict[str, Any]]] = []
    children: dict[tuple[str, str], dict[str, dict[str, Stored]]] = {}
    bad_keys = bad_values = 0
    for key in sorted(items):
        parts = _split(key)
        if parts is None:
            bad_keys += 1
            continue
        subs, ids = parts
        doc = _decode(items[key])
        if doc is None:
            bad_values += 1
            continue
        if len(subs) == 1 and len(ids) == 1:
            primaries.append((subs[0], ids[0], key, doc))
            continue
        parent, child_id = (".".join(subs[:-1]), ".".join(ids[:-1])), ids[-1]
        slot = children.setdefault(parent, {}).setdefault(subs[-1], {})
        slot[child_id] = (key, doc)

    counts = {"missing": 0}
    result = Assembled()
    for collection, doc_id, key, doc in primaries:
        data = _attach(collection, doc_id, doc, children, counts)
        result.docs.append(Primary(collection, key, data))

    orphans = sum(len(slot) for kids in children.values() for slot in kids.values())
    warn = result.warnings.append
    if counts["missing"]:
        warn(
            f"{label}: {counts['missing']} embedded documents listed by their parent "
            "are missing from the database; they were left out"
        )
    if orphans:
        warn(
            f"{label}: {orphans} embedded documents have no parent that lists them "
            "(orphans); they were left out"
        )
    if bad_values:
        warn(f"{label}: {bad_values} entries are not JSON documents; they were left out")
    if bad_keys:
        warn(f"{label}: {bad_keys} keys are not Foundry document keys; they were ignored")
    return result


def _split(key: Any) -> tuple[list[str], list[str]] | None:
    if not isinstance(key, str) or not key.startswith("!"):
        return None
    pieces = key[1:].split("!")
    if len(pieces) != 2 or not pieces[0] or not pieces[1]:
        return None
    subs, ids = pieces[0].split("."), pieces[1].split(".")
    if len(subs) > _MAX_LEVELS or not all(subs) or not all(ids):
        return None
    if len(ids) == len(subs) - 1 and "delta" in subs[1:]:
        at = subs.index("delta", 1)
        ids.insert(at, "")  # a token's delta keyed without an id of its own
    if len(ids) != len(subs):
        return None
    return subs, ids


def _decode(value: Any) -> dict[str, Any] | None:
    if isinstance(value, dict):
        return dict(value)
    if isinstance(value, memoryview):
        value = bytes(value)
    if not isinstance(value, (bytes, str)):
        return None
    try:
        doc = loads_json(value)
    except BadDocument:
        return None
    return doc if isinstance(doc, dict) else None


def _attach(
    sublevel: str,
    ids: str,
    doc: dict[str, Any],
    children: dict[tuple[str, str], dict[str, dict[str, Stored]]],
    counts: dict[str, int],
) -> dict[str, Any]:
    """``doc`` with every embedded id replaced by the (reassembled) child document."""
    kids = children.pop((sublevel, ids), {})
    own = sublevel.rsplit(".", 1)[-1]
    fields = list(EMBEDDED.get(own, ())) + [f for f in kids if f not in EMBEDDED.get(own, ())]
    for name in fields:
        stored = doc.get(name)
        slot = kids.get(name, {})
        if isinstance(stored, list):
            inline = []
            for ref in stored:
                if isinstance(ref, dict):
                    inline.append(ref)
                elif isinstance(ref, str):
                    child = _take(sublevel, ids, name, ref, slot, children, counts)
                    if child is not None:
                        inline.append(child)
            doc[name] = inline
        elif isinstance(stored, str) and stored:
            doc[name] = _take(sublevel, ids, name, stored, slot, children, counts)
        if slot:
            children[(sublevel, ids)] = {**children.get((sublevel, ids), {}), name: slot}
    return doc


def _take(
    sublevel: str,
    ids: str,
    name: str,
    ref: str,
    slot: dict[str, Stored],
    children: dict[tuple[str, str], dict[str, dict[str, Stored]]],
    counts: dict[str, int],
) -> dict[str, Any] | None:
    if ref not in slot and "" in slot:
        ref = ""  # a token's delta keyed without an id of its own
    stored = slot.pop(ref, None)
    if stored is None:
        counts["missing"] += 1
        return None
    return _attach(f"{sublevel}.{name}", f"{ids}.{ref}", stored[1], children, counts)
