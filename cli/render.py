"""Rich rendering shared by CLI commands."""

from __future__ import annotations

from collections.abc import Iterable

from rich.console import Console
from rich.markup import escape

from storyai.core.domain.errors import Problem

console = Console(highlight=False, soft_wrap=True, emoji=False)


def print_problems(problems: Iterable[Problem], *, console: Console = console) -> None:
    for p in problems:
        colour = "red" if p.severity == "error" else "yellow"
        console.print(
            f"[bold]{escape(p.location)}[/]: [{colour}]{p.severity}[/]: {escape(p.message)}"
        )
        if p.hint:
            console.print(f"    [dim]hint:[/] {escape(p.hint)}")
