"""`storyai export ...`: write world content in other tools' formats."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING

import typer
from rich.markup import escape

from storyai.cli.errors import StoryGroup
from storyai.cli.render import console
from storyai.cli.runtime import with_container
from storyai.core.importers.errors import ImportRefused

if TYPE_CHECKING:  # the commands import what they use: `storyai --help` stays quick
    from storyai.core.bootstrap import Container
    from storyai.core.domain.world import Character, LoreEntry, World

app = typer.Typer(
    cls=StoryGroup,
    no_args_is_help=True,
    rich_markup_mode="rich",
    help="""Write world content in other tools' formats.

[bold]Examples[/bold]

  storyai export card seraphina/seraphina                 writes seraphina.png
  storyai export card hesta --world ember_hollow -o hesta.json
""",
)

CARD_SOURCES = {"card", "lorebook", "worldinfo"}


class CardFormat(StrEnum):
    png = "png"
    json = "json"


def find_character(world: World, ref: str) -> tuple[str, Character]:
    """A character by id, or by name when no id matches (case does not matter)."""
    if ref in world.characters:
        return ref, world.characters[ref]
    named = [(cid, c) for cid, c in world.characters.items() if c.name.lower() == ref.lower()]
    if len(named) == 1:
        return named[0]
    known = ", ".join(sorted(world.characters)[:12]) or "none"
    raise ImportRefused(
        f"The world '{world.id}' has no character '{ref}'.",
        hint=f"its characters: {known}",
    )


def lore_for(world: World, character_id: str, character: Character) -> dict[str, LoreEntry]:
    """The lore a card of this character carries: what came in with it, and what only
    the character knows. Other lore (and the GM's secrets) stays in the world."""
    came_with = character.source.file if character.source else None
    chosen: dict[str, LoreEntry] = {}
    for lid, entry in world.lore.items():
        from_card = (
            entry.source is not None
            and entry.source.format in CARD_SOURCES
            and came_with
            and entry.source.file == came_with
        )
        if from_card or character_id in entry.known_by:
            chosen[lid] = entry
    return chosen


@app.command("card")
def card(
    character: str = typer.Argument(
        ...,
        help="WORLD/CHARACTER (e.g. seraphina/seraphina), or a character id or name with --world.",
        show_default=False,
    ),
    world_id: str = typer.Option(
        None, "--world", "-w", help="The installed world the character is in.", show_default=False
    ),
    format_: CardFormat = typer.Option(
        None,
        "--format",
        "-f",
        help="png (card in an image) or json. Default: from the --output name, else png.",
        show_default=False,
    ),
    output: Path = typer.Option(
        None, "--output", "-o", help="File to write (default: CHARACTER.png or .json here)."
    ),
    image: Path = typer.Option(
        None,
        "--image",
        help="With --format png: the picture to put the card in (default: a plain one).",
        show_default=False,
    ),
) -> None:
    """Export a character as a Character Card V3 (with a V2 copy for older tools).

    A character that came from a card gets back every field and extension it came
    with, updated with what the world changed; its lorebook comes back too.

    [bold]Examples[/bold]

      storyai export card ember_hollow/hesta -o hesta.png
      storyai export card my_world/seraphina --format json -o seraphina.json
    """
    from storyai.core import services
    from storyai.core.importers.cards.export import (
        card_from_character,
        write_card_json,
        write_card_png,
    )

    if world_id is None:
        world_id, _, character = character.partition("/")
        if not character:
            raise ImportRefused(
                "Say which world the character is in.",
                hint="write WORLD/CHARACTER, or add --world WORLD",
            )

    async def use(c: Container) -> World:
        world, _ = await services.get_world(c.uow, world_id)
        return world

    if format_ is None:
        suffix = output.suffix.lower().lstrip(".") if output else ""
        format_ = CardFormat(suffix) if suffix in ("png", "json") else CardFormat.png
    elif output is not None and output.suffix.lower() in (".png", ".json"):
        if output.suffix.lower() != f".{format_.value}":
            raise ImportRefused(
                f"--format {format_.value} does not match the file name {output.name}.",
                hint=f"name it {output.stem}.{format_.value}, or leave --format out",
            )
    world = with_container(use)
    char_id, found = find_character(world, character)
    card_v3 = card_from_character(found, char_id, lore_for(world, char_id, found))
    target = output or Path(f"{char_id}.{format_.value}")
    if format_ is CardFormat.json:
        write_card_json(card_v3, target)
    else:
        picture = None
        if image is not None:
            try:
                picture = image.read_bytes()
            except OSError as exc:
                raise ImportRefused(f"{image}: cannot read it ({exc.strerror}).") from None
        write_card_png(card_v3, target, image=picture)
    book = card_v3.get("data", {}).get("character_book") or {}
    entries = len(book.get("entries", []))
    console.print(
        f"[green]✓[/] Wrote {escape(str(target))}: {escape(found.name)} as a Character Card V3"
        + (" (with a V2 copy)" if format_ is CardFormat.png else "")
        + (f", {entries} lorebook entr{'y' if entries == 1 else 'ies'}" if entries else "")
        + "."
    )
