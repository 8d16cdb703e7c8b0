"""The checks of ``visual.image`` that need the world's folder: the pinned picture file
must exist there (the schema already checked its name: a png, jpg or webp inside the
folder)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from storyai.core.domain.errors import Problem
from storyai.core.worlds.yamlsource import SourceMap

SECTIONS = ("locations", "characters", "items", "archetypes")


def pinned_images(data: dict[str, Any]) -> Iterator[tuple[tuple[str, ...], str]]:
    """(path of the ``image`` value in the data, the file) for every pinned picture."""
    meta = data.get("world")
    if isinstance(meta, dict):
        visual = meta.get("visual")
        if isinstance(visual, dict) and isinstance(visual.get("image"), str):
            yield ("world", "visual", "image"), visual["image"]
    for section in SECTIONS:
        entries = data.get(section)
        if not isinstance(entries, dict):
            continue
        for key, entry in entries.items():
            visual = entry.get("visual") if isinstance(entry, dict) else None
            if isinstance(visual, dict) and isinstance(visual.get("image"), str):
                yield (section, str(key), "visual", "image"), visual["image"]


def world_folder(root: str) -> Path | None:
    """The folder a world's relative files are read from (a world file's own folder)."""
    if not root or root.startswith("<"):
        return None
    path = Path(root)
    if path.is_dir():
        return path
    return path.parent if path.is_file() else None


def check(data: dict[str, Any], source: SourceMap, root: str) -> list[Problem]:
    """A problem for each pinned picture missing from the world's folder."""
    folder = world_folder(root)
    if folder is None:
        return []
    problems = []
    for path, name in pinned_images(data):
        if (folder / name).is_file():
            continue
        pos = source.values.get(path)
        problems.append(
            Problem(
                f"{'.'.join(path)}: the picture {name!r} is not in the world's folder",
                file=pos.file if pos else root,
                line=pos.line if pos else 0,
                column=pos.column if pos else 0,
                hint=f"put the file at {folder / name} or remove the `image:` line",
            )
        )
    return problems
