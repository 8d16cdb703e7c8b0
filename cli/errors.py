"""The CLI's one place that turns StoryErrors into a message and exit code 1."""

from __future__ import annotations

from typing import Any

import typer
from rich.console import Console
from rich.markup import escape

from storyai.cli.helpformat import HelpGroup, tidy_tree
from storyai.core.domain.errors import StoryError, WorldError

err_console = Console(stderr=True, highlight=False, soft_wrap=True, emoji=False)


def render_error(error: StoryError) -> None:
    problems = getattr(error, "problems", None)
    if isinstance(error, WorldError) and problems:
        from storyai.cli.render import print_problems

        print_problems(problems, console=err_console)
        count = sum(1 for p in problems if p.severity == "error")
        err_console.print(
            f"[bold red]✗[/] {count} error{'s' if count != 1 else ''}; nothing was written."
        )
        return
    err_console.print(f"[bold red]Error:[/] {escape(error.message)}")
    if error.hint:
        err_console.print(f"  [dim]hint:[/] {escape(error.hint)}")


class StoryGroup(HelpGroup):
    """A command group that prints StoryErrors for people and exits 1, no traceback.
    Its commands name their parameters for people too (``helpformat``)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        tidy_tree(self)

    def invoke(self, ctx: typer.Context) -> Any:
        try:
            return super().invoke(ctx)
        except StoryError as error:
            render_error(error)
            raise typer.Exit(1) from None
