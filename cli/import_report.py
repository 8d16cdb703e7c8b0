"""How an import is shown: what was imported, what was skipped and why, what it made."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from storyai.cli.render import console
from storyai.core.domain.errors import Problem
from storyai.core.importers.service import ImportOutcome

SECTION_NAMES = {
    "characters": "characters",
    "items": "items",
    "lore": "lore",
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
            bar.update(task, description=escape(label)[:60], completed=done, total=total or None)

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


def _imported_table(outcome: ImportOutcome) -> None:
    rows: dict[tuple[str, str], list[str]] = defaultdict(list)
    actions: dict[tuple[str, str], Counter[str]] = defaultdict(Counter)
    replaced = {id(e) for e, _ in outcome.merged.replaced}
    for entry, final in [*outcome.merged.added, *outcome.merged.replaced]:
        key = (entry.section, entry.kind or entry.section)
        rows[key].append(str(entry.data.get("name") or entry.data.get("title") or final))
        actions[key]["replaced" if id(entry) in replaced else "new"] += 1
    if not rows:
        return
    table = Table(title="Imported", title_justify="left", show_edge=False, pad_edge=False)
    table.add_column("Section")
    table.add_column("Kind")
    table.add_column("Count", justify="right")
    table.add_column("Examples", overflow="fold")
    for (section, kind), names in sorted(rows.items()):
        count = str(len(names))
        if actions[(section, kind)]["replaced"]:
            count += f" ({actions[(section, kind)]['replaced']} updated)"
        examples = ", ".join(names[:3]) + (f", … +{len(names) - 3}" if len(names) > 3 else "")
        table.add_row(SECTION_NAMES.get(section, section), kind, count, escape(examples))
    console.print(table)
    if outcome.merged.renamed:
        console.print(
            f"[dim]{len(outcome.merged.renamed)} id(s) were taken and got new ones, e.g. "
            + ", ".join(f"{e.id} → {new}" for e, new in outcome.merged.renamed[:3])
            + "[/]"
        )


def _skipped_table(outcome: ImportOutcome) -> None:
    skipped = outcome.plan.skipped
    if not skipped:
        return
    by_reason: dict[str, list[str]] = defaultdict(list)
    for s in skipped:
        by_reason[s.reason].append(s.origin)
    table = Table(title="Skipped", title_justify="left", show_edge=False, pad_edge=False)
    table.add_column("Count", justify="right")
    table.add_column("Why")
    table.add_column("What", overflow="fold")
    for reason, origins in sorted(by_reason.items(), key=lambda kv: -len(kv[1])):
        shown = ", ".join(origins[:3]) + (f", … +{len(origins) - 3}" if len(origins) > 3 else "")
        table.add_row(str(len(origins)), escape(reason), escape(shown))
    console.print(table)


def _result_line(outcome: ImportOutcome) -> None:
    world = f"{outcome.world_id} {outcome.version}"
    count = len(outcome.merged.added) + len(outcome.merged.replaced)
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


def outcome_json(outcome: ImportOutcome) -> dict[str, Any]:
    replaced = {id(e) for e, _ in outcome.merged.replaced}
    renamed = {id(e) for e, _ in outcome.merged.renamed}
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
                "action": "replaced"
                if id(e) in replaced
                else "renamed"
                if id(e) in renamed
                else "added",
            }
            for e, final in [*outcome.merged.added, *outcome.merged.replaced]
        ],
        "skipped": [{"origin": s.origin, "reason": s.reason} for s in outcome.plan.skipped],
        "warnings": list(outcome.plan.warnings),
        "world_warnings": [p.message for p in outcome.warnings],
    }
