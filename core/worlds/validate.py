"""Turn a world on disk into a validated ``World``, or into problems that teach.

Three passes, all of whose problems are reported together:

1. reading (YAML syntax, encodings, duplicate keys, merging a folder),
2. the schema (pydantic), with errors moved to the line that caused them and
   "did you mean" hints for unknown keys and values,
3. cross-references and playability (``crossref``), run on the raw data so
   they are reported even when the schema pass found problems too.
"""

from __future__ import annotations

import difflib
import re
import types
import typing
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from storyai.core.domain.errors import Problem, WorldValidationError
from storyai.core.domain.world import ID_PATTERN, World
from storyai.core.worlds import bases, crossref, media_check
from storyai.core.worlds.loader import RawWorld, read_world
from storyai.core.worlds.messages import friendly
from storyai.core.worlds.migrate import migrate
from storyai.core.worlds.yamlsource import SourceMap


@dataclass
class Report:
    """The outcome of validating a world."""

    path: str
    files: list[str]
    problems: list[Problem] = field(default_factory=list)
    world: World | None = None

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "warning"]

    @property
    def ok(self) -> bool:
        return not self.errors and self.world is not None


LibrarySource = Callable[[list[bases.BaseRef]], bases.LibraryLookup]
"""Fetches the library entries a world's ``base:`` references name (see ``bases``)."""


def validate_path(path: Path, *, library: LibrarySource | None = None) -> Report:
    """Validate the world file or folder at ``path``; never raises for bad content."""
    raw = read_world(path)
    return validate_raw(raw, library=library)


def load_world(path: Path) -> World:
    """The validated world at ``path``; raises WorldValidationError with every problem."""
    report = validate_path(path)
    if not report.ok:
        raise WorldValidationError(report.problems)
    assert report.world is not None
    return report.world


def validate_raw(
    raw: RawWorld, *, library: LibrarySource | None = None, bases_resolved: bool = False
) -> Report:
    """Validate read world data. ``bases_resolved``: ``base:`` references were filled in
    already (stored worlds), so no library is needed."""
    report = Report(path=raw.root, files=raw.files, problems=list(raw.problems))
    if not raw.data:
        if not report.problems:
            report.problems.append(
                Problem("the world is empty", file=raw.root, hint="add `world:` and `rules:`")
            )
        return report
    data, migration_problems = migrate(raw.data, raw.source, raw.root)
    report.problems += migration_problems
    if migration_problems and any(p.severity == "error" for p in migration_problems):
        return report
    refs = [] if bases_resolved else list(bases.references(data))
    if refs:
        lookup = library(refs) if library is not None else None
        data, base_issues = bases.resolve(data, lookup)
        report.problems += [_locate(issue, raw.source, raw.root) for issue in base_issues]
    world: World | None = None
    try:
        world = World.model_validate(data)
    except ValidationError as exc:
        report.problems += schema_problems(exc, data, raw.source, raw.root)
    report.problems += [_locate(issue, raw.source, raw.root) for issue in crossref.check(data)]
    report.problems += media_check.check(data, raw.source, raw.root)
    report.problems = _dedupe(report.problems)
    if world is not None and not report.errors:
        report.world = world
    return report


def validate_data(data: dict[str, Any], name: str = "<world>") -> World:
    """Validate already-loaded data (e.g. from the database or an importer)."""
    return check_data(data, name).world  # type: ignore[return-value]


def check_data(data: dict[str, Any], name: str = "<world>") -> Report:
    """Like ``validate_data``, but hands back the report (with its warnings) when valid."""
    raw = RawWorld(data=data, source=SourceMap(), files=[], root=name)
    report = validate_raw(raw, bases_resolved=True)
    if not report.ok:
        raise WorldValidationError(report.problems)
    assert report.world is not None
    return report


# ------------------------------------------------------------------ schema pass

_TYPE_ERRORS = {
    "string_type",
    "int_type",
    "int_parsing",
    "float_type",
    "float_parsing",
    "bool_type",
    "bool_parsing",
    "dict_type",
    "model_type",
    "list_type",
    "literal_error",
    "model_attributes_type",
}


def schema_problems(
    exc: ValidationError, data: dict[str, Any], source: SourceMap, root: str
) -> list[Problem]:
    """Pydantic errors -> located, readable problems."""
    errors = []
    for err in exc.errors(include_url=False):
        path, via_union = _data_path(err["loc"], data)
        errors.append((path, via_union, err))
    problems: list[Problem] = []
    for path, via_union, err in errors:
        if (
            via_union
            and err["type"] in _TYPE_ERRORS
            and any(
                other_path[: len(path)] == path
                and other is not err
                and other["type"] not in _TYPE_ERRORS
                for other_path, _, other in errors
            )
        ):
            continue  # a union member that does not apply; its sibling says more
        problems.append(_schema_problem(path, err, data, source, root))
    return problems


def _data_path(loc: tuple[Any, ...], data: Any) -> tuple[tuple[Any, ...], bool]:
    """Strip pydantic's union tags from ``loc``, keeping only steps into the data."""
    path: list[Any] = []
    current = data
    via_union = False
    for step in loc:
        if isinstance(current, dict) and step in current:
            path.append(step)
            current = current[step]
        elif isinstance(current, list) and isinstance(step, int) and 0 <= step < len(current):
            path.append(step)
            current = current[step]
        elif isinstance(current, dict | list) or current is None:
            if isinstance(step, str) and not _looks_like_tag(step):
                path.append(step)  # a missing or unknown key
                current = None
            else:
                via_union = True
        else:
            via_union = True
    return tuple(path), via_union


