"""Rich rendering shared by CLI commands."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from storyai.core.domain.errors import Problem

console = Console(highlight=False, soft_wrap=True, emoji=False)


class TextTable(Table):
    """A table whose string cells are shown as they are, never read as Rich markup.

    Cells hold world and imported content (titles, names, kinds): a name such as
    ``Goblin [/]`` or ``Twodsix [dev]`` is printed exactly, not parsed as a style tag."""

    def add_row(self, *renderables: Any, **options: Any) -> None:
        super().add_row(
            *(Text(cell) if isinstance(cell, str) else cell for cell in renderables), **options
        )


def print_problems(problems: Iterable[Problem], *, console: Console = console) -> None:
    for p in problems:
        colour = "red" if p.severity == "error" else "yellow"
        console.print(
            f"[bold]{escape(p.location)}[/]: [{colour}]{p.severity}[/]: {escape(p.message)}"
        )
        if p.hint:
            console.print(f"    [dim]hint:[/] {escape(p.hint)}")
