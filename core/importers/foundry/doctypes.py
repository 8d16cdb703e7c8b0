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
