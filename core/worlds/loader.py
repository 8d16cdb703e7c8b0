"""Read a world from one YAML file or a folder of them, merging the folder.

A folder's files each hold some top-level sections. Sections keyed by id
(locations, characters, ...) merge across files; the others (world, rules,
start, ai, flags, ...) must be written once. Every problem found while reading
is collected, so the author sees them all at once.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from storyai.core.domain.errors import Problem
from storyai.core.domain.world import MERGED_SECTIONS
from storyai.core.worlds.yamlsource import SourceMap, load_yaml_file

MAX_FOLDER_FILES = 500
YAML_SUFFIXES = (".yaml", ".yml")


@dataclass
class RawWorld:
    """The merged, not yet validated data of a world, with where it came from."""

    data: dict[str, Any]
    source: SourceMap
    files: list[str]
    root: str
    problems: list[Problem] = field(default_factory=list)


def world_files(path: Path) -> list[Path]:
    """The YAML files that make up the world at ``path``, in merge order."""
    if path.is_file():
        return [path]
    files = [
        p
        for p in sorted(path.rglob("*"))
        if p.suffix.lower() in YAML_SUFFIXES
        and p.is_file()
        and not any(part.startswith(".") for part in p.relative_to(path).parts)
    ]
    return files


def read_world(path: Path) -> RawWorld:
    """Read and merge the world at ``path``. Problems are collected, not raised."""
    root = str(path)
    if not path.exists():
        return _empty(root, f"no such file or folder: {path}", "check the path")
    if path.is_dir():
        files = world_files(path)
        if not files:
            return _empty(
                root,
                "this folder holds no world: there are no .yaml files in it",
                "a world is one .yaml file or a folder of them; "
                "`storyai world new NAME` creates a small one to start from",
            )
        if len(files) > MAX_FOLDER_FILES:
            return _empty(
                root,
                f"the folder holds {len(files)} YAML files; at most {MAX_FOLDER_FILES} are read",
                "split it into several worlds",
            )
    elif path.suffix.lower() not in YAML_SUFFIXES:
        files = [path]
    else:
        files = [path]

    raw = RawWorld(data={}, source=SourceMap(), files=[], root=root)
    owner: dict[tuple[str, ...], str] = {}
    for file in files:
        display = _display(file)
        raw.files.append(display)
        loaded = load_yaml_file(file, display=display)
        raw.problems.extend(loaded.problems)
        if loaded.data is None:
            if not loaded.problems:
                raw.problems.append(Problem("the file is empty", file=display, severity="warning"))
            continue
        if not isinstance(loaded.data, dict):
            raw.problems.append(
                Problem(
                    f"a world file must be a mapping of sections (world:, locations:, ...), "
                    f"not a {_kind(loaded.data)}",
                    file=display,
                    line=1,
                    column=1,
                    hint="start with `world:` and `rules:`; `storyai world new NAME` "
                    "shows a complete example",
                )
            )
            continue
        _merge(raw, loaded.data, loaded.source, display, owner)
    if len(files) > 1 and root not in raw.source.values:
        raw.source.values.setdefault((), raw.source.values.get(("world",)) or _folder_pos(root))
    return raw


def _merge(
    raw: RawWorld,
    data: dict[str, Any],
    source: SourceMap,
    display: str,
    owner: dict[tuple[str, ...], str],
) -> None:
    for section, value in data.items():
        key_pos = source.keys.get((section,))
        if section in MERGED_SECTIONS and isinstance(value, dict):
            target = raw.data.setdefault(section, {})
            if not isinstance(target, dict):
                continue
            dupes: set[Any] = set()
            for item_id, item in value.items():
                if item_id in target:
                    dupes.add(item_id)
                    first = owner.get((section, item_id), "another file")
                    pos = source.keys.get((section, item_id))
                    raw.problems.append(
                        Problem(
                            f"{section} id '{item_id}' is defined twice (also in {first})",
                            file=display,
                            line=pos.line if pos else 0,
                            column=pos.column if pos else 0,
                            hint="ids must be unique within a section; rename one of them",
                        )
                    )
                    continue
                target[item_id] = item
                owner[(section, item_id)] = _where(source.keys.get((section, item_id)), display)
            _copy_positions(raw.source, source, prefix=(section,), only_children=True, skip=dupes)
            raw.source.values.setdefault((section,), source.values[(section,)])
            continue
        if section in raw.data:
            first = owner.get((section,), "another file")
            raw.problems.append(
                Problem(
                    f"section '{section}' is written twice (also in {first})",
                    file=display,
                    line=key_pos.line if key_pos else 0,
                    column=key_pos.column if key_pos else 0,
                    hint="write each of world, rules, start, ai and flags in one file only",
                )
            )
            continue
        raw.data[section] = value
        owner[(section,)] = _where(key_pos, display)
        _copy_positions(raw.source, source, prefix=(section,))
    raw.source.values.setdefault((), source.values.get((), None) or _folder_pos(display))


def _copy_positions(
    into: SourceMap,
    source: SourceMap,
    *,
    prefix: tuple[Any, ...],
    only_children: bool = False,
    skip: set[Any] | None = None,
) -> None:
    n = len(prefix)
    for table_name in ("values", "keys"):
        src = getattr(source, table_name)
        dst = getattr(into, table_name)
        for path, pos in src.items():
            if path[:n] != prefix:
                continue
            if only_children and len(path) == n:
                continue
            if skip and len(path) > n and path[n] in skip:
                continue
            dst[path] = pos


def _folder_pos(root: str):
    from storyai.core.worlds.yamlsource import Pos

    return Pos(root, 0, 0)


def _where(pos: Any, display: str) -> str:
    return f"{display}:{pos.line}" if pos else display


def _empty(root: str, message: str, hint: str) -> RawWorld:
    return RawWorld(
        data={},
        source=SourceMap(),
        files=[],
        root=root,
        problems=[Problem(message, file=root, hint=hint)],
    )


def _display(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def _kind(value: Any) -> str:
    return {list: "list", str: "piece of text", int: "number", float: "number"}.get(
        type(value), type(value).__name__
    )
