"""How an import is shown: what was imported, what was skipped and why, what it made."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from storyai.cli.render import TextTable, console
from storyai.core.domain.errors import Problem

if TYPE_CHECKING:
    from storyai.core.importers.plan import Entry
    from storyai.core.importers.service import ImportOutcome

SECTION_NAMES = {
    "characters": "characters",
    "items": "items",
    "lore": "lore",
    "maps": "maps",
    "locations": "locations",
}


@contextmanager
def progress_bar(enabled: bool = True) -> Iterator[Callable[[str, int, int], None]]:
    """A Rich progress bar fed by ``progress(label, done, total)`` callbacks."""
    if not enabled:
        yield lambda label, done, total: None
        return
    with Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    ) as bar:
        task = bar.add_task("Reading", total=None)

        def update(label: str, done: int, total: int) -> None:
            bar.update(task, description=escape(label[:60]), completed=done, total=total or None)

        yield update


def print_outcome(outcome: ImportOutcome) -> None:
    plan = outcome.plan
    console.print(f"[bold]{escape(plan.kind)}[/]: {escape(plan.source)}")
    _imported_table(outcome)
    _skipped_table(outcome)
    for message in plan.warnings:
        console.print(f"[yellow]warning:[/] {escape(message)}")
    _world_notes(outcome)
    _result_line(outcome)


def _world_notes(outcome: ImportOutcome) -> None:
    """Warnings about the resulting world, one line per kind ("item 'x' is never placed
    anywhere (+7 like it)"): an import of a compendium places nothing, by nature."""
    if not outcome.warnings:
        return
    groups: dict[str, list[Problem]] = defaultdict(list)
    for problem in outcome.warnings:
        groups[problem.hint or problem.message].append(problem)
    console.print(f"[dim]Notes on the resulting world ({len(outcome.warnings)}):[/]")
    for problems in groups.values():
        first = problems[0]
        more = f" (+{len(problems) - 1} like it)" if len(problems) > 1 else ""
        console.print(f"  [yellow]•[/] {escape(first.message)}{more}")
        if first.hint:
            console.print(f"    [dim]{escape(first.hint)}[/]")


def _actions(outcome: ImportOutcome) -> list[tuple[Entry, str, str]]:
    """(entry, final id, action) for every planned entry: added, renamed, replaced,
    unchanged or kept (the author's edited version stays)."""
    merged = outcome.merged
    renamed = {id(e) for e, _ in merged.renamed}
    rows = [(e, f, "renamed" if id(e) in renamed else "added") for e, f in merged.added]
    rows += [(e, f, "replaced") for e, f in merged.replaced]
    rows += [(e, f, "unchanged") for e, f in merged.unchanged]
    rows += [(e, f, "kept") for e, f in merged.kept]
    return rows


def _imported_table(outcome: ImportOutcome) -> None:
    names: dict[tuple[str, str], list[str]] = defaultdict(list)
    counts: dict[tuple[str, str], Counter[str]] = defaultdict(Counter)
    for entry, final, action in _actions(outcome):
        kind = entry.data.get("kind") if entry.section == "characters" else entry.kind
        key = (entry.section, str(kind or entry.kind or entry.section))
        names[key].append(str(entry.data.get("name") or entry.data.get("title") or final))
        counts[key][action] += 1
    if not names:
        return
    table = TextTable(title="Imported", title_justify="left", show_edge=False, pad_edge=False)
    table.add_column("Section")
    table.add_column("Kind")
    table.add_column("Count", justify="right")
    table.add_column("Examples", overflow="fold")
    for (section, kind), found in sorted(names.items()):
        done = counts[(section, kind)]
        notes = [
            f"{done[action]} {word}"
            for action, word in (
                ("replaced", "updated"),
                ("unchanged", "unchanged"),
                ("kept", "kept as you edited"),
            )
            if done[action]
        ]
        count = str(len(found)) + (f" ({', '.join(notes)})" if notes else "")
        examples = "; ".join(found[:3]) + (f"; … +{len(found) - 3}" if len(found) > 3 else "")
        table.add_row(SECTION_NAMES.get(section, section), kind, count, examples)
    console.print(table)
    if outcome.merged.renamed:
        console.print(
            f"[dim]{len(outcome.merged.renamed)} id(s) were taken and got new ones, e.g. "
            + ", ".join(f"{e.id} → {new}" for e, new in outcome.merged.renamed[:3])
            + "[/]"
        )
    if outcome.merged.kept:
        kept = ", ".join(final for _, final in outcome.merged.kept[:5])
        more = f" and {len(outcome.merged.kept) - 5} more" if len(outcome.merged.kept) > 5 else ""
        console.print(
            f"[yellow]Kept your edits[/] to {escape(kept)}{more}: you changed them since "
            "they were imported. Add [bold]--overwrite[/] to replace them with the source's."
        )


def _skipped_table(outcome: ImportOutcome) -> None:
    skipped = outcome.plan.skipped
    if not skipped:
        return
    by_reason: dict[str, list[str]] = defaultdict(list)
    for s in skipped:
        by_reason[s.reason].append(s.origin)
    table = TextTable(title="Skipped", title_justify="left", show_edge=False, pad_edge=False)
    table.add_column("Count", justify="right")
    table.add_column("Why")
    table.add_column("What", overflow="fold")
    for reason, origins in sorted(by_reason.items(), key=lambda kv: -len(kv[1])):
        shown = ", ".join(origins[:3]) + (f", … +{len(origins) - 3}" if len(origins) > 3 else "")
        table.add_row(str(len(origins)), reason, shown)
    console.print(table)


def _result_line(outcome: ImportOutcome) -> None:
    world = f"{outcome.world_id} {outcome.version}"
    count = len(outcome.merged.added) + len(outcome.merged.replaced)
    _unplaced_note(outcome)
    if outcome.status == "dry-run":
        what = "create the world" if outcome.new_world else "add version"
        console.print(
            f"[bold cyan]Dry run:[/] nothing was written. Without --dry-run this would "
            f"{what} {escape(world)} with {count} imported entr{'y' if count == 1 else 'ies'}."
        )
        return
    if outcome.status == "unchanged":
        console.print(f"[green]✓[/] {escape(world)} already holds exactly this; nothing changed.")
        return
    kept = f" (kept {outcome.previous_version})" if outcome.previous_version else ""
    made = "Created" if outcome.new_world else "Installed"
    console.print(
        f"[green]✓[/] {made} {escape(world)}{kept}: {count} imported "
        f"entr{'y' if count == 1 else 'ies'}."
    )
    console.print(f"  Next: [bold]storyai play {escape(outcome.world_id)}[/]")


def _unplaced_note(outcome: ImportOutcome) -> None:
    """Characters no location lists cannot be met in play yet: say so, and how."""
    data = outcome.merged.data
    placed = {c for loc in data.get("locations", {}).values() for c in loc.get("characters", [])}
    new = [f for e, f in outcome.merged.added if e.section == "characters" and f not in placed]
    if new and outcome.status != "unchanged":
        console.print(
            f"[dim]{len(new)} imported character(s) are not placed in any location yet, so "
            "players cannot meet them until you add them to a location's `characters` "
            f"(storyai world export {escape(outcome.world_id)} --to DIR, edit, "
            "storyai world install DIR).[/]"
        )


def outcome_json(outcome: ImportOutcome) -> dict[str, Any]:
    return {
        "source": outcome.plan.source,
        "kind": outcome.plan.kind,
        "world": outcome.world_id,
        "version": outcome.version,
        "previous_version": outcome.previous_version,
        "status": outcome.status,
        "imported": [
            {
                "section": e.section,
                "id": final,
                "name": e.data.get("name") or e.data.get("title"),
                "kind": e.kind,
                "origin": e.origin,
                "action": action,
            }
            for e, final, action in _actions(outcome)
        ],
        "skipped": [{"origin": s.origin, "reason": s.reason} for s in outcome.plan.skipped],
        "warnings": list(outcome.plan.warnings),
        "world_warnings": [p.message for p in outcome.warnings],
    }
