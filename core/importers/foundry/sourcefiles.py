"""foundryvtt-cli source folders: one JSON or YAML file per primary document.

dnd5e keeps ``packs/_source/<pack>/**.yml`` (each document with its ``_key``,
embedded documents inline); pf2e keeps ``packs/<pack>/**.json`` without
``_key`` or ``_stats``. Folder documents live in ``_folder.yml``/``_Folder.yml``,
container items in ``_container.yml``. A scanned folder may also hold NeDB
``.db`` packs and LevelDB pack folders; those are listed for the caller.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from storyai.core.importers.foundry.leveldb import looks_like_leveldb
from storyai.core.importers.foundry.limits import (
    BadDocument,
    escapes,
    loads_json,
    loads_yaml,
    read_limited,
)
from storyai.core.importers.foundry.manifest import MANIFEST_NAMES
from storyai.core.importers.foundry.nedb import looks_like_nedb
from storyai.core.importers.plan import Skipped

SOURCE_SUFFIXES = (".json", ".yml", ".yaml")
_IGNORED_FILES = {*MANIFEST_NAMES, "package.json", "package-lock.json", "template.json"}
_IGNORED_DIRS = {"node_modules", "__pycache__"}


@dataclass
class FolderScan:
    """What a folder holds, in a stable order."""

    files: list[Path] = field(default_factory=list)
    """JSON/YAML files that may be documents."""
    packs: list[Path] = field(default_factory=list)
    """NeDB ``.db`` files and LevelDB folders."""
    skipped: list[Skipped] = field(default_factory=list)


def scan_folder(root: Path) -> FolderScan:
    """Walk ``root`` (resolved) without following symlinks that lead outside it."""
    scan = FolderScan()
    for current, dirs, files in os.walk(root, followlinks=False, onerror=None):
        here = Path(current)
        keep = []
        for name in sorted(dirs):
            sub = here / name
            if name.startswith(".") or name in _IGNORED_DIRS:
                continue
            if escapes(sub, root):
                scan.skipped.append(Skipped(_rel(sub, root), _OUTSIDE))
            elif sub.is_symlink():
                continue  # its target is inside the folder and read from there
            elif looks_like_leveldb(sub):
                scan.packs.append(sub)
            else:
                keep.append(name)
        dirs[:] = keep
        for name in sorted(files):
            path = here / name
            if name.startswith(".") or name in _IGNORED_FILES or name == "Thumbs.db":
                continue
            lower = name.lower()
            if not lower.endswith((*SOURCE_SUFFIXES, ".db")):
                continue
            if escapes(path, root):
                scan.skipped.append(Skipped(_rel(path, root), _OUTSIDE))
            elif lower.endswith(".db"):
                if looks_like_nedb(path):
                    scan.packs.append(path)
                else:
                    scan.skipped.append(Skipped(_rel(path, root), "not an NeDB pack"))
            else:
                scan.files.append(path)
    return scan


_OUTSIDE = "a symlink pointing outside the folder given: not followed"


def _rel(path: Path, root: Path) -> str:
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return str(path)


def read_source_file(path: Path, label: str) -> list[Any]:
    """The documents in one JSON/YAML file (a list file gives several).

    Raises :class:`BadDocument` (with ``where`` = ``line:column`` when known) or
    :class:`ImportRefused` for a file over the size limit.
    """
    raw = read_limited(path, label)
    if not raw.strip():
        raise BadDocument("the file is empty")
    value = loads_json(raw) if path.name.lower().endswith(".json") else loads_yaml(raw)
    return value if isinstance(value, list) else [value]


def pack_of(path: Path, root: Path) -> str:
    """The pack a source file belongs to: its first folder under ``root``, else ``root``'s name."""
    parts = path.relative_to(root).parts
    return parts[0] if len(parts) > 1 else root.name


def is_folder_file(path: Path) -> bool:
    """``_folder.yml``, ``_Folder.yml`` (and dnd5e-style ``_folder-humanoid.yml``)."""
    return path.name.lower().startswith("_folder")
