"""`storyai wiki WORLD|SESSION -o DIR`: a world or a campaign as a static HTML site."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import typer
from rich.markup import escape

from storyai.cli.render import console
from storyai.cli.runtime import installed_world_or_story, looks_like_path, with_container
from storyai.core.domain.errors import UsageError

if TYPE_CHECKING:
    from storyai.core.bootstrap import Container
    from storyai.core.domain.world import World
    from storyai.core.wiki.site import Campaign


def wiki(
    target: str = typer.Argument(
        ..., help="A world (file, folder, bundled or installed id) or a story (session id)."
    ),
    out: Path = typer.Option(..., "--out", "-o", help="The folder to write the site into."),
    gm: bool = typer.Option(False, "--gm", help="Include the GM's secrets (not for players)."),
) -> None:
    """Write a world's or a story's wiki as static HTML (opens with no server).

    One page per place, person, item, lore entry and quest, cross-linked, with the
    maps; for a story, its chapters and the story so far. Open index.html.

    Without --gm it shows what players may see: for a world, no secrets; for a story,
    only what its players learned.

    [bold]Examples[/bold]

      storyai wiki ember_hollow -o site/
      storyai wiki ./crypt_world -o crypt_gm/ --gm
      storyai wiki 3f2a -o campaign/
    """
    from storyai.core.wiki.site import build_wiki

    world, campaign = _source(target)
    if out.exists() and (out.is_file() or any(out.iterdir())):
        if not (out / "index.html").is_file():
            raise UsageError(
                f"{out} is not empty and is not a wiki; nothing was written",
                hint="give a new folder, or one this command wrote before",
            )
    pages = build_wiki(world, gm=gm, campaign=campaign)
    for path, text in sorted(pages.items()):
        target_file = out / path
        target_file.parent.mkdir(parents=True, exist_ok=True)
        target_file.write_text(text, encoding="utf-8")
    html = sum(1 for p in pages if p.endswith(".html"))
    edition = " (GM edition, with secrets)" if gm else ""
    console.print(f"[green]✓[/] Wrote {html} pages to {escape(str(out))}{edition}")
    console.print(f"  Open {escape(str(out / 'index.html'))}")


def _source(target: str) -> tuple[World, Campaign | None]:
    from storyai.core.worlds.bundled import bundled_world_paths

    if looks_like_path(target) or target in bundled_world_paths():
        from storyai.cli.world import _resolve_world

        return _resolve_world(target)[0], None

    async def use(c: Container) -> tuple[World, Campaign | None]:
        found = await installed_world_or_story(c, target)
        if isinstance(found, str):
            return await c.play.campaign(found)
        return found, None

    return with_container(use)
