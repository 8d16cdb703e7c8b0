"""Running async use cases from synchronous Typer commands."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

if TYPE_CHECKING:
    from storyai.core.bootstrap import Container
    from storyai.core.domain.world import World
    from storyai.core.worlds.validate import Report

T = TypeVar("T")


def with_container(use: Callable[[Container], Awaitable[T]], *, migrate: bool = True) -> T:
    """Build the object graph, run one use case with it, and clean up."""

    from storyai.core.bootstrap import build

    async def main() -> T:
        container = await build(migrate=migrate)
        try:
            return await use(container)
        finally:
            await container.close()

    return asyncio.run(main())


def looks_like_path(text: str) -> bool:
    """A world argument is a path if it exists or looks like one."""
    return Path(text).exists() or "/" in text or text.endswith((".yaml", ".yml"))


def validate_path(path: Path) -> Report:
    """Validate a world on disk; ``base: srd:...`` references are looked up in the
    installed library (the database is opened only when the world has some)."""
    from storyai.core import library
    from storyai.core.worlds import bases
    from storyai.core.worlds.loader import read_world
    from storyai.core.worlds.validate import validate_raw

    raw = read_world(path)
    refs = list(bases.references(raw.data)) if raw.data else []
    if not refs:
        return validate_raw(raw)

    async def use(c: Container) -> bases.LibraryLookup:
        return await library.lookup(c.uow, refs)

    found = with_container(use)
    return validate_raw(raw, library=lambda _: found)


async def validate_path_async(container: Container, path: Path) -> Report:
    """``validate_path`` inside a running event loop, with an open container."""
    from storyai.core import library
    from storyai.core.worlds import bases
    from storyai.core.worlds.loader import read_world
    from storyai.core.worlds.validate import validate_raw

    raw = read_world(path)
    refs = list(bases.references(raw.data)) if raw.data else []
    if not refs:
        return validate_raw(raw)
    found = await library.lookup(container.uow, refs)
    return validate_raw(raw, library=lambda _: found)


def validated(path: Path) -> tuple[Report, World | None]:
    report = validate_path(path)
    return report, report.world


async def installed_world_or_story(container: Container, target: str) -> World | str:
    """What a WORLD|SESSION argument names: an installed world, else a story's id; a
    message naming both lists when it is neither."""
    from storyai.core import services
    from storyai.core.domain.errors import SessionNotFound

    if await services.world_installed(container.uow, target):
        world, _ = await services.get_world(container.uow, target)
        return world
    try:
        return await container.play.find_session(target)
    except SessionNotFound:
        raise SessionNotFound(
            target,
            message=f"There is no world or story called '{target}'.",
            hint="`storyai world list` shows the worlds, `storyai session list` your stories.",
        ) from None
