"""Benchmark: N concurrent stories in one bot process, with a model that takes 1 s a turn.

The real ``StoryBot`` (bots/app.py) with the AI narrator (router, prompt builder,
validator, a real database) over a fake model that sleeps ``--latency`` seconds
(``asyncio.sleep``) and then streams a valid JSON turn, connected through
unmodified discord.py to the local fake Discord (tests/fakes/discord).

For each N in ``--sizes`` (10, 100, 500): N players each start a story in their own
channel (``/story start``, all at once), then every player plays ``--turns`` turns
with ``/act``, all concurrently, each sending its next ``/act`` as soon as the bot
has answered the last one (the narration, then "It is ...'s turn."). Reported:

* turns per second: completed turns / wall time of the acting phase (the ideal,
  with a free engine, is N / latency);
* turn latency from the slash command to the narration's reply (p50/p95/max), and
  how long the bot took to acknowledge (defer) the interaction (p99/max);
* event-loop lag of the bot's loop during the acting phase: a task sleeps 10 ms
  and records how late it wakes (p50/p99/max), and the bot process's CPU use;
* errors: interactions not acknowledged within Discord's 3-second window, errors
  the fake sent back, ephemeral refusals, replies that are not the model's text,
  turns that never finished (``--timeout``), and errors the bot logged.

A turn is done when the bot's command handler returns (``app_command_completion``
or the tree's ``on_error``, reported to the players' process), so the numbers do not
depend on how many messages a turn is told in. Stories whose ``/story start`` failed
(SQLite: "database is locked"; any store: "every connection is busy") are then
started through the core with the offline narrator, so that N stories always act;
the output says how many. Quotas are off: the fake has one guild, whose daily turn
limit would refuse what on Discord would come from many servers.

The fake Discord and the simulated players run in a child process (this script
with ``--serve-fake``) with their own event loop and interpreter, so neither the
fake's work nor the players' share the bot's loop or GIL (on a 2-core machine they
still share the CPU). The two processes talk over the fake's real HTTP and
WebSocket sockets; the child reports its timings (``time.monotonic``, which is
system-wide on Linux) as JSON lines on stdout. The fake's rate limits are raised out
of the way (interaction callbacks and followups are exempt on Discord anyway); its
3-second acknowledgement window stays enforced and every violation is counted.

The bot runs as in production (``storyai bot``): the table ticker looks at every
running story every ``--tick`` seconds (2 s, the bot's default).

Run from the repository root (not part of the test suite):

    python tests/bench/bench_bot.py                          # temp SQLite file; N = 10, 100, 500
    python tests/bench/bench_bot.py --sizes 10 100 --turns 3
    python tests/bench/bench_bot.py --database-url postgresql://postgres@127.0.0.1:5432/postgres
    python tests/bench/bench_bot.py --memory                 # the in-memory store

With a PostgreSQL URL each size gets a throwaway database on that server (see
bench_turns.py; ``--in-place`` uses the named database).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import sys
import threading
import time
from collections import Counter, defaultdict
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests/: the fakes package

import discord
import playing
from bench_turns import machine, open_store, percentile
from fakes.discord.harness import DiscordHarness, patched_endpoints
from fakes.discord.server import FakeInteraction
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table

from storyai.bots.app import BotDeps, StoryBot
from storyai.core import services
from storyai.core.llm.port import ModelDone, ModelPort, ModelRequest, TextPiece, Usage
from storyai.core.llm.router import RouteEntry, Router
from storyai.core.multiplayer import service as table
from storyai.core.narrators.ai import AINarrator
from storyai.core.quotas import QuotaPolicy
from storyai.core.storage.ports import UnitOfWorkFactory
from storyai.core.worlds.bundled import bundled_world_paths
from storyai.core.worlds.validate import load_world

WORLD = "ember_hollow"
SIZES = (10, 100, 500)
MARKER = "Lantern light wavers over the snow."
"""In every narration the model writes: a reply without it was not the model's."""
ACTIONS = ("look around", "examine emberstone", "talk to hesta about village", "listen")
UNTHROTTLED = (1_000_000_000, 1.0)
LAG_INTERVAL = 0.01
HEARTBEAT_RACE = "Can't keep up"

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


