"""Read any Foundry VTT storage form into a :class:`FoundrySource`.

``read_foundry(path)`` tells by content what ``path`` is: a world folder, a
system or module folder, one NeDB or LevelDB pack, a foundryvtt-cli source
folder (or a folder of packs), or one JSON/YAML document file ("Export Data").
Nothing the user gave is ever written to.
"""

from __future__ import annotations

from pathlib import Path

from storyai.core.gcpause import paused_gc
from storyai.core.importers.errors import ImportRefused
from storyai.core.importers.foundry.builder import SourceBuilder
from storyai.core.importers.foundry.doctypes import document_for_collection
from storyai.core.importers.foundry.documents import FoundrySource
from storyai.core.importers.foundry.exported import EXPECTED, read_document_file
from storyai.core.importers.foundry.leveldb import looks_like_leveldb
from storyai.core.importers.foundry.limits import MAX_FILE_BYTES, BadDocument, loads_json
from storyai.core.importers.foundry.manifest import (
    MANIFEST_NAMES,
    find_manifest,
    read_manifest,
)
from storyai.core.importers.foundry.nedb import binary_kind
from storyai.core.importers.foundry.packages import (
    Progress,
    nearby_pack,
    read_package,
    read_world,
)
from storyai.core.importers.foundry.sourcefiles import (
    is_folder_file,
    pack_of,
    read_source_file,
    scan_folder,
)

_LEVELDB_FILES = ("CURRENT", "LOCK", "LOG", "LOG.old")


def read_foundry(path: Path, *, progress: Progress | None = None) -> FoundrySource:
    """Everything Foundry-shaped at ``path``; :class:`ImportRefused` when there is none.

    ``progress(label, done, total)`` is called as packs or files are read.
    SourceLocked (a running Foundry holds a LevelDB open) propagates.
    """
    path = Path(path)
    report = progress or _no_progress
    try:
        if not path.exists():
            raise ImportRefused(f"{path}: no such file or folder")
        with paused_gc():
            if path.is_dir():
                return _read_folder(path, report)
            return _read_file(path, report)
    except RecursionError:
        raise ImportRefused(f"{path}: nested too deeply to read") from None
    except MemoryError:
        raise ImportRefused(f"{path}: too large to read into memory") from None
    except OSError as exc:
        raise ImportRefused(f"{path}: cannot be read ({exc.strerror or exc})") from None


def _no_progress(label: str, done: int, total: int) -> None:
    return None


def _read_folder(given: Path, report: Progress) -> FoundrySource:
    root = given.resolve()
    manifest_file = find_manifest(root)
    if manifest_file is not None:
        manifest = read_manifest(manifest_file)
        if manifest.kind == "world":
            return read_world(root, manifest, report)
        return read_package(root, manifest, report)
    if looks_like_leveldb(root):
        return _read_single_pack(root, report)
    return _read_scanned(given, root, report)


def _read_single_pack(path: Path, report: Progress) -> FoundrySource:
    """One NeDB file or LevelDB folder, typed by a manifest next to it when there is one."""
    is_dir = path.is_dir()
    label = path.name
    near = nearby_pack(path)
    entry = near.entry if near else None
    stem = path.name[:-3] if path.name.endswith(".db") else path.name
    document = entry.document if entry else document_for_collection(stem)
    fallback = entry.versions if entry else (near.manifest.versions if near else None)
    builder = SourceBuilder(
        path,
        "LevelDB pack" if is_dir else "NeDB pack",
        title=entry.label if entry else stem,
        versions=fallback,
    )
    if entry is not None and entry.ownership is not None:
        builder.source.pack_ownership[entry.name] = entry.ownership
    report(label, 0, 1)
    builder.add_pack(
        path,
        label,
        pack=entry.name if entry else stem,
        document=document,
        fallback=fallback,
        strict=True,
    )
    report(label, 1, 1)
    if not builder.recognised and builder.source.skipped:
        raise ImportRefused(
            f"{path}: no Foundry document in it (first problem: "
            f"{builder.source.skipped[0].origin}: {builder.source.skipped[0].reason})"
        )
    return builder.finish()


