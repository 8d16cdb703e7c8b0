"""Benchmark: many stories in one bot process, with a model that takes 1 s a reply.

The target: "Bot, one process, 1 s model: 500 stories whose players act every 10 s:
loop lag p99 ≤ 50 ms, nothing refused; report the all-at-once burst at 500 and
2,000 too."

The real ``StoryBot`` (bots/client.py) over a ``Play`` service with the AI narrator
(router, prompt builder, validator, memory, quotas metered, a real database) and a
``ScriptedModel`` that holds each reply ``--latency`` seconds
(``hold=lambda r: asyncio.sleep(1)``) and then streams a valid JSON turn, connected
through unmodified discord.py to the local fake Discord (tests/fakes/discord).

Scenarios (each on a fresh database; N players, one story each, in N channels; all N
``/story start`` at once first, not measured):

``paced N``   every player sends ``/act`` every ``--every`` seconds (10), ``--turns``
              times (6), the players' schedules spread evenly over the interval: a
              steady N / every turns per second. A player whose last turn is not yet
              told waits for it (a turn that takes longer than the interval makes
              the next one late: counted).
``burst N``   every player sends ``/act`` at the same instant, ``--burst-turns`` times
              (2), each as soon as the last one was answered.

Reported per scenario: turns done and refused (ephemeral answers: quota, busy, not your
turn...) and failed; turn latency from the slash command to the first reply (the
narration starts) and to the handler's end (every reply sent), p50/p99; the bot
loop's lag (a task sleeps 10 ms again and again and records how late it wakes),
p50/p99/max; the bot process's CPU use; what the fake Discord flagged.

The fake Discord and the players run in a child process (this script with
``--serve-fake``) with their own event loop and interpreter, so neither the fake's work
nor the players' run on the bot's loop (on a 2-core machine they still share the CPU).
They talk over the fake's real HTTP and WebSocket sockets; the child reports its
timings (``time.monotonic``, system-wide on Linux) as JSON lines. The fake's rate limits
are raised out of the way (interaction callbacks and followups are exempt on Discord
anyway); its 3-second acknowledgement window stays enforced. Quotas are metered with no
limits: the fake has one guild, whose daily limit would refuse what on Discord would
come from many servers. The bot tends its stories every 2 s, as in production.

``--profile`` runs the bot's side of the measured phase under cProfile and prints the
functions that took the most time (own and cumulative).

Run from the repository root (not part of the test suite):

    python tests/bench/bench_bot.py                                 # paced 500, burst 500 2000
    python tests/bench/bench_bot.py --paced 100 --burst             # just a paced 100
    python tests/bench/bench_bot.py --database-url postgresql://postgres@127.0.0.1:5432/postgres

With a PostgreSQL URL each scenario gets a throwaway database on that server (see
bench_turns.py; ``--in-place`` uses the named database).
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import gc
import io
import json
import logging
import pstats
import sys
import threading
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests/: the fakes package

import discord
from bench_turns import machine, open_store, percentile
from fakes.discord.harness import DiscordHarness, patched_endpoints
from fakes.discord.server import FakeInteraction
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from storyai.bots.client import StoryBot
from storyai.core import services
from storyai.core.llm.fake import ScriptedModel
from storyai.core.llm.port import ModelRequest
from storyai.core.llm.router import RouteEntry, Router
from storyai.core.narrators.ai import AINarrator
from storyai.core.play import Play
from storyai.core.quotas import QuotaPolicy
from storyai.core.storage.ports import UnitOfWorkFactory
from storyai.core.worlds.bundled import bundled_world_paths
from storyai.core.worlds.validate import load_world

WORLD = "ember_hollow"
MARKER = "Lantern light wavers over the snow."
"""In every narration the model writes: a reply without it was not the model's."""
ACTIONS = ("look around", "examine emberstone", "talk to hesta about village", "listen")
UNTHROTTLED = (1_000_000_000, 1.0)
LAG_INTERVAL = 0.01
HEARTBEAT_RACE = "Can't keep up"
NO_LIMITS = QuotaPolicy(user_turns=None, guild_turns=None, user_credits=None, guild_credits=None)

