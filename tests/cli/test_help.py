"""`--help` everywhere, as a user reads it in an 80-column terminal: every command
teaches by example, and names what its parameters take in words, not Python types."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
import typer
from typer.testing import CliRunner

from storyai.cli.main import HELP, app

WIDTH = 80


def _commands(command: Any, path: tuple[str, ...] = ()) -> Iterator[tuple[str, ...]]:
    """Every command path of the tree: ("world",), ("world", "validate"), ..."""
    for name, sub in sorted(getattr(command, "commands", {}).items()):
        if not sub.hidden:
            yield (*path, name)
            yield from _commands(sub, (*path, name))


TREE = typer.main.get_command(app)
COMMANDS = list(_commands(TREE))


def _examples(path: tuple[str, ...]) -> list[str]:
    """The example command lines written in a command's help."""
    command = TREE
    for name in path:
        command = command.commands[name]
    lines = [
        line.strip().removeprefix("[bold]Example[/bold]:").strip()
        for line in (command.help or "").splitlines()
    ]
    return [line for line in lines if line.startswith("storyai ")]


def _help(*path: str) -> str:
    result = CliRunner().invoke(
        app, [*path, "--help"], env={"COLUMNS": str(WIDTH)}, prog_name="storyai"
    )
    assert result.exit_code == 0, result.output
    return result.output


def test_the_tree_is_walked() -> None:
    assert ("world", "uninstall") in COMMANDS and ("srd", "search") in COMMANDS
    assert len(COMMANDS) >= 36  # 10 groups and top-level commands, 26+ subcommands


@pytest.mark.parametrize("path", COMMANDS, ids=" ".join)
def test_every_command_has_an_example_and_speaks_plainly(path: tuple[str, ...]) -> None:
    out = _help(*path)
    assert "Example" in out, f"`storyai {' '.join(path)} --help` shows no example"
    leaks = re.findall(r"<(?:bool|str|int|float|path|Path|list\[[^>]*\]|int range)>", out)
    assert leaks == [], leaks
    assert "list[" not in out
    usage = next(line for line in out.splitlines() if "Usage:" in line)
    assert "{" not in usage, usage  # arguments as PATH..., optional ones as [WORLD]
    assert max(len(line) for line in out.splitlines()) <= WIDTH
    shown = [line.strip() for line in out.splitlines()]
    for example in _examples(path):  # whole, on one line: it can be copied
        assert any(example in line for line in shown), example


def test_flags_show_no_value_and_options_name_theirs() -> None:
    out = _help("world", "validate")
    assert re.search(r"│ --strict +Treat warnings as errors\.", out), out
    assert "│ *    PATH... " in out  # several paths
    assert re.search(r"Usage: storyai world validate \[OPTIONS\] PATH\.\.\. *$", out, re.M), out
    out = _help("srd", "search")
    assert re.search(r"--limit +-n +INTEGER \[1<=x<=500\]", out), out
    assert re.search(r"--type +-t +TEXT ", out), out
    out = _help("play")
    assert re.search(r"Usage: storyai play \[OPTIONS\] \[WORLD\] *$", out, re.M), out
    assert re.search(r"--seed +INTEGER ", out), out


def test_start_here_fits_80_columns() -> None:
    out = _help()
    rows = HELP.split("[bold]Start here[/bold]")[1].split("\n\n")[1].splitlines()
    assert len(rows) >= 10
    shown = [line.strip() for line in out.splitlines()]
    for row in rows:  # each command and its description on one line, unwrapped
        assert row.strip() in shown, row
    assert max(len(line) for line in out.splitlines()) <= WIDTH
