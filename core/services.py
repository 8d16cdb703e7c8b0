"""Authoring use cases: install, list, export and fork worlds.

Each opens one unit of work, so it commits whole or writes nothing. Playing stories
is ``storyai.core.play`` (the ``Play`` service).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

from storyai.core.domain.errors import WorldConflict
from storyai.core.domain.records import WorldSummary, WorldVersionRecord
from storyai.core.domain.world import World
from storyai.core.storage.ports import UnitOfWorkFactory
from storyai.core.working_copy import (  # noqa: F401 - the author's loop, re-exported
    Uninstalled,
    WorkingCopy,
    install_working_copy,
    uninstall_world,
)
from storyai.core.worlds import export as world_export
from storyai.core.worlds import rawdocs
from storyai.core.worlds.validate import validate_data


@dataclass(frozen=True)
class InstallResult:
    status: Literal["installed", "unchanged"]
    record: WorldVersionRecord
    previous_versions: tuple[str, ...] = ()


def _record(
    world: World, source: str, now: datetime, raws_finite: bool = False
) -> WorldVersionRecord:
    content = world.canonical()
    raws = rawdocs.serialize_raws(content, finite=raws_finite)  # once: hash and storage
    stored, content_hash = rawdocs.stored_form(content, raws) if raws else (None, "")
    forked = world.world.forked_from
    return WorldVersionRecord(
        world_id=world.id,
        version=world.version,
        title=world.world.title,
        content=content,
        content_hash=content_hash or rawdocs.content_hash(content, raws),
        raw_texts=raws,
        stored_text=stored,
        installed_at=now,
        source=source,
        forked_from=f"{forked.id}@{forked.version}" if forked else None,
    )


async def install_world(
    uow_factory: UnitOfWorkFactory,
    world: World,
    *,
    source: str = "",
    now: datetime | None = None,
    raws_finite: bool = False,
) -> InstallResult:
    """Install a validated world version. Older versions stay for the sessions using them.

    Installing identical content again changes nothing. Installing different
    content under a version that is already installed is refused: bump the
    version, or fork the world under a new id. ``raws_finite``: the imported raw
    documents hold no NaN or infinity (read by orjson; ``ImportPlan.raws_finite``).
    """
    record = _record(world, source, now or datetime.now(UTC), raws_finite)
    async with uow_factory() as uow:
        existing = await uow.worlds.find_version(world.id, world.version, raw=False)
        previous: tuple[str, ...] = ()
        if await uow.worlds.exists(world.id):
            summary = next(s for s in await uow.worlds.list() if s.world_id == world.id)
            previous = summary.versions
            if existing is None:
                latest = await uow.worlds.get_version(world.id, raw=False)
                refuse_foreign_collision(latest, record)
        if existing is not None:
            if existing.content_hash == record.content_hash:
                return InstallResult("unchanged", existing, previous)
            raise WorldConflict(
                f"World '{world.id}' version {world.version} is already installed with "
                "different content; nothing was written.",
                hint=f'bump `version:` in the world file (e.g. "{next_version(world.version)}") '
                "to install it as a new version, or `storyai world fork` it under a new id",
            )
        await uow.worlds.add_version(record)
        await uow.commit()
    return InstallResult("installed", record, previous)


def refuse_foreign_collision(latest: WorldVersionRecord, new: WorldVersionRecord) -> None:
    """A different world that happens to reuse an installed id is refused.

    A new version of the same world keeps its title or at least one author; a
    world with another title by other authors is someone else's world.
    """
    old_meta, new_meta = latest.content.get("world", {}), new.content.get("world", {})
    same_title = old_meta.get("title") == new_meta.get("title")
    shared_author = set(old_meta.get("authors", [])) & set(new_meta.get("authors", []))
    if not same_title and not shared_author:
        raise WorldConflict(
            f"The id '{new.world_id}' is already used by another installed world "
            f"('{latest.title}' by {', '.join(old_meta.get('authors', [])) or 'unknown'}); "
            "nothing was written.",
            hint="give this world a different `id:`. If it really is a new version of the "
            "installed world, keep its title or one of its authors",
        )


def next_version(version: str) -> str:
    parts = version.split("-")[0].split("+")[0].split(".")
    try:
        parts[-1] = str(int(parts[-1]) + 1)
    except ValueError:
        return version + ".1"
    return ".".join(parts)


async def list_worlds(uow_factory: UnitOfWorkFactory) -> list[WorldSummary]:
    async with uow_factory() as uow:
        return await uow.worlds.list()


async def world_installed(uow_factory: UnitOfWorkFactory, world_id: str) -> bool:
    """Whether a world of this id is installed (any version)."""
    async with uow_factory() as uow:
        return await uow.worlds.exists(world_id)


async def get_world(
    uow_factory: UnitOfWorkFactory, world_id: str, version: str | None = None
) -> tuple[World, WorldVersionRecord]:
    """An installed world, validated again from its stored content."""
    async with uow_factory() as uow:
        record = await uow.worlds.get_version(world_id, version)
    return validate_data(record.content, f"{world_id}@{record.version}"), record


async def export_world(
    uow_factory: UnitOfWorkFactory,
    world_id: str,
    folder: Path,
    *,
    version: str | None = None,
    overwrite: bool = False,
) -> tuple[Path, WorldVersionRecord]:
    _, record = await get_world(uow_factory, world_id, version)
    return world_export.export_world(record.content, folder, overwrite=overwrite), record


async def fork_world(
    uow_factory: UnitOfWorkFactory,
    source: World,
    new_id: str,
    *,
    title: str | None = None,
    now: datetime | None = None,
) -> InstallResult:
    """Install a copy of ``source`` under ``new_id``, recording its lineage."""
    async with uow_factory() as uow:
        if await uow.worlds.exists(new_id):
            raise WorldConflict(
                f"A world with the id '{new_id}' is already installed; nothing was written.",
                hint="pick another id for the fork",
            )
    forked = world_export.fork(source, new_id, title=title)
    return await install_world(uow_factory, forked, source=f"fork of {source.id}", now=now)