console = Console(highlight=False, width=None if Console().is_terminal else 160)


# ------------------------------------------------------------------ the model


def _turn(narrative: str) -> str:
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


class SlowModel:
    """A ``ScriptedModel`` that holds each reply ``latency`` seconds (never blocking the
    loop), then streams a valid turn (or a one-line chapter summary)."""

    def __init__(self, latency: float) -> None:
        self.calls: Counter[str] = Counter()
        turn = _turn(MARKER + " The village keeps its own counsel tonight.")

        async def hold(request: ModelRequest) -> None:
            self.calls[request.task] += 1
            await asyncio.sleep(latency)

        def answer(request: ModelRequest) -> str:
            self.model.requests.clear()  # keep no history: thousands of prompts
            return "The hero wandered the village." if request.task == "summary" else turn

        self.model = ScriptedModel(name="slow-fake", default=answer, hold=hold, chunk_size=48)

    def narrator(self) -> AINarrator:
        route = [RouteEntry(self.model)]
        return AINarrator(Router({"narration": route, "summary": route}))


# ------------------------------------------------------------------ measuring


async def lag_monitor(
    samples: list[tuple[float, float]], cpu: list[tuple[float, float]] | None = None
) -> None:
    """Sleep 10 ms again and again; record (when it slept, how late it woke) in seconds,
    and every 25th time (when, this process's CPU seconds) into ``cpu``."""
    while True:
        start = time.monotonic()
        await asyncio.sleep(LAG_INTERVAL)
        samples.append((start, time.monotonic() - start - LAG_INTERVAL))
        if cpu is not None and len(samples) % 25 == 1:
            cpu.append((time.monotonic(), time.process_time()))


def cpu_share(cpu: list[tuple[float, float]], start: float, end: float) -> float:
    """CPU seconds per wall second between ``start`` and ``end`` (1.0: one core busy)."""
    inside = [sample for sample in cpu if start <= sample[0] <= end]
    if len(inside) < 2:
        return float("nan")
    (a, cpu_a), (b, cpu_b) = inside[0], inside[-1]
    return (cpu_b - cpu_a) / (b - a)


def lags_between(samples: list[tuple[float, float]], start: float, end: float) -> list[float]:
    return [lag for at, lag in samples if start <= at <= end] or [0.0]


