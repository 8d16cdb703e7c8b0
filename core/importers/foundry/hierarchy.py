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
class LeftOut:
    """Embedded documents that could not be put inside a parent, grouped for the report."""

    parent: str
    """The parent's (sub)collection: ``actors``, ``actors.items``, ``scenes.tokens``."""
    embedded: str
    """The embedded collection: ``items``, ``effects``, ``pages``."""
    count: int
    parents: int
    """How many different parents they belong to."""
    why: str
    """``unread``: the parent itself is not in the data (damaged or deleted);
    ``unlisted``: the parent was read but does not list them;
    ``missing``: the parent lists them but they are not in the data."""


@dataclass
class Assembled:
    docs: list[Primary] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    left_out: list[LeftOut] = field(default_factory=list)


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

    walk = _Walk(children)
    result = Assembled()
    for collection, doc_id, key, doc in primaries:
        data = _attach(collection, doc_id, doc, walk)
        result.docs.append(Primary(collection, key, data))
    missing = walk.missing

    groups: dict[tuple[str, str, str], list[str]] = {}
    for (sublevel, parent_ids), kids in children.items():
        why = "unlisted" if (sublevel, parent_ids) in walk.attached else "unread"
        for name, slot in kids.items():
            groups.setdefault((sublevel, name, why), []).extend([parent_ids] * len(slot))
    for (sublevel, name), parent_ids in missing.items():
        groups[(sublevel, name, "missing")] = parent_ids
    for (sublevel, name, why), parent_ids in sorted(groups.items()):
        result.left_out.append(LeftOut(sublevel, name, len(parent_ids), len(set(parent_ids)), why))

    orphans = sum(len(slot) for kids in children.values() for slot in kids.values())
    missing_count = sum(len(p) for p in missing.values())
    warn = result.warnings.append
    if missing_count:
        warn(
            f"{label}: {missing_count} embedded documents listed by their parent "
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


@dataclass
class _Walk:
    """What reassembling needs and learns: children not yet placed, parents reached,
    children listed but not found."""

    children: dict[tuple[str, str], dict[str, dict[str, Stored]]]
    attached: set[tuple[str, str]] = field(default_factory=set)
    missing: dict[tuple[str, str], list[str]] = field(default_factory=dict)
    """(parent sublevel, embedded field) -> the parent ids, once per missing child."""


def _attach(sublevel: str, ids: str, doc: dict[str, Any], walk: _Walk) -> dict[str, Any]:
    """``doc`` with every embedded id replaced by the (reassembled) child document."""
    children = walk.children
    walk.attached.add((sublevel, ids))
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
                    child = _take(sublevel, ids, name, ref, slot, walk)
                    if child is not None:
                        inline.append(child)
            doc[name] = inline
        elif isinstance(stored, str) and stored:
            doc[name] = _take(sublevel, ids, name, stored, slot, walk)
        if slot:
            children[(sublevel, ids)] = {**children.get((sublevel, ids), {}), name: slot}
    return doc


def _take(
    sublevel: str,
    ids: str,
    name: str,
    ref: str,
    slot: dict[str, Stored],
    walk: _Walk,
) -> dict[str, Any] | None:
    if ref not in slot and "" in slot:
        ref = ""  # a token's delta keyed without an id of its own
    stored = slot.pop(ref, None)
    if stored is None:
        walk.missing.setdefault((sublevel, name), []).append(ids)
        return None
    return _attach(f"{sublevel}.{name}", f"{ids}.{ref}", stored[1], walk)
