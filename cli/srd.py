"""`storyai srd ...`: install the D&D SRD as a content library, search it, show entries."""

from __future__ import annotations

import json
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING

import typer
from rich.markdown import Markdown
from rich.markup import escape
from rich.panel import Panel
from rich.table import Table

from storyai.cli.errors import StoryGroup
from storyai.cli.import_report import progress_bar
from storyai.cli.render import console
from storyai.cli.runtime import with_container
from storyai.core import library
from storyai.core.importers.errors import ImportRefused

if TYPE_CHECKING:
    from storyai.core.bootstrap import Container
    from storyai.core.domain.records import LibraryInfo, LibraryRecord

app = typer.Typer(
    cls=StoryGroup,
    no_args_is_help=True,
    rich_markup_mode="rich",
    help="""The D&D System Reference Document (SRD 5.1 and 5.2) as a content library.

Installed once into the database, its monsters, spells, equipment, magic items,
classes, races and conditions can be searched, shown, and used in worlds:
a character written `base: srd:goblin` gets the goblin's stat block.

[bold]Examples[/bold]

  storyai srd install --download
  storyai srd install --from ./srd_data
  storyai srd search dragon --type monster
  storyai srd show goblin
  storyai srd about
""",
)

TYPE_OPT = typer.Option(
    None,
    "--type",
    "-t",
    help="Only this kind: " + ", ".join(library.KINDS) + ".",
    show_default=False,
)
EDITION_OPT = typer.Option(None, "--edition", "-e", help="Only SRD 5.1 or 5.2.", show_default=False)
JSON_OPT = typer.Option(False, "--json", help="Print JSON instead of tables.")


def _check_kind(kind: str | None) -> str | None:
    if kind is None:
        return None
    wanted = kind.lower().rstrip("s") if kind.lower() not in library.KINDS else kind.lower()
    aliases = {"species": "race", "item": "equipment", "magic item": "magic-item"}
    wanted = aliases.get(wanted, wanted)
    if wanted not in library.KINDS:
        raise ImportRefused(
            f"'{kind}' is not a kind of SRD entry.", hint="use one of " + ", ".join(library.KINDS)
        )
    return wanted


def _check_edition(edition: str | None) -> str | None:
    if edition is not None and edition not in library.EDITIONS:
        raise ImportRefused(f"'{edition}' is not an SRD edition.", hint="use 5.1 or 5.2")
    return edition


def _attribution() -> str:
    from storyai.core.importers.srd import ATTRIBUTION

    return ATTRIBUTION.strip()


def _print_attribution() -> None:
    panel = Panel(escape(_attribution()), title="SRD license", border_style="dim")
    console.print(panel, soft_wrap=False)


@app.command("install")
def install(
    from_: Path = typer.Option(
        None,
        "--from",
        metavar="PATH",
        help="A copy of the upstream data: a folder with 5e-database/ (SRD 5.1) and/or "
        "open5e-api/ (SRD 5.2) laid out as in their repositories.",
        show_default=False,
    ),
    download: bool = typer.Option(
        False,
        "--download",
        help="Fetch the pinned upstream files over HTTPS, each checked against its SHA-256.",
    ),
    mirror: str = typer.Option(
        None,
        "--mirror",
        metavar="URL",
        help="With --download: fetch from this mirror of the same layout instead.",
        show_default=False,
    ),
) -> None:
    """Install (or reinstall) the SRD into the database.

    The whole library is replaced in one transaction: an install that fails leaves
    the previous one as it was. Without --from, the data is downloaded.

    [bold]Examples[/bold]

      storyai srd install --download
      storyai srd install --from ./srd_data
    """
    from storyai.core.importers.srd import download_srd

    if from_ is not None and (download or mirror):
        raise ImportRefused("Give --from PATH or --download, not both.")
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="storyai-srd-") as scratch:
        if from_ is None:
            with progress_bar() as progress:
                root = download_srd(Path(scratch) / "srd", base_url=mirror, progress=progress)
            origin = f"download ({mirror or 'upstream, pinned commits'})"
        else:
            root, origin = from_, str(from_.resolve())
        with progress_bar() as progress:

            async def use(c: Container) -> library.SrdInstall:
                return await library.install_srd(c.uow, root, origin=origin, progress=progress)

            done = with_container(use)
    elapsed = time.perf_counter() - started
    _print_attribution()
    for warning in done.warnings:
        console.print(f"[yellow]warning:[/] {escape(warning)}")
    _counts_table(done.info)
    console.print(
        f"[green]✓[/] Installed {sum(done.info.counts.values()):,} SRD entries in {elapsed:.1f} s. "
        "Try [bold]storyai srd search goblin[/]."
    )