class GcPauses:
    """How long the garbage collector stopped the bot's process, by generation."""

    def __init__(self) -> None:
        self.pauses: defaultdict[int, list[float]] = defaultdict(list)
        self._began = 0.0

    def __call__(self, phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            self._began = time.perf_counter()
        else:
            self.pauses[info["generation"]].append(time.perf_counter() - self._began)

    def __enter__(self) -> GcPauses:
        gc.callbacks.append(self)
        return self

    def __exit__(self, *exc: object) -> None:
        gc.callbacks.remove(self)

    def describe(self) -> str:
        return "; ".join(
            f"gen {g}: {len(p)} x, max {max(p) * 1000:.0f} ms, total {sum(p):.2f} s"
            for g, p in sorted(self.pauses.items())
        )


class Counting(logging.Handler):
    """Counts what the bot and discord.py log at WARNING and above; keeps the first few."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.counts: Counter[str] = Counter()
        self.first: defaultdict[str, list[str]] = defaultdict(list)

    def emit(self, record: logging.LogRecord) -> None:
        self.counts[record.levelname] += 1
        if len(self.first[record.levelname]) < 2:
            message = " ".join(record.getMessage().split())
            if record.exc_info and record.exc_info[1] is not None:
                message += f" ({type(record.exc_info[1]).__name__}: {record.exc_info[1]})"
            self.first[record.levelname].append(message[:240])


# ------------------------------------------------------------------ the child: fake + players


def emit(message: dict) -> None:
    sys.stdout.write(json.dumps(message) + "\n")
    sys.stdout.flush()


class BenchFake(DiscordHarness):
    """The fake Discord, noting when each interaction was acknowledged and answered, and
    when the bot process said its handler finished (``done``, sent over stdin)."""

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self.acked_at: dict[int, float] = {}
        self.replied_at: defaultdict[int, list[float]] = defaultdict(list)
        self.completed: dict[int, tuple[float, str | None]] = {}
        self._events: dict[int, asyncio.Event] = {}

    def _event(self, ix_id: int) -> asyncio.Event:
        return self._events.setdefault(ix_id, asyncio.Event())

    async def _callback(self, req: Any) -> Any:
        try:
            return await super()._callback(req)
        finally:
            ix = self._interactions_by_token.get(req.params["token"])
            if ix is not None and ix.acknowledged:
                self.acked_at.setdefault(ix.id, time.monotonic())

    async def _followup(self, req: Any) -> Any:
        result = await super()._followup(req)
        ix = self._interactions_by_token.get(req.params["token"])
        if ix is not None:
            self.replied_at[ix.id].append(time.monotonic())
        return result

    def complete(self, ix_id: int, at: float, error: str | None) -> None:
        self.completed[ix_id] = (at, error)
        self._event(ix_id).set()

    async def finished(self, ix: FakeInteraction, timeout: float) -> tuple[str, str] | None:
        """Wait until the bot's handler for ``ix`` returned; None, or (kind, detail) of
        what went wrong: "refused" (an answer only the player sees) or "failed"."""
        try:
            async with asyncio.timeout(timeout):
                await self._event(ix.id).wait()
        except TimeoutError:
            return "failed", f"the bot did not finish within {timeout:g} s"
        finally:
            self._events.pop(ix.id, None)
        _, failed = self.completed[ix.id]
        if not ix.acknowledged:
            return "failed", "not acknowledged within the window"
        if ix.errors:
            return "failed", f"error sent back: {ix.errors[0].kind}"
        if failed:
            return "failed", f"the command failed: {failed}"
        private = [m.content for m in ix.replies if m.ephemeral]
        if private:
            return "refused", private[0][:200]
        if not any(MARKER in m.text for m in ix.replies):
            return "failed", "no narration by the model among the replies"
        return None


@dataclass
class Record:
    """One interaction as the players saw it (monotonic seconds; None: did not happen)."""

    created: float
    acked: float | None
    first: float | None  # the first reply (a streamed narration's first words)
    done: float | None  # the bot's handler returned: every reply sent
    error: list[str] | None  # [kind, detail]
    late: float = 0.0  # paced: seconds after its planned time it was sent

    def row(self) -> list:
        return [self.created, self.acked, self.first, self.done, self.error, self.late]


CREATED, ACKED, FIRST, DONE, ERROR, LATE = range(6)  # the columns of Record.row()


async def serve_fake(config: dict) -> None:
    n, timeout = config["n"], config["timeout"]
    fake = BenchFake(
        members=[f"player{i:04d}" for i in range(n)],
        channels=[f"table-{i:04d}" for i in range(n)],
        ack_window=config["ack_window"],
        rate_limits={"channel_messages": UNTHROTTLED, "message_edits": UNTHROTTLED,
                     "default": UNTHROTTLED},
        global_rate_limit=UNTHROTTLED,
        ready_timeout=120.0,
    )  # fmt: skip
    await fake.start()
    loop = asyncio.get_running_loop()
    orders: asyncio.Queue[str] = asyncio.Queue()

    def heard(line: str) -> None:
        message = json.loads(line)
        if "done" in message:
            fake.complete(message["done"], message["at"], message["error"])
        else:
            orders.put_nowait(message["order"])

    def listen() -> None:  # stdin, on a thread of its own
        for line in sys.stdin:
            loop.call_soon_threadsafe(heard, line)
        loop.call_soon_threadsafe(orders.put_nowait, "close")

    threading.Thread(target=listen, daemon=True).start()
    users, channels = list(fake.users.values()), list(fake.channels.values())
    emit(
        {
            "port": fake.port,
            "token": fake.token,
            "seats": [
                [u.id, u.payload()["global_name"], c.id]
                for u, c in zip(users, channels, strict=True)
            ],
        }
    )
    if await orders.get() != "go":
        return
    await fake.wait_until(
        lambda: fake.ready_sessions and "act" in fake.commands, 120, "the bot and its commands"
    )
    done = Counter[str]()

    async def reporter() -> None:
        while True:
            emit({"progress": dict(done)})
            await asyncio.sleep(0.5)

    progress = asyncio.create_task(reporter())

    async def one(command: str, i: int, late: float = 0.0, **options: Any) -> Record:
        ix = await fake.slash(command, user=users[i], channel=channels[i], wait=False, **options)
        error = await fake.finished(ix, timeout)
        replied = fake.replied_at.get(ix.id) or [None]
        at = fake.completed.get(ix.id, (None, None))[0]
        return Record(
            ix.created, fake.acked_at.get(ix.id), replied[0], at, list(error or []) or None, late
        )

    async def start(i: int) -> Record:
        record = await one("story start", i, world=config["world"])
        done["start"] += 1
        return record

    async def burst(i: int) -> list[Record]:
        out = []
        for turn in range(config["turns"]):
            out.append(await one("act", i, text=ACTIONS[(i + turn) % len(ACTIONS)]))
            done["act"] += 1
        return out

    async def paced(i: int, t0: float) -> list[Record]:
        every = config["every"]
        out = []
        for turn in range(config["turns"]):
            planned = t0 + every * (turn + i / n)
            await asyncio.sleep(max(0.0, planned - time.monotonic()))
            late = max(0.0, time.monotonic() - planned)
            out.append(await one("act", i, late, text=ACTIONS[(i + turn) % len(ACTIONS)]))
            done["act"] += 1
        return out

    phases: dict[str, list[float]] = {"start": [time.monotonic()]}
    starts = await asyncio.gather(*(start(i) for i in range(n)))
    phases["start"].append(time.monotonic())
    emit({"started": [r.error is None for r in starts]})
    if await orders.get() != "play":  # the bot's side starts the stories that failed
        return
    t0 = time.monotonic()
    phases["act"] = [t0]
    if config["scenario"] == "paced":
        played = await asyncio.gather(*(paced(i, t0) for i in range(n)))
    else:
        played = await asyncio.gather(*(burst(i) for i in range(n)))
    phases["act"].append(time.monotonic())
    progress.cancel()
    emit({"progress": dict(done)})
    emit(
        {
            "result": {
                "phases": phases,
                "starts": [r.row() for r in starts],
                "turns": [r.row() for records in played for r in records],
            }
        }
    )
    await orders.get()  # "close", once the bot has stopped
    await fake.close()  # records interactions never acknowledged
    emit(
        {
            "closed": {
                "violations": dict(Counter(v.kind for v in fake.violations)),
                "first": [repr(v)[:200] for v in fake.violations[:3]],
                "rate_limited": len(fake.rate_limited),
                "calls": len(fake.calls),
            }
        }
    )


def _summary(lags: list[float]) -> dict[str, float]:
    return {
        "p50": percentile(lags, 50) * 1000,
        "p99": percentile(lags, 99) * 1000,
        "max": max(lags) * 1000,
    }


# ------------------------------------------------------------------ the parent: the bot


@dataclass
class Scenario:
    kind: str  # "paced" or "burst"
    n: int
    turns: int

    @property
    def name(self) -> str:
        return f"{self.kind} {self.n}"


@dataclass
class Outcome:
    scenario: Scenario
    phases: dict[str, list[float]]
    starts: list[list]
    turns: list[list]
    bot_lag: dict[str, dict[str, float]]
    closed: dict
    logged: Counting
    cpu: dict[str, float]
    repaired: int
    model_calls: Counter[str] = field(default_factory=Counter)
    profile: str = ""
    gc: str = ""

    def wall(self, phase: str) -> float:
        a, b = self.phases[phase]
        return b - a

    @staticmethod
    def ok(rows: list[list]) -> list[list]:
        return [r for r in rows if r[ERROR] is None]

    @staticmethod
    def of_kind(rows: list[list], kind: str) -> Counter[str]:
        return Counter(r[ERROR][1] for r in rows if r[ERROR] is not None and r[ERROR][0] == kind)


class Child:
    """The child process serving the fake Discord and playing the players."""

    def __init__(self, process: asyncio.subprocess.Process) -> None:
        self.process = process

    @classmethod
    async def spawn(cls, config: dict) -> Child:
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            str(Path(__file__).resolve()),
            "--serve-fake",
            json.dumps(config),
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            limit=2**26,
        )
        return cls(process)

    def send(self, message: dict) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write(json.dumps(message).encode() + b"\n")

    async def receive(self) -> dict:
        assert self.process.stdout is not None
        line = await self.process.stdout.readline()
        if not line:
            raise SystemExit(f"the fake Discord process exited ({await self.process.wait()})")
        return json.loads(line)

    async def stop(self) -> None:
        if self.process.stdin is not None:
            self.process.stdin.close()
        try:
            await asyncio.wait_for(self.process.wait(), 10)
        except TimeoutError:
            self.process.kill()
            await self.process.wait()


def watch_commands(bot: StoryBot, child: Child) -> None:
    """Tell the child when the bot's handler for an interaction returned, or failed."""

    async def on_app_command_completion(interaction: discord.Interaction, command: Any) -> None:
        child.send({"done": interaction.id, "at": time.monotonic(), "error": None})

    bot.add_listener(on_app_command_completion)
    original = bot.tree.on_error

    async def on_error(interaction: discord.Interaction, error: Exception) -> None:
        cause = getattr(error, "original", error)
        failure = f"{type(cause).__name__}: {cause}"[:120]
        child.send({"done": interaction.id, "at": time.monotonic(), "error": failure})
        await original(interaction, error)

    bot.tree.on_error = on_error  # type: ignore[method-assign]


async def start_directly(uow: UnitOfWorkFactory, seats: list[list]) -> int:
    """Start, through the core with the offline narrator, the stories whose
    ``/story start`` failed, so that every player can act; returns how many."""
    play = Play(uow, quota=NO_LIMITS)
    started = 0
    for user_id, name, channel_id in seats:
        if await play.in_channel(str(channel_id)) is not None:
            continue  # the bot finished it after all
        await play.start_in_channel(str(channel_id), WORLD, user_ref=str(user_id), player_name=name)
        started += 1
    return started


AREAS = (
    ("storyai bots/", "/bots/"),
    ("storyai core/storage", "/core/storage/"),
    ("storyai core/ (the rest)", "/core/"),
    ("sqlalchemy", "/sqlalchemy/"),
    ("pydantic", "pydantic"),
    ("discord.py", "/discord/"),
    ("aiohttp, yarl, multidict", "/aiohttp/"),
    ("aiohttp, yarl, multidict", "/yarl/"),
    ("aiohttp, yarl, multidict", "/multidict/"),
    ("asyncio", "/asyncio/"),
    ("json", "/json/"),
)


BUILTINS = (  # functions in C, by name
    ("pydantic", "pydantic_core"),
    ("storyai core/ (the rest)", "quicktok"),
    ("sockets (and waiting for the GIL after)", "socket"),
    ("handing work to the SQLite thread", "SimpleQueue"),
)


def by_area(stats: pstats.Stats) -> str:
    """The main thread's own time, by what spent it (waiting in epoll left out)."""
    spent: Counter[str] = Counter()
    for (filename, _, name), (_, _, tottime, _, _) in stats.stats.items():  # type: ignore[attr-defined]
        if name == "<method 'poll' of 'select.epoll' objects>":
            continue
        area = next((a for a, part in AREAS if part in filename), None)
        if area is None:
            area = next((a for a, part in BUILTINS if part in name), "other builtins and stdlib")
        spent[area] += tottime
    total = sum(spent.values())
    return "Own time of the bot's loop thread by area (s, share): " + ", ".join(
        f"{area} {seconds:.1f} ({seconds / total:.0%})" for area, seconds in spent.most_common()
    )


def profiled(profile: cProfile.Profile, top: int = 25) -> str:
    out = io.StringIO()
    stats = pstats.Stats(profile, stream=out)
    out.write(by_area(stats) + "\n")
    stats.sort_stats("tottime").print_stats(top)
    stats.sort_stats("cumulative").print_stats(top)
    return out.getvalue()


async def run(args: argparse.Namespace, scenario: Scenario, progress: Progress) -> Outcome:
    world = load_world(bundled_world_paths()[WORLD])
    async with open_store(args) as store:
        await services.install_world(store.uow, world, source="bench")
        model = SlowModel(args.latency)
        play = Play(store.uow, narrator=model.narrator(), quota=NO_LIMITS)
        bot = StoryBot(play, tick=args.tick, stream_interval=args.stream_interval)
        config = {
            "n": scenario.n,
            "scenario": scenario.kind,
            "turns": scenario.turns,
            "every": args.every,
            "timeout": args.timeout,
            "ack_window": args.ack_window,
            "world": WORLD,
        }
        child = await Child.spawn(config)
        logged = Counting()
        loggers = [logging.getLogger(name) for name in ("discord", "storyai", "asyncio")]
        for logger in loggers:
            logger.addHandler(logged)
            logger.propagate = False
        profile = cProfile.Profile() if args.profile else None
        pauses = GcPauses()
        try:
            hello = await child.receive()
            proxy = DiscordHarness(token=hello["token"], ready_timeout=120.0)  # never started:
            proxy.port = hello["port"]  # it only points discord.py at the child's fake
            samples: list[tuple[float, float]] = []
            cpu: list[tuple[float, float]] = []
            with patched_endpoints(proxy):
                gc.freeze()  # as `storyai bot` does before it connects
                await proxy.start_bot(bot)
                watch_commands(bot, child)
                monitor = asyncio.create_task(lag_monitor(samples, cpu))
                starting = progress.add_task(f"{scenario.name}: /story start", total=scenario.n)
                acting = progress.add_task(
                    f"{scenario.name}: /act", total=scenario.n * scenario.turns
                )
                child.send({"order": "go"})
                repaired = 0
                while "result" not in (message := await child.receive()):
                    if "started" in message:
                        seats = zip(hello["seats"], message["started"], strict=True)
                        failed = [seat for seat, ok in seats if not ok]
                        repaired = await start_directly(store.uow, failed)
                        if profile is not None:
                            profile.enable()
                        pauses.__enter__()
                        child.send({"order": "play"})
                        continue
                    done = message["progress"]
                    progress.update(starting, completed=done.get("start", 0))
                    progress.update(acting, completed=done.get("act", 0))
                if profile is not None:
                    profile.disable()
                pauses.__exit__()
                result = message["result"]
                await proxy.stop_bot(bot)
                monitor.cancel()
            child.send({"order": "close"})
            closed = (await child.receive())["closed"]
        finally:
            for logger in loggers:
                logger.removeHandler(logged)
                logger.propagate = True
            await child.stop()
        phases = result["phases"]
        return Outcome(
            scenario=scenario,
            phases=phases,
            starts=result["starts"],
            turns=result["turns"],
            bot_lag={
                name: _summary(lags_between(samples, a, b)) for name, (a, b) in phases.items()
            },
            closed=closed,
            logged=logged,
            cpu={name: cpu_share(cpu, a, b) for name, (a, b) in phases.items()},
            repaired=repaired,
            model_calls=model.calls,
            profile=profiled(profile) if profile is not None else "",
            gc=pauses.describe(),
        )


# ------------------------------------------------------------------ report


def _seconds(rows: list[list], column: int, p: float) -> float:
    values = [r[column] - r[CREATED] for r in rows if r[column] is not None]
    if not values:
        return float("nan")
    return max(values) if p == 100 else percentile(values, p)


COLUMNS = (
    "scenario",
    "turns ok",
    "refused",
    "failed",
    "turns/s",
    "first p50/p99 s",
    "done p50/p99 s",
    "ack max ms",
    "lag p50 ms",
    "lag p99 ms",
    "lag max ms",
    "bot CPU",
    "viol.",
)


def report(outcomes: list[Outcome], args: argparse.Namespace, label: str) -> Table:
    table = Table(
        title=f"StoryBot, one process, model {args.latency:g} s a reply, {label}",
        caption=(
            f"{machine()}. Fake Discord and players in a child process. paced: each player "
            f"acts every {args.every:g} s; burst: all at once, one after another. first: "
            "slash to the first reply (the narration starts); done: to the handler's end; "
            "ack: to the defer; lag: the bot's loop, 10 ms sleeps; bot CPU: share of one core"
        ),
    )
    for name in COLUMNS:
        table.add_column(name, justify="right")
    for o in outcomes:
        ok = o.ok(o.turns)
        wall = o.wall("act")
        lag = o.bot_lag["act"]
        table.add_row(
            o.scenario.name,
            f"{len(ok)}/{len(o.turns)}",
            str(sum(o.of_kind(o.turns, "refused").values())),
            str(sum(o.of_kind(o.turns, "failed").values())),
            f"{len(ok) / wall:.1f}" if wall else "-",
            f"{_seconds(ok, FIRST, 50):.2f} / {_seconds(ok, FIRST, 99):.2f}",
            f"{_seconds(ok, DONE, 50):.2f} / {_seconds(ok, DONE, 99):.2f}",
            f"{_seconds(o.turns, ACKED, 100) * 1000:.0f}",
            f"{lag['p50']:.1f}",
            f"{lag['p99']:.1f}",
            f"{lag['max']:.0f}",
            f"{o.cpu['act']:.0%}",
            str(sum(o.closed["violations"].values())),
        )
    return table


def details(o: Outcome, args: argparse.Namespace) -> None:
    ok = o.ok(o.starts)
    lag = o.bot_lag["start"]
    late = [r[LATE] for r in o.turns if r[LATE] > 0.5]
    console.print(
        f"[bold]{o.scenario.name}[/]: /story start x{o.scenario.n} at once: {len(ok)} ok in "
        f"{o.wall('start'):.1f} s (first reply p50 {_seconds(ok, FIRST, 50):.2f} s, done p99 "
        f"{_seconds(ok, DONE, 99):.2f} s, ack max {_seconds(o.starts, ACKED, 100) * 1000:.0f} "
        f"ms; bot loop lag p99 {lag['p99']:.0f} ms, max {lag['max']:.0f} ms). Acting: "
        f"{o.wall('act'):.0f} s, done max {_seconds(o.ok(o.turns), DONE, 100):.2f} s"
        + (
            f", {len(late)} turns sent more than 0.5 s after their planned time"
            if o.scenario.kind == "paced"
            else ""
        )
        + ". Model calls: "
        + ", ".join(f"{task} {count}" for task, count in sorted(o.model_calls.items()))
        + f"; {o.closed['calls']} REST calls, {o.closed['rate_limited']} rate limited."
    )
    console.print(f"  garbage collection while acting: {o.gc or 'none'}", markup=False)
    if o.repaired:
        console.print(
            f"  {o.repaired} stories whose /story start failed were started through the core "
            "(offline narrator), so that all can act"
        )
    for phase, rows in (("/story start", o.starts), ("/act", o.turns)):
        for kind in ("refused", "failed"):
            for error, count in o.of_kind(rows, kind).most_common(3):
                console.print(f"  {phase} {kind}: {count} x {error}", markup=False)
    for level, count in o.logged.counts.items():
        console.print(f"  {count} {level} logged: {o.logged.first[level]}", markup=False)
        if any(HEARTBEAT_RACE in message for message in o.logged.first[level]):
            console.print(
                f"    ({HEARTBEAT_RACE!r} ~41 s: discord.py notes a heartbeat's send time only "
                "after the send returns; the local fake acknowledges before that. Not lag.)",
                markup=False,
            )
    for kind, count in o.closed["violations"].items():
        console.print(f"  violation {kind}: {count}")
    for first in o.closed["first"]:
        console.print(f"    {first}", markup=False)
    if o.profile:
        console.print(o.profile, markup=False, highlight=False)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--paced", type=int, nargs="*", default=[500], help="N for paced runs (500)"
    )
    parser.add_argument(
        "--burst", type=int, nargs="*", default=[500, 2000], help="N for bursts (500 2000)"
    )
    parser.add_argument("--every", type=float, default=10.0, help="paced: seconds between acts")
    parser.add_argument("--turns", type=int, default=6, help="paced: turns per player (6)")
    parser.add_argument("--burst-turns", type=int, default=2, help="burst: turns per player (2)")
    parser.add_argument("--latency", type=float, default=1.0, help="model seconds a reply (1)")
    parser.add_argument("--tick", type=float, default=2.0, help="seconds between tendings (2)")
    parser.add_argument(
        "--stream-interval", type=float, default=1.2, help="seconds between streamed edits"
    )
    parser.add_argument(
        "--ack-window", type=float, default=3.0, help="seconds to acknowledge (3, as Discord)"
    )
    parser.add_argument(
        "--timeout", type=float, default=300.0, help="give up on an interaction after (300 s)"
    )
    parser.add_argument("--profile", action="store_true", help="cProfile the measured phase")
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--database-url", help="a database URL (PostgreSQL: throwaway database)")
    where.add_argument("--memory", action="store_true", help="use the in-memory store")
    parser.add_argument(
        "--in-place", action="store_true", help="with PostgreSQL: use that database itself"
    )
    parser.add_argument("--serve-fake", metavar="CONFIG", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if min([args.turns, args.burst_turns, *args.paced, *args.burst], default=1) < 1:
        parser.error("--turns, --burst-turns and every N must be at least 1")
    return args


async def main(args: argparse.Namespace) -> None:
    label = "in-memory store" if args.memory else "SQLite file"
    if args.database_url:
        label = "PostgreSQL" if args.database_url.startswith("postgres") else "SQL"
    console.print(f"[bold]Machine:[/] {machine()}; [bold]storage:[/] {label}")
    scenarios = [Scenario("paced", n, args.turns) for n in args.paced]
    scenarios += [Scenario("burst", n, args.burst_turns) for n in args.burst]
    outcomes = []
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn())
    with Progress(*columns, TimeElapsedColumn(), console=console) as progress:
        for scenario in scenarios:
            outcomes.append(await run(args, scenario, progress))
    console.print(report(outcomes, args, label))
    for outcome in outcomes:
        details(outcome, args)


if __name__ == "__main__":
    arguments = parse_args()
    if arguments.serve_fake:
        asyncio.run(serve_fake(json.loads(arguments.serve_fake)))
    else:
        asyncio.run(main(arguments))
