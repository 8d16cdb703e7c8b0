"""The worlds that ship inside the package (``storyai.content``)."""

from __future__ import annotations

from importlib import resources
from pathlib import Path


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
