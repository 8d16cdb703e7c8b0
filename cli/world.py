"""`storyai world ...`: create, check, install, export and fork worlds."""

from __future__ import annotations

import json
import shlex
from pathlib import Path
from typing import TYPE_CHECKING

import typer
from rich.markup import escape

from storyai.cli.errors import StoryGroup, err_console
from storyai.cli.render import TextTable as Table  # cells are shown as written, never markup
from storyai.cli.render import console, print_problems
from storyai.cli.runtime import looks_like_path, validate_path, with_container
from storyai.core.domain.errors import WorldValidationError
from storyai.core.worlds.bundled import bundled_world_paths

if TYPE_CHECKING:  # the commands import what they use: `storyai --help` stays quick
    from storyai.core import services
    from storyai.core.bootstrap import Container
    from storyai.core.domain.world import World
    from storyai.core.worlds.validate import Report

app = typer.Typer(
    cls=StoryGroup,
    no_args_is_help=True,
    rich_markup_mode="rich",
    help="""Write, check and manage worlds.

A world is one YAML file, or a folder of YAML files that merge.

[bold]Examples[/bold]

  storyai world new harbour_town
  storyai world validate harbour_town
  storyai world test harbour_town
  storyai world show harbour_town
  storyai world install harbour_town
  storyai world uninstall harbour_town --version 0.1.0+dev.2
  storyai world export harbour_town --to ./backup
""",
)

JSON_OPT = typer.Option(False, "--json", help="Print machine-readable JSON instead of tables.")


def _load_or_fail(path: Path) -> World:
    report = validate_path(path)
    if not report.ok:
        raise WorldValidationError(report.problems)
    assert report.world is not None
    if report.warnings:
        print_problems(report.warnings, console=err_console)
    return report.world


def _resolve_world(ref: str) -> tuple[World, str]:
    """A world from a path, a bundled world name, or an installed id."""
    if looks_like_path(ref):
        return _load_or_fail(Path(ref)), ref
    bundled = bundled_world_paths()
    if ref in bundled and not _installed(ref):
        return _load_or_fail(bundled[ref]), f"bundled:{ref}"

    from storyai.core import services

    async def use(c: Container) -> World:
        world, _ = await services.get_world(c.uow, ref)
        return world

    return with_container(use), f"installed:{ref}"


def _installed(world_id: str) -> bool:
    from storyai.core import services

    async def use(c: Container) -> bool:
        return await services.world_installed(c.uow, world_id)

    return with_container(use)


# ----------------------------------------------------------------------- new


@app.command("new")
def new(
    name: Path = typer.Argument(..., help="Folder to create, e.g. harbour_town."),
    title: str = typer.Option(None, "--title", help="The world's title (default: from NAME)."),
    from_map: Path = typer.Option(
        None, "--from-map", help="Start from a map made by `storyai map generate`."
    ),
) -> None:
    """Create a small, valid world with comments that explain each part.

    [bold]Examples[/bold]

      storyai world new harbour_town --title "Harbour Town"
      storyai world new crypt --from-map crypt.yaml
    """
    from storyai.core.worlds.scaffold import create_world

    if from_map is not None:
        from storyai.core.maps.files import create_world_from_map

        target = create_world_from_map(name, from_map, title=title)
    else:
        target = create_world(name, title=title)
    console.print(f"[green]✓[/] Created {escape(str(target))}")
    next_step = f"storyai world validate {shlex.quote(str(name))}"
    console.print(f"  Next: edit it, then [bold]{escape(next_step)}[/]")


# ------------------------------------------------------------------ validate


@app.command("validate")
def validate(
    paths: list[Path] = typer.Argument(..., help="World files or folders."),
    as_json: bool = JSON_OPT,
    strict: bool = typer.Option(False, "--strict", help="Treat warnings as errors."),
) -> None:
    """Check worlds and report every problem as file:line:column with a hint.

    Exit code 0 when all are valid, 1 when any has errors.

    [bold]Examples[/bold]

      storyai world validate my_world/
      storyai world validate a.yaml b.yaml --json
    """
    reports = [validate_path(p) for p in paths]
    failed = [r for r in reports if not r.ok or (strict and r.warnings)]
    if as_json:
        typer.echo(json.dumps([_report_json(r) for r in reports], indent=2))
    else:
        for report in reports:
            print_problems(report.problems)
            if report.ok:
                w = report.world
                assert w is not None
                console.print(
                    f"[green]✓[/] {escape(report.path)}: {escape(w.world.title)} "
                    f"({w.id} {w.version}) is valid"
                    + (f", {len(report.warnings)} warning(s)" if report.warnings else "")
                )
            else:
                console.print(
                    f"[red]✗[/] {escape(report.path)}: {len(report.errors)} error(s), "
                    f"{len(report.warnings)} warning(s)"
                )
    if failed:
        raise typer.Exit(1)


