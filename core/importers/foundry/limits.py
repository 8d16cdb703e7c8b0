"""Safety limits for reading user files: size, nesting depth, YAML alias bombs, symlinks."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import orjson
import yaml

from storyai.core.importers.errors import ImportRefused

MAX_FILE_BYTES = 512 * 1024 * 1024
"""Single files larger than this are refused."""
MAX_DEPTH = 200
"""Documents nested deeper than this are refused (real Foundry data stays under ~20)."""
MAX_NODES = 2_000_000
"""Containers one document may expand to (guards YAML anchors/aliases bombs)."""

_BASE_LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _JsonLikeLoader(_BASE_LOADER):  # type: ignore[misc, valid-type]
    """A safe loader that yields only JSON types: dates stay text, sets become lists."""


_TIMESTAMP = "tag:yaml.org,2002:timestamp"
_JsonLikeLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != _TIMESTAMP]
    for first, resolvers in _BASE_LOADER.yaml_implicit_resolvers.items()
}
for _tag in (_TIMESTAMP, "tag:yaml.org,2002:binary"):
    _JsonLikeLoader.add_constructor(_tag, lambda loader, node: loader.construct_scalar(node))
_JsonLikeLoader.add_constructor(
    "tag:yaml.org,2002:set", lambda loader, node: list(loader.construct_mapping(node))
)
_YAML_LOADER: Any = _JsonLikeLoader


class BadDocument(ValueError):
    """One file or line cannot be read; the message is the reason for the report.

    ``where`` is a ``line:column`` position inside the file, when known.
    """

    def __init__(self, reason: str, where: str = "") -> None:
        super().__init__(reason)
        self.reason = reason
        self.where = where


def read_limited(path: Path, label: str) -> bytes:
    """The file's bytes, refusing files over :data:`MAX_FILE_BYTES`."""
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise ImportRefused(
                f"{label}: {size / 2**20:.0f} MiB is too large (the limit is 512 MiB)",
                hint="import the packs or documents it holds one by one",
            )
        return path.read_bytes()
    except OSError as exc:
        raise ImportRefused(f"{label}: cannot be read ({exc.strerror or exc})") from exc


def check_shape(obj: Any) -> None:
    """Raise :class:`BadDocument` when ``obj`` nests too deep or expands too far."""
    stack = [(obj, 1)]
    pop, push = stack.pop, stack.append
    nodes = 0
    while stack:
        item, depth = pop()
        if depth > MAX_DEPTH:
            raise BadDocument(f"nested deeper than {MAX_DEPTH} levels")
        nodes += 1
        if nodes > MAX_NODES:
            raise BadDocument("too large once expanded (YAML aliases?)")
        for child in item.values() if type(item) is dict else item:
            kind = type(child)
            if kind is dict or kind is list:
                push((child, depth + 1))


def _no_constant(name: str) -> None:
    """``NaN`` and ``Infinity`` are not JSON (Foundry writes ``null``): read as ``null``."""
    return None


_DECODER = json.JSONDecoder(parse_constant=_no_constant)


def loads_json(text: str | bytes) -> Any:
    """``json.loads`` with every failure turned into :class:`BadDocument`.

    Parsed by orjson; anything orjson reads differently from the standard library
    (``NaN``, lone surrogates, integers longer than 18 digits, which orjson would turn
    into floats) or refuses goes through the standard library, so the values and the
    error messages are the standard library's."""
    return loads_json_finite(text)[0]


def loads_json_finite(text: str | bytes) -> tuple[Any, bool]:
    """``loads_json``, and whether orjson read it: then it holds no NaN or infinity
    (orjson refuses ``NaN``, ``Infinity`` and numbers too large for a float)."""
    value = _fast_loads(text)
    if value is _UNREAD:
        value = _stdlib_loads(text)
    elif type(value) is dict or type(value) is list:
        problem = json_shape_problem(text)
        if problem:
            raise BadDocument(problem)
        return value, True
    if isinstance(value, (dict, list)) and _may_be_too_deep(text):
        check_shape(value)
    return value, False


_UNREAD = object()
_DIGITS = bytes(0x31 if 0x30 <= b <= 0x39 else 0x20 for b in range(256))
_LONG_NUMBER = b"1" * 19


