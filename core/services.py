"""Use cases every interface calls. Interfaces parse input, call these, render results.

Each use case opens one unit of work, so it commits whole or writes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

from storyai.core import history as session_history
from storyai.core import sessions
from storyai.core.domain.errors import WorldConflict
from storyai.core.domain.records import WorldSummary, WorldVersionRecord
from storyai.core.domain.world import World
from storyai.core.narrators.port import Narrator, OnText
from storyai.core.storage.ports import UnitOfWorkFactory
from storyai.core.worlds import export as world_export
from storyai.core.worlds.validate import validate_data


@dataclass(frozen=True)
class InstallResult:
    status: Literal["installed", "unchanged"]
    record: WorldVersionRecord
    previous_versions: tuple[str, ...] = ()


def _record(world: World, source: str, now: datetime) -> WorldVersionRecord:
    content = world.canonical()
    forked = world.world.forked_from
    return WorldVersionRecord(
        world_id=world.id,
        version=world.version,
        title=world.world.title,
        content=content,
        content_hash=world_export.content_hash(content),
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
) -> InstallResult:
    """Install a validated world version. Older versions stay for the sessions using them.

    Installing identical content again changes nothing. Installing different
    content under a version that is already installed is refused: bump the
    version, or fork the world under a new id.
    """
    record = _record(world, source, now or datetime.now(UTC))
    async with uow_factory() as uow:
        existing = await uow.worlds.find_version(world.id, world.version)
        previous: tuple[str, ...] = ()
        if await uow.worlds.exists(world.id):
            summary = next(s for s in await uow.worlds.list() if s.world_id == world.id)
            previous = summary.versions
            if existing is None:
                latest = await uow.worlds.get_version(world.id)
                _refuse_foreign_collision(latest, record)
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


def _refuse_foreign_collision(latest: WorldVersionRecord, new: WorldVersionRecord) -> None:
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


# ---------------------------------------------------------------- sessions
#
# The session use cases live in ``sessions`` (playing) and ``history`` (reading
# the past); these take a session or world id, so interfaces never hold a World.


@dataclass(frozen=True)
class SessionSummary:
    """A session as a title screen lists it."""

    id: str
    title: str
    world_id: str
    world_version: str
    branch: str
    turn: int
    last_line: str
    ended: bool
    updated_at: datetime


_WORLD_CACHE: dict[tuple[str, str, str], World] = {}


async def _world(uow_factory: UnitOfWorkFactory, world_id: str, version: str | None) -> World:
    """An installed world version. Versions never change once installed, so the
    validated World is cached by content hash."""
    async with uow_factory() as uow:
        record = await uow.worlds.get_version(world_id, version)
    key = (record.world_id, record.version, record.content_hash)
    if key not in _WORLD_CACHE:
        if len(_WORLD_CACHE) > 32:
            _WORLD_CACHE.clear()
        _WORLD_CACHE[key] = validate_data(record.content, f"{world_id}@{record.version}")
    return _WORLD_CACHE[key]


async def session_world(uow_factory: UnitOfWorkFactory, session_id: str) -> World:
    """The world version a session was started on."""
    async with uow_factory() as uow:
        session = await uow.sessions.get(session_id)
    return await _world(uow_factory, session.world_id, session.world_version)


async def start_session(
    uow_factory: UnitOfWorkFactory,
    world_id: str,
    *,
    player_name: str,
    version: str | None = None,
    archetype: str | None = None,
    scores: dict[str, int] | None = None,
    seed: int | None = None,
    narrator: Narrator | None = None,
    on_text: OnText | None = None,
    clock: sessions.Clock | None = None,
    user_ref: str = "local",
) -> sessions.TurnResult:
    """Start playing an installed world (its newest version unless one is named)."""
    clock = clock or sessions.Clock()
    world = await _world(uow_factory, world_id, version)
    return await sessions.start_session(
        uow_factory,
        world,
        player_name=player_name,
        archetype=archetype,
        scores=scores,
        seed=clock.new_seed() if seed is None else seed,
        narrator=narrator,
        on_text=on_text,
        clock=clock,
        user_ref=user_ref,
    )


async def take_turn(
    uow_factory: UnitOfWorkFactory,
    session_id: str,
    text: str,
    *,
    player_id: str | None = None,
    narrator: Narrator | None = None,
    on_text: OnText | None = None,
    clock: sessions.Clock | None = None,
) -> sessions.TurnResult:
    """Play one input in a session (as its host unless ``player_id`` says who)."""
    world = await session_world(uow_factory, session_id)
    return await sessions.take_turn(
        uow_factory,
        world,
        session_id,
        text,
        player_id=player_id,
        narrator=narrator,
        on_text=on_text,
        clock=clock,
    )


async def resume(
    uow_factory: UnitOfWorkFactory, session_id: str, *, narrator: Narrator | None = None
) -> sessions.TurnResult:
    """A session where it was left (finishing a turn a crash interrupted)."""
    world = await session_world(uow_factory, session_id)
    return await sessions.resume(uow_factory, world, session_id, narrator=narrator)


async def recent_sessions(
    uow_factory: UnitOfWorkFactory, *, limit: int = 10, world_id: str | None = None
) -> list[SessionSummary]:
    """The most recently played sessions, each with the last line its players read."""
    out = []
    async with uow_factory() as uow:
        for s in (await uow.sessions.list(world_id))[:limit]:
            branch = await uow.branches.get(s.id, s.active_branch)
            head = await uow.events.get(branch.head_event_id or "") if branch else None
            if head is None:
                continue
            line = await sessions.last_told(uow, head)
            ended = head.kind == "ending_reached" or s.status == "ended"
            out.append(
                SessionSummary(
                    s.id,
                    s.title,
                    s.world_id,
                    s.world_version,
                    s.active_branch,
                    head.turn,
                    line,
                    ended,
                    s.updated_at,
                )
            )
    return out


rewind = sessions.rewind
switch_branch = sessions.switch_branch
rename_branch = sessions.rename_branch
list_branches = sessions.list_branches
history = session_history.history
turn_tree = session_history.turn_tree
transcript = session_history.transcript


async def join_session(
    uow_factory: UnitOfWorkFactory,
    session_id: str,
    *,
    player_name: str,
    archetype: str | None = None,
    scores: dict[str, int] | None = None,
    user_ref: str = "local",
    clock: sessions.Clock | None = None,
) -> tuple[str, sessions.TurnResult]:
    """Another player joins a running session with a character of their own."""
    world = await session_world(uow_factory, session_id)
    return await sessions.add_player(
        uow_factory,
        world,
        session_id,
        player_name=player_name,
        archetype=archetype,
        scores=scores,
        user_ref=user_ref,
        clock=clock,
    )
