"""Safe YAML loading that remembers where every value came from.

PyYAML's ``safe_load`` forgets line numbers, silently keeps the last of two
duplicate keys and happily expands an "alias bomb" until memory runs out. We
compose the node graph with the safe loader ourselves and build plain Python
data from it, so that:

* every value and every key has a ``file:line:column`` for error messages,
* duplicate keys are reported (YAML would keep only the last one),
* files are size-limited and alias expansion is bounded,
* encodings, tabs and binary files get explanations instead of tracebacks.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypedDict

import yaml

from storyai.core.domain.errors import Problem

MAX_FILE_BYTES = 5 * 1024 * 1024
"""A world file larger than this is refused before it is read."""

MAX_VALUES = 250_000
"""Values built from one file, counting every expansion of an alias."""

Path_ = tuple[str | int, ...]


class _LineColumn(TypedDict):
    """A node's position as ``Problem`` keywords."""

    line: int
    column: int


@dataclass(frozen=True)
class Pos:
    file: str
    line: int
    column: int


@dataclass
class SourceMap:
    """Where each value (by its path in the data) and each mapping key was written."""

    values: dict[Path_, Pos] = field(default_factory=dict)
    keys: dict[Path_, Pos] = field(default_factory=dict)

    def update(self, other: SourceMap) -> None:
        self.values.update(other.values)
        self.keys.update(other.keys)

    def locate(self, path: Path_, *, key: bool = False) -> Pos | None:
        """The position of ``path``, or of its nearest written ancestor."""
        probe = tuple(path)
        if key and probe in self.keys:
            return self.keys[probe]
        while True:
            if probe in self.values:
                return self.values[probe]
            if not probe:
                return None
            probe = probe[:-1]


class _LimitExceeded(Exception):
    pass


@dataclass
class LoadedFile:
    data: Any
    source: SourceMap
    problems: list[Problem]


def load_yaml_file(path: Path, *, display: str | None = None) -> LoadedFile:
    """Read one YAML file. Never raises for bad content: problems are returned."""
    name = display or str(path)
    fail = _failer(name)
    try:
        size = path.stat().st_size
    except OSError as exc:
        return fail(f"cannot read the file: {exc.strerror or exc}")
    if size > MAX_FILE_BYTES:
        return fail(
            f"the file is {size / 1_048_576:.1f} MB; a world file may be at most "
            f"{MAX_FILE_BYTES // 1_048_576} MB",
            hint="split the world into a folder of smaller files, one per section",
        )
    try:
        raw = path.read_bytes()
    except OSError as exc:
        return fail(f"cannot read the file: {exc.strerror or exc}")
    text, problem = decode_text(raw, name)
    if problem:
        return LoadedFile(None, SourceMap(), [problem])
    return load_yaml_text(text, name)


def decode_text(raw: bytes, name: str) -> tuple[str, Problem | None]:
    """Bytes to text, explaining binary files and encodings other than UTF-8."""
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return raw.decode("utf-16"), None
        except UnicodeDecodeError:
            pass
    if b"\x00" in raw[:8192]:
        return "", Problem(
            "this looks like a binary file, not YAML text",
            file=name,
            hint="a world file is plain text; check that you picked the right file",
        )
    try:
        return raw.decode("utf-8-sig"), None
    except UnicodeDecodeError as exc:
        before = raw[: exc.start]
        line = before.count(b"\n") + 1
        column = exc.start - (before.rfind(b"\n") + 1) + 1
        return "", Problem(
            f"the file is not valid UTF-8 text (byte 0x{raw[exc.start]:02X} cannot be read)",
            file=name,
            line=line,
            column=column,
            hint="save the file as UTF-8 (in VS Code: the encoding in the status bar, "
            "then 'Save with Encoding' -> UTF-8)",
        )


