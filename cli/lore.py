"""`storyai lore ...`: a world's lore for its author: list, show, search, why, lint."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import typer
from rich.markup import escape

from storyai.cli.errors import StoryGroup
from storyai.cli.render import TextTable as Table
from storyai.cli.render import console
from storyai.core.domain.errors import UsageError

if TYPE_CHECKING:
    from storyai.core.domain.world import World

app = typer.Typer(
    cls=StoryGroup,
    no_args_is_help=True,
    rich_markup_mode="rich",
    help="""A world's lore, for its author: what there is, and why it reaches the AI or not.

[bold]Examples[/bold]

  storyai lore list ember_hollow
  storyai lore show ember_hollow heartstone
  storyai lore search ember_hollow door
  storyai lore why ember_hollow "ask the smith about the nail"
  storyai lore why ember_hollow --transcript story.md --at forge
  storyai lore lint ./my_world
""",
)

WORLD_ARG = typer.Argument(..., help="A world file or folder, a bundled or installed world id.")


def _world(ref: str) -> World:
    from storyai.cli.world import _resolve_world

    return _resolve_world(ref)[0]


@app.command("list")
def list_(world: str = WORLD_ARG) -> None:
    """Every lore entry: id, title, visibility, priority and keywords.

    [bold]Example[/bold]: storyai lore list ember_hollow
    """
    w = _world(world)
    table = Table("id", "title", "visibility", "priority", "keywords", box=None)
    for lid, entry in sorted(w.lore.items()):
        table.add_row(
            lid, entry.title, entry.visibility, str(entry.priority), ", ".join(entry.keywords)
        )
    console.print(table if w.lore else "This world has no lore.")


@app.command("show")
def show(world: str = WORLD_ARG, entry_id: str = typer.Argument(..., help="A lore id.")) -> None:
    """One entry in full.

    [bold]Example[/bold]: storyai lore show ember_hollow heartstone
    """
    w = _world(world)
    entry = w.lore.get(entry_id)
    if entry is None:
        import difflib

        close = difflib.get_close_matches(entry_id, sorted(w.lore), n=1)
        raise UsageError(
            f"the world has no lore entry '{entry_id}'",
            hint=f"did you mean '{close[0]}'?" if close else "see storyai lore list",
        )
    console.print(f"[bold]{escape(entry.title)}[/] ({escape(entry_id)})")
    console.print(
        f"visibility: {entry.visibility}"
        + (f" (known by {', '.join(entry.known_by)})" if entry.known_by else "")
    )
    console.print(f"keywords: {escape(', '.join(entry.keywords))}   priority: {entry.priority}")
    console.print("\n" + escape(entry.text.strip()))


@app.command("search")
def search(world: str = WORLD_ARG, query: str = typer.Argument(..., help="Words to find.")) -> None:
    """Entries whose title, keywords, tags or text hold every word.

    [bold]Example[/bold]: storyai lore search ember_hollow iron door
    """
    from storyai.core.memory.lore_tools import search_lore

    found = search_lore(_world(world), query)
    if not found:
        console.print(f"No lore holds '{escape(query)}'.")
    for lid, entry in found:
        console.print(f"[bold]{escape(lid)}[/] {escape(entry.title)} [dim]({entry.visibility})[/]")


@app.command("why")
def why(
    world: str = WORLD_ARG,
    text: str = typer.Argument(None, help="A player input (or use --transcript)."),
    transcript: Path = typer.Option(
        None, "--transcript", "-t", help="A file of inputs, one a line, or a session export."
    ),
    at: str = typer.Option(None, "--at", help="The location the turn happens at (default: start)."),
    budget: int = typer.Option(None, "--budget", help="Lore budget in tokens (default 600)."),
    knows: list[str] = typer.Option(
        [], "--knows", help="Lore the player has learned already (known-by entries)."
    ),
) -> None:
    """Which lore entries an input fires, which not, and why: keywords, budget,
    visibility, recursion. Runs the same triggering the game master's prompt uses.

    [bold]Examples[/bold]

      storyai lore why ember_hollow "ask the smith about the nail" --at forge
      storyai lore why ember_hollow --transcript story.md
    """
    from storyai.core.memory.lore_tools import transcript_inputs
    from storyai.core.memory.lore_tools import why as explain
    from storyai.core.memory.tokens import default_tokenizer

    if transcript is not None:
        try:
            inputs = transcript_inputs(transcript.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError) as exc:
            raise UsageError(f"cannot read {transcript}: {exc}") from exc
    elif text:
        inputs = [text]
    else:
        raise UsageError("nothing to explain", hint='give an input, e.g. "look at the door"')
    w = _world(world)
    report = explain(w, inputs, at=at, budget=budget, count=default_tokenizer().count, knows=knows)
    console.print(f"At [bold]{escape(w.locations[report.at].name)}[/], lore budget {report.budget}")
    for n, step in enumerate(report.steps, 1):
        console.print(f"\n[bold]{n}. > {escape(step.input)}[/]  ({step.used}/{step.budget} tokens)")
        for hit in step.fired:
            mark = "✓" if hit.status in ("included", "secret") else "✗"
            console.print(
                f"  {mark} {escape(hit.id)}: {escape(hit.status)}, fired by {escape(hit.why)} "
                f"({hit.tokens} tokens)"
            )
        for miss in step.not_fired:
            console.print(f"  · {escape(miss.id)}: not fired, {escape(miss.reason)}", style="dim")
        for line in step.recursion:
            console.print(f"  ↻ {escape(line)}")


@app.command("lint")
def lint(
    world: str = WORLD_ARG,
    budget: int = typer.Option(None, "--budget", help="Lore budget in tokens (default 600)."),
) -> None:
    """Entries that can never fire, never fit the budget, or share keywords. Exit 1 on errors.

    [bold]Example[/bold]: storyai lore lint ./my_world --budget 400
    """
    from storyai.core.memory.lore_tools import lint as check
    from storyai.core.memory.tokens import default_tokenizer

    issues = check(_world(world), budget=budget, count=default_tokenizer().count)
    for issue in issues:
        colour = "red" if issue.severity == "error" else "yellow"
        console.print(f"[{colour}]{issue.severity}[/] {escape(issue.id)}: {escape(issue.message)}")
    errors = sum(1 for i in issues if i.severity == "error")
    console.print(f"{errors} errors, {len(issues) - errors} warnings")
    if errors:
        raise typer.Exit(1)
