"""Benchmark: Ember Hollow on a real small model, SmolLM2-135M behind llama.cpp's server.

For each prompt profile (compact, full) and each structured mode (json_schema,
json_object, tool, prompt over Chat Completions; and the Anthropic Messages kind,
which asks through a forced tool), a fresh ``llama-server`` (``tests/realmodel``,
one slot, so consecutive turns reuse its prompt cache) and a fresh story play the
same inputs through the play service with the AI narrator configured as a user
would (``[providers.local]``, ``structured``, ``prompt_profile``). Per run:

* **told**: turns the model told with its first reply / after one repair / with its
  prose only (its story came whole but never its JSON: told, proposing nothing) / turns
  the engine told in its own words; "told by model" counts the first two;
* **turn** p50/p95: ``Play.act`` from the input to the stored turn (s);
* **first word** p50/p95: to the first narrated character streamed (s); "warm" is the
  same from the second turn on (the server has the previous prompt cached);
* **prompt** tokens per turn (as the server counts them) and **cached**: the share of
  the prompt tokens the server took from its cache, turns 2 onwards.

Run from the repository root; it needs ``.ci/llama-server`` to have built the server
(``tests/realmodel/llama.py`` finds it). Slow on purpose-built hardware's poor cousin:
keep it to ~10 turns per run on a shared 2-core machine.

    python tests/bench/bench_real_model.py                       # compact and full, all modes
    python tests/bench/bench_real_model.py --profiles compact --turns 10
    python tests/bench/bench_real_model.py --modes json_schema,tool --profiles full --turns 6
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests/, for realmodel

from bench_turns import machine, percentile
from realmodel.llama import LlamaServer, find_llama, why_missing
from rich.console import Console
from rich.table import Table

from storyai.core import services
from storyai.core.config import load_settings
from storyai.core.domain.events import Narration
from storyai.core.narrators.ai import PROSE
from storyai.core.narrators.configured import narrator_for
from storyai.core.play import Play
from storyai.core.storage.memory import InMemoryStore
from storyai.core.worlds.bundled import bundled_world_paths
from storyai.core.worlds.validate import load_world

console = Console(highlight=False, width=None if Console().is_terminal else 140)

INPUTS = (
    "look around",
    "talk to hesta about the village",
    "examine the emberstone",
    "go west",
    "talk to dunnick about gossip",
    "ask dunnick about goblins",
    "go east",
    "go south",
    "talk to wren about the founders",
    "rest by the fire",
    "go north",
    "look at the chapel records",
)
MODES = ("json_schema", "json_object", "tool", "prompt", "anthropic")


@dataclass
class Turn:
    seconds: float
    first_word: float | None
    verdict: str  # "first", "repaired", "prose" (its story without the JSON), "fallback"
    input_tokens: int
    cached_tokens: int
    error: str = ""


@dataclass
class Run:
    profile: str
    mode: str
    turns: list[Turn] = field(default_factory=list)
    window: str = ""


def _config(base_url: str, mode: str, profile: str, folder: Path) -> Path:
    if mode == "anthropic":
        kind, url, structured = "anthropic", base_url, "tool"
    else:
        kind, url, structured = "openai-compatible", f"{base_url}/v1", mode
    path = folder / f"storyai-{profile}-{mode}.toml"
    path.write_text(
        'narration = ["local"]\n\n[providers.local]\n'
        f'kind = "{kind}"\nbase_url = "{url}"\nmodel = "smollm2"\napi_key = "not-needed"\n'
        f'structured = "{structured}"\nprompt_profile = "{profile}"\n'
        "max_retries = 0\ntimeout = 300\nstall_timeout = 120\n",
        encoding="utf-8",
    )
    return path


def _verdict(event: Narration) -> str:
    error = event.error or ""
    if error.startswith("repaired:"):
        return "repaired"
    if error.startswith(PROSE):
        return "prose"
    if error and not error.startswith("left out"):
        return "fallback"
    return "first"


async def play(base_url: str, mode: str, profile: str, turns: int, folder: Path) -> Run:
    settings = load_settings(environ={}, config_file=_config(base_url, mode, profile, folder))
    narrator = narrator_for(settings).narrator
    uow = InMemoryStore().unit_of_work
    await services.install_world(uow, load_world(bundled_world_paths()["ember_hollow"]))
    service = Play(uow, narrator=narrator)
    started = await service.start("ember_hollow", player_name="Ash", seed=3)
    sizing = await narrator.sizer.resolve()  # type: ignore[attr-defined]
    run = Run(profile, mode, window=sizing.describe())
    for n, text in enumerate((INPUTS * 3)[:turns], 1):
        first: list[float] = []
        t0 = time.perf_counter()

        def on_text(piece: str, t0: float = t0, first: list[float] = first) -> None:
            if not first and piece.strip():
                first.append(time.perf_counter() - t0)

        result = await service.act(started.session_id, text, on_text=on_text)
        seconds = time.perf_counter() - t0
        told = [e.event for e in result.events if isinstance(e.event, Narration)]
        if not told or told[-1].usage is None or not told[-1].usage.calls:
            continue  # the rules answered alone (no model call): nothing to measure
        event = told[-1]
        usage = event.usage
        assert usage is not None
        turn = Turn(
            seconds,
            first[0] if first else None,
            _verdict(event),
            usage.input_tokens,
            usage.cached_tokens,
            event.error or "",
        )
        run.turns.append(turn)
        console.print(
            f"  [dim]{profile}/{mode} turn {n}: {turn.verdict}, {seconds:.1f} s, first word "
            f"{turn.first_word or 0:.1f} s, prompt {turn.input_tokens} "
            f"(cached {turn.cached_tokens}) {turn.error[:80]}[/]"
        )
    return run


def _p(values: list[float]) -> str:
    if not values:
        return "-"
    return f"{percentile(values, 50):.1f} / {percentile(values, 95):.1f}"


def report(runs: list[Run]) -> Table:
    table = Table(title=f"Ember Hollow on SmolLM2-135M Q4_1 (llama-server, 1 slot); {machine()}")
    for col in (
        "profile",
        "mode",
        "turns",
        "first reply / repaired / prose / engine",
        "told by model",
        "turn s p50 / p95",
        "first word s p50 / p95",
        "warm first word p50",
        "prompt tokens p50",
        "cached (turn 2+)",
    ):
        table.add_column(col, justify="right")
    for run in runs:
        t = run.turns
        if not t:
            table.add_row(run.profile, run.mode, "0", *["-"] * 7)
            continue
        verdicts = ("first", "repaired", "prose", "fallback")
        counts = [sum(x.verdict == v for x in t) for v in verdicts]
        firsts = [x.first_word for x in t if x.first_word is not None]
        warm = [x.first_word for x in t[1:] if x.first_word is not None and x.verdict != "fallback"]
        later = t[1:]
        cached = sum(x.cached_tokens for x in later) / max(1, sum(x.input_tokens for x in later))
        table.add_row(
            run.profile,
            run.mode,
            str(len(t)),
            " / ".join(map(str, counts)),
            f"{(counts[0] + counts[1]) / len(t):.0%}",
            _p([x.seconds for x in t]),
            _p(firsts),
            f"{percentile(warm, 50):.1f}" if warm else "-",
            f"{percentile([x.input_tokens for x in t], 50):,.0f}",
            f"{cached:.0%}" if later else "-",
        )
    return table


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--turns", type=int, default=10)
    parser.add_argument("--modes", default=",".join(MODES))
    parser.add_argument("--profiles", default="compact,full")
    parser.add_argument("--ctx", type=int, default=8192, help="the server's context window")
    args = parser.parse_args()
    files = find_llama()
    if files is None:
        sys.exit(why_missing())

    async def go() -> list[Run]:
        runs = []
        with tempfile.TemporaryDirectory() as tmp:
            for profile in args.profiles.split(","):
                for mode in args.modes.split(","):
                    with LlamaServer(files, ctx=args.ctx, log_path=Path(tmp) / "llama.log") as srv:
                        console.print(f"[bold]{profile} / {mode}[/] on {srv.base_url}")
                        runs.append(await play(srv.base_url, mode, profile, args.turns, Path(tmp)))
                        console.print(f"  {runs[-1].window}")
        return runs

    runs = asyncio.run(go())
    console.print(report(runs))


if __name__ == "__main__":
    main()