class SlowModel(ModelPort):
    """Thinks for ``latency`` seconds (without blocking the loop), then streams a valid
    turn (or a one-line chapter summary) in ``chunk_size`` pieces."""

    name = "slow-fake"
    model = "slow-fake-1"

    def __init__(self, latency: float, chunk_size: int = 48) -> None:
        self.latency = latency
        self.chunk_size = chunk_size
        self.calls: Counter[str] = Counter()
        self.reply = _turn(MARKER + " The village keeps its own counsel tonight.")

    async def stream(self, request: ModelRequest) -> AsyncIterator[Any]:
        self.calls[request.task] += 1
        await asyncio.sleep(self.latency)
        text = "The hero wandered the village." if request.task == "summary" else self.reply
        for i in range(0, len(text), self.chunk_size):
            yield TextPiece(text[i : i + self.chunk_size])
        yield ModelDone(
            text=text,
            usage=Usage(
                provider=self.name,
                model=self.model,
                input_tokens=sum(s.tokens for s in request.sections),
                output_tokens=len(text) // 4,
                calls=1,
            ),
        )


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


class Counting(logging.Handler):
    """Counts what the bot and discord.py log at WARNING and above (the bot's errors,
    discord.py's "Can't keep up" heartbeat warnings); keeps the first few of each level."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.counts: Counter[str] = Counter()
        self.first: defaultdict[str, list[str]] = defaultdict(list)

    def emit(self, record: logging.LogRecord) -> None:
        self.counts[record.levelname] += 1
        if len(self.first[record.levelname]) < 2:
            message = " ".join(record.getMessage().split())
            if record.exc_info and record.exc_info[1] is not None:
                error = record.exc_info[1]
                message += f" ({type(error).__name__})"
            self.first[record.levelname].append(message[:200])


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

    async def finished(self, ix: FakeInteraction, timeout: float) -> str | None:
        """Wait until the bot's handler for ``ix`` returned; None, or what went wrong."""
        try:
            async with asyncio.timeout(timeout):
                await self._event(ix.id).wait()
        except TimeoutError:
            return f"the bot did not finish within {timeout:g} s"
        finally:
            self._events.pop(ix.id, None)
        _, failed = self.completed[ix.id]
        if not ix.acknowledged:
            return "not acknowledged within the window"
        if ix.errors:
            return f"error sent back: {ix.errors[0].kind}"
        if failed:
            return f"the command failed: {failed}"
        private = [m.content for m in ix.replies if m.ephemeral]
        if private:
            return "refused: " + private[0][:200]
        if not any(MARKER in m.text for m in ix.replies):
            return "no narration by the model among the replies"
        return None


@dataclass
class Record:
    """One interaction as the players saw it (monotonic seconds; None: did not happen)."""

    created: float
    acked: float | None
    first: float | None  # the first reply (a streamed narration's first words)
    done: float | None  # the bot's handler returned: every reply sent
    error: str | None

    def row(self) -> list:
        return [self.created, self.acked, self.first, self.done, self.error]


