"""The worlds that ship inside the package (``storyai.content``), and installing them.

``install_bundled`` runs at every start of `storyai play` and `storyai bot`. Loading
and validating a world costs tens of milliseconds, so it only does that for worlds
that changed: each world's files (and the storyai version) are hashed, and the hash
of what was last installed into a database is kept in a small JSON file in the user
cache folder (``bundled_marker``). A world whose hash is unchanged and whose version
the database still has is not loaded at all. Deleting the file only costs one
reinstall, which changes nothing (identical content is a no-op).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from storyai.core.storage.ports import UnitOfWorkFactory


def bundled_world_paths() -> dict[str, Path]:
    """Folder or file name -> path of every bundled world, sorted by name."""
    root = resources.files("storyai.content").joinpath("worlds")
    found: dict[str, Path] = {}
    for entry in sorted(root.iterdir(), key=lambda e: e.name):
        path = Path(str(entry))
        if path.name.startswith((".", "_")):
            continue
        if path.is_dir() or path.suffix in (".yaml", ".yml"):
            found[path.stem] = path
    return found


@dataclass(frozen=True)
class WorldEntry:
    """A world a player may start a story in."""

    id: str
    title: str
    installed: bool
    bundled: bool
    sessions: int = 0


async def world_catalogue(uow_factory: UnitOfWorkFactory) -> list[WorldEntry]:
    """Installed worlds (with their stories' count), then bundled ones not installed yet."""
    from storyai.core import services
    from storyai.core.worlds.validate import load_world

    installed = await services.list_worlds(uow_factory)
    bundled = bundled_world_paths()
    entries = [
        WorldEntry(w.world_id, w.title, True, w.world_id in bundled, w.sessions) for w in installed
    ]
    known = {w.world_id for w in installed}
    for world_id, path in bundled.items():
        if world_id not in known:
            entries.append(WorldEntry(world_id, load_world(path).world.title, False, True))
    return entries


async def install_if_missing(uow_factory: UnitOfWorkFactory, world_id: str) -> None:
    """Make sure ``world_id`` is installed, installing the bundled world of that name the
    first time it is played. Raises WorldNotFound when it is neither."""
    from storyai.core import services
    from storyai.core.domain.errors import WorldNotFound
    from storyai.core.worlds.validate import load_world

    async with uow_factory() as uow:
        if await uow.worlds.exists(world_id):
            return
    path = bundled_world_paths().get(world_id)
    if path is None:
        raise WorldNotFound(world_id)
    await services.install_world(uow_factory, load_world(path), source=f"bundled:{world_id}")


def fingerprint(path: Path) -> str:
    """A hash of a world file or folder: every YAML file's relative path and bytes, and
    the storyai version (a new release may read the same files differently)."""
    digest = hashlib.sha256(_storyai_version().encode())
    files = sorted(path.rglob("*")) if path.is_dir() else [path]
    for file in files:
        if file.suffix in (".yaml", ".yml") and file.is_file():
            digest.update(b"\0" + str(file.relative_to(path.parent)).encode() + b"\0")
            digest.update(file.read_bytes())
    return digest.hexdigest()


def _storyai_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("storyai")
    except PackageNotFoundError:  # pragma: no cover - running from a bare checkout
        return "unknown"


def bundled_marker(database_key: str) -> Path:
    """Where the hashes of the bundled worlds installed into one database are kept:
    a file per database (named by a hash of its URL) in the user cache folder."""
    import platformdirs

    name = hashlib.sha256(database_key.encode()).hexdigest()[:24]
    return Path(platformdirs.user_cache_dir("storyai")) / "bundled" / f"{name}.json"


@dataclass
class BundledInstall:
    """What ``install_bundled`` did, by bundled world name."""

    installed: list[str] = field(default_factory=list)
    """Read, validated and installed (new or changed; unchanged content is a no-op)."""
    current: list[str] = field(default_factory=list)
    """Unchanged since the last install into this database: not loaded."""
    skipped: list[tuple[str, str]] = field(default_factory=list)
    """(name, why): refused, e.g. a user's own world already uses the id."""


async def install_bundled(
    uow_factory: UnitOfWorkFactory,
    marker: Path,
    worlds: dict[str, Path] | None = None,
) -> BundledInstall:
    """Install the bundled worlds (``worlds``: name → path, default: the package's)
    that changed since the last install recorded in ``marker``, or that the database
    does not have."""
    from storyai.core import services
    from storyai.core.domain.errors import StoryError
    from storyai.core.worlds.validate import load_world

    paths = bundled_world_paths() if worlds is None else worlds
    marks = _read_marks(marker)
    have = {s.world_id: set(s.versions) for s in await services.list_worlds(uow_factory)}
    done = BundledInstall()
    changed = False
    for name, path in paths.items():
        digest = fingerprint(path)
        mark = marks.get(name)
        if (
            isinstance(mark, dict)
            and mark.get("fingerprint") == digest
            and mark.get("version") in have.get(str(mark.get("id")), ())
        ):
            done.current.append(name)
            continue
        try:
            world = load_world(path)
            await services.install_world(uow_factory, world, source=f"bundled:{name}")
        except StoryError as error:
            done.skipped.append((name, error.message))
            continue
        done.installed.append(name)
        marks[name] = {"fingerprint": digest, "id": world.id, "version": world.version}
        changed = True
    if changed:
        _write_marks(marker, marks)
    return done


def _read_marks(marker: Path) -> dict[str, Any]:
    try:
        data = json.loads(marker.read_text(encoding="utf-8"))
    except (OSError, ValueError):  # missing or damaged: install again
        return {}
    worlds = data.get("worlds") if isinstance(data, dict) else None
    return dict(worlds) if isinstance(worlds, dict) else {}


def _write_marks(marker: Path, marks: dict[str, Any]) -> None:
    """Best effort: a cache folder that cannot be written only costs time next start."""
    with contextlib.suppress(OSError):
        marker.parent.mkdir(parents=True, exist_ok=True)
        scratch = marker.with_suffix(f".{os.getpid()}.tmp")
        scratch.write_text(json.dumps({"worlds": marks}, indent=1), encoding="utf-8")
        scratch.replace(marker)
