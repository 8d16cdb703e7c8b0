"""Foundry documents as read from any storage form, before conversion.

The readers (NeDB, LevelDB, foundryvtt-cli ``_source`` files, "Export Data"
JSON, world folders, system/module packs) all yield :class:`FoundryDoc`s with
embedded documents inline, as full objects, whatever the storage form kept
them as. The converter turns a :class:`FoundrySource` into an ImportPlan.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from storyai.core.importers.plan import Skipped

DOCUMENT_NAMES = {
    "actors": "Actor",
    "items": "Item",
    "journal": "JournalEntry",
    "scenes": "Scene",
    "folders": "Folder",
    "tables": "RollTable",
    "macros": "Macro",
    "playlists": "Playlist",
    "cards": "Cards",
    "combats": "Combat",
    "messages": "ChatMessage",
    "settings": "Setting",
    "users": "User",
    "fog": "FogExploration",
    "adventures": "Adventure",
    "chat": "ChatMessage",
    "combat": "Combat",
}
"""World/pack collection name -> Foundry document name."""


@dataclass
class FoundryDoc:
    """One primary document, embedded documents inline (``items``, ``pages``, ``tokens`` ...)."""

    document: str
    """The Foundry document name: ``Actor``, ``Item``, ``JournalEntry``, ``Scene`` ..."""
    data: dict[str, Any]
    """The document as stored (``system`` or pre-v10 ``data``), embedded documents as objects."""
    origin: str
    """Where it was read, for reports: ``packs/monsters.db:12``, ``monsters/goblin.yml``."""
    pack: str = ""
    """The compendium pack's name (``monsters``); empty for world documents."""
    core_version: str = ""
    """``_stats.coreVersion`` or the manifest's; empty when unknown (then older than v10)."""
    system_id: str = ""
    system_version: str = ""


@dataclass
class FoundrySource:
    """Everything read from one path the user gave."""

    path: str
    kind: str
    """``Foundry world``, ``dnd5e system packs``, ``NeDB pack``, ``LevelDB pack``,
    ``foundryvtt-cli source folder``, ``Export Data JSON``."""
    title: str = ""
    system_id: str = ""
    system_version: str = ""
    core_version: str = ""
    docs: list[FoundryDoc] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    description: str = ""
    """The world's or package's own description (HTML), from its manifest."""
    pack_ownership: dict[str, dict[str, Any]] = field(default_factory=dict)
    """Pack name -> the manifest's ``ownership`` for it (who may see its documents)."""
    finite: bool = False
    """Every document was read from JSON text by orjson, so none holds NaN or infinity
    (their serialization for the content hash need not look for them)."""
