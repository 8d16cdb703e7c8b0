"""`storyai profile`: the legacy that outlives any one story — show, export, import."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer
from rich.markup import escape

from storyai.cli.render import console
from storyai.cli.runtime import with_container
from storyai.core.domain.errors import UsageError

if TYPE_CHECKING:
    from storyai.core.bootstrap import Container
    from storyai.core.domain.legacy import Profile

KEY_HELP = "The profile: local (solo play here) or discord:<user id>."

app = typer.Typer(
    help="""Your legacy: finished stories, achievements, legend points, titles, heirlooms.

[bold]Examples[/bold]

  storyai profile show
  storyai profile export -o legacy.json
  storyai profile import legacy.json
""",
    no_args_is_help=True,
    rich_markup_mode="rich",
)


@app.command("show")
def show(key: str = typer.Option("local", "--key", help=KEY_HELP)) -> None:
    """What your profile has earned, story by story.

    [bold]Example[/bold]: storyai profile show --key discord:1234
    """
    from storyai.core.views.legacy import legacy_text, legacy_view

    async def use(c: Container) -> Profile:
        return await c.play.profile(key)

    console.print(escape(legacy_text(legacy_view(with_container(use)))))


@app.command("export")
def export(
    out: Path = typer.Option(..., "--out", "-o", help="The JSON file to write."),
    key: str = typer.Option("local", "--key", help=KEY_HELP),
) -> None:
    """Write the profile to a file (to keep, or to import on another machine).

    [bold]Example[/bold]: storyai profile export -o legacy.json
    """

    async def use(c: Container) -> dict[str, Any]:
        return await c.play.export_profile(key)

    document = with_container(use)
    if out.exists():
        raise UsageError(f"'{out}' exists already.", hint="give a new file name")
    try:
        out.write_text(json.dumps(document, indent=2, ensure_ascii=False), encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"'{out}' can't be written ({exc}).") from None
    console.print(f"Exported {len(document['records'])} stories to {escape(str(out))}.")


@app.command("import")
def import_(
    path: Path = typer.Argument(..., help="A file from `storyai profile export`."),
    key: str = typer.Option("local", "--key", help=KEY_HELP),
) -> None:
    """Add the stories of an exported profile that this one lacks (never twice).

    [bold]Example[/bold]: storyai profile import legacy.json
    """
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise UsageError(f"There is no file '{path}'.") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise UsageError(
            f"'{path}' can't be read as a profile ({exc}).",
            hint="give a file from `storyai profile export`",
        ) from None

    async def use(c: Container) -> int:
        return await c.play.import_profile(document, key)

    added = with_container(use)
    console.print(f"Imported {added} stor{'y' if added == 1 else 'ies'} into '{escape(key)}'.")
