"""`storyai codex SESSION`: what a player's character knows, and when they learned it."""

from __future__ import annotations

from typing import TYPE_CHECKING

import typer
from rich.markup import escape

from storyai.cli.render import console
from storyai.cli.runtime import with_container

if TYPE_CHECKING:
    from storyai.core.bootstrap import Container
    from storyai.core.views.codex import Codex


def codex(
    session: str = typer.Argument(..., help="A session id (or its start)."),
    search: str = typer.Option(None, "--search", "-s", help="Only entries holding these words."),
    player: str = typer.Option(None, "--player", help="Whose codex (a player id; default host)."),
) -> None:
    """What a player's character knows, and on which turn they learned it.

    The places, people, items, lore and quests, each with where and when it was
    learned. Never GM secrets, never what another player alone saw.

    [bold]Examples[/bold]

      storyai codex 3f2a
      storyai codex 3f2a --search mine
    """
    from storyai.core.views.codex import KIND_TITLES, KINDS

    async def use(c: Container) -> Codex:
        return await c.play.codex(await c.play.find_session(session), player_id=player)

    book = with_container(use)
    if search:
        book = book.search(search)
    console.print(f"[bold]{escape(book.player_name)}'s codex[/] — {escape(book.world_title)}")
    if not book.entries:
        console.print("Nothing found." if search else "Nothing learned yet.")
    for kind in KINDS:
        entries = book.of_kind(kind)
        if not entries:
            continue
        console.print(f"\n[bold]{KIND_TITLES[kind]}[/]")
        for e in entries:
            console.print(f"  {escape(e.name)} [dim]— {escape(e.how)}, turn {e.turn}[/]")
            if e.text:
                console.print("    " + escape(" ".join(e.text.split())[:160]), style="dim")
