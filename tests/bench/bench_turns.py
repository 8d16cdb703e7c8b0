"""Benchmark: does a turn cost the same at turn 10, 1,000 and 10,000?

Plays one long story in the bundled world Ember Hollow through the play service every
interface calls (``Play.act``, one service for the whole run, as a process keeps it),
against a real database, and reports:

* per-turn engine time (``Play.act``: rules, narration and storage, both transactions)
  as p50/p95/p99 over a window of turns around turn 10, 1,000 and 10,000;
* the load of a story by a fresh process (a new ``Play``: no cached world or state; the
  world validated, the nearest snapshot and the events since read) at those lengths.

``--narrator offline`` (the default) tells turns with the built-in narrator;
``--narrator ai`` with the AI narrator on a scripted model that answers at once (no
latency): the prompt, memory (recent turns, recall), chapter summaries and the reply's
checks are all the engine's work, so its cost is what the engine adds to a model.

The story never ends: the player walks between the village square, the tavern
and the chapel, talks, looks, rests and checks their pack; nothing there can
fight or finish the story. Any input that is not understood, or an ending,
stops the run with an error.

Run from the repository root (not part of the test suite):

    python tests/bench/bench_turns.py                 # 10,000 turns on a temp SQLite file
    python tests/bench/bench_turns.py --quick         # 1,200 turns
    python tests/bench/bench_turns.py --database-url postgresql://postgres@127.0.0.1:5432/postgres
    python tests/bench/bench_turns.py --memory        # the in-memory store
    python tests/bench/bench_turns.py --narrator ai   # the AI narrator, a model with no latency
    python tests/bench/bench_turns.py --profile turns.prof   # cProfile the last window

With a PostgreSQL URL, a throwaway database is created on that server (the
database in the URL is only used to connect; the user needs CREATEDB), migrated,
and dropped at the end. ``--in-place`` uses the named database itself instead.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import io
import os
import platform
import pstats
import statistics
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Table

from storyai.core import services
from storyai.core.llm.fake import ScriptedModel
from storyai.core.llm.port import ModelRequest
from storyai.core.llm.router import RouteEntry, Router
from storyai.core.narrators.ai import AINarrator
from storyai.core.narrators.port import Narrator
from storyai.core.play import Play
from storyai.core.storage.database import Database, ensure_ready
from storyai.core.storage.memory import InMemoryStore
from storyai.core.storage.ports import UnitOfWorkFactory
from storyai.core.storage.sql import SqlUnitOfWork
from storyai.core.worlds.bundled import bundled_world_paths
from storyai.core.worlds.validate import load_world

WORLD = "ember_hollow"
MARKS = (10, 1_000, 10_000)

# A loop in the village: the square (Reeve Hesta), the tavern (Dunnick) to its
# west, the chapel (Sister Wren) to its south. Nobody here fights, nothing here
# ends the story, and no topic hands out items (so the pack does not grow).
LOOP = (
    "look",
    "talk to hesta about village",
    "examine emberstone",
    "go west",
    "talk to dunnick about gossip",
    "inventory",
    "ask dunnick about goblins",
    "rest",
    "go east",
    "quests",
    "go south",
    "talk to wren about founders",
    "talk to wren",
    "sheet",
    "go north",
    "talk to hesta about goblins",
)

console = Console(highlight=False, width=None if Console().is_terminal else 110)


# ------------------------------------------------------------------ storage


@dataclass
class Store:
    label: str
    uow: UnitOfWorkFactory
    detail: str = ""
    size: Callable[[], str] = field(default=lambda: "")


def _admin_dsn(url: str) -> str:
    """The server's URL as asyncpg takes it (no driver, no driver options)."""
    from sqlalchemy.engine import make_url

    server = make_url(url).set(drivername="postgresql", query={})
    return server.render_as_string(hide_password=False)


def _with_database(url: str, database: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).set(database=database).render_as_string(hide_password=False)


async def _admin(dsn: str, statement: str) -> None:
    import asyncpg

    connection = await asyncpg.connect(dsn)
    try:
        await connection.execute(statement)
    finally:
        await connection.close()


@asynccontextmanager
async def open_store(args: argparse.Namespace) -> AsyncIterator[Store]:
    """The store to play on: in-memory, a temp SQLite file, or PostgreSQL."""
    if args.memory:
        yield Store("in-memory store", InMemoryStore().unit_of_work)
        return
    if args.database_url and args.database_url.startswith(("postgres", "postgresql")):
        if args.in_place:
            async with _database(args.database_url) as db:
                yield Store("PostgreSQL", _factory(db), db.display_url)
            return
        name = f"storyai_bench_{uuid.uuid4().hex[:10]}"
        await _admin(_admin_dsn(args.database_url), f'CREATE DATABASE "{name}"')
        try:
            url = _with_database(args.database_url, name)
            async with _database(url) as db:
                yield Store("PostgreSQL", _factory(db), f"{db.display_url} (throwaway)")
        finally:
            await _admin(
                _admin_dsn(args.database_url), f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'
            )
        return
    if args.database_url:
        async with _database(args.database_url) as db:
            yield Store("SQL", _factory(db), db.display_url)
        return
    with tempfile.TemporaryDirectory(prefix="storyai-bench-") as folder:
        path = Path(folder) / "bench.db"
        async with _database(f"sqlite:///{path}") as db:
            yield Store("SQLite file", _factory(db), str(path), lambda: _mib(path))


