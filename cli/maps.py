"""`storyai map ...`: generate maps, and draw a world's or a story's maps."""

from __future__ import annotations

import shlex
from pathlib import Path
from typing import TYPE_CHECKING

import typer
from rich.markup import escape

from storyai.cli.errors import StoryGroup
from storyai.cli.render import console
from storyai.cli.runtime import installed_world_or_story, looks_like_path, with_container
from storyai.core.domain.errors import UsageError

if TYPE_CHECKING:
    from storyai.core.bootstrap import Container
    from storyai.core.maps.view import MapView

app = typer.Typer(
    cls=StoryGroup,
    no_args_is_help=True,
    rich_markup_mode="rich",
    help="""Generate maps, and draw a world's or a story's maps.

[bold]Examples[/bold]

  storyai map generate dungeon --seed 7 --size 12 -o crypt.yaml
  storyai world new crypt_world --from-map crypt.yaml
  storyai map show crypt_world -o crypt.svg
  storyai map show 3f2a -o story.png             a story, as its host knows it
""",
)


@app.command("generate")
def generate(
    kind: str = typer.Argument(..., help="dungeon, cave, town or overland."),
    seed: int = typer.Option(0, "--seed", help="Same seed, same map."),
    size: str = typer.Option(
        "medium", "--size", help="small, medium, large, or a number of places (2-60)."
    ),
    prefix: str = typer.Option("", "--prefix", help="Location ids start with this (default KIND)."),
    out: Path = typer.Option(None, "--out", "-o", help="Write the YAML here instead of stdout."),
) -> None:
    """Generate a map as world YAML: locations with exits, map points and TODO descriptions.

    A dungeon is rooms and corridors with one locked door (its key is on the near side);
    a cave is carved by cellular automata; a town or overland is a graph of places.
    Every place can be reached from the first one.

    [bold]Example[/bold]: storyai map generate cave --seed 3 --size small -o caves.yaml
    """
    from storyai.core.maps.files import map_yaml
    from storyai.core.maps.generate import generate as make
    from storyai.core.worlds.scaffold import world_id_for

    pre = world_id_for(prefix) if prefix else ""
    fragment = make(kind, seed=seed, size=size, prefix=pre)
    command = f"storyai map generate {kind} --seed {seed} --size {shlex.quote(size)}"
    text = map_yaml(fragment, command + (f" --prefix {pre}" if pre else ""))
    if out is None:
        typer.echo(text, nl=False)
        return
    out.write_text(text, encoding="utf-8")
    count = len(fragment["locations"])
    console.print(f"[green]✓[/] Wrote {escape(str(out))}: a {kind} of {count} places")
    hint = f"storyai world new my_{kind} --from-map {shlex.quote(str(out))}"
    console.print(f"  Next: [bold]{escape(hint)}[/]")


@app.command("show")
def show(
    target: str = typer.Argument(
        ..., help="A world (file, folder, bundled or installed id) or a story (session id)."
    ),
    out: Path = typer.Option(
        None, "--out", "-o", help="Write the map to this file (.svg or .png)."
    ),
    fmt: str = typer.Option(
        None, "--format", "-f", help="text, svg or png (default: from --out, else text)."
    ),
    player: str = typer.Option(
        None, "--player", help="A story: whose map (a player id; default the host)."
    ),
) -> None:
    """Draw a world's maps (everything, as its author sees it), or a story's as one
    player knows them: only places they found, the party marked, locked doors shown.

    [bold]Examples[/bold]

      storyai map show ember_hollow
      storyai map show ./crypt_world -o crypt.svg
      storyai map show 3f2a --format png -o story.png
    """
    view = _view(target, player)
    kind = fmt or (out.suffix.lstrip(".").lower() if out is not None else "text")
    if kind not in ("text", "svg", "png"):
        raise UsageError(f"unknown map format '{kind}'", hint="use text, svg or png")
    if kind == "text":
        from storyai.core.maps.text import render_text

        drawn = render_text(view)
        if out is None:
            console.print(escape(drawn), highlight=False)
        else:
            out.write_text(drawn + "\n", encoding="utf-8")
    elif kind == "svg":
        from storyai.core.maps.svg import render_svg

        svg = render_svg(view)
        if out is None:
            typer.echo(svg, nl=False)
        else:
            out.write_text(svg, encoding="utf-8")
    else:
        from storyai.core.maps.png import render_png

        if out is None:
            raise UsageError("a PNG map needs a file", hint="add -o map.png")
        out.write_bytes(render_png(view))
    if out is not None:
        console.print(f"[green]✓[/] Wrote {escape(str(out))}")


def _view(target: str, player: str | None) -> MapView:
    from storyai.core.maps.view import world_map
    from storyai.core.worlds.bundled import bundled_world_paths

    if looks_like_path(target) or target in bundled_world_paths():
        from storyai.cli.world import _resolve_world

        world, _ = _resolve_world(target)
        return world_map(world, here=world.start.location)

    async def use(c: Container) -> MapView:
        found = await installed_world_or_story(c, target)
        if isinstance(found, str):
            return await c.play.map(found, player_id=player)
        return world_map(found, here=found.start.location)

    return with_container(use)