async def serve_fake(config: dict) -> None:
    n, turns, timeout = config["n"], config["turns"], config["timeout"]
    fake = BenchFake(
        members=[f"player{i:03d}" for i in range(n)],
        channels=[f"table-{i:03d}" for i in range(n)],
        ack_window=config["ack_window"],
        rate_limits={"channel_messages": UNTHROTTLED, "message_edits": UNTHROTTLED,
                     "default": UNTHROTTLED},
        global_rate_limit=UNTHROTTLED,
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
    lags: list[tuple[float, float]] = []
    monitor = asyncio.create_task(lag_monitor(lags))
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
        lambda: fake.ready_sessions and "act" in fake.commands, 30, "the bot and its commands"
    )
    done = Counter[str]()

    async def reporter() -> None:
        while True:
            emit({"progress": dict(done)})
            await asyncio.sleep(0.5)

    progress = asyncio.create_task(reporter())

    async def one(command: str, i: int, **options: Any) -> Record:
        ix = await fake.slash(command, user=users[i], channel=channels[i], wait=False, **options)
        error = await fake.finished(ix, timeout)
        replied = fake.replied_at.get(ix.id) or [None]
        at = fake.completed.get(ix.id, (None, None))[0]
        return Record(ix.created, fake.acked_at.get(ix.id), replied[0], at, error)

    async def start(i: int) -> Record:
        record = await one("story start", i, world=config["world"])
        done["start"] += 1
        return record

    async def play(i: int) -> list[Record]:
        out = []
        for turn in range(turns):
            out.append(await one("act", i, text=ACTIONS[(i + turn) % len(ACTIONS)]))
            done["act"] += 1
        return out

    phases: dict[str, list[float]] = {"start": [time.monotonic()]}
    starts = await asyncio.gather(*(start(i) for i in range(n)))
    phases["start"].append(time.monotonic())
    emit({"started": [r.error is None for r in starts]})
    if await orders.get() != "play":  # the bot's side starts the stories that failed
        return
    phases["act"] = [time.monotonic()]
    played = await asyncio.gather(*(play(i) for i in range(n)))
    phases["act"].append(time.monotonic())
    progress.cancel()
    emit({"progress": dict(done)})
    emit(
        {
            "result": {
                "phases": phases,
                "starts": [r.row() for r in starts],
                "turns": [r.row() for records in played for r in records],
                "fake_lag": {
                    name: _summary(lags_between(lags, a, b)) for name, (a, b) in phases.items()
                },
            }
        }
    )
    await orders.get()  # "close", once the bot has stopped
    monitor.cancel()
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
class SizeResult:
    n: int
    turns_planned: int
    phases: dict[str, list[float]]
    starts: list[list]
    turns: list[list]
    bot_lag: dict[str, dict[str, float]]
    fake_lag: dict[str, dict[str, float]]
    closed: dict
    logged: Counting
    cpu: dict[str, float]
    repaired: int
    repair_s: float
    model_calls: Counter[str] = field(default_factory=Counter)

    def wall(self, phase: str) -> float:
        a, b = self.phases[phase]
        return b - a

    @staticmethod
    def ok(rows: list[list]) -> list[list]:
        return [r for r in rows if r[ERROR] is None]

    @staticmethod
    def errors(rows: list[list]) -> Counter[str]:
        return Counter(r[ERROR] for r in rows if r[ERROR] is not None)


CREATED, ACKED, FIRST, DONE, ERROR = range(5)  # the columns of Record.row()


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
    """Start, through the core and with the offline narrator, the stories whose
    ``/story start`` failed, so that every player can act; returns how many."""
    started = 0
    for user_id, name, channel_id in seats:
        if await table.session_in_channel(uow, str(channel_id)) is not None:
            continue  # the bot finished it after all
        opening = await playing.start_session(uow, WORLD, player_name=name, user_ref=str(user_id))
        await table.open_table(uow, opening.session_id, mode="turn", channel=str(channel_id))
        started += 1
    return started