def _looks_like_tag(step: str) -> bool:
    return step == "[key]" or bool(
        re.match(r"^(function-|literal\[|tagged-union|str$|int$|float$|bool$|[A-Z])", step)
    )


def _schema_problem(
    path: tuple[Any, ...], err: ErrorDetails, data: dict[str, Any], source: SourceMap, root: str
) -> Problem:
    kind = err["type"]
    where = _dotted(path)
    value = err.get("input")
    hint: str | None = None
    if err["loc"] and err["loc"][-1] == "[key]":
        message = f"'{value}' is not a valid id"
        hint = f"ids use lower-case letters, digits and underscores, e.g. '{_slug(str(value))}'"
        pos = source.locate(path, key=True)
    elif kind == "extra_forbidden":
        key = path[-1] if path else "?"
        allowed = _allowed_keys(path[:-1], data)
        message = f"unknown key '{key}'" + (f" in {_dotted(path[:-1])}" if path[:-1] else "")
        hint = _did_you_mean(str(key), allowed)
        if not hint and allowed:
            hint = "allowed here: " + ", ".join(sorted(allowed))
        pos = source.locate(path, key=True)
    elif kind == "missing":
        field_name = path[-1] if path else "?"
        parent = _dotted(path[:-1]) or "the top level"
        message = f"'{field_name}' is missing in {parent} (it is required)"
        description = _field_description(path, data)
        hint = description
        pos = source.locate(path[:-1], key=True)
    else:
        message = f"{where}: {friendly(err)}" if where else friendly(err)
        if kind == "string_pattern_mismatch" and err.get("ctx", {}).get("pattern") == ID_PATTERN:
            suggestion = _slug(str(value))
            hint = f"ids use lower-case letters, digits and underscores, e.g. '{suggestion}'"
        elif kind == "literal_error":
            expected = re.findall(r"'([^']*)'", str(err.get("ctx", {}).get("expected", "")))
            hint = _did_you_mean(str(value), expected) if isinstance(value, str) else None
        elif kind == "string_type" and isinstance(value, int | float | bool):
            hint = f'write it in quotes: "{value}"'
        elif kind in ("dict_type", "model_type") and isinstance(value, str):
            hint = "this needs nested keys (a mapping) here, not a single value"
        elif kind == "list_type" and isinstance(value, str):
            hint = f"write a list: [{value}]  or one '- item' per line"
        pos = source.locate(path)
    return Problem(
        message,
        file=pos.file if pos else root,
        line=pos.line if pos else 0,
        column=pos.column if pos else 0,
        hint=hint,
    )


def _dotted(path: tuple[Any, ...]) -> str:
    out = ""
    for step in path:
        out += f"[{step}]" if isinstance(step, int) else (f".{step}" if out else str(step))
    return out


def _did_you_mean(word: str, options: list[str] | set[str]) -> str | None:
    matches = difflib.get_close_matches(word, sorted(options), n=1, cutoff=0.6)
    return f"did you mean '{matches[0]}'?" if matches else None


def _slug(text: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")
    if not slug or not slug[0].isalpha():
        slug = "x_" + slug
    return slug


def _model_at(path: tuple[Any, ...]) -> Any:
    """The pydantic model or type that describes the value at ``path``."""
    current: Any = World
    for step in path:
        current = _unwrap(current)
        if isinstance(current, type) and issubclass(current, BaseModel):
            fields = current.model_fields
            if step not in fields:
                return None
            current = fields[step].annotation
            continue
        origin = typing.get_origin(current)
        args = typing.get_args(current)
        if origin is dict:
            current = args[1]
        elif origin is list:
            current = args[0]
        else:
            return None
    return _unwrap(current)


def _unwrap(tp: Any) -> Any:
    origin = typing.get_origin(tp)
    if origin is typing.Annotated:
        return _unwrap(typing.get_args(tp)[0])
    if origin in (typing.Union, types.UnionType):
        for arg in typing.get_args(tp):
            arg = _unwrap(arg)
            if isinstance(arg, type) and issubclass(arg, BaseModel):
                return arg
        return tp
    return tp


def _allowed_keys(path: tuple[Any, ...], data: dict[str, Any]) -> list[str]:
    model = _model_at(path)
    if isinstance(model, type) and issubclass(model, BaseModel):
        return list(model.model_fields)
    return []


def _field_description(path: tuple[Any, ...], data: dict[str, Any]) -> str | None:
    model = _model_at(path[:-1])
    if isinstance(model, type) and issubclass(model, BaseModel) and path:
        info = model.model_fields.get(path[-1])
        if info and info.description:
            return info.description
    return None


# ------------------------------------------------------------------- helpers


def _locate(issue: crossref.Issue, source: SourceMap, root: str) -> Problem:
    pos = source.locate(issue.path, key=issue.at_key)
    return Problem(
        issue.message,
        file=pos.file if pos else root,
        line=pos.line if pos else 0,
        column=pos.column if pos else 0,
        hint=issue.hint,
        severity=issue.severity,
    )


def _dedupe(problems: list[Problem]) -> list[Problem]:
    seen: set[tuple[Any, ...]] = set()
    out = []
    for p in problems:
        key = (p.file, p.line, p.column, p.message)
        if key in seen:
            continue
        seen.add(key)
        out.append(p)
    severity_rank = {"error": 0, "warning": 1}
    out.sort(key=lambda p: (severity_rank.get(p.severity, 2), p.file, p.line, p.column))
    return out
