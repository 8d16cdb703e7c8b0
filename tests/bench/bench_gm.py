"""Benchmark: what the AI game master's memory costs over a 1,000-turn story.

Plays Ember Hollow for 1,000 turns through the play service (``Play.act``) with the AI
narrator wired exactly as in play (router, prompt builder, validator, chapter
summaries, full-text recall, a real database) but with a zero-latency scripted
model, so every millisecond measured is the engine's. It reports:

* prompt tokens per turn at turns 10, 100 and 1,000, beside a naive prompt
  that carries the full history verbatim (same tokenizer);
* the share of each prompt that is byte-identical to the previous turn's prompt
  prefix (what a provider's prefix cache can reuse), and the share up to the
  last cache breakpoint;
* recall: five facts planted in turns 1-5 are asked about at turn 1,000; a fact
  counts as recalled when its answer is in that prompt;
* engine overhead per turn (``Play.act``, storage included, model excluded):
  p50/p95 around turns 10, 100 and 1,000, and prompt assembly alone.

Run from the repository root (not part of the test suite):

    python tests/bench/bench_gm.py                  # temp SQLite file
    python tests/bench/bench_gm.py --memory         # in-memory store
    python tests/bench/bench_gm.py --database-url postgresql://postgres@127.0.0.1:5432/postgres
    python tests/bench/bench_gm.py --turns 300      # shorter
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import time
from dataclasses import dataclass, field

from bench_turns import LOOP, machine, open_store, percentile
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from storyai.core import services
from storyai.core.llm.fake import ScriptedModel, prompt_text
from storyai.core.llm.port import ModelRequest
from storyai.core.llm.router import RouteEntry, Router
from storyai.core.memory.context import RULES, world_bible
from storyai.core.memory.tokens import default_tokenizer
from storyai.core.narrators.ai import AINarrator
from storyai.core.play import Play
from storyai.core.worlds.bundled import bundled_world_paths
from storyai.core.worlds.validate import load_world

console = Console(highlight=False, width=None if Console().is_terminal else 110)

# (what the player says early on, what the GM answers, the question at the end, the answer)
FACTS = [
    (
        "tell me about brannock's family",
        "Brannock's daughter is called Mirelle; she keeps the forge ledgers.",
        "what is the name of brannock's daughter?",
        "Mirelle",
    ),
    (
        "ask about the ferry toll",
        "The ferryman at Cold Ford charges three copper bells per crossing.",
        "how much does the ferryman charge at cold ford?",
        "three copper bells",
    ),
    (
        "ask about the chapel bell",
        "The chapel bell was cast in distant Orrin and cracked in the Long Winter.",
        "where was the chapel bell cast?",
        "Orrin",
    ),
    (
        "ask about hesta's brother",
        "Hesta's brother Tobin drowned at Cold Ford twenty winters ago.",
        "what happened to hesta's brother?",
        "Tobin",
    ),
    (
        "ask about the miners' watchword",
        "The old miners' watchword was ashfall, scratched above the office door.",
        "what was the old miners' watchword?",
        "ashfall",
    ),
]
WEATHER = [
    "Snow sifts down from a white sky.",
    "Smoke leans sideways from the chimneys.",
    "Somewhere a dog barks twice and goes quiet.",
    "The wind finds every gap in your coat.",
    "Boots crunch on the frozen ruts.",
]


def section(request: ModelRequest, name: str) -> str:
    return next((s.text for s in request.sections if s.name == name), "")


def scripted(request: ModelRequest) -> str:
    if request.task == "summary":
        turns = [x for x in section(request, "turns").splitlines() if x.startswith("[Turn")]
        return "The hero " + "; then ".join(t.split("] ", 1)[-1][:60] for t in turns) + "."
    said = json.loads(section(request, "input").rsplit("says: ", 1)[-1])
    for early, told, _, _ in FACTS:
        if said == early:
            return _reply(told)
    return _reply(f"You {said}. {WEATHER[len(said) % len(WEATHER)]}")


def _reply(narrative: str) -> str:
    return json.dumps(
        {
            "narrative": narrative,
            "dialogue": [],
            "choices": [{"id": "a", "text": "Look around"}, {"id": "b", "text": "Go north"}],
            "state_changes": {
                "location": None,
                "discovered": [],
                "items": [],
                "gold": 0,
                "hp": [],
                "quests": [],
                "lore": [],
                "attitudes": [],
            },
            "check": None,
            "media_hints": {"image_prompt": "", "ambient_audio": ""},
        }
    )


@dataclass
class Run:
    turn_ms: dict[int, float] = field(default_factory=dict)
    prompt_tokens: dict[int, int] = field(default_factory=dict)
    naive_tokens: dict[int, int] = field(default_factory=dict)
    prefix_share: dict[int, float] = field(default_factory=dict)
    breakpoint_share: dict[int, float] = field(default_factory=dict)
    assembly_ms: list[float] = field(default_factory=list)
    recalled: list[tuple[str, bool, str]] = field(default_factory=list)
    chapters: int = 0


def common_prefix(a: str, b: str) -> int:
    n = min(len(a), len(b))
    lo, hi = 0, n
    while lo < hi:  # binary search on equal prefixes (fast for long prompts)
        mid = (lo + hi + 1) // 2
        if a[:mid] == b[:mid]:
            lo = mid
        else:
            hi = mid - 1
    return lo


async def play(args: argparse.Namespace, uow) -> Run:
    world = load_world(bundled_world_paths()["ember_hollow"])
    model = ScriptedModel(default=scripted, chunk_size=24)
    router = Router({"narration": [RouteEntry(model)], "summary": [RouteEntry(model)]})
    narrator = AINarrator(router)
    count = default_tokenizer().count
    original = narrator.prompt_for

    run = Run()

    def timed_prompt(request, sizing=None):
        t0 = time.perf_counter()
        prompt = original(request, sizing)
        run.assembly_ms.append((time.perf_counter() - t0) * 1000)
        return prompt

    narrator.prompt_for = timed_prompt  # type: ignore[method-assign]
    await services.install_world(uow, world, source="bench")
    service = Play(uow, narrator=narrator)
    start = await service.start("ember_hollow", player_name="Ash", seed=3)
    static = count(RULES) + count("\n".join(world_bible(world, start.state)))
    history_tokens = 0
    inputs = [f[0] for f in FACTS]
    while len(inputs) < args.turns - len(FACTS):
        inputs += LOOP
    inputs = inputs[: args.turns - len(FACTS)] + [f[2] for f in FACTS]
    previous: ModelRequest | None = None
    columns = [TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn()]
    with Progress(*columns, TimeElapsedColumn(), console=console) as progress:
        task = progress.add_task("playing", total=len(inputs))
        for n, text in enumerate(inputs, 1):
            seen = len(model.requests)
            t0 = time.perf_counter()
            result = await service.act(start.session_id, text)
            run.turn_ms[n] = (time.perf_counter() - t0) * 1000
            narrations = [r for r in model.requests[seen:] if r.task == "narration"]
            if narrations:
                request = narrations[0]
                run.prompt_tokens[n] = sum(s.tokens for s in request.sections)
                scene_and_input = section(request, "scene") + section(request, "input")
                run.naive_tokens[n] = static + history_tokens + count(scene_and_input)
                if previous is not None:
                    now, before = prompt_text(request), prompt_text(previous)
                    run.prefix_share[n] = common_prefix(now, before) / len(now)
                    cached = "\n\n".join(
                        s.text
                        for s in previous.sections
                        if s.name in ("rules", "world", "summaries", "recent")
                    )
                    run.breakpoint_share[n] = len(cached) / len(now) if _starts(now, cached) else 0
                previous = request
                if n > len(inputs) - len(FACTS):
                    fact = FACTS[n - (len(inputs) - len(FACTS)) - 1]
                    where = [s.name for s in request.sections if fact[3] in s.text]
                    run.recalled.append((fact[2], bool(where), ", ".join(where) or "-"))
            told = " ".join(line.text for line in result.lines)
            history_tokens += count(f"[Turn {n}] Ash: {text}\nGM: {told}\n\n")
            progress.advance(task)
    run.chapters = result.state.chapters[-1].number if result.state.chapters else 0
    return run


def _starts(text: str, prefix: str) -> bool:
    # The prompt is system text + "\n\n" + user text; the breakpoint prefix spans both.
    return text.replace("\n\n", "\x00", 1).startswith(prefix.replace("\n\n", "\x00", 1))


def window(run: Run, mark: int, values: dict[int, float], width: int = 10) -> list[float]:
    return [v for t, v in values.items() if mark - width < t <= mark]


def report(run: Run, label: str, turns: int) -> None:
    marks = [m for m in (10, 100, 1000) if m <= turns]
    table = Table(title=f"AI game master, {turns} turns, {label}; {machine()}")
    for col in ("turn", "prompt tokens", "naive tokens", "prefix reused", "to breakpoint 3"):
        table.add_column(col, justify="right")
    table.add_column("engine ms p50/p95", justify="right")
    for mark in marks:
        at = max(t for t in run.prompt_tokens if t <= mark)
        shares = window(run, mark, run.prefix_share)
        bps = window(run, mark, run.breakpoint_share)
        times = window(run, mark, run.turn_ms, width=20)
        table.add_row(
            str(mark),
            f"{run.prompt_tokens[at]:,}",
            f"{run.naive_tokens[at]:,}",
            f"{statistics.mean(shares):.1%}" if shares else "-",
            f"{statistics.mean(bps):.1%}" if bps else "-",
            f"{percentile(times, 50):.1f} / {percentile(times, 95):.1f}",
        )
    console.print(table)
    shares = list(run.prefix_share.values())
    console.print(
        f"Prefix reused, all turns: mean {statistics.mean(shares):.1%}, "
        f"p10 {percentile(shares, 10):.1%}; chapters closed: {run.chapters}"
    )
    console.print(
        f"Prompt assembly alone: p50 {percentile(run.assembly_ms, 50):.2f} ms, "
        f"p95 {percentile(run.assembly_ms, 95):.2f} ms"
    )
    hits = sum(ok for _, ok, _ in run.recalled)
    console.print(f"Recall at turn {turns}: {hits}/{len(run.recalled)} planted facts in the prompt")
    for question, ok, where in run.recalled:
        console.print(f"  {'yes' if ok else 'NO '}  {question}  [dim]({where})[/]")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--turns", type=int, default=1000)
    parser.add_argument("--memory", action="store_true", help="the in-memory store")
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--in-place", action="store_true")
    args = parser.parse_args()

    async def go() -> None:
        async with open_store(args) as store:
            run = await play(args, store.uow)
            report(run, store.label, args.turns)

    asyncio.run(go())


if __name__ == "__main__":
    main()
