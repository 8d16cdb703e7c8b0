"""Worlds (``world.json`` + ``data/``) and systems/modules (``packs[]``) read whole.

A world's ``data/<collection>.db`` is NeDB (up to v10) and ``data/<collection>/``
is LevelDB (v11+). Worlds migrated from old versions keep stale ``.db`` files
beside the LevelDB folders: the folders win. The manifest's ``packs[]`` are read
too. Collections without story content are counted, not read into documents.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from storyai.core.importers.errors import ImportRefused, SourceLocked
from storyai.core.importers.foundry.builder import SourceBuilder
from storyai.core.importers.foundry.doctypes import KEPT, document_for_collection
from storyai.core.importers.foundry.documents import FoundrySource
from storyai.core.importers.foundry.leveldb import looks_like_leveldb, read_leveldb
from storyai.core.importers.foundry.limits import escapes
from storyai.core.importers.foundry.manifest import (
    Manifest,
    PackEntry,
    find_manifest,
    read_manifest,
    resolve_pack,
)
from storyai.core.importers.foundry.nedb import read_nedb

Progress = Callable[[str, int, int], None]
"""``progress(label, done, total)``: called as packs/files are read."""


def read_world(root: Path, manifest: Manifest, report: Progress) -> FoundrySource:
    """A world folder: its ``data/`` collections, then its own compendium packs."""
    builder = SourceBuilder(root, "Foundry world", title=manifest.title, versions=manifest.versions)
    data = root / "data"
    units = _collections(root, data, builder) if data.is_dir() else []
    if not data.is_dir():
        builder.warn(f"{root.name}: the world has no data/ folder (no world documents)")
    total = len(units) + len(manifest.packs)
    done = 0
    for name, path in units:
        label = path.relative_to(root).as_posix()
        document = document_for_collection(name)
        where = f"data/{name}"
        if not document:
            builder.skip(where, "not a Foundry document collection the importer knows")
        elif document not in KEPT:
            _count_only(builder, path, label, where, document)
        else:
            builder.add_pack(path, label, document=document, fallback=manifest.versions)
        done += 1
        report(label, done, total)
    _read_packs(builder, root, manifest, report, done, total)
    builder.source.description = manifest.description
    return builder.finish()


def _collections(root: Path, data: Path, builder: SourceBuilder) -> list[tuple[str, Path]]:
    """(collection, path) per collection; a LevelDB folder beats a stale ``.db`` file."""
    folders: dict[str, Path] = {}
    files: dict[str, Path] = {}
    for entry in sorted(data.iterdir()):
        if entry.name.startswith("."):
            continue
        if escapes(entry, root):
            builder.skip(f"data/{entry.name}", "a symlink pointing outside the world: not followed")
        elif entry.is_dir():
            folders[entry.name] = entry
        elif entry.name.endswith(".db"):
            files[entry.name[:-3]] = entry
    stale = sorted(
        f"{name}.db" for name in files if name in folders and looks_like_leveldb(folders[name])
    )
    if stale:
        builder.warn(
            f"data/: {', '.join(stale)} are left over from before Foundry v11 beside the "
            "LevelDB folders that replaced them; the folders were read, the .db files ignored"
        )
    chosen = {name: files[name] for name in files if f"{name}.db" not in stale}
    chosen.update({name: path for name, path in folders.items() if name not in chosen})
    return sorted(chosen.items())


def _count_only(builder: SourceBuilder, path: Path, label: str, where: str, document: str) -> None:
    """Count a collection that is not imported (macros, chat messages ...)."""
    try:
        if path.is_dir():
            if not looks_like_leveldb(path):
                return
            items = read_leveldb(path).items
            count = sum(1 for key in items if key.count("!") == 2 and "." not in key.split("!")[1])
        else:
            count = len(read_nedb(path, label).docs)
    except SourceLocked:
        raise
    except ImportRefused as exc:
        builder.skip(label, exc.message.removeprefix(f"{label}: "))
        return
    builder.count_not_imported(where, document, count)


def read_package(root: Path, manifest: Manifest, report: Progress) -> FoundrySource:
    """A system or module folder: every pack its manifest lists."""
    if not manifest.packs and not manifest.problems:
        raise ImportRefused(
            f"{manifest.file}: lists no compendium packs, so there is nothing to import",
            hint="to read the module's source files, give its packs/_source folder",
        )
    builder = SourceBuilder(
        root,
        f"{manifest.id or root.name} {manifest.kind} packs",
        title=manifest.title,
        versions=manifest.versions,
    )
    _read_packs(builder, root, manifest, report, 0, len(manifest.packs))
    return builder.finish()


def _read_packs(
    builder: SourceBuilder,
    root: Path,
    manifest: Manifest,
    report: Progress,
    done: int,
    total: int,
) -> None:
    for origin, reason in manifest.problems:
        builder.skip(origin, reason)
    for entry in manifest.packs:
        if entry.ownership is not None:
            builder.source.pack_ownership[entry.name] = entry.ownership
        path, why = resolve_pack(root, entry.path)
        label = path.relative_to(root).as_posix() if path else entry.path
        if path is None:
            builder.skip(f"{manifest.file.name}: pack {entry.name!r} ({entry.path})", why)
        elif entry.document and entry.document not in KEPT and entry.document != "Adventure":
            _count_only(builder, path, label, label, entry.document)
        else:
            builder.add_pack(
                path,
                label,
                pack=entry.name,
                document=entry.document,
                fallback=entry.versions,
            )
        done += 1
        report(label, done, total)


@dataclass
class NearbyPack:
    manifest: Manifest
    entry: PackEntry | None


def nearby_pack(pack: Path) -> NearbyPack | None:
    """The manifest entry for a pack given on its own, when its package or world is around it.

    Looks in the pack's folder and the one above (``packs/x.db`` -> ``module.json``).
    A world's ``data/<collection>`` gets the world manifest without an entry.
    """
    resolved = pack.resolve()
    for folder in (resolved.parent, resolved.parent.parent):
        found = find_manifest(folder)
        if found is None:
            continue
        try:
            manifest = read_manifest(found)
        except ImportRefused:
            return None
        for entry in manifest.packs:
            where, _ = resolve_pack(folder, entry.path)
            if where is not None and where.resolve() == resolved:
                return NearbyPack(manifest, entry)
        if manifest.kind == "world" and resolved.parent.name == "data":
            return NearbyPack(manifest, None)
        return None
    return None
