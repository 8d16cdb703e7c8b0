"""`storyai import ...`: bring Foundry VTT data, character cards and lorebooks into worlds."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from storyai.cli.errors import StoryGroup
from storyai.cli.import_report import outcome_json, print_outcome, progress_bar
from storyai.cli.runtime import with_container
from storyai.core.domain.errors import StoryError

if TYPE_CHECKING:  # the commands import what they use: `storyai --help` stays quick
    from storyai.core.bootstrap import Container
    from storyai.core.importers.plan import ImportPlan
    from storyai.core.importers.service import ImportOutcome

app = typer.Typer(
    cls=StoryGroup,
    no_args_is_help=True,
    rich_markup_mode="rich",
    help="""Import Foundry VTT data, character cards and lorebooks into a world.

An import reads its files without changing them, shows what it imported and
what it skipped (with reasons), and writes the result as one new world version
in one transaction: when anything fails, nothing is written. Importing the same
source again updates what the earlier import made instead of duplicating it, except
entries you edited since: those stay as you left them (--overwrite replaces them).

[bold]Examples[/bold]

  storyai import foundry ~/foundrydata/Data/worlds/lost-mine --new lost_mine
  storyai import foundry packs/monsters.db --into ember_hollow --dry-run
  storyai import card seraphina.png
  storyai import card my-lorebook.json --into ember_hollow
""",
)

INTO = typer.Option(
    None, "--into", metavar="WORLD", help="Add to this installed world (as a new version)."
)
NEW = typer.Option(
    None,
    "--new",
    metavar="ID",
    help="Create a new world with this id (default: from the title; my-world becomes my_world).",
)
DRY_RUN = typer.Option(False, "--dry-run", help="Show what would be imported; write nothing.")
JSON_OPT = typer.Option(False, "--json", help="Print the report as JSON.")
OVERWRITE = typer.Option(
    False,
    "--overwrite",
    help="Also replace entries you edited since an earlier import of the same source.",
)


def _run(
    plan: ImportPlan, into: str | None, new: str | None, dry_run: bool, overwrite: bool
) -> ImportOutcome:
    from storyai.core.importers.service import import_plan

    async def use(c: Container) -> ImportOutcome:
        return await import_plan(
            c.uow, plan, into=into, new_id=new, dry_run=dry_run, overwrite=overwrite
        )

    return with_container(use)


def _check_target(into: str | None, new: str | None) -> None:
    """Refuse a bad --into/--new before reading a source that may take seconds."""
    from storyai.core.importers.service import check_target

    if into or new:

        async def use(c: Container) -> None:
            await check_target(c.uow, into=into, new_id=new)

        with_container(use)


@contextmanager
def json_refusals(as_json: bool) -> Iterator[None]:
    """With --json, a refusal is JSON on stdout too (``{"status": "refused", ...}``), so
    a script reads one format; the message still goes to stderr and the exit code is 1."""
    try:
        yield
    except StoryError as error:
        if as_json:
            problems = getattr(error, "problems", None) or []
            typer.echo(
                json.dumps(
                    {
                        "status": "refused",
                        "error": error.message.split("\n")[0],
                        "hint": error.hint,
                        "problems": [p.as_dict() for p in problems],
                    },
                    indent=2,
                    ensure_ascii=False,
                )
            )
        raise


def _show(outcome: ImportOutcome, as_json: bool) -> None:
    if as_json:
        typer.echo(json.dumps(outcome_json(outcome), indent=2, ensure_ascii=False))
    else:
        print_outcome(outcome)


@app.command("foundry")
def foundry(
    path: Path = typer.Argument(
        ...,
        help="A world folder (world.json + data/), a system or module folder, one pack "
        "(NeDB .db file or LevelDB folder), a foundryvtt-cli _source folder, or an "
        "Export Data JSON file.",
        show_default=False,
    ),
    into: str = INTO,
    new: str = NEW,
    dry_run: bool = DRY_RUN,
    overwrite: bool = OVERWRITE,
    as_json: bool = JSON_OPT,
) -> None:
    """Import Foundry VTT actors, items, journals and scenes (core 0.7 to v14).

    Actors become characters and creatures with a stat block for our d20 rules
    (dnd5e 1.x to 5.x and pf2e NPCs; other systems generically, with a warning
    listing what was not understood); the raw Foundry document is kept with each.
    Items become items (spells and features become lore), journal pages become
    lore (GM-only pages stay GM-only), scenes become locations, folders become tags.

    LevelDB packs are read without writing to them; a world that Foundry has open
    is refused ("close the world in Foundry first").

    [bold]Examples[/bold]

      storyai import foundry ~/foundrydata/Data/worlds/lost-mine --new lost_mine
      storyai import foundry packs/monsters.db --into ember_hollow --dry-run
    """
    from storyai.core.importers.foundry.convert import plan_from_foundry
    from storyai.core.importers.foundry.read import read_foundry

    with json_refusals(as_json):
        _check_target(into, new)
        with progress_bar(enabled=not as_json) as progress:
            source = read_foundry(path, progress=progress)
            plan = plan_from_foundry(source)
        _show(_run(plan, into, new, dry_run, overwrite), as_json)


@app.command("card")
def card(
    file: Path = typer.Argument(
        ...,
        help="A character card (V1, V2 or V3; JSON, PNG or CHARX) or a lorebook "
        "(lorebook_v3 or SillyTavern World Info JSON).",
        show_default=False,
    ),
    into: str = INTO,
    new: str = NEW,
    dry_run: bool = DRY_RUN,
    overwrite: bool = OVERWRITE,
    as_json: bool = JSON_OPT,
) -> None:
    """Import a character card or a lorebook.

    A card becomes a character (description, personality, greetings, example
    dialogue) and its embedded lorebook becomes lore entries with their keywords.
    On its own (no --into) a card becomes a small playable world where you meet the
    character. Everything the world format has no place for is kept, so
    `storyai export card` gives back the card with its extensions.

    [bold]Examples[/bold]

      storyai import card seraphina.png
      storyai import card my-lorebook.json --into ember_hollow --dry-run
    """
    from storyai.core.importers.cards import plan_from_card_file

    with json_refusals(as_json):
        _check_target(into, new)
        plan = plan_from_card_file(file)
        _show(_run(plan, into, new, dry_run, overwrite), as_json)