def _report_json(report: Report) -> dict[str, object]:
    return {
        "path": report.path,
        "valid": report.ok,
        "world": report.world.id if report.world else None,
        "version": report.world.version if report.world else None,
        "files": report.files,
        "problems": [p.as_dict() for p in report.problems],
    }


# ---------------------------------------------------------------------- show


@app.command("show")
def show(
    world: str = typer.Argument(..., help="A world file or folder, or an installed world id."),
    as_json: bool = JSON_OPT,
) -> None:
    """Summarise a world: metadata, locations, characters, items, quests, lore.

    [bold]Examples[/bold]: storyai world show my_world/   ·   storyai world show ember_hollow
    """
    w, _ = _resolve_world(world)
    if as_json:
        typer.echo(json.dumps(_summary(w), indent=2))
        return
    meta = w.world
    console.print(f"[bold]{escape(meta.title)}[/]  [dim]{w.id} {meta.version}[/]")
    if meta.description:
        console.print(escape(meta.description.strip()))
    facts = [
        f"rules: {w.rules.system}",
        f"authors: {', '.join(meta.authors) or '-'}",
        f"license: {meta.license}",
    ]
    if meta.tone:
        facts.append(f"tone: {meta.tone}")
    if meta.forked_from:
        facts.append(f"forked from: {meta.forked_from.id} {meta.forked_from.version}")
    console.print("[dim]" + escape(" · ".join(facts)) + "[/]\n")

    t = Table(title="Locations", title_justify="left")
    for col in ("id", "name", "exits", "items", "characters"):
        t.add_column(col)
    for lid, loc in w.locations.items():
        exits = ", ".join(
            f"{d}→{e.to}" + (" (locked)" if e.requires else "") for d, e in loc.exits.items()
        )
        mark = " (start)" if lid == w.start.location else ""
        t.add_row(lid + mark, loc.name, exits, ", ".join(loc.items), ", ".join(loc.characters))
    _print_table(t)

    t = Table(title="Characters", title_justify="left")
    for col in ("id", "name", "kind", "attitude", "topics", "stats"):
        t.add_column(col)
    for cid, ch in w.characters.items():
        stats = ""
        if ch.stats:
            stats = f"HP {ch.stats.get('hp', '?')}"
            if "ac" in ch.stats:
                stats += f", AC {ch.stats['ac']}"
        t.add_row(cid, ch.name, ch.kind, ch.attitude, ", ".join(ch.dialogue.topics), stats)
    _print_table(t)

    t = Table(title="Items", title_justify="left")
    for col in ("id", "name", "kind", "value", "weight", "notes"):
        t.add_column(col)
    for iid, item in w.items.items():
        notes = []
        if item.damage:
            notes.append(f"{item.damage} {item.damage_type or ''}".strip())
        if item.armor_class is not None:
            notes.append(f"AC {item.armor_class}")
        if item.ac_bonus:
            notes.append(f"+{item.ac_bonus} AC")
        notes += [e.type for e in item.effects]
        t.add_row(iid, item.name, item.kind, str(item.value), f"{item.weight:g}", ", ".join(notes))
    _print_table(t)

    t = Table(title="Quests", title_justify="left")
    for col in ("id", "title", "stages", "endings"):
        t.add_column(col)
    for qid, quest in w.quests.items():
        t.add_row(
            qid + (" (main)" if quest.main else ""),
            quest.title,
            " → ".join(s.id for s in quest.stages),
            ", ".join(e.id for e in quest.endings),
        )
    _print_table(t)

    t = Table(title="Lore", title_justify="left")
    for col in ("id", "title", "visibility", "keywords"):
        t.add_column(col)
    for lid, entry in w.lore.items():
        vis = entry.visibility + (f": {', '.join(entry.known_by)}" if entry.known_by else "")
        t.add_row(lid, entry.title, vis, ", ".join(entry.keywords))
    _print_table(t)

    t = Table(title="Archetypes", title_justify="left")
    for col in ("id", "name", "starting items", w.world.currency):
        t.add_column(col)
    for aid, arch in w.archetypes.items():
        t.add_row(aid, arch.name, ", ".join(arch.starting_items), str(arch.starting_gold))
    _print_table(t)


def _print_table(table: Table) -> None:
    if table.row_count:
        console.print(table)


