"""How `--help` names what a parameter takes: words a user reads, not Python types.

Typer labels every parameter with its Python annotation (``<bool>`` beside a flag that
takes no value, ``<list[Path]>``, ``<str>``). ``tidy_tree`` gives each command of the
tree a class whose parameters are named instead the way command-line tools do: a flag
shows nothing, ``--seed INTEGER``, ``PATH...`` for several paths, an argument by its
name in capitals (``WORLD``), optional ones in brackets in the usage line.
"""

from __future__ import annotations

from typing import Any

import typer
from typer.core import TyperArgument, TyperCommand, TyperGroup, TyperOption

_WORDS = {
    "str": "TEXT",
    "int": "INTEGER",
    "int range": "INTEGER",
    "float": "NUMBER",
    "float range": "NUMBER",
    "path": "PATH",
    "file": "FILE",
    "directory": "FOLDER",
    "datetime": "DATETIME",
    "uuid": "UUID",
}


def readable(label: str) -> str:
    """``<list[Path]>`` → ``PATH...``, ``<int range>`` → ``INTEGER``, ``<bool>`` → ``""``;
    a choice (``markdown|json``) stays as it is."""
    label = label.strip().removeprefix("<").removesuffix(">")
    if label == "bool":
        return ""
    if label.startswith("list[") and label.endswith("]"):
        return readable(label[5:-1]) + "..."
    return _WORDS.get(label.lower(), label)


class HelpArgument(TyperArgument):
    """An argument shown by its metavar alone (set by ``_tidy``): no type column, and
    no braces in the usage line."""

    def display_type_rich(self, ctx: Any) -> str | None:
        return None

    def _usage_display_name(self) -> str:
        name = self.display_name_raw
        return name if self.required else f"[{name}]"


def _tidy(params: list[Any], ctx: typer.Context) -> None:
    for param in params:
        if isinstance(param, TyperOption) and param.metavar is None:
            param.metavar = "" if param.is_flag else readable(param.display_type(ctx))
        elif type(param) is TyperArgument:
            if param.metavar is None:
                typed = readable(param.display_type(ctx))
                several = param.nargs != 1
                param.metavar = (
                    typed
                    if several and typed.endswith("...")
                    else param.name.upper() + ("..." if several else "")
                )
            param.__class__ = HelpArgument


class HelpCommand(TyperCommand):
    def get_params(self, ctx: typer.Context) -> list[Any]:
        params = super().get_params(ctx)
        _tidy(params, ctx)
        return params


class HelpGroup(TyperGroup):
    def get_params(self, ctx: typer.Context) -> list[Any]:
        params = super().get_params(ctx)
        _tidy(params, ctx)
        return params


def tidy_tree(command: Any) -> None:
    """Give every command under ``command`` (itself included) tidy parameter names."""
    if type(command) is TyperCommand:
        command.__class__ = HelpCommand
    elif type(command) is TyperGroup:
        command.__class__ = HelpGroup
    for sub in getattr(command, "commands", {}).values():
        tidy_tree(sub)
