"""Running async use cases from synchronous Typer commands."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TypeVar

from storyai.core.bootstrap import Container, build
from storyai.core.domain.world import World
from storyai.core.worlds.validate import Report, validate_path

T = TypeVar("T")


def with_container(use: Callable[[Container], Awaitable[T]], *, migrate: bool = True) -> T:
    """Build the object graph, run one use case with it, and clean up."""

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


def validated(path: Path) -> tuple[Report, World | None]:
    report = validate_path(path)
    return report, report.world