def load_yaml_text(text: str, name: str) -> LoadedFile:
    """Parse YAML text into plain data plus a SourceMap, collecting problems."""
    composed = _compose_with_libyaml(text)
    if composed is not None:
        loader, node = composed
    else:
        loader = yaml.SafeLoader(text)
        try:
            node = loader.get_single_node()
        except yaml.MarkedYAMLError as exc:
            return LoadedFile(None, SourceMap(), [_syntax_problem(exc, name, text)])
        except yaml.YAMLError as exc:  # e.g. a control character in the stream
            return _failer(name)(f"YAML could not be read: {exc}")
        finally:
            loader.dispose()
    if node is None:
        return LoadedFile(None, SourceMap(), [])
    builder = _Builder(loader, name)
    try:
        data = builder.build(node, ())
    except _LimitExceeded:
        return _failer(name)(
            f"the file expands to more than {MAX_VALUES:,} values",
            hint="it uses YAML aliases (*name) that multiply into a huge document "
            "(an 'alias bomb'); write the content out instead of nesting aliases",
        )
    return LoadedFile(data, builder.source, builder.problems)


_LIBYAML_LOADER: Any = getattr(yaml, "CSafeLoader", None)
"""PyYAML's libyaml binding, when it was built with it: composes about ten times faster."""


def _compose_with_libyaml(text: str) -> tuple[Any, yaml.Node | None] | None:
    """The node graph composed by libyaml, or None to use the pure-Python parser.

    Both give the same nodes and positions; on any error we return None, so that
    the pure-Python parser reads the text again and words the problem as always.
    """
    if _LIBYAML_LOADER is None:
        return None
    loader = _LIBYAML_LOADER(text)
    try:
        return loader, loader.get_single_node()
    except yaml.YAMLError:
        return None
    finally:
        loader.dispose()


def _failer(name: str):
    def fail(message: str, *, hint: str | None = None) -> LoadedFile:
        return LoadedFile(None, SourceMap(), [Problem(message, file=name, hint=hint)])

    return fail


def _syntax_problem(exc: yaml.MarkedYAMLError, name: str, text: str) -> Problem:
    mark = exc.problem_mark or exc.context_mark
    line = mark.line + 1 if mark else 0
    column = mark.column + 1 if mark else 0
    problem = (exc.problem or "").strip()
    context = (exc.context or "").strip()
    message = f"YAML syntax error: {problem}" + (f" ({context})" if context else "")
    lines = text.splitlines()
    flow = _unclosed_flow(exc, problem, lines)
    if flow is not None:  # where the bracket opened, not only where the parser gave up
        message, flow_hint = flow
        return Problem(message, file=name, line=line, column=column, hint=flow_hint)
    hint = None
    if "'\\t'" in problem or "\\t" in problem or "tab" in problem:
        hint = "YAML does not allow tab characters for indentation; indent with spaces"
    elif "end of stream" in problem and "quoted scalar" in context:
        start = exc.context_mark
        where = f" (it opens at line {start.line + 1}, column {start.column + 1})" if start else ""
        hint = f"a quote is never closed{where}; add the closing quote"
    elif "mapping values are not allowed" in problem:
        hint = (
            "a value that contains ': ' must be quoted, or the line is indented "
            "more than the key above it"
        )
    elif "expected <block end>" in problem or "expected ':'" in problem.lower():
        hint = "check the indentation: keys of one mapping must line up in the same column"
    elif "could not find expected ':'" in problem:
        hint = "a key is missing its ':', or a quote is not closed on an earlier line"
    elif "found undefined alias" in problem:
        hint = "an alias (*name) needs an anchor (&name) defined earlier in the same file"
    elif "found character" in problem:
        hint = "quote values that start with special characters such as @, ` or %"
    if "quoted scalar" in context or "expected <block end>" in problem:
        opened = _unclosed_quote_line(lines[: max(line, 1)])
        if opened:
            hint = f"a quote opened on line {opened} is never closed; add the closing quote"
    if hint is None and 0 < line <= len(lines) and "\t" in lines[line - 1]:
        hint = "YAML does not allow tab characters for indentation; indent with spaces"
    return Problem(message, file=name, line=line, column=column, hint=hint)