def _summary(w: World) -> dict[str, object]:
    return {
        "id": w.id,
        "version": w.version,
        "title": w.world.title,
        "rules": w.rules.system,
        "authors": w.world.authors,
        "license": w.world.license,
        "forked_from": w.world.forked_from.model_dump() if w.world.forked_from else None,
        "start": w.start.location,
        "counts": {
            "locations": len(w.locations),
            "characters": len(w.characters),
            "items": len(w.items),
            "quests": len(w.quests),
            "lore": len(w.lore),
            "archetypes": len(w.archetypes),
        },
        "locations": {
            k: {"name": v.name, "exits": {d: e.to for d, e in v.exits.items()}}
            for k, v in w.locations.items()
        },
        "characters": {k: {"name": v.name, "kind": v.kind} for k, v in w.characters.items()},
        "items": {k: {"name": v.name, "kind": v.kind} for k, v in w.items.items()},
        "quests": {
            k: {
                "title": v.title,
                "stages": [s.id for s in v.stages],
                "endings": [e.id for e in v.endings],
            }
            for k, v in w.quests.items()
        },
    }


# --------------------------------------------------------------------- graph


@app.command("graph")
def graph(
    world: str = typer.Argument(..., help="A world file or folder, or an installed world id."),
) -> None:
    """Draw the map of locations as text (compass exits on a grid, the rest listed).

    [bold]Example[/bold]: storyai world graph my_world/
    """
    from storyai.core.worlds.mapgrid import draw, layout

    w, _ = _resolve_world(world)
    exits = {
        lid: {d: (e.to, e.requires is not None) for d, e in loc.exits.items()}
        for lid, loc in w.locations.items()
    }
    grid = layout(exits, w.start.location)
    names = {lid: loc.name for lid, loc in w.locations.items()}
    console.print(f"[bold]{escape(w.world.title)}[/] — map ( * start, # locked )\n")
    console.print(escape(draw(grid, names, here=w.start.location)), markup=True)


# ------------------------------------------------------------------- install


@app.command("install")
def install(
    paths: list[Path] = typer.Argument(
        ..., help="World files or folders to install (or a bundled world's name)."
    ),
    as_json: bool = JSON_OPT,
) -> None:
    """Validate worlds and install them into the database.

    Installing a new version keeps the older ones, which running sessions still
    use. Installing the same content again changes nothing. Different content
    under an installed version is refused: bump `version:` first.

    [bold]Example[/bold]: storyai world install my_world/
    """
    from storyai.core import services

    bundled = bundled_world_paths()
    worlds = [  # validate all before writing any; a bundled world's name works too
        (_load_or_fail(bundled[str(p)]), f"bundled:{p}")
        if not p.exists() and str(p) in bundled
        else (_load_or_fail(p), str(p))
        for p in paths
    ]

    async def use(c: Container) -> list[services.InstallResult]:
        return [await services.install_world(c.uow, w, source=src) for w, src in worlds]

    results = with_container(use)
    if as_json:
        typer.echo(
            json.dumps(
                [
                    {
                        "world": r.record.world_id,
                        "version": r.record.version,
                        "status": r.status,
                        "content_hash": r.record.content_hash,
                        "previous_versions": list(r.previous_versions),
                    }
                    for r in results
                ],
                indent=2,
            )
        )
        return
    for r in results:
        rec = r.record
        if r.status == "unchanged":
            console.print(
                f"[green]✓[/] {rec.world_id} {rec.version} is already installed "
                "(identical); nothing changed"
            )
        else:
            kept = f" (kept {', '.join(r.previous_versions)})" if r.previous_versions else ""
            console.print(
                f"[green]✓[/] Installed {escape(rec.title)} — {rec.world_id} {rec.version}{kept}"
            )


# ---------------------------------------------------------------------- list


@app.command("list")
def list_(as_json: bool = JSON_OPT) -> None:
    """List installed worlds with their versions, and the bundled ones.

    [bold]Example[/bold]: storyai world list --json
    """
    from storyai.core import services

    summaries = with_container(lambda c: services.list_worlds(c.uow))
    bundled = sorted(bundled_world_paths())
    if as_json:
        typer.echo(
            json.dumps(
                {
                    "installed": [
                        {
                            "id": s.world_id,
                            "title": s.title,
                            "versions": list(s.versions),
                            "latest": s.latest,
                            "forked_from": s.forked_from,
                            "sessions": s.sessions,
                        }
                        for s in summaries
                    ],
                    "bundled": bundled,
                },
                indent=2,
            )
        )
        return
    if summaries:
        t = Table(title="Installed worlds", title_justify="left")
        for col in ("id", "title", "versions", "sessions", "forked from"):
            t.add_column(col)
        for s in summaries:
            t.add_row(
                s.world_id, s.title, ", ".join(s.versions), str(s.sessions), s.forked_from or ""
            )
        console.print(t)
    else:
        console.print(
            "No worlds installed yet. Install one with [bold]storyai world install PATH[/]."
        )
    console.print(f"[dim]Bundled: {', '.join(bundled) or '-'}[/]")


