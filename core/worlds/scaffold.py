"""``storyai world new``: a small, valid, commented world to start from."""

from __future__ import annotations

import re
from importlib import resources
from pathlib import Path

from storyai.core.domain.errors import WorldConflict
from storyai.core.domain.world import ID_RE


def world_id_for(name: str) -> str:
    """A valid world id made from a folder or display name."""
    slug = re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_")
    if not slug or not slug[0].isalpha():
        slug = "world_" + slug
    return slug[:64]


def scaffold_text(world_id: str, title: str, path: str) -> str:
    template = resources.files("storyai.core.worlds").joinpath("scaffold_template.yaml")
    text = template.read_text(encoding="utf-8")
    return text.replace("{id}", world_id).replace("{title}", title).replace("{path}", path)


def create_world(folder: Path, *, title: str | None = None) -> Path:
    """Write ``folder/world.yaml``. Refuses to touch an existing, non-empty folder."""
    if folder.exists() and (folder.is_file() or any(folder.iterdir())):
        raise WorldConflict(
            f"{folder} already exists and is not empty; nothing was written.",
            hint="pick a new name, or remove the folder first",
        )
    world_id = world_id_for(folder.name)
    assert ID_RE.match(world_id)
    display = title or folder.name.replace("_", " ").replace("-", " ").title()
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / "world.yaml"
    target.write_text(
        scaffold_text(world_id, display.replace('"', "'"), str(folder)), encoding="utf-8"
    )
    return target
