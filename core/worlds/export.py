"""Write a world back to YAML, and fork one under a new id.

An export is the canonical content (what was installed), so exporting,
validating and installing again gives a byte-identical content hash.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from storyai.core.domain.errors import WorldConflict
from storyai.core.domain.world import ForkedFrom, World
from storyai.core.worlds import rawdocs


def content_hash(content: dict[str, Any]) -> str:
    """A stable hash of a world's canonical content (its compact, sorted JSON)."""
    return rawdocs.content_hash(content)


_BASE_DUMPER: Any = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
"""libyaml's emitter when PyYAML has it (about ten times faster, same text), else Python's."""


class _Dumper(_BASE_DUMPER):
    """Block style, multi-line text as | literals, keys in authored order."""


def _str_representer(dumper: Any, value: str) -> yaml.Node:
    style = "|" if "\n" in value.rstrip("\n") else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _str_representer)


def to_yaml(content: dict[str, Any]) -> str:
    header = (
        f"# {content['world']['title']} ({content['world']['id']} "
        f"{content['world'].get('version', '')}), exported by storyai.\n"
        "# Validate with: storyai world validate world.yaml\n"
    )
    body = yaml.dump(
        content,
        Dumper=_Dumper,
        sort_keys=False,
        allow_unicode=True,
        width=100,
        default_flow_style=False,
    )
    return header + body


def export_world(content: dict[str, Any], folder: Path, *, overwrite: bool = False) -> Path:
    """Write ``folder/world.yaml``; refuses to replace an existing file unless told."""
    target = folder / "world.yaml"
    if target.exists() and not overwrite:
        raise WorldConflict(
            f"{target} already exists; nothing was written.",
            hint="export to an empty folder, or pass --force to replace it",
        )
    folder.mkdir(parents=True, exist_ok=True)
    tmp = target.with_suffix(".yaml.tmp")
    tmp.write_text(to_yaml(content), encoding="utf-8")
    tmp.replace(target)
    return target


def fork(world: World, new_id: str, *, title: str | None = None) -> World:
    """A copy of ``world`` under a new id and title, remembering where it came from."""
    data = world.model_dump(mode="python")
    data["world"]["id"] = new_id
    data["world"]["title"] = title or f"{world.world.title} (fork)"
    data["world"]["version"] = "1.0.0"
    data["world"]["forked_from"] = ForkedFrom(id=world.id, version=world.version).model_dump()
    return World.model_validate(data)
