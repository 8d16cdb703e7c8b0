"""World, system and module manifests (``world.json``, ``system.json``, ``module.json``).

A manifest gives the title, the game system and the versions, and lists the
compendium packs (``packs[]``). A pack's ``path`` may say ``packs/x.db`` for
what is really the LevelDB folder ``packs/x`` (or the reverse): whichever
exists is used.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from storyai.core.importers.errors import ImportRefused
from storyai.core.importers.foundry.doctypes import document_for_type
from storyai.core.importers.foundry.limits import BadDocument, escapes, inside, loads_json
from storyai.core.importers.foundry.versions import Versions, manifest_core, text

MANIFEST_NAMES = ("world.json", "system.json", "module.json")
_MAX_MANIFEST_BYTES = 16 * 1024 * 1024

PRIVATE_OWNERSHIP = {"PLAYER": "NONE", "TRUSTED": "NONE", "ASSISTANT": "OWNER"}
"""What a pre-v11 ``private: true`` pack means in v11+ ``ownership`` terms."""


@dataclass
class PackEntry:
    """One ``packs[]`` entry of a manifest."""

    name: str
    label: str
    path: str
    """The path as the manifest wrote it (``packs/monsters.db``)."""
    document: str
    """``Actor``, ``Item``, ... from ``type`` (v9+) or ``entity`` (older); ``""`` if absent."""
    versions: Versions
    ownership: dict[str, Any] | None = None


@dataclass
class Manifest:
    kind: str
    """``world``, ``system`` or ``module``."""
    file: Path
    id: str
    title: str
    versions: Versions
    packs: list[PackEntry] = field(default_factory=list)
    problems: list[tuple[str, str]] = field(default_factory=list)
    description: str = ""
    """The manifest's ``description`` (HTML), as written."""
    """(origin, reason) for ``packs[]`` entries that make no sense."""


def find_manifest(folder: Path) -> Path | None:
    """The folder's world.json, system.json or module.json (in that order), if any."""
    for name in MANIFEST_NAMES:
        candidate = folder / name
        if candidate.is_file():
            return candidate
    return None


def read_manifest(path: Path) -> Manifest:
    """Parse a manifest; :class:`ImportRefused` when it is not a JSON object."""
    kind = path.name.removesuffix(".json")
    try:
        if path.stat().st_size > _MAX_MANIFEST_BYTES:
            raise ImportRefused(f"{path}: too large for a Foundry {kind} manifest")
        raw = loads_json(path.read_bytes())
    except BadDocument as exc:
        where = f" at line:column {exc.where}" if exc.where else ""
        raise ImportRefused(f"{path}: {exc.reason}{where}") from None
    except OSError as exc:
        raise ImportRefused(f"{path}: cannot be read ({exc.strerror or exc})") from None
    if not isinstance(raw, dict):
        raise ImportRefused(f"{path}: not a Foundry {kind} manifest (not a JSON object)")
    ident = text(raw.get("id")) or text(raw.get("name"))
    title = text(raw.get("title")) or ident
    core = manifest_core(raw)
    if kind == "world":
        versions = Versions(core, text(raw.get("system")), text(raw.get("systemVersion")))
    elif kind == "system":
        versions = Versions(core, ident, text(raw.get("version")))
    else:
        versions = Versions(core, _module_system(raw), "")
    manifest = Manifest(kind, path, ident, title, versions)
    manifest.description = text(raw.get("description"))
    packs = raw.get("packs")
    for number, entry in enumerate(packs if isinstance(packs, list) else [], 1):
        pack = _pack_entry(entry, versions)
        if pack is None:
            manifest.problems.append((f"{path.name} packs[{number}]", "not a valid pack entry"))
        else:
            manifest.packs.append(pack)
    return manifest


def _module_system(raw: dict[str, Any]) -> str:
    """A module's game system when it names exactly one."""
    rel = raw.get("relationships")
    systems = rel.get("systems") if isinstance(rel, dict) else raw.get("systems")
    if isinstance(systems, list) and len(systems) == 1:
        only = systems[0]
        return text(only.get("id") if isinstance(only, dict) else only)
    return ""


def _pack_entry(entry: Any, versions: Versions) -> PackEntry | None:
    if not isinstance(entry, dict):
        return None
    name = text(entry.get("name"))
    if not name:
        return None
    path = entry.get("path")
    path = path if isinstance(path, str) and path.strip() else f"packs/{name}"
    system = text(entry.get("system"))
    pack_versions = versions
    if system and system != versions.system_id:
        pack_versions = Versions(versions.core, system, "")
    ownership = entry.get("ownership")
    if not isinstance(ownership, dict):
        ownership = dict(PRIVATE_OWNERSHIP) if entry.get("private") is True else None
    return PackEntry(
        name=name,
        label=text(entry.get("label")) or name,
        path=path,
        document=document_for_type(entry.get("type") or entry.get("entity")),
        versions=pack_versions,
        ownership=ownership,
    )


def resolve_pack(root: Path, declared: str) -> tuple[Path | None, str]:
    """The pack's file or folder under ``root`` (resolved), or ``None`` and why not.

    ``packs/x.db`` falls back to the folder ``packs/x`` and ``packs/x`` to ``packs/x.db``.
    """
    relative = declared.replace("\\", "/").strip()
    while relative.startswith(("./", "/")):
        relative = relative[1:] if relative.startswith("/") else relative[2:]
    first = root / relative
    if first.name.endswith(".db"):
        candidates = [first, first.with_name(first.name[:-3])]
    else:
        candidates = [first, first.with_name(first.name + ".db")]
    for candidate in candidates:
        if escapes(candidate, root):
            return None, f"{declared} is a symlink pointing outside {root.name}: not followed"
        if candidate.exists():
            if not inside(candidate, root):
                return None, f"{declared} points outside {root.name}: not read"
            return candidate, ""
    names = " nor ".join(c.relative_to(root).as_posix() for c in candidates)
    return None, f"listed in the manifest, but neither {names} exists"
