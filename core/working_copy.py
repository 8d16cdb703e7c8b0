"""The author's loop: play a world from its folder after every edit, and uninstall.

A world played from its folder is installed as a *working copy*: a version of its
own, ``<version>+dev.<n>`` (recorded with the source ``working copy: <folder>``),
made again whenever the folder's content changes. Released versions are never
touched, and stay what a world's id plays. A story keeps the working copy it was
started on (a snapshot: an edit never changes the world under a running story);
earlier working copies that no story uses are removed when a newer one is made.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal

from storyai.core.domain.errors import WorldInUse, WorldNotFound
from storyai.core.domain.records import WORKING_COPY, SessionRecord, WorldVersionRecord
from storyai.core.domain.world import World
from storyai.core.storage.ports import UnitOfWork, UnitOfWorkFactory
from storyai.core.worlds import export as world_export

_DEV = re.compile(r"[+.]dev\.(\d+)$")
LISTED = 10
"""How many stories an uninstall refusal names before saying how many more."""


@dataclass(frozen=True)
class WorkingCopy:
    status: Literal["installed", "unchanged"]
    record: WorldVersionRecord
    removed: tuple[str, ...] = ()
    """Earlier working copies no story used, removed."""
    kept: tuple[str, ...] = ()
    """Earlier working copies kept for the stories started on them."""


@dataclass(frozen=True)
class Uninstalled:
    world_id: str
    versions: tuple[str, ...]
    sessions: tuple[SessionRecord, ...] = ()
    """The stories deleted with it (only with ``force``)."""


def dev_version(version: str, n: int) -> str:
    """``1.2.0`` → ``1.2.0+dev.3``; ``1.2.0-beta`` → ``1.2.0-beta.dev.3`` (a world
    version has at most one ``-``/``+`` part)."""
    base = version.split("+")[0]
    return f"{base}{'.' if '-' in base else '+'}dev.{n}"


async def _working_copies(uow: UnitOfWork, world_id: str) -> list[tuple[int, WorldVersionRecord]]:
    """The installed working copies of a world, oldest first."""
    if not await uow.worlds.exists(world_id):
        return []
    summary = next(s for s in await uow.worlds.list() if s.world_id == world_id)
    found = []
    for version in summary.versions:
        match = _DEV.search(version)
        if match is None:
            continue
        record = await uow.worlds.find_version(world_id, version)
        if record is not None and record.working_copy:
            found.append((int(match.group(1)), record))
    return sorted(found, key=lambda pair: pair[0])


def _as_version(world: World, version: str, folder: str, now: datetime) -> WorldVersionRecord:
    content = world.canonical()
    content["world"]["version"] = version
    forked = world.world.forked_from
    return WorldVersionRecord(
        world_id=world.id,
        version=version,
        title=world.world.title,
        content=content,
        content_hash=world_export.content_hash(content),
        installed_at=now,
        source=WORKING_COPY + folder,
        forked_from=f"{forked.id}@{forked.version}" if forked else None,
    )


async def install_working_copy(
    uow_factory: UnitOfWorkFactory,
    world: World,
    *,
    folder: str,
    now: datetime | None = None,
) -> WorkingCopy:
    """Install ``world`` (validated, read from ``folder``) as its working copy.

    Content unchanged since the newest working copy changes nothing; otherwise it
    becomes the next ``+dev.<n>`` version, and earlier working copies without stories
    are removed. Start the story on the returned record's version: by id alone, a
    world's newest *release* is played. A different world that reuses an installed id
    is refused, as by ``install_world``.
    """
    from storyai.core.services import refuse_foreign_collision

    now = now or datetime.now(UTC)
    async with uow_factory() as uow:
        earlier = await _working_copies(uow, world.id)
        if earlier:
            newest = earlier[-1][1]
            if _as_version(world, newest.version, folder, now).content_hash == newest.content_hash:
                return WorkingCopy("unchanged", newest)
        latest = (
            await uow.worlds.get_version(world.id) if await uow.worlds.exists(world.id) else None
        )
        n = earlier[-1][0] + 1 if earlier else 1
        record = _as_version(world, dev_version(world.version, n), folder, now)
        if latest is not None:
            refuse_foreign_collision(latest, record)
        await uow.worlds.add_version(record)
        removed, kept = [], []
        for _, old in earlier:
            if await uow.sessions.count_for_world_version(world.id, old.version):
                kept.append(old.version)
            else:
                await uow.worlds.remove_version(world.id, old.version)
                removed.append(old.version)
        await uow.commit()
    return WorkingCopy("installed", record, tuple(removed), tuple(kept))


async def uninstall_world(
    uow_factory: UnitOfWorkFactory,
    world_id: str,
    *,
    version: str | None = None,
    force: bool = False,
) -> Uninstalled:
    """Remove an installed world (every version, or one). Stories started on what is
    removed are refused with ``WorldInUse`` naming them, unless ``force``: then they
    are deleted with it. All or nothing."""
    async with uow_factory() as uow:
        if version is not None:
            await uow.worlds.get_version(world_id, version)  # WorldNotFound
            versions: tuple[str, ...] = (version,)
        else:
            summary = next((s for s in await uow.worlds.list() if s.world_id == world_id), None)
            if summary is None:
                raise WorldNotFound(world_id)
            versions = summary.versions
        sessions = tuple(
            s for s in await uow.sessions.list(world_id) if s.world_version in versions
        )
        if sessions and not force:
            raise _in_use(world_id, version, sessions)
        for session in sessions:
            await uow.sessions.remove(session.id)
        for v in versions:
            await uow.worlds.remove_version(world_id, v)
        await uow.commit()
    return Uninstalled(world_id, versions, sessions)


def _in_use(world_id: str, version: str | None, sessions: tuple[SessionRecord, ...]) -> WorldInUse:
    what = f"'{world_id}' {version}" if version else f"'{world_id}'"
    count = len(sessions)
    named = "; ".join(f'{s.id[:8]} "{s.title}" ({s.world_version})' for s in sessions[:LISTED])
    more = f"; and {count - LISTED} more" if count > LISTED else ""
    return WorldInUse(
        f"The world {what} is used by {count} stor{'y' if count == 1 else 'ies'}: "
        f"{named}{more}. Nothing was removed.",
        hint="add --force to delete those stories with it (`storyai session export ID` "
        "keeps a transcript first)",
    )