@asynccontextmanager
async def _database(url: str) -> AsyncIterator[Database]:
    db = Database(url)
    try:
        await ensure_ready(db, auto_migrate=True)  # the way bootstrap.build does
        yield db
    finally:
        await db.dispose()


def _factory(db: Database) -> UnitOfWorkFactory:
    return lambda: SqlUnitOfWork(db)


def _mib(path: Path) -> str:
    size = sum(p.stat().st_size for p in path.parent.glob(path.name + "*"))
    return f"{size / 2**20:.1f} MiB"


# ------------------------------------------------------------------ the run


@dataclass
class Results:
    turns: int
    marks: list[int]
    windows: dict[int, tuple[int, int]]
    turn_ms: dict[int, list[float]] = field(default_factory=dict)
    """Every turn's take_turn time in ms, by turn number."""
    load_ms: dict[int, list[float]] = field(default_factory=dict)
    """resume() times in ms, by the session's length in turns."""
    wall_s: float = 0.0
    narrator: str = "offline"


def plan(turns: int, window: int) -> tuple[list[int], dict[int, tuple[int, int]]]:
    """The marks to report and, for each, the turns [first, last] whose times count."""
    marks = [m for m in MARKS if m <= turns]
    if turns not in marks and turns > (marks[-1] if marks else 0):
        marks.append(turns)
    windows = {}
    for mark in marks:
        first = max(1, mark - window // 2)
        last = min(turns, first + window - 1)
        first = max(1, last - window + 1)
        windows[mark] = (first, last)
    return marks, windows


async def timed(call: Awaitable[Any]) -> tuple[Any, float]:
    start = time.perf_counter()
    result = await call
    return result, (time.perf_counter() - start) * 1000


async def measure_loads(uow: UnitOfWorkFactory, session_id: str, repeats: int) -> list[float]:
    """Opening the story as a fresh process does: nothing cached."""
    out = []
    for _ in range(repeats):
        (state, _world), ms = await timed(Play(uow).state(session_id))
        assert state.ending is None
        out.append(ms)
    return out


def instant_model() -> Narrator:
    """The AI narrator on a model that answers at once: a short reply in the structured
    format, an echo of what the player did; chapter summaries likewise."""
    import json

    def answer(request: ModelRequest) -> str:
        if request.task == "summary":
            return "The hero walked the village, talked and rested."
        asked = next((s.text for s in request.sections if s.name == "input"), "")
        said = asked.rsplit("says: ", 1)[-1][:80]
        return json.dumps(
            {
                "narrative": f"You {said}. The snow keeps falling on Ember Hollow.",
                "dialogue": [],
                "choices": [{"id": "a", "text": "Look around"}],
                "state_changes": {},
                "check": None,
                "media_hints": {"image_prompt": "", "ambient_audio": ""},
            }
        )

    model = ScriptedModel(name="instant", default=answer, chunk_size=64, keep=0)
    return AINarrator(Router({"narration": [RouteEntry(model)], "summary": [RouteEntry(model)]}))


async def run(args: argparse.Namespace, store: Store) -> Results:
    turns = args.turns
    marks, windows = plan(turns, args.window)
    results = Results(turns, marks, windows, narrator=args.narrator)
    uow = store.uow
    world = load_world(bundled_world_paths()[WORLD])
    await services.install_world(uow, world, source="bench")
    narrator = instant_model() if args.narrator == "ai" else None
    play = Play(uow, narrator=narrator)
    opening = await play.start(WORLD, player_name="Bench", seed=args.seed)
    session_id = opening.session_id
    profile_window = windows[marks[-1]] if args.profile else None
    profiler = cProfile.Profile() if args.profile else None

    columns = (
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[rate]}"),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
    )
    started = time.perf_counter()
    with Progress(*columns, console=console, transient=False) as progress:
        task = progress.add_task(f"turns on {store.label}", total=turns, rate="")
        recent: list[float] = []
        for turn in range(1, turns + 1):
            text = LOOP[(turn - 1) % len(LOOP)]
            profiling = profiler is not None and profile_window[0] <= turn <= profile_window[1]
            if profiling:
                profiler.enable()
            result, ms = await timed(play.act(session_id, text))
            if profiling:
                profiler.disable()
            if not result.understood or result.ended or result.turn != turn:
                raise SystemExit(
                    f"turn {turn} ({text!r}) went wrong: understood={result.understood}, "
                    f"ended={result.ended}, turn={result.turn}: "
                    + " / ".join(line.text for line in result.lines)
                )
            results.turn_ms[turn] = ms
            recent.append(ms)
            if turn in marks:
                progress.update(task, description=f"loading at turn {turn:,}")
                results.load_ms[turn] = await measure_loads(uow, session_id, args.loads)
                progress.update(task, description=f"turns on {store.label}")
            if turn % 50 == 0 or turn == turns:
                progress.update(
                    task,
                    completed=turn,
                    rate=f"{statistics.median(recent):.1f} ms/turn (p50 of last 50)",
                )
                recent = []
    results.wall_s = time.perf_counter() - started
    if profiler is not None:
        profiler.dump_stats(args.profile)
        buffer = io.StringIO()
        stats = pstats.Stats(profiler, stream=buffer).sort_stats("cumulative")
        stats.print_stats(25)
        first, last = profile_window
        console.print(f"\n[bold]cProfile of turns {first:,}-{last:,}[/] (saved to {args.profile})")
        console.print(buffer.getvalue(), markup=False)
    return results


