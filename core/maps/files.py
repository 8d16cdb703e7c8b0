"""Generated maps as files: the map fragment's YAML, and a new world folder around one."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from storyai.core.domain.errors import UsageError, WorldConflict
from storyai.core.worlds.scaffold import world_id_for


def map_yaml(fragment: dict[str, Any], command: str) -> str:
    """The fragment as world YAML a world folder merges, with a header saying how it was made."""
    header = (
        f"# A generated map: {command}\n"
        "# Same command, same map. Put this file in a world folder (or start one with\n"
        "# `storyai world new NAME --from-map THIS_FILE`), then replace each TODO.\n"
    )
    return header + yaml.safe_dump(fragment, sort_keys=False, allow_unicode=True, width=100)


def read_map_fragment(path: Path) -> dict[str, Any]:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise UsageError(
            f"cannot read the map {path}: {exc}",
            hint="give a file written by `storyai map generate`",
        ) from exc
    if not isinstance(data, dict) or not isinstance(data.get("locations"), dict):
        raise UsageError(
            f"{path} has no locations",
            hint="give a file written by `storyai map generate`",
        )
    if not data["locations"]:
        raise UsageError(f"{path} has no locations", hint="generate a map with places in it")
    return data


def create_world_from_map(folder: Path, map_file: Path, *, title: str | None = None) -> Path:
    """``folder/world.yaml`` (metadata, rules, start, an archetype) beside a copy of the
    map as ``folder/map.yaml``; the game starts at the map's entrance."""
    fragment = read_map_fragment(map_file)
    if folder.exists() and (folder.is_file() or any(folder.iterdir())):
        raise WorldConflict(
            f"{folder} already exists and is not empty; nothing was written.",
            hint="pick a new name, or remove the folder first",
        )
    locations: dict[str, Any] = fragment["locations"]
    start = next(
        (lid for lid, loc in locations.items() if "entrance" in (loc or {}).get("tags", [])),
        next(iter(locations)),
    )
    world_id = world_id_for(folder.name)
    display = title or folder.name.replace("_", " ").replace("-", " ").title()
    world = {
        "format_version": 1,
        "world": {
            "id": world_id,
            "title": display,
            "version": "0.1.0",
            "description": "TODO: what this world is about.",
        },
        "rules": {"system": "d20"},
        "start": {
            "location": start,
            "text": "TODO: the opening. You stand at the "
            + str((locations[start] or {}).get("name", start)).lower()
            + ".",
        },
        "archetypes": {
            "adventurer": {
                "name": "Adventurer",
                "description": "Ready for anything.",
                "stats": {"hit_die": 10, "skills": ["athletics"]},
                "starting_gold": 10,
            }
        },
    }
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "map.yaml").write_text(map_file.read_text(encoding="utf-8"), encoding="utf-8")
    target = folder / "world.yaml"
    target.write_text(
        "# Started from a generated map (map.yaml). Validate: storyai world validate "
        f"{folder}\n" + yaml.safe_dump(world, sort_keys=False, allow_unicode=True, width=100),
        encoding="utf-8",
    )
    return target
