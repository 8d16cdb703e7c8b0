"""Benchmark: how fast imports read, convert and write.

* the real LevelDB fixture pack (Worlds Without Number monsters, 810 keys:
  147 actors and their 663 embedded items), read with our pure-Python reader;
* a generated NeDB pack of 10,000 documents (the dnd5e 5.3.3 fixture monsters,
  items, spells and journals repeated under new ids and names), written to a
  temp folder first;
* the SRD install: reading SRD 5.1 and 5.2 (2,954 entries) and writing the
  library in one transaction.

Documents per second count primary documents (an actor with its items is one).
Each stage is timed on its own, best of ``--repeat`` runs: read (files to
documents), convert (documents to world entries), and import (merge, validate
the whole world, write one new version; "first" is the first run, which stores the raw
documents, later runs of the same pack find them stored). "End to end" is read + convert
+ import of the same pack, each timed on its own. A second table gives the same runs in
CPU seconds (``time.process_time``), which others' jobs on a shared machine change far
less than wall time. Run from the repository root:

    python tests/bench/bench_import.py                   # temp SQLite file
    python tests/bench/bench_import.py --database-url postgresql://postgres@127.0.0.1:5432/postgres
"""

from __future__ import annotations

import argparse
import asyncio
import json
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml
from bench_turns import machine, open_store
from rich.console import Console
from rich.table import Table

from storyai.core import library
from storyai.core.domain.records import LibraryRecord
from storyai.core.importers.foundry.convert import plan_from_foundry
from storyai.core.importers.foundry.leveldb import read_leveldb
from storyai.core.importers.foundry.read import read_foundry
from storyai.core.importers.service import import_plan
from storyai.core.importers.srd import read_srd

console = Console(highlight=False, width=None if Console().is_terminal else 150)
CPU_ROWS: list[list[str]] = []
SHARED = Path(__file__).resolve().parents[2].parent / "shared"
FIXTURES = SHARED / "fixtures" / "foundry"


CPU: dict[str, float] = {}
"""Stage -> CPU seconds (``time.process_time``: this process, every thread) of its
best run; on a machine others are using, wall time says more about them than about us."""


def best(repeat: int, work: Callable[[], Any], stage: str = "") -> tuple[float, Any]:
    times, cpu, result = [], [], None
    for _ in range(repeat):
        started, used = time.perf_counter(), time.process_time()
        result = work()
        times.append(time.perf_counter() - started)
        cpu.append(time.process_time() - used)
    if stage:
        CPU[stage] = min(cpu)
    return min(times), result


async def best_async(
    repeat: int, work: Callable[[int], Any], stage: str = ""
) -> tuple[float, float]:
    """(best, first) of ``repeat`` runs: the first writes the raw documents, later runs of
    the same pack find them stored already (each document is kept once)."""
    times, cpu = [], []
    for i in range(repeat):
        started, used = time.perf_counter(), time.process_time()
        await work(i)
        times.append(time.perf_counter() - started)
        cpu.append(time.process_time() - used)
    if stage:
        CPU[stage], CPU[stage + " first"] = min(cpu), cpu[0]
    return min(times), times[0]


def generate_nedb(target: Path, count: int) -> Path:
    """``count`` documents built from the dnd5e 5.3.3 fixtures, new ids and names each."""
    docs = []
    for folder in ("monsters", "items", "spells", "journal"):
        for path in sorted((FIXTURES / "dnd5e-5.3.3-source-yaml" / folder).glob("*.yml")):
            doc = yaml.safe_load(path.read_text(encoding="utf-8"))
            if "_key" in doc and not path.name.startswith("_"):
                docs.append(doc)
    lines = []
    for i in range(count):
        doc = json.loads(json.dumps(docs[i % len(docs)]))
        doc["_id"] = f"gen{i:013d}"
        doc["name"] = f"{doc['name']} {i}"
        doc.pop("_key", None)
        lines.append(json.dumps(doc, ensure_ascii=False))
    pack = target / "generated.db"
    pack.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return pack