def _fast_loads(text: str | bytes) -> Any:
    data = text.encode("utf-8", "surrogatepass") if isinstance(text, str) else text
    if _LONG_NUMBER in data.translate(_DIGITS):
        return _UNREAD
    try:
        return orjson.loads(data)
    except orjson.JSONDecodeError:
        return _UNREAD


def _stdlib_loads(text: str | bytes) -> Any:
    try:
        return (
            _DECODER.decode(text)
            if isinstance(text, str)
            else json.loads(text, parse_constant=_no_constant)
        )
    except RecursionError as exc:
        raise BadDocument(f"nested deeper than {MAX_DEPTH} levels") from exc
    except UnicodeDecodeError as exc:
        raise BadDocument("not UTF-8 text") from exc
    except json.JSONDecodeError as exc:
        raise BadDocument("not valid JSON", f"{exc.lineno}:{exc.colno}") from exc
    except ValueError as exc:
        raise BadDocument("not valid JSON") from exc


_KEEP_BRACKETS = bytes(range(256)).translate(None, b'{}[]"')
_KEEP_MARKS = bytes(range(256)).translate(None, b'{}[]"\\')
_BRACKETS = bytes.maketrans(b"{}[]", b"()()")


def json_shape_problem(text: str | bytes) -> str:
    """What :func:`check_shape` would refuse in a valid JSON text, found in its text
    (brackets outside strings) rather than by walking the parsed value; ``""`` if none."""
    data = text.encode("utf-8", "surrogatepass") if isinstance(text, str) else text
    marks = data.translate(None, _KEEP_MARKS)  # brackets, quotes and backslashes
    if marks.count(b"{") + marks.count(b"[") <= MAX_DEPTH:  # counted in the short text
        return ""
    if b"\\" in marks:  # escapes (\" or \\ may hide a quote): out of the text first
        data = data.replace(b"\\\\", b"").replace(b'\\"', b"")
        marks = data.translate(None, _KEEP_BRACKETS)
    # then strings: quotes with no bracket between them go first (an empty string, or two
    # strings with no bracket between them become one), the few left one by one
    marks = marks.replace(b'""', b"")
    if b'"' in marks:
        marks = b"".join(marks.split(b'"')[0::2])
    brackets = marks.translate(_BRACKETS)
    if brackets.count(b"(") > MAX_NODES:
        return "too large once expanded (YAML aliases?)"
    for _ in range(MAX_DEPTH):  # each round takes one level of nesting away
        if not brackets:
            return ""
        brackets = brackets.replace(b"()", b"")
    return f"nested deeper than {MAX_DEPTH} levels" if brackets else ""


def _may_be_too_deep(text: str | bytes) -> bool:
    """JSON cannot expand (no aliases), so only depth can be too much, and a text with
    no more brackets than :data:`MAX_DEPTH` cannot nest deeper: most documents skip the
    walk."""
    if isinstance(text, str):
        return text.count("{") + text.count("[") > MAX_DEPTH
    return text.count(b"{") + text.count(b"[") > MAX_DEPTH


def loads_yaml(text: str | bytes) -> Any:
    """One YAML document, safely loaded; failures become :class:`BadDocument`."""
    try:
        value = yaml.load(text, Loader=_YAML_LOADER)  # a safe loader
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"{mark.line + 1}:{mark.column + 1}" if mark is not None else ""
        raise BadDocument(f"not valid YAML ({exc.problem or exc.context})", where) from exc
    except yaml.YAMLError as exc:
        raise BadDocument(f"not valid YAML ({exc})") from exc
    except RecursionError as exc:
        raise BadDocument(f"nested deeper than {MAX_DEPTH} levels") from exc
    except UnicodeDecodeError as exc:
        raise BadDocument("not UTF-8 text") from exc
    if isinstance(value, (dict, list)):
        check_shape(value)
    return value


def inside(path: Path, root: Path) -> bool:
    """Whether ``path`` (after following symlinks) stays inside ``root`` (already resolved)."""
    try:
        return Path(os.path.realpath(path)).is_relative_to(root)
    except (OSError, ValueError):
        return False


def escapes(path: Path, root: Path) -> bool:
    """A symlink whose target lies outside ``root``: never followed."""
    return path.is_symlink() and not inside(path, root)
