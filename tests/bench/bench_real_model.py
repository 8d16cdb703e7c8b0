"""Benchmark: Ember Hollow on a real small model, SmolLM2-135M behind llama.cpp's server.

For each prompt profile (compact, full) and each structured mode (json_schema,
json_object, tool, prompt over Chat Completions; and the Anthropic Messages kind,
which asks through a forced tool), a fresh ``llama-server`` (``tests/realmodel``,
one slot, so consecutive turns reuse its prompt cache) and a fresh story play the
same inputs through the play service with the AI narrator configured as a user
would (``[providers.local]``, ``structured``, ``prompt_profile``, ``prewarm``). After
each turn the bench waits for the warm-up for the next turn (``play/warming.py``; on
for llama-server unless ``--prewarm off``), as a player reads before acting. Per run:

* **told**: turns the model told with its first reply / after one repair / with its
  prose only (its story came whole but never its JSON: told, proposing nothing) / turns
  the engine told in its own words; "told by model" counts the first two;
* **turn** p50/p95: ``Play.act`` from the input to the stored turn (s);
* **first word** p50/p95: to the first narrated character streamed (s); "warm" is the
  same from the second turn on (the server has the previous prompt cached);
* **prompt** tokens per turn (as the server counts them) and **cached**: the share of
  the prompt tokens the server took from its cache, turns 2 onwards;
* what the server itself says (its ``timings``, read through a recording proxy in
  front of it) of each turn's first request: the share it took from its cache (the
  usage column above also counts a repair request, whose prompt is all cached),
  **read** (prompt tokens it had to evaluate, the rest came from its cache),
  **before** (tokens it streamed before the narrative's first character:
  ``{"narrative": "`` and any whitespace the grammar allows), the first word as the
  server timed it (``prompt_ms`` plus those tokens at its generation speed), and
  **computed**: the same at the speeds of a quiet 2-core machine (``--prompt-tps``,
  ``--gen-tps``: 250 prompt and 20 generated tokens a second, a cautious figure: llama.cpp
  0.3.36's grammar sampling measured 36-40 tokens a second on a busy machine, about
  what it generates without one), which stays meaningful where wall times are not;
* **warm-up**: the prompt tokens the server read for each warm-up (p50) and how long
  it took (s): the work moved to while the player reads.

Run from the repository root; it needs ``.ci/llama-server`` to have built the server
(``tests/realmodel/llama.py`` finds it, or ``STORYAI_LLAMA_SERVER`` and
``STORYAI_LLAMA_MODEL``). Slow on purpose-built hardware's poor cousin: keep it to
~10 turns per run on a shared 2-core machine.

    python tests/bench/bench_real_model.py                       # compact and full, all modes
    python tests/bench/bench_real_model.py --profiles compact --turns 10
    python tests/bench/bench_real_model.py --modes json_schema,tool --profiles full --turns 6

The README's numbers (issue 13) come from, on a quiet machine (nothing else running;
``uptime`` load below 0.2; llama.cpp on both cores):

    eval "$(.ci/llama-server)"
    python tests/bench/bench_real_model.py --profiles compact --turns 8 \\
        --modes json_schema,json_object,tool,prompt,anthropic
    python tests/bench/bench_real_model.py --profiles compact --modes json_schema --turns 10
    python tests/bench/bench_real_model.py --profiles full --modes json_schema --turns 8
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests/, for realmodel

from bench_turns import machine, percentile
from realmodel.llama import LlamaServer, default_threads, find_llama, why_missing
from realmodel.proxy import Recorded, RecordingProxy, Reply
from realmodel.wire import is_warmup
from rich.console import Console
from rich.table import Table

from storyai.core import services
from storyai.core.config import load_settings
from storyai.core.domain.events import Narration
from storyai.core.narrators.ai import PROSE
from storyai.core.narrators.configured import narrator_for
from storyai.core.narrators.reply import NarrativeStream
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
    server: Served | None = None  # the turn's first request, as the server timed it
    warm: Served | None = None  # the warm-up for the next turn sent after it, if any


@dataclass(frozen=True)
class Served:
    """One request as llama-server reports it in its ``timings`` (the last SSE chunk)."""

    read: int  # prompt tokens evaluated (``prompt_n``); the cached ones are ``cache_n``
    cached: int
    prompt_ms: float
    generated: int
    gen_ms: float
    before: int | None  # tokens streamed before the narrative's first character

    @property
    def first_word_s(self) -> float | None:
        """The first narrated character as the server timed it: the prompt read, then
        ``before`` tokens (and the first of the narrative) at its generation speed."""
        if self.before is None or not self.generated:
            return None
        return (self.prompt_ms + (self.before + 1) * self.gen_ms / self.generated) / 1000

    def computed_s(self, prompt_tps: float, gen_tps: float) -> float | None:
        """The same at the given speeds (tokens a second)."""
        if self.before is None:
            return None
        return self.read / prompt_tps + (self.before + 1) / gen_tps


def _streamed(event: dict) -> list[str]:
    """The reply text one SSE event carries: Chat Completions content or tool-call
    arguments, or an Anthropic Messages text or tool-input delta."""
    out = []
    for choice in event.get("choices") or ():
        delta = choice.get("delta") or {}
        text = delta.get("content") or ""
        for call in delta.get("tool_calls") or ():
            text += (call.get("function") or {}).get("arguments") or ""
        out.append(text)
    delta = event.get("delta") if event.get("type") == "content_block_delta" else None
    if isinstance(delta, dict):
        out.append(delta.get("text") or delta.get("partial_json") or "")
    return [text for text in out if text]


def served(reply: Reply) -> Served | None:
    """What the server said of one streamed Chat Completions reply (None without timings)."""
    timings: dict = {}
    narrative = NarrativeStream()
    before: int | None = None
    tokens = 0
    for event in reply.events():
        timings = event.get("timings") or timings
        for text in _streamed(event):
            if before is None and narrative.feed(text).strip():
                before = tokens  # llama-server streams one token a chunk
            tokens += 1
    if not timings:
        return None
    return Served(
        read=int(timings.get("prompt_n") or 0),
        cached=int(timings.get("cache_n") or 0),
        prompt_ms=float(timings.get("prompt_ms") or 0.0),
        generated=int(timings.get("predicted_n") or 0),
        gen_ms=float(timings.get("predicted_ms") or 0.0),
        before=before,
    )


@dataclass
class Run:
    profile: str
    mode: str
    turns: list[Turn] = field(default_factory=list)
    window: str = ""


def _config(base_url: str, mode: str, profile: str, folder: Path, prewarm: str) -> Path:
    if mode == "anthropic":
        kind, url, structured = "anthropic", base_url, "tool"
    else:
        kind, url, structured = "openai-compatible", f"{base_url}/v1", mode
    path = folder / f"storyai-{profile}-{mode}.toml"
    path.write_text(
        'narration = ["local"]\n\n[providers.local]\n'
        f'kind = "{kind}"\nbase_url = "{url}"\nmodel = "smollm2"\napi_key = "not-needed"\n'
        f'structured = "{structured}"\nprompt_profile = "{profile}"\nprewarm = "{prewarm}"\n'
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


def _is_warmup(request: Recorded) -> bool:
    return request.method == "POST" and bool(request.body) and is_warmup(request.json())


async def play(
    base_url: str,
    mode: str,
    profile: str,
    turns: int,
    folder: Path,
    proxy: RecordingProxy,
    prewarm: str = "auto",
) -> Run:
    config = _config(base_url, mode, profile, folder, prewarm)
    settings = load_settings(environ={}, config_file=config)
    narrator = narrator_for(settings).narrator
    uow = InMemoryStore().unit_of_work
    await services.install_world(uow, load_world(bundled_world_paths()["ember_hollow"]))
    service = Play(uow, narrator=narrator)
    started = await service.start("ember_hollow", player_name="Ash", seed=3)
    await service.warmed_up()  # a player reads the opening before acting
    sizing = await narrator.sizer.resolve()  # type: ignore[attr-defined]
    run = Run(profile, mode, window=sizing.describe())
    for n, text in enumerate((INPUTS * 3)[:turns], 1):
        first: list[float] = []
        since = proxy.mark()
        t0 = time.perf_counter()

        def on_text(piece: str, t0: float = t0, first: list[float] = first) -> None:
            if not first and piece.strip():
                first.append(time.perf_counter() - t0)

        result = await service.act(started.session_id, text, on_text=on_text)
        seconds = time.perf_counter() - t0
        await service.warmed_up()  # while the player reads this turn
        told = [e.event for e in result.events if isinstance(e.event, Narration)]
        if not told or told[-1].usage is None or not told[-1].usage.calls:
            continue  # the rules answered alone (no model call): nothing to measure
        event = told[-1]
        usage = event.usage
        assert usage is not None
        sent = proxy.requests(since)
        posts = [i for i, r in enumerate(sent) if r.method == "POST" and not _is_warmup(r)]
        warms = [i for i, r in enumerate(sent) if _is_warmup(r)]
        replies = proxy.replies(since)
        turn = Turn(
            seconds,
            first[0] if first else None,
            _verdict(event),
            usage.input_tokens,
            usage.cached_tokens,
            event.error or "",
            served(replies[posts[0]]) if posts else None,
            served(replies[warms[-1]]) if warms else None,
        )
        run.turns.append(turn)
        server = turn.server
        said = (
            f"; server: read {server.read}, cached {server.cached}, {server.before} tokens "
            f"before the narrative, {server.generated / max(server.gen_ms, 1) * 1000:.0f} "
            "tokens/s generated"
            if server
            else ""
        )
        if turn.warm is not None:
            said += f"; warm-up: read {turn.warm.read} in {turn.warm.prompt_ms / 1000:.1f} s"
        console.print(
            f"  [dim]{profile}/{mode} turn {n}: {turn.verdict}, {seconds:.1f} s, first word "
            f"{turn.first_word or 0:.1f} s, prompt {turn.input_tokens} "
            f"(cached {turn.cached_tokens}){said} {turn.error[:80]}[/]"
        )
    return run


def _p(values: list[float]) -> str:
    if not values:
        return "-"
    return f"{percentile(values, 50):.1f} / {percentile(values, 95):.1f}"


def report(runs: list[Run], prompt_tps: float, gen_tps: float, threads: int) -> Table:
    table = Table(
        title=f"Ember Hollow on SmolLM2-135M Q4_1 (llama-server, 1 slot, {threads} threads); "
        f"{machine()}; load average {os.getloadavg()[0]:.1f}"
    )
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
        "first request cached (turn 2+)",
        "warm: read / before p50",
        "warm first word, server s p50",
        f"warm first word at {prompt_tps:g}/{gen_tps:g} tok/s p50 / p95",
        "warm-up read p50 / s p50",
    ):
        table.add_column(col, justify="right")
    for run in runs:
        t = run.turns
        if not t:
            table.add_row(run.profile, run.mode, "0", *["-"] * 12)
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
            *_warm_server(later, prompt_tps, gen_tps),
            _warmups(t),
        )
    return table


def _warmups(turns: list[Turn]) -> str:
    """What the warm-ups after each turn cost the server, while the player reads."""
    warm = [x.warm for x in turns if x.warm is not None]
    if not warm:
        return "-"
    read = percentile([w.read for w in warm], 50)
    return f"{read:,.0f} / {percentile([w.prompt_ms / 1000 for w in warm], 50):.1f}"


def _warm_server(later: list[Turn], prompt_tps: float, gen_tps: float) -> list[str]:
    """From turn 2 on, as the server timed it: the share of the prompt it took from its
    cache for each turn's first request (a repair request repeats the prompt, all of it
    cached, which the usage column counts too), prompt tokens read and tokens streamed
    before the narrative (p50), the first word it timed, and the first word computed at
    ``prompt_tps`` / ``gen_tps``."""
    asked = [x.server for x in later if x.server is not None]
    share = sum(s.cached for s in asked) / max(1, sum(s.cached + s.read for s in asked))
    first = f"{share:.0%}" if asked else "-"
    told = [x.server for x in later if x.server is not None and x.server.before is not None]
    if not told:
        return [first, "-", "-", "-"]
    timed = [s.first_word_s for s in told if s.first_word_s is not None]
    computed = [c for s in told if (c := s.computed_s(prompt_tps, gen_tps)) is not None]
    return [
        first,
        f"{percentile([s.read for s in told], 50):,.0f} / "
        f"{percentile([s.before or 0 for s in told], 50):.0f}",
        f"{percentile(timed, 50):.1f}" if timed else "-",
        _p(computed),
    ]


def main() -> None:
    head, _, rest = (__doc__ or "").partition("\n\n")
    parser = argparse.ArgumentParser(
        description=head, epilog=rest, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--turns", type=int, default=10, help="turns per run (default 10)")
    parser.add_argument(
        "--modes", default=",".join(MODES), help=f"comma-separated, of {', '.join(MODES)}"
    )
    parser.add_argument("--profiles", default="compact,full", help="compact, full or both")
    parser.add_argument(
        "--prewarm",
        default="auto",
        choices=("auto", "on", "off"),
        help="the provider's prewarm setting (default auto: on for llama-server)",
    )
    parser.add_argument("--ctx", type=int, default=8192, help="the server's context window")
    parser.add_argument(
        "--threads",
        type=int,
        default=None,
        help="llama.cpp threads (default: STORYAI_LLAMA_THREADS, else 2 on a 2-core machine)",
    )
    parser.add_argument(
        "--prompt-tps",
        type=float,
        default=250.0,
        help="prompt tokens a second the computed first word assumes (default 250: "
        "a quiet 2-core machine, two threads)",
    )
    parser.add_argument(
        "--gen-tps",
        type=float,
        default=20.0,
        help="generated tokens a second it assumes (default 20: under a JSON schema "
        "grammar; about 74 without)",
    )
    args = parser.parse_args()
    files = find_llama()
    if files is None:
        sys.exit(why_missing())

    async def go() -> list[Run]:
        runs = []
        with tempfile.TemporaryDirectory() as tmp:
            for profile in args.profiles.split(","):
                for mode in args.modes.split(","):
                    log = Path(tmp) / "llama.log"
                    with (
                        LlamaServer(files, ctx=args.ctx, threads=threads, log_path=log) as srv,
                        RecordingProxy(srv.port) as proxy,
                    ):
                        console.print(f"[bold]{profile} / {mode}[/] on {srv.base_url}")
                        runs.append(
                            await play(
                                proxy.base_url,
                                mode,
                                profile,
                                args.turns,
                                Path(tmp),
                                proxy,
                                args.prewarm,
                            )
                        )
                        console.print(f"  {runs[-1].window}")
        return runs

    threads = args.threads or default_threads()
    cpu0 = time.process_time()
    runs = asyncio.run(go())
    console.print(report(runs, args.prompt_tps, args.gen_tps, threads))
    console.print(f"storyai's own CPU time (this process): {time.process_time() - cpu0:.1f} s")


if __name__ == "__main__":
    main()