class _Builder:
    """Build plain data from a composed node graph, recording positions."""

    def __init__(self, loader: Any, name: str) -> None:
        """``loader`` composed the nodes: a ``yaml.SafeLoader`` or ``yaml.CSafeLoader``."""
        self.loader = loader
        self.name = name
        self.source = SourceMap()
        self.problems: list[Problem] = []
        self.count = 0

    def pos(self, node: yaml.Node) -> Pos:
        mark = node.start_mark
        return Pos(self.name, mark.line + 1, mark.column + 1)

    def build(self, node: yaml.Node, path: Path_) -> Any:
        self.count += 1
        if self.count > MAX_VALUES:
            raise _LimitExceeded
        self.source.values.setdefault(path, self.pos(node))
        if isinstance(node, yaml.MappingNode):
            return self.build_mapping(node, path)
        if isinstance(node, yaml.SequenceNode):
            return [self.build(child, (*path, i)) for i, child in enumerate(node.value)]
        try:
            return self.loader.construct_object(node, deep=True)
        except yaml.constructor.ConstructorError as exc:
            self.problems.append(Problem(str(exc.problem or exc), file=self.name, **self._lc(node)))
            return None

    def _lc(self, node: yaml.Node) -> _LineColumn:
        p = self.pos(node)
        return {"line": p.line, "column": p.column}

    def build_mapping(self, node: yaml.MappingNode, path: Path_) -> dict[Any, Any]:
        try:
            self.loader.flatten_mapping(node)  # YAML merge keys (<<: *base)
        except yaml.constructor.ConstructorError as exc:
            self.problems.append(Problem(str(exc.problem), file=self.name, **self._lc(node)))
        result: dict[Any, Any] = {}
        first_seen: dict[Any, yaml.Node] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                self.problems.append(
                    Problem(
                        "a key must be a plain word, not a list or mapping",
                        file=self.name,
                        **self._lc(key_node),
                    )
                )
                continue
            key = self.loader.construct_object(key_node)
            if not isinstance(key, str):
                key = str(key).lower() if isinstance(key, bool) else str(key)
            if key in first_seen:
                first = self.pos(first_seen[key])
                self.problems.append(
                    Problem(
                        f"duplicate key '{key}' (it is already used at line {first.line})",
                        file=self.name,
                        **self._lc(key_node),
                        hint="YAML would silently keep only the last one; "
                        "rename or remove one of them",
                    )
                )
                continue
            first_seen[key] = key_node
            child = (*path, key)
            self.source.keys[child] = self.pos(key_node)
            result[key] = self.build(value_node, child)
        return result


def _unclosed_quote_line(lines: list[str]) -> int | None:
    """The last line (1-based) with an odd number of double quotes, if any."""
    for number in range(len(lines), 0, -1):
        text = lines[number - 1].split(" #", 1)[0].replace('\\"', "")
        if text.count('"') % 2 == 1:
            return number
    return None


_FLOW_END = re.compile(r"expected ',' or '([\]}])'")


def _unclosed_flow(
    exc: yaml.MarkedYAMLError, problem: str, lines: list[str]
) -> tuple[str, str] | None:
    """A ``[...]`` or ``{...}`` the parser could not finish: the message names where it
    was opened (the parser only notices lines later), with a hint; None otherwise."""
    found = _FLOW_END.match(problem)
    start = exc.context_mark
    if found is None or start is None:
        return None
    close = found.group(1)
    opener = "[" if close == "]" else "{"
    at = f"{start.line + 1}:{start.column + 1}"
    depth = 0
    rest = lines[start.line][start.column :] if start.line < len(lines) else ""
    for char in rest.split(" #", 1)[0]:
        depth += (char == opener) - (char == close)
        if depth == 0:  # closed on its own line: something inside it is wrong
            return (
                f"YAML syntax error: in the '{opener}' opened at {at}: {problem}",
                f"separate the items with ', ' and quote any item that contains ': ' "
                f"or '{opener}{close}'",
            )
    return (
        f"YAML syntax error: unclosed '{opener}' opened at {at} ({problem})",
        f"add the closing '{close}' after the {'list' if close == ']' else 'mapping'}'s "
        f"last item (it opens on line {start.line + 1}; a key after it needs it closed)",
    )