async def bench_pack(label: str, path: Path, args: argparse.Namespace, store) -> list[str]:
    source_time, source = best(args.repeat, lambda: read_foundry(path), "read")
    docs = len(source.docs)
    convert_time, plan = best(args.repeat, lambda: plan_from_foundry(source), "convert")

    async def write(i: int) -> None:
        await import_plan(store.uow, plan, new_id=f"bench_{label[:4].lower()}_{i}")

    import_time, first_time = await best_async(args.repeat, write, "import")
    total = source_time + convert_time + import_time
    cpu = [CPU["read"], CPU["convert"], CPU["import first"], CPU["import"]]
    CPU_ROWS.append(
        [
            label,
            *(f"{c:.2f} s" for c in cpu),
            f"{docs / (cpu[0] + cpu[1] + cpu[2]):,.0f}",
            f"{docs / (cpu[0] + cpu[1] + cpu[3]):,.0f}",
        ]
    )
    return [
        label,
        f"{docs:,}",
        f"{len(plan.entries):,}",
        f"{docs / source_time:,.0f}",
        f"{docs / convert_time:,.0f}",
        f"{first_time:.2f} s",
        f"{import_time:.2f} s",
        f"{docs / (source_time + convert_time + first_time):,.0f}",
        f"{docs / total:,.0f}",
    ]


async def bench_srd(args: argparse.Namespace, store) -> tuple[float, float, int]:
    read_time, read = best(args.repeat, lambda: read_srd(SHARED / "srd_data"))
    records = [
        LibraryRecord("srd", e.edition, e.kind, e.key, e.name, e.summary, e.text, e.data)
        for e in read.entries
    ]

    async def write(i: int) -> None:
        await library.install(store.uow, records, origin="bench")

    write_time, _ = await best_async(args.repeat, write)
    return read_time, write_time, len(records)


async def main(args: argparse.Namespace) -> None:
    console.print(f"[bold]Import benchmark[/] — {machine()}")
    async with open_store(args) as store:
        console.print(f"Store: {store.label} {store.detail or ''}")
        raw_time, raw = best(
            args.repeat, lambda: read_leveldb(FIXTURES / "wwn-leveldb" / "ose-monsters")
        )
        rows = [
            await bench_pack(
                "LevelDB fixture (WWN)", FIXTURES / "wwn-leveldb" / "ose-monsters", args, store
            )
        ]
        with tempfile.TemporaryDirectory(prefix="storyai-bench-") as folder:
            pack = generate_nedb(Path(folder), args.documents)
            rows.append(await bench_pack(f"NeDB, {args.documents:,} generated", pack, args, store))
        read_time, write_time, entries = await bench_srd(args, store)

    table = Table(title="Foundry imports (documents per second; best of runs)")
    columns = ("Pack", "Documents", "Entries", "Read/s", "Convert/s", "Import (first)", "Import")
    for column in (*columns, "End to end/s (first)", "End to end/s"):
        table.add_column(column, justify="right" if column != "Pack" else "left")
    for row in rows:
        table.add_row(*row)
    console.print(table)
    cpu_table = Table(
        title="The same runs in CPU seconds (best of runs; this process, all threads)"
    )
    for column in ("Pack", "Read", "Convert", "Import (first)", "Import"):
        cpu_table.add_column(column, justify="right" if column != "Pack" else "left")
    for column in ("End to end/s (first)", "End to end/s"):
        cpu_table.add_column(column, justify="right")
    for row in CPU_ROWS:
        cpu_table.add_row(*row)
    console.print(cpu_table)
    console.print(
        f"LevelDB bytes to key/values alone: {len(raw.items):,} keys in {raw_time * 1000:.0f} ms "
        f"({len(raw.items) / raw_time:,.0f} keys/s)"
    )
    console.print(
        f"SRD install: read {entries:,} entries in {read_time:.2f} s, wrote the library in "
        f"{write_time:.2f} s ({store.label}); total {read_time + write_time:.2f} s"
    )


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", help="PostgreSQL or SQLite URL (default: temp SQLite)")
    parser.add_argument("--memory", action="store_true", help="use the in-memory store")
    parser.add_argument("--in-place", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--documents", type=int, default=10_000, help="generated pack size")
    parser.add_argument("--repeat", type=int, default=3, help="runs per stage (best is kept)")
    return parser.parse_args(argv)


if __name__ == "__main__":
    asyncio.run(main(parse_args()))