# ----------------------------------------------------------------- uninstall


@app.command("uninstall")
def uninstall(
    world_id: str = typer.Argument(..., help="An installed world id."),
    world_version: str = typer.Option(
        None, "--version", help="Remove only this version (default: every version)."
    ),
    force: bool = typer.Option(
        False, "--force", help="Also delete the stories played in what is removed."
    ),
) -> None:
    """Remove an installed world from the database, or one of its versions.

    Refused when stories were started in it (they are listed): add --force to
    delete them with it. A bundled world is installed again at the next start.

    [bold]Examples[/bold]

      storyai world uninstall harbour_town
      storyai world uninstall harbour_town --version 0.1.0+dev.3
      storyai world uninstall harbour_town --force
    """
    from storyai.core import services

    done = with_container(
        lambda c: services.uninstall_world(c.uow, world_id, version=world_version, force=force)
    )
    console.print(
        f"[green]✓[/] Uninstalled {escape(done.world_id)} {escape(', '.join(done.versions))}"
    )
    if done.sessions:
        count = len(done.sessions)
        console.print(f"  Deleted {count} stor{'y' if count == 1 else 'ies'} played in it.")
    if done.world_id in bundled_world_paths():
        console.print("  [dim]It is bundled: the next start installs it again.[/]")


# -------------------------------------------------------------------- export


@app.command("export")
def export(
    world_id: str = typer.Argument(..., help="An installed world id."),
    to: Path = typer.Option(..., "--to", help="Folder to write world.yaml into."),
    world_version: str = typer.Option(None, "--version", help="Which version (default: newest)."),
    force: bool = typer.Option(False, "--force", help="Replace an existing world.yaml."),
) -> None:
    """Write an installed world back to YAML. The export validates and installs identically.

    [bold]Example[/bold]: storyai world export ember_hollow --to ./ember_copy
    """
    from storyai.core import services

    path, record = with_container(
        lambda c: services.export_world(c.uow, world_id, to, version=world_version, overwrite=force)
    )
    console.print(f"[green]✓[/] Exported {record.world_id} {record.version} to {escape(str(path))}")


# ---------------------------------------------------------------------- fork


@app.command("fork")
def fork(
    source: str = typer.Argument(..., help="An installed world id, or a world file or folder."),
    new_id: str = typer.Argument(..., help="The fork's id (lower_snake_case)."),
    title: str = typer.Option(None, "--title", help="The fork's title."),
    to: Path = typer.Option(None, "--to", help="Also write the fork's YAML into this folder."),
) -> None:
    """Copy a world under a new id and title, recording `forked_from`, and install it.

    [bold]Example[/bold]

      storyai world fork ember_hollow dark_hollow --title "Dark Hollow"
    """
    from storyai.core import services
    from storyai.core.domain.world import ID_RE

    if not ID_RE.match(new_id):
        from storyai.core.domain.errors import UsageError
        from storyai.core.worlds.scaffold import world_id_for

        raise UsageError(
            f"'{new_id}' is not a valid world id.",
            hint=f"ids use lower-case letters, digits and underscores, e.g. "
            f"'{world_id_for(new_id)}'",
        )
    world, _ = _resolve_world(source)

    async def use(c: Container) -> services.InstallResult:
        return await services.fork_world(c.uow, world, new_id, title=title)

    result = with_container(use)
    rec = result.record
    console.print(
        f"[green]✓[/] Forked {world.id} {world.version} → {rec.world_id} "
        f"{rec.version} ({escape(rec.title)})"
    )
    if to is not None:
        from storyai.core.worlds.export import export_world

        path = export_world(rec.content, to)
        console.print(f"  Wrote {escape(str(path))}")


# -------------------------------------------------------------------- schema


@app.command("schema")
def schema(
    out: Path = typer.Option(None, "--out", "-o", help="Write to this file (default: stdout)."),
) -> None:
    """Write the world format's JSON Schema, for editor autocompletion and checks.

    With the VS Code YAML extension, put this first line in a world file:
    [dim]# yaml-language-server: $schema=./world.schema.json[/]

    [bold]Example[/bold]: storyai world schema --out world.schema.json
    """
    from storyai.core.worlds.schema import world_json_schema

    text = json.dumps(world_json_schema(), indent=2)
    if out is None:
        typer.echo(text)
        return
    out.write_text(text + "\n", encoding="utf-8")
    console.print(f"[green]✓[/] Wrote {escape(str(out))}")
