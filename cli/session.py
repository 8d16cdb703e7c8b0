"""`storyai session`: saved stories — list them, read their branches, export transcripts."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.markup import escape
from rich.table import Table

from storyai.cli.render import console
from storyai.cli.runtime import with_container
from storyai.core import services
from storyai.core.bootstrap import Container

app = typer.Typer(
    help="Saved stories: list them, see their branches, export transcripts.",
    no_args_is_help=True,
)


@app.command("list")
def list_sessions(
    limit: int = typer.Option(20, "--limit", "-n", help="How many, most recent first."),
) -> None:
    """The most recently played stories, with the last line each one told.

    [bold]Example[/bold]: storyai session list -n 5
    """

    async def use(c: Container) -> list[services.SessionSummary]:
        return await services.recent_sessions(c.uow, limit=limit)

    found = with_container(use)
    if not found:
        console.print("No stories yet. Start one with [bold]storyai play[/bold].")
        return
    table = Table("id", "story", "turn", "branch", "last line", box=None)
    for s in found:
        mark = " (ended)" if s.ended else ""
        table.add_row(
            s.id[:12],
            escape(s.title),
            f"{s.turn}{mark}",
            escape(s.branch),
            escape(s.last_line[:60]),
        )
    console.print(table)


async def full_session_id(c: Container, prefix: str) -> str:
    """A session id from its first characters, as `session list` shows them."""
    from storyai.core.domain.errors import SessionNotFound

    matches = [
        s.id for s in await services.recent_sessions(c.uow, limit=10_000) if s.id.startswith(prefix)
    ]
    if len(matches) == 1:
        return matches[0]
    if len(matches) > 1:
        raise SessionNotFound(
            prefix, message=f"Several stories start with '{prefix}'.", hint="type more of the id"
        )
    raise SessionNotFound(
        prefix,
        message=f"There is no story '{prefix}'.",
        hint="`storyai session list` shows the stories there are",
    )


@app.command("branches")
def branches(session: str = typer.Argument(..., help="A session id (or its start).")) -> None:
    """The branches of a story: where each one is and which one plays on."""

    async def use(c: Container) -> list:
        return await services.list_branches(c.uow, await full_session_id(c, session))

    for b in with_container(use):
        mark = "[green]●[/]" if b.active else " "
        console.print(f"{mark} {escape(b.name)}  turn {b.turn}  [dim]{escape(b.last_line[:70])}[/]")


@app.command("export")
def export(
    session: str = typer.Argument(..., help="A session id (or its start)."),
    fmt: str = typer.Option("markdown", "--format", "-f", help="markdown or json."),
    out: Path = typer.Option(None, "--out", "-o", help="Write to this file instead of stdout."),
) -> None:
    """The transcript of a story's active branch, as Markdown or JSON.

    [bold]Examples[/bold]

      storyai session export 3f2a --format markdown -o my_story.md
      storyai session export 3f2a --format json | jq '.events | length'
    """

    async def use(c: Container) -> str:
        return await services.transcript(c.uow, await full_session_id(c, session), fmt)

    text = with_container(use)
    if out is None:
        typer.echo(text, nl=False)
    else:
        out.write_text(text, encoding="utf-8")
        console.print(f"Wrote {escape(str(out))}.")