def _read_scanned(given: Path, root: Path, report: Progress) -> FoundrySource:
    """A foundryvtt-cli source folder, a folder of packs, or both."""
    scan = scan_folder(root)
    if not scan.files and not scan.packs:
        what = "an empty folder" if not any(root.iterdir()) else "no Foundry data found in it"
        raise ImportRefused(f"{given}: {what}; {EXPECTED}")
    if scan.files and scan.packs:
        kind = "folder of Foundry packs and source files"
    else:
        kind = "foundryvtt-cli source folder" if scan.files else "folder of Foundry packs"
    builder = SourceBuilder(root, kind, title=root.name)
    builder.source.skipped.extend(scan.skipped)
    total = len(scan.files) + len(scan.packs)
    done = 0
    for file in scan.files:
        label = file.relative_to(root).as_posix()
        _add_source_file(builder, file, label, pack_of(file, root))
        done += 1
        report(label, done, total)
    for pack in scan.packs:
        label = pack.relative_to(root).as_posix()
        stem = pack.name[:-3] if pack.name.endswith(".db") else pack.name
        near = nearby_pack(pack)
        entry = near.entry if near else None
        if entry is not None and entry.ownership is not None:
            builder.source.pack_ownership[entry.name] = entry.ownership
        builder.add_pack(
            pack,
            label,
            pack=entry.name if entry else stem,
            document=entry.document if entry else document_for_collection(stem),
            fallback=entry.versions if entry else None,
        )
        done += 1
        report(label, done, total)
    if not builder.recognised:
        first = builder.source.skipped[0] if builder.source.skipped else None
        detail = f" (first problem: {first.origin}: {first.reason})" if first else ""
        raise ImportRefused(
            f"{given}: no Foundry documents found in {total} files{detail}; {EXPECTED}"
        )
    return builder.finish()


def _add_source_file(builder: SourceBuilder, file: Path, label: str, pack: str) -> None:
    try:
        values = read_source_file(file, label)
    except BadDocument as exc:
        builder.skip(f"{label}:{exc.where}" if exc.where else label, exc.reason)
        return
    except ImportRefused as exc:
        builder.skip(label, exc.message.removeprefix(f"{label}: "))
        return
    single = len(values) == 1
    for number, value in enumerate(values, 1):
        builder.add(
            value,
            origin=label if single else f"{label}[{number}]",
            where=pack,
            pack=pack,
            folder_file=is_folder_file(file),
        )


def _read_file(path: Path, report: Progress) -> FoundrySource:
    name = path.name
    size = path.stat().st_size
    if size > MAX_FILE_BYTES:
        raise ImportRefused(f"{path}: {size / 2**20:.0f} MiB is too large (the limit is 512 MiB)")
    if name in MANIFEST_NAMES and _is_json_object(path):
        return _read_folder(path.parent, report)
    if looks_like_leveldb(path.parent) and (
        name in _LEVELDB_FILES or name.startswith("MANIFEST-") or name.endswith((".ldb", ".log"))
    ):
        raise ImportRefused(
            f"{path}: one file of a LevelDB pack", hint=f"give the folder instead: {path.parent}"
        )
    with path.open("rb") as handle:
        head = handle.read(4096)
    if not head.strip():
        raise ImportRefused(f"{path}: an empty file; {EXPECTED}")
    what = binary_kind(head)
    if what:
        raise ImportRefused(f"{path}: not a Foundry file (it is {what}); {EXPECTED}")
    lower = name.lower()
    if lower.endswith((".yml", ".yaml")):
        return _read_document(path, report)
    start = head.lstrip(b"\xef\xbb\xbf \t\r\n")[:1]
    if start not in (b"{", b"["):
        shown = head.lstrip()[:24].decode("utf-8", "replace").split("\n")[0]
        raise ImportRefused(f"{path}: not a Foundry file (it starts with {shown!r}); {EXPECTED}")
    if start == b"{" and (lower.endswith(".db") or _is_json_lines(path)):
        return _read_single_pack(path, report)
    return _read_document(path, report)


def _read_document(path: Path, report: Progress) -> FoundrySource:
    report(path.name, 0, 1)
    source = read_document_file(path, path.name)
    report(path.name, 1, 1)
    return source


def _is_json_object(path: Path) -> bool:
    try:
        return path.stat().st_size < 16 * 2**20 and isinstance(loads_json(path.read_bytes()), dict)
    except (BadDocument, OSError):
        return False


def _is_json_lines(path: Path) -> bool:
    """NeDB-like: the first line is a whole JSON object and another line follows."""
    with path.open("rb") as handle:
        first = handle.readline()
        while not first.strip() and first:
            first = handle.readline()
        second = handle.readline()
        while second and not second.strip():
            second = handle.readline()
    if not second.strip().startswith(b"{"):
        return False
    try:
        return isinstance(loads_json(first), dict)
    except BadDocument:
        return False


__all__ = ["Progress", "read_foundry"]