async def run_size(args: argparse.Namespace, n: int, progress: Progress) -> SizeResult:
    world = load_world(bundled_world_paths()[WORLD])
    async with open_store(args) as store:
        await services.install_world(store.uow, world, source="bench")
        model = SlowModel(args.latency)
        router = Router({"narration": [RouteEntry(model)], "summary": [RouteEntry(model)]})
        deps = BotDeps(
            store.uow,
            narrator=AINarrator(router),
            # One fake guild holds every player: its daily turn limit (500) would refuse
            # turns that on Discord would come from many servers.
            policy=QuotaPolicy(user_turns=None, guild_turns=None, user_credits=None,
                               guild_credits=None),
        )  # fmt: skip
        if args.stream_interval is not None:
            deps.stream_interval = args.stream_interval
        bot = StoryBot(deps, tick=args.tick)
        config = {
            "n": n,
            "turns": args.turns,
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
        try:
            hello = await child.receive()
            proxy = DiscordHarness(token=hello["token"], ready_timeout=60.0)  # never started:
            proxy.port = hello["port"]  # it only points discord.py at the child's fake
            samples: list[tuple[float, float]] = []
            cpu: list[tuple[float, float]] = []
            with patched_endpoints(proxy):
                await proxy.start_bot(bot)
                watch_commands(bot, child)
                monitor = asyncio.create_task(lag_monitor(samples, cpu))
                starting = progress.add_task(f"N={n} /story start", total=n)
                acting = progress.add_task(f"N={n} /act", total=n * args.turns)
                child.send({"order": "go"})
                repaired, repair_s = 0, 0.0
                while "result" not in (message := await child.receive()):
                    if "started" in message:
                        seats = zip(hello["seats"], message["started"], strict=True)
                        failed = [seat for seat, ok in seats if not ok]
                        began = time.monotonic()
                        repaired = await start_directly(store.uow, failed)
                        repair_s = time.monotonic() - began
                        child.send({"order": "play"})
                        continue
                    done = message["progress"]
                    progress.update(starting, completed=done.get("start", 0))
                    progress.update(acting, completed=done.get("act", 0))
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
        return SizeResult(
            n=n,
            turns_planned=args.turns,
            phases=phases,
            starts=result["starts"],
            turns=result["turns"],
            bot_lag={
                name: _summary(lags_between(samples, a, b)) for name, (a, b) in phases.items()
            },
            fake_lag=result["fake_lag"],
            closed=closed,
            logged=logged,
            cpu={name: cpu_share(cpu, a, b) for name, (a, b) in phases.items()},
            repaired=repaired,
            repair_s=repair_s,
            model_calls=model.calls,
        )


# ------------------------------------------------------------------ report


def _seconds(rows: list[list], column: int, p: float) -> float:
    values = [r[column] - r[CREATED] for r in rows if r[column] is not None]
    if not values:
        return float("nan")
    return max(values) if p == 100 else percentile(values, p)


COLUMNS = (
    "N",
    "turns ok",
    "wall s",
    "turns/s",
    "reply p50 s",
    "reply p95 s",
    "done p50 s",
    "done p95 s",
    "ack max ms",
    "lag p50 ms",
    "lag p99 ms",
    "lag max ms",
    "bot CPU",
    "errors",
    "viol.",
)


def report(results: list[SizeResult], args: argparse.Namespace, label: str) -> Table:
    table = Table(
        title=(
            f"StoryBot, N concurrent one-player stories, {args.turns} /act each, "
            f"model {args.latency:g} s a call, {label}"
        ),
        caption=(
            f"{machine()}. Fake Discord and players in a child process. "
            "reply: slash to the first reply (the narration starts); done: to "
            "the handler's end (every reply sent); ack: to the defer; lag: bot loop, 10 ms "
            "sleeps; bot CPU: share of one core; viol.: what the fake Discord flagged"
        ),
    )
    for name in COLUMNS:
        table.add_column(name, justify="right")
    for r in results:
        ok = r.ok(r.turns)
        wall = r.wall("act")
        lag = r.bot_lag["act"]
        table.add_row(
            str(r.n),
            f"{len(ok)}/{r.n * r.turns_planned}",
            f"{wall:.1f}",
            f"{len(ok) / wall:.1f}" if wall else "-",
            f"{_seconds(ok, FIRST, 50):.2f}",
            f"{_seconds(ok, FIRST, 95):.2f}",
            f"{_seconds(ok, DONE, 50):.2f}",
            f"{_seconds(ok, DONE, 95):.2f}",
            f"{_seconds(r.turns, ACKED, 100) * 1000:.0f}",
            f"{lag['p50']:.1f}",
            f"{lag['p99']:.1f}",
            f"{lag['max']:.0f}",
            f"{r.cpu['act']:.0%}",
            str(sum(r.errors(r.turns).values())),
            str(sum(r.closed["violations"].values())),
        )
    return table


def details(r: SizeResult) -> None:
    ok = r.ok(r.starts)
    lag, fake = r.bot_lag["start"], r.fake_lag["act"]
    console.print(
        f"[bold]N={r.n}[/]: /story start x{r.n}: {len(ok)} ok in {r.wall('start'):.1f} s "
        f"(reply p50 {_seconds(ok, FIRST, 50):.2f} s, done p95 {_seconds(ok, DONE, 95):.2f} s, "
        f"ack max {_seconds(r.starts, ACKED, 100) * 1000:.0f} ms; bot loop lag p99 "
        f"{lag['p99']:.0f} ms, max {lag['max']:.0f} ms). Model calls: "
        + ", ".join(f"{task} {count}" for task, count in sorted(r.model_calls.items()))
        + f". While acting: done max {_seconds(r.ok(r.turns), DONE, 100):.2f} s; the fake's "
        f"own loop lag p99 {fake['p99']:.1f} ms, max {fake['max']:.0f} ms; "
        f"{r.closed['calls']} REST calls, {r.closed['rate_limited']} rate limited."
    )
    if r.repaired:
        console.print(
            f"  {r.repaired} stories whose /story start failed were then started through the "
            f"core with the offline narrator ({r.repair_s:.1f} s), so that all {r.n} can act"
        )
    for phase, rows in (("/story start", r.starts), ("/act", r.turns)):
        for error, count in r.errors(rows).most_common(4):
            console.print(f"  {phase}: {count} x {error}", markup=False)
    for level, count in r.logged.counts.items():
        console.print(f"  {count} {level} logged by the bot: {r.logged.first[level]}", markup=False)
        if any(HEARTBEAT_RACE in message for message in r.logged.first[level]):
            console.print(
                f"    ({HEARTBEAT_RACE!r} ~41 s: discord.py notes a heartbeat's send time only "
                "after the send returns; the local fake acknowledges before that, so the "
                "previous heartbeat's time is used. Not lag.)",
                markup=False,
            )
    for kind, count in r.closed["violations"].items():
        console.print(f"  violation {kind}: {count}")
    for first in r.closed["first"]:
        console.print(f"    {first}", markup=False)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=list(SIZES), help="N (10 100 500)")
    parser.add_argument("--turns", type=int, default=5, help="turns per story (5)")
    parser.add_argument("--latency", type=float, default=1.0, help="model seconds per call (1)")
    parser.add_argument(
        "--tick", type=float, default=2.0, help="the bot's table ticker period (2 s, its default)"
    )
    parser.add_argument(
        "--stream-interval",
        type=float,
        help="seconds between edits of a streamed narration (default: the bot's, 1.2)",
    )
    parser.add_argument(
        "--ack-window", type=float, default=3.0, help="seconds to acknowledge (3, as Discord)"
    )
    parser.add_argument(
        "--timeout", type=float, default=300.0, help="give up on an interaction after (300 s)"
    )
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--database-url", help="a database URL (PostgreSQL: throwaway database)")
    where.add_argument("--memory", action="store_true", help="use the in-memory store")
    parser.add_argument(
        "--in-place", action="store_true", help="with PostgreSQL: use that database itself"
    )
    parser.add_argument("--serve-fake", metavar="CONFIG", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.turns < 1 or min(args.sizes) < 1:
        parser.error("--turns and --sizes must be at least 1")
    return args


async def main(args: argparse.Namespace) -> None:
    results = []
    label = "in-memory store" if args.memory else "SQLite file"
    if args.database_url:
        label = "PostgreSQL" if args.database_url.startswith("postgres") else "SQL"
    console.print(f"[bold]Machine:[/] {machine()}; [bold]storage:[/] {label}")
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn())
    with Progress(*columns, TimeElapsedColumn(), console=console) as progress:
        for n in args.sizes:
            results.append(await run_size(args, n, progress))
    console.print(report(results, args, label))
    for result in results:
        details(result)


if __name__ == "__main__":
    arguments = parse_args()
    if arguments.serve_fake:
        asyncio.run(serve_fake(json.loads(arguments.serve_fake)))
    else:
        asyncio.run(main(arguments))
