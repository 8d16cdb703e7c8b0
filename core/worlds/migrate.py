"""World format migrations: upgrade older ``format_version``s on load.

Each migration takes the raw data of format N and returns format N + 1. There
are none yet: format 1 is the first. A world written for a newer format than
this code knows is refused with a message that says so.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from storyai.core.domain.errors import Problem
from storyai.core.domain.world import FORMAT_VERSION
from storyai.core.worlds.yamlsource import SourceMap

Migration = Callable[[dict[str, Any]], dict[str, Any]]

MIGRATIONS: dict[int, Migration] = {}
"""format_version N -> the function that upgrades N to N + 1."""


def migrate(
    data: dict[str, Any], source: SourceMap, root: str
) -> tuple[dict[str, Any], list[Problem]]:
    """Bring ``data`` to the current format. Returns the data and any problems."""
    version = data.get("format_version", FORMAT_VERSION)
    if not isinstance(version, int) or isinstance(version, bool):
        return data, []  # the schema pass reports the wrong type
    if version > FORMAT_VERSION:
        pos = source.locate(("format_version",))
        return data, [
            Problem(
                f"this world is written in format {version}, but this storyai reads "
                f"formats up to {FORMAT_VERSION}",
                file=pos.file if pos else root,
                line=pos.line if pos else 0,
                column=pos.column if pos else 0,
                hint="upgrade storyai (pip install -U storyai) to open it",
            )
        ]
    while version < FORMAT_VERSION:
        data = MIGRATIONS[version](dict(data))
        version += 1
        data["format_version"] = version
    return data, []
