"""The `storyai` command: author worlds, manage the database, play.

Every command maps StoryErrors to a short message and exit code 1 in one
place (``StoryGroup``); anything else is a bug and shows its traceback.
"""

from __future__ import annotations

import typer

from storyai.cli import bot as bot_commands
from storyai.cli import codex as codex_commands
from storyai.cli import db as db_commands
from storyai.cli import export as export_commands
from storyai.cli import imports as import_commands
from storyai.cli import lore as lore_commands
from storyai.cli import maps as map_commands
from storyai.cli import mcp_cmd as mcp_commands
from storyai.cli import play as play_commands
from storyai.cli import profile as profile_commands
from storyai.cli import providers as provider_commands
from storyai.cli import run as run_commands
from storyai.cli import session as session_commands
from storyai.cli import srd as srd_commands
from storyai.cli import wiki as wiki_commands
from storyai.cli import world as world_commands
from storyai.cli.errors import StoryGroup

HELP = """\
Story AI Studio: write RPG worlds in YAML, play them with an AI game master.

[bold]Start here[/bold]

  storyai play                          play in the terminal (no key needed)
  storyai run ember_hollow -s in.txt    play from a script, no screen
  storyai world new my_world            scaffold a small, valid world
  storyai play ./my_world               play it as it is now, after each edit
  storyai world validate my_world       every problem, as file:line:column
  storyai world test my_world           run its playtests
  storyai world install my_world        install it (SQLite by default)
  storyai world list                    what is installed
  storyai providers list                the AI game masters configured
  storyai import foundry PATH --new ID  Foundry VTT data as a new world
  storyai import card seraphina.png     a character card or lorebook
  storyai srd install                   the D&D SRD: `base: srd:goblin`

The database is a SQLite file in your user data folder; set
STORYAI_DATABASE_URL (e.g. postgresql://user@host/db) to use PostgreSQL.
"""

app = typer.Typer(
    cls=StoryGroup,
    help=HELP,
    rich_markup_mode="rich",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)
app.command("play")(play_commands.play)
app.command("run")(run_commands.run)
app.command("bot")(bot_commands.bot)
app.command("codex")(codex_commands.codex)
app.command("wiki")(wiki_commands.wiki)
app.add_typer(world_commands.app, name="world")
app.add_typer(session_commands.app, name="session")
app.add_typer(map_commands.app, name="map")
app.add_typer(lore_commands.app, name="lore")
app.add_typer(profile_commands.app, name="profile")
app.add_typer(mcp_commands.companion, name="companion")
app.add_typer(provider_commands.app, name="providers")
app.add_typer(import_commands.app, name="import")
app.add_typer(export_commands.app, name="export")
app.add_typer(srd_commands.app, name="srd")
app.add_typer(mcp_commands.app, name="mcp")
app.add_typer(db_commands.app, name="db")
world_commands.app.command("test")(run_commands.world_test)


def _version_callback(value: bool) -> None:
    if value:
        from importlib.metadata import PackageNotFoundError, version

        try:
            typer.echo(f"storyai {version('storyai')}")
        except PackageNotFoundError:  # pragma: no cover - running from a bare checkout
            typer.echo("storyai (not installed)")
        raise typer.Exit()


@app.callback()
def main(
    show_version: bool = typer.Option(
        False,
        "--version",
        callback=_version_callback,
        is_eager=True,
        help="Show the version and exit.",
    ),
) -> None:
    """Story AI Studio."""


def run() -> None:
    """Console-script entry point."""
    app(prog_name="storyai")