# ------------------------------------------------------------------ report


def percentile(values: list[float], p: float) -> float:
    """The p-th percentile (0-100), linear between closest ranks."""
    ordered = sorted(values)
    if len(ordered) == 1:
        return ordered[0]
    rank = (len(ordered) - 1) * p / 100
    low = int(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{os.cpu_count()} CPUs ({cpu}), Python {platform.python_version()}"


def report(results: Results, store: Store) -> Table:
    table = Table(
        title=f"{results.turns:,} turns of {WORLD} with the {results.narrator} narrator, "
        f"{store.label}",
        caption=machine(),
    )
    table.add_column("turn", justify="right")
    table.add_column("window", justify="right")
    for name in ("turn p50", "turn p95", "turn p99", "load p50", "load p95"):
        table.add_column(f"{name} (ms)", justify="right")
    for mark in results.marks:
        first, last = results.windows[mark]
        times = [results.turn_ms[t] for t in range(first, last + 1)]
        loads = results.load_ms[mark]
        table.add_row(
            f"{mark:,}",
            f"{first:,}-{last:,}",
            *(f"{percentile(times, p):.1f}" for p in (50, 95, 99)),
            *(f"{percentile(loads, p):.1f}" for p in (50, 95)),
        )
    return table


def growth(results: Results) -> str:
    first, last = results.marks[0], results.marks[-1]

    def p50(mark: int) -> float:
        a, b = results.windows[mark]
        return percentile([results.turn_ms[t] for t in range(a, b + 1)], 50)

    turn_ratio = p50(last) / p50(first)
    load_ratio = percentile(results.load_ms[last], 50) / percentile(results.load_ms[first], 50)

    def p99(mark: int) -> float:
        a, b = results.windows[mark]
        return percentile([results.turn_ms[t] for t in range(a, b + 1)], 99)

    return (
        f"p50 at turn {last:,} / p50 at turn {first:,}: turns x{turn_ratio:.2f}, "
        f"loads x{load_ratio:.2f}; p99 x{p99(last) / p99(first):.2f}"
    )


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Per-turn and story-load time over a long story.")
    parser.add_argument("--turns", type=int, default=10_000, help="turns to play (10,000)")
    parser.add_argument("--quick", action="store_true", help="1,200 turns (a quick check)")
    where = parser.add_mutually_exclusive_group()
    where.add_argument(
        "--database-url",
        help="a database URL (PostgreSQL: a throwaway database is made on that server)",
    )
    where.add_argument("--memory", action="store_true", help="use the in-memory store")
    parser.add_argument(
        "--in-place",
        action="store_true",
        help="with a PostgreSQL URL: use (and migrate) that database instead of a throwaway one",
    )
    parser.add_argument("--window", type=int, default=100, help="turns per mark (100)")
    parser.add_argument("--loads", type=int, default=20, help="fresh loads per mark (20)")
    parser.add_argument(
        "--narrator",
        choices=("offline", "ai"),
        default="offline",
        help="offline (default), or the AI narrator on a model with no latency",
    )
    parser.add_argument("--seed", type=int, default=7, help="the story's dice seed (7)")
    parser.add_argument("--profile", metavar="FILE", help="cProfile the last window to FILE")
    args = parser.parse_args(argv)
    if args.quick:
        args.turns = 1_200
    if args.turns < 1:
        parser.error("--turns must be at least 1")
    return args


async def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    async with open_store(args) as store:
        console.print(f"[bold]Storage:[/] {store.label} {store.detail}")
        console.print(f"[bold]Machine:[/] {machine()}")
        results = await run(args, store)
        size = store.size()
    console.print(report(results, store))
    console.print(growth(results))
    console.print(
        f"{results.turns:,} turns in {results.wall_s:.0f} s"
        + (f"; database {size}" if size else "")
    )


if __name__ == "__main__":
    asyncio.run(main())
