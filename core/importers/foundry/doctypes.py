"""Which Foundry document a dict is, and which collections hold story content."""

from __future__ import annotations

from typing import Any

from storyai.core.importers.foundry.documents import DOCUMENT_NAMES

KEPT = frozenset({"Actor", "Item", "JournalEntry", "Scene", "Folder", "RollTable"})
"""Documents the converter turns into world entries."""

COLLECTIONS = {
    name: coll for coll, name in DOCUMENT_NAMES.items() if coll not in ("chat", "combat")
}
"""Document name -> its collection (``Actor`` -> ``actors``)."""

EXTRA_DOCUMENT_NAMES = {"drawings": "Drawing"}
"""World collections some versions kept that hold no story content."""

ADVENTURE_COLLECTIONS = (
    "folders",
    "actors",
    "items",
    "journal",
    "scenes",
    "tables",
    "macros",
    "playlists",
    "cards",
    "combats",
)
"""The world collections an Adventure document holds inline."""


def document_for_collection(collection: str) -> str:
    """``actors`` -> ``Actor``; unknown collections -> ``""``."""
    return DOCUMENT_NAMES.get(collection) or EXTRA_DOCUMENT_NAMES.get(collection, "")


def document_for_type(value: Any) -> str:
    """A manifest pack ``type``/``entity`` (``Actor``, ``JournalEntry``) -> document name."""
    if not isinstance(value, str):
        return ""
    if value in COLLECTIONS or value == "Adventure":
        return value
    return document_for_collection(value)


def document_for_key(key: Any) -> str:
    """``!actors!id`` -> ``Actor``; embedded or unknown keys -> ``""``."""
    if not isinstance(key, str) or not key.startswith("!"):
        return ""
    collection = key[1:].split("!", 1)[0]
    if "." in collection:
        return ""
    return document_for_collection(collection)


def not_imported(document: str, count: int, where: str) -> tuple[str, str]:
    """The (origin, reason) skip line for ``count`` documents nobody imports."""
    noun = plural(document)
    origin = f"{where}: {count} {noun}"
    if document in DOCUMENT_NAMES.values() or document in EXTRA_DOCUMENT_NAMES.values():
        return origin, f"{noun} are not imported (no story content)"
    return origin, f"{noun} are not a Foundry document type the importer knows"


def plural(document: str) -> str:
    """``Macro`` -> ``macros``, ``JournalEntry`` -> ``journal entries``."""
    special = {
        "JournalEntry": "journal entries",
        "ChatMessage": "chat messages",
        "FogExploration": "fog explorations",
        "RollTable": "roll tables",
        "Cards": "card stacks",
        "Setting": "settings",
    }
    if document in special:
        return special[document]
    return document.lower() + "s"


ACTOR_TYPES = frozenset(
    {"npc", "character", "hazard", "vehicle", "familiar", "party", "group", "encounter"}
    | {"army", "creature", "monster", "pc", "player", "hero", "mook", "loot"}
)
"""Actor ``type`` values of common systems."""
AMBIGUOUS_TYPES = frozenset({"loot", "creature", "monster", "hero"})
"""Actor types some system also uses for items (dnd5e ``loot``): told by a fuller shape."""


def looks_like_actor(data: dict[str, Any]) -> bool:
    """An Actor without ``_key`` or token (pf2e ``packs/**.json``): told by its shape.

    It embeds whole documents in ``items`` (items never do), or it has an actor
    ``type`` and an actor-shaped system body: hit points under ``attributes``,
    ability scores, or (for types no item uses) ``attributes``/``details``.
    """
    body = data.get("system")
    if not isinstance(body, dict):
        body = data.get("data")
    children = data.get("items")
    if isinstance(children, list) and any(_is_document(c) for c in children):
        return True
    kind = data.get("type")
    if kind not in ACTOR_TYPES or not isinstance(body, dict):
        return False
    attributes = body.get("attributes")
    if isinstance(attributes, dict) and isinstance(attributes.get("hp"), dict):
        return True
    abilities = body.get("abilities")
    if isinstance(abilities, dict) and any(isinstance(v, dict) for v in abilities.values()):
        return True
    if kind in AMBIGUOUS_TYPES:
        return False
    return isinstance(attributes, dict) or isinstance(body.get("details"), dict)


def _is_document(value: Any) -> bool:
    return (
        isinstance(value, dict)
        and isinstance(value.get("type"), str)
        and (isinstance(value.get("system"), dict) or isinstance(value.get("data"), dict))
    )


def infer_document(data: dict[str, Any], *, folder_file: bool = False) -> str:
    """The document name told from the shape of ``data`` alone; ``""`` when unsure."""
    key = document_for_key(data.get("_key"))
    if key:
        return key
    if sum(isinstance(data.get(c), list) for c in ADVENTURE_COLLECTIONS) >= 3:
        return "Adventure"
    has_body = isinstance(data.get("system"), dict) or isinstance(data.get("data"), dict)
    if isinstance(data.get("prototypeToken"), dict):
        return "Actor"
    if isinstance(data.get("token"), dict) and (isinstance(data.get("items"), list) or has_body):
        return "Actor"
    if looks_like_actor(data):
        return "Actor"
    if any(k in data for k in ("tokens", "walls")) or isinstance(data.get("grid"), (dict, int)):
        return "Scene"
    if isinstance(data.get("results"), list) and "formula" in data:
        return "RollTable"
    if isinstance(data.get("pages"), list):
        return "JournalEntry"
    if isinstance(data.get("content"), str) and "speaker" not in data:
        return "JournalEntry"
    if "sorting" in data and "type" in data and (folder_file or data["type"] in COLLECTIONS):
        return "Folder"
    if isinstance(data.get("command"), str) and data.get("type") in ("script", "chat"):
        return "Macro"
    if isinstance(data.get("sounds"), list) and "mode" in data:
        return "Playlist"
    if has_body and isinstance(data.get("type"), str):
        return "Item"
    return ""