def _counts_table(info: LibraryInfo) -> None:
    table = Table(show_edge=False, pad_edge=False)
    table.add_column("Kind")
    for edition in library.EDITIONS:
        table.add_column(f"SRD {edition}", justify="right")
    for kind in library.KINDS:
        table.add_row(kind, *(f"{info.counts.get(f'{ed} {kind}', 0):,}" for ed in library.EDITIONS))
    console.print(table)


@app.command("about")
def about(as_json: bool = JSON_OPT) -> None:
    """The SRD's license and attribution, and what is installed.

    [bold]Example[/bold]: storyai srd about
    """

    async def use(c: Container) -> LibraryInfo | None:
        return await library.installed(c.uow)

    info = with_container(use)
    if as_json:
        typer.echo(
            json.dumps(
                {
                    "attribution": _attribution(),
                    "installed": None
                    if info is None
                    else {
                        "installed_at": info.installed_at.isoformat(),
                        "origin": info.origin,
                        "counts": info.counts,
                    },
                },
                indent=2,
            )
        )
        return
    _print_attribution()
    if info is None:
        console.print("The SRD is not installed. Install it with [bold]storyai srd install[/].")
        return
    console.print(f"Installed {info.installed_at:%Y-%m-%d %H:%M} UTC from {escape(info.origin)}.")
    _counts_table(info)


@app.command("search")
def search(
    text: str = typer.Argument(..., help="Words of the name or summary, e.g. 'red dragon'."),
    kind: str = TYPE_OPT,
    edition: str = EDITION_OPT,
    limit: int = typer.Option(20, "--limit", "-n", min=1, max=500, help="At most this many."),
    as_json: bool = JSON_OPT,
) -> None:
    """Find SRD entries by name (best matches first).

    [bold]Examples[/bold]

      storyai srd search dragon --type monster
      storyai srd search 'cure wounds' --edition 5.2 --json
    """
    kind, edition = _check_kind(kind), _check_edition(edition)

    async def use(c: Container) -> list[LibraryRecord]:
        return await library.search(c.uow, text, kind=kind, edition=edition, limit=limit)

    found = with_container(use)
    if as_json:
        typer.echo(
            json.dumps(
                [
                    {
                        "ref": f"srd:{r.key}" if r.edition == "5.1" else f"srd:5.2/{r.key}",
                        "name": r.name,
                        "kind": r.kind,
                        "edition": r.edition,
                        "summary": r.summary,
                    }
                    for r in found
                ],
                indent=2,
            )
        )
        return
    if not found:
        console.print(f"Nothing in the SRD matches '{escape(text)}'.")
        raise typer.Exit(1)
    table = Table(show_edge=False, pad_edge=False)
    for column in ("Name", "Kind", "SRD", "Summary", "Use as"):
        table.add_column(column, overflow="fold")
    for r in found:
        ref = f"srd:{r.key}" if r.edition == "5.1" else f"srd:5.2/{r.key}"
        table.add_row(escape(r.name), r.kind, r.edition, escape(r.summary), ref)
    console.print(table)


@app.command("show")
def show(
    name: str = typer.Argument(..., help="A name or key: goblin, 'Potion of Healing'."),
    kind: str = TYPE_OPT,
    edition: str = EDITION_OPT,
    as_json: bool = JSON_OPT,
) -> None:
    """Show one SRD entry in full.

    [bold]Examples[/bold]

      storyai srd show goblin
      storyai srd show 'Potion of Healing' --type magic-item
    """
    kind, edition = _check_kind(kind), _check_edition(edition)

    async def use(c: Container) -> list[LibraryRecord]:
        return await library.show(c.uow, name, kind=kind, edition=edition)

    found = with_container(use)
    first = found[0]
    if as_json:
        typer.echo(
            json.dumps(
                {
                    "name": first.name,
                    "kind": first.kind,
                    "edition": first.edition,
                    "key": first.key,
                    "summary": first.summary,
                    "text": first.text,
                    "data": first.data,
                },
                indent=2,
                ensure_ascii=False,
            )
        )
        return
    console.print(Markdown(first.text))
    ref = f"srd:{first.key}" if first.edition == "5.1" else f"srd:5.2/{first.key}"
    console.print(f"[dim]SRD {first.edition} {first.kind}.[/]", end=" ")
    if first.kind in ("monster", "equipment", "magic-item"):
        console.print(f"[dim]In a world:[/] base: {ref}")
    else:
        console.print()
    for other in found[1:]:
        console.print(
            f"[dim]Also: SRD {other.edition} {other.kind} — storyai srd show {first.key} "
            f"--edition {other.edition} --type {other.kind}[/]"
        )
