"""`storyai db ...`: the database schema (Alembic migrations)."""

from __future__ import annotations

import asyncio
import json
from typing import TYPE_CHECKING

import typer

from storyai.cli.errors import StoryGroup
from storyai.cli.render import console

if TYPE_CHECKING:
    from storyai.core.storage.database import Database

app = typer.Typer(
    cls=StoryGroup,
    no_args_is_help=True,
    rich_markup_mode="rich",
    help="""The database: where it is and whether its schema is current.

By default storyai uses a SQLite file in your user data folder and upgrades it
by itself. Set STORYAI_DATABASE_URL to use PostgreSQL, e.g.
postgresql://storyai@localhost/storyai, then run [bold]storyai db upgrade[/].

[bold]Examples[/bold]

  storyai db status
  STORYAI_DATABASE_URL=postgresql://me@localhost/story storyai db upgrade
""",
)


async def _database() -> Database:
    from storyai.core.bootstrap import build

    return (await build(migrate=False)).database


@app.command("upgrade")
def upgrade(revision: str = typer.Argument("head", help="Target revision.")) -> None:
    """Apply migrations up to REVISION (default: the newest).

    [bold]Example[/bold]: STORYAI_DATABASE_URL=postgresql://me@localhost/story storyai db upgrade
    """

    from storyai.core.storage.database import current_revision
    from storyai.core.storage.database import upgrade as upgrade_schema

    async def main() -> tuple[str | None, str | None]:
        db = await _database()
        try:
            before = await current_revision(db)
            await upgrade_schema(db, revision)
            return before, await current_revision(db)
        finally:
            await db.dispose()

    before, after = asyncio.run(main())
    if before == after:
        console.print(f"[green]✓[/] Already at {after}; nothing to do.")
    else:
        console.print(f"[green]✓[/] Upgraded {before or 'empty database'} → {after}")


@app.command("status")
def status(as_json: bool = typer.Option(False, "--json", help="Print JSON.")) -> None:
    """Show which database is used and whether its schema is up to date.

    [bold]Examples[/bold]

      storyai db status
      storyai db status --json
    """

    from storyai.core.storage.database import current_revision, head_revision

    async def main() -> tuple[str, str | None]:
        db = await _database()
        try:
            return db.display_url, await current_revision(db)
        finally:
            await db.dispose()

    url, current = asyncio.run(main())
    head = head_revision()
    if as_json:
        typer.echo(
            json.dumps(
                {"url": url, "current": current, "head": head, "up_to_date": current == head},
                indent=2,
            )
        )
        return
    console.print(f"database: {url}")
    console.print(f"schema:   {current or 'empty (no tables yet)'}")
    console.print(f"newest:   {head}")
    if current == head:
        console.print("[green]✓[/] up to date")
    else:
        console.print("[yellow]![/] behind: run [bold]storyai db upgrade[/]")
