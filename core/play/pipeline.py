"""The turn pipeline every use case that changes a story goes through.

A turn is two short transactions with the telling between them:

1. **Claim** (one transaction, the story's lock held for a few milliseconds): read the
   session, its branch head and the state (from the process's cache when the last
   turn ran here), check what the rules of the table allow, store the player's
   action, and mark it as being told (``SessionRecord.telling``: this teller may write
   its telling until ``until``). The action is committed before anything is told, so
   a crash or a failed model never loses it. The rules' outcome and the memory a
   model needs are worked out here too, from what was read.
2. **Tell** (no connection, no lock): the narrator tells the outcome; a model may
   take seconds and streams its words meanwhile. The lease is renewed while it does.
3. **Settle** (one transaction): if the branch's head is still this action, store
   every event of the telling, the recall index, the quota charge, and clear the
   telling mark.

Anyone else who wants to write to the story while a telling is under way (another
player's action, a join, a rewind) waits for it to be stored (woken at once within
this process, polling the database across processes), then goes on from the new
head: a join during an AI turn is seated after it, never refused. When a telling's
lease runs out (its teller crashed), the next writer tells it first, with its own
narrator, and its players get that telling too.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import TypeVar

from storyai.core.domain.clock import Clock
from storyai.core.domain.errors import HistoryBroken, NotSeated, TurnConflict
from storyai.core.domain.events import GroupMember, PlayerAction, PlayerJoined, StateChanged
from storyai.core.domain.ops import AdvanceTurn, OfferChoices, apply_ops
from storyai.core.domain.records import BranchRecord, EventRecord, Opened, SessionRecord, Telling
from storyai.core.domain.state import GameState
from storyai.core.domain.world import World
from storyai.core.engine.draft import Line
from storyai.core.engine.intent import Intent
from storyai.core.engine.turn import Outcome, join, play_turn
from storyai.core.memory.gather import WindowCache, gather_memory
from storyai.core.narrators.port import Narrator, OnText
from storyai.core.play import telling as tellings
from storyai.core.play.caches import StateCache, WorldCache
from storyai.core.play.growth import Growth
from storyai.core.play.loading import state_at
from storyai.core.play.quota import Reservation, settle_in
from storyai.core.play.results import TurnResult, result_of
from storyai.core.play.table import Table
from storyai.core.play.warming import Warmups, next_actor, warm_next
from storyai.core.quotas import QuotaPolicy
from storyai.core.rules import rule_system_for
from storyai.core.storage.ports import UnitOfWork, UnitOfWorkFactory

T = TypeVar("T")

LEASE_SECONDS = 30.0
"""How long a teller may take before others may tell its turn; renewed while telling."""
POLL_FIRST, POLL_MAX = 0.02, 0.5
"""Seconds between looks at the database while waiting for another process's telling."""


class Board:
    """Wakes the writers of this process that wait for a story's telling to be stored."""

    def __init__(self) -> None:
        self._waiting: dict[str, asyncio.Event] = {}

    def done(self, session_id: str) -> None:
        event = self._waiting.pop(session_id, None)
        if event is not None:
            event.set()

    async def wait(self, session_id: str, seconds: float) -> None:
        event = self._waiting.setdefault(session_id, asyncio.Event())
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(event.wait(), timeout=max(seconds, 0.0))


@dataclass
class Deps:
    """What every use case of one play service shares (never per-call state)."""

    uow: UnitOfWorkFactory
    narrator: Narrator
    clock: Clock
    quota: QuotaPolicy
    lease: timedelta = timedelta(seconds=LEASE_SECONDS)
    worlds: WorldCache = field(default_factory=WorldCache)
    states: StateCache = field(default_factory=StateCache)
    windows: WindowCache = field(default_factory=WindowCache)
    board: Board = field(default_factory=Board)
    warmups: Warmups = field(default_factory=Warmups)


@dataclass
class Scene:
    """A story opened by its writer: read in the writer's unit of work, under its lock.
    ``state`` is shared with the cache: fork it before changing it."""

    uow: UnitOfWork
    opened: Opened
    world: World
    state: GameState
    session: SessionRecord  # change it (``replace``) to have it stored with the step

    @property
    def head(self) -> EventRecord | None:
        return self.opened.head

    @property
    def branch(self) -> BranchRecord:
        if self.opened.branch is None:
            raise HistoryBroken(f"the branch '{self.session.active_branch}' is missing")
        return self.opened.branch

    @property
    def seed(self) -> int:
        return int(self.session.settings.get("seed", 0))

    @property
    def table(self) -> Table:
        return Table.from_json(self.session.settings.get("table"))

    def with_table(self, table: Table) -> None:
        self.session = replace(
            self.session, settings={**self.session.settings, "table": table.to_json()}
        )


@dataclass
class Claim:
    """A stored pending event (an action, an arrival) and what telling it needs."""

    session: SessionRecord
    branch: BranchRecord
    pending: EventRecord
    state: GameState  # the state at the pending event (never changed: forked to tell)
    telling: tellings.Telling
    reservation: Reservation | None = None


async def open_scene(deps: Deps, uow: UnitOfWork, opened: Opened) -> Scene:
    session = opened.session
    world = await deps.worlds.get(uow, session.world_id, session.world_version)
    if opened.head is None or opened.branch is None:
        raise HistoryBroken(f"the branch '{session.active_branch}' has no events")
    state = await state_at(uow, opened.branch.lineage, opened.head, deps.states)
    return Scene(uow, opened, world, state, session)


def with_deadline(session: SessionRecord) -> SessionRecord:
    """The session with ``deadline`` set to when it next needs tending: a table's idle
    player or free round, or the end of a telling's lease. Only stories played in a
    channel are tended."""
    if session.channel is None:
        return replace(session, deadline=None)
    times: list[datetime] = []
    table_deadline = Table.from_json(session.settings.get("table")).deadline()
    if table_deadline is not None:
        times.append(table_deadline)
    if session.telling is not None:
        times.append(session.telling.until)
    return replace(session, deadline=min(times) if times else None)


async def as_writer(
    deps: Deps,
    session_id: str,
    step: Callable[[Scene], Awaitable[T]],
    *,
    narrator: Narrator,
    on_text: OnText | None = None,
    take_over: bool = False,
) -> tuple[T, list[TurnResult]]:
    """Run ``step`` as the story's writer, in its unit of work and under its lock, once no
    telling is under way; ``step`` commits what it changes. Tellings that were
    interrupted (their lease ran out, or ``take_over``) are told first; their results
    come back with ``step``'s."""
    finished: list[TurnResult] = []
    poll = POLL_FIRST
    while True:
        claim: Claim | None = None
        wait = 0.0
        async with deps.uow() as uow:
            opened = await uow.sessions.open(session_id, lock=True)
            head = opened.head
            if head is not None and head.event.awaits_telling:
                lease = opened.session.telling
                now = deps.clock.now()
                live = lease is not None and lease.event_id == head.id and lease.until > now
                if live and not take_over:
                    assert lease is not None
                    wait = min(poll, (lease.until - now).total_seconds())
                else:
                    claim = await claim_pending(deps, uow, opened, narrator)
                    await uow.commit()
            else:
                scene = await open_scene(deps, uow, opened)
                return await step(scene), finished
        if claim is not None:
            finished.append(await finish(deps, claim, on_text))
            take_over = False
            continue
        await deps.board.wait(session_id, wait)
        poll = min(poll * 2, POLL_MAX)


async def claim_pending(deps: Deps, uow: UnitOfWork, opened: Opened, narrator: Narrator) -> Claim:
    """Take over the telling of the pending head (its teller stopped): the same outcome
    and dice as the first time, told by ``narrator``."""
    scene = await open_scene(deps, uow, opened)
    pending = scene.head
    assert pending is not None
    if isinstance(pending.event, PlayerJoined):
        telling = arrival_telling(scene, pending, narrator)
    elif isinstance(pending.event, PlayerAction):
        telling = await action_telling(deps, scene, pending, narrator)
    else:  # pragma: no cover - awaits_telling is true for these two only
        raise HistoryBroken(f"a '{pending.kind}' event cannot be told")
    session = with_deadline(
        replace(scene.session, telling=Telling(pending.id, deps.clock.now() + deps.lease))
    )
    await uow.sessions.update(session)
    assert opened.branch is not None
    return Claim(session, opened.branch, pending, scene.state, telling)


def arrival_telling(scene: Scene, pending: EventRecord, narrator: Narrator) -> tellings.Telling:
    event = pending.event
    assert isinstance(event, PlayerJoined) and event.sheet is not None
    dice = tellings.turn_dice(scene.seed, pending.depth)
    outcome = join(
        scene.state,
        scene.world,
        rule_system_for(scene.world),
        dice,
        pending.actor,
        event.sheet,
        opening=event.opening,
    )
    return tellings.Telling(
        world=scene.world,
        outcome=outcome,
        actor=pending.actor,
        turn=pending.turn,
        action="",
        seed=scene.seed,
        narrator=narrator,
    )


async def action_telling(
    deps: Deps,
    scene: Scene,
    pending: EventRecord,
    narrator: Narrator,
    outcome: Outcome | None = None,
) -> tellings.Telling:
    """The rules' outcome of a stored action (replayed: same dice, same result; or
    ``outcome``, worked out with those dice before it was stored) and the memory a
    model gets for it."""
    event = pending.event
    assert isinstance(event, PlayerAction)
    state, world = scene.state, scene.world
    if outcome is None and event.group:
        outcome = group_outcome(state, world, scene.seed, pending.depth, event.group)
    elif outcome is None:
        dice = tellings.turn_dice(scene.seed, pending.depth)
        outcome = play_turn(state, world, rule_system_for(world), dice, pending.actor, event.text)
    memory = None
    if narrator.wants_memory:
        seen = state.fork()
        apply_ops(seen, outcome.ops)
        memory = await gather_memory(
            scene.uow,
            scene.branch.lineage,
            pending,
            seen,
            pending.actor,
            event.text,
            pending.turn,
            deps.windows,
        )
    return tellings.Telling(
        world=world,
        outcome=outcome,
        actor=pending.actor,
        turn=pending.turn,
        action=event.text,
        seed=scene.seed,
        narrator=narrator,
        memory=memory,
        also=tuple(m.player for m in event.group or ()),
    )


def group_outcome(
    state: GameState, world: World, seed: int, depth: int, group: tuple[GroupMember, ...]
) -> Outcome:
    """Several players' actions resolved in one GM turn, in the order given.

    Each action meets the state the previous ones left (the first to act takes the
    key); dice differ per action but are fixed by the seed, the depth and the order.
    The turn counter moves once, and the choices offered are the last action's."""
    rules = rule_system_for(world)
    working = state.fork()
    ops = []
    lines: list[Line] = []
    rolls = []
    rejected = []
    understood = True
    last_choices: OfferChoices | None = None
    for i, member in enumerate(group):
        who, text = member.player, member.text
        dice = tellings.turn_dice(seed, depth if i == 0 else depth + 1_000_000 * i)
        name = working.players[who].name if who in working.players else who
        lines.append(Line("heading", f"{name}: {text}"))
        outcome = play_turn(working, world, rules, dice, who, text)
        apply_ops(working, outcome.ops)
        for op in outcome.ops:
            if isinstance(op, OfferChoices):
                last_choices = op
            elif not isinstance(op, AdvanceTurn):
                ops.append(op)
        lines += outcome.lines
        rolls += outcome.rolls
        rejected += outcome.rejected
        understood = understood and outcome.understood
    ops.append(AdvanceTurn(turn=state.turn + 1))
    if last_choices is not None:
        ops.append(last_choices)
    return Outcome(Intent("group", raw=""), ops, lines, rolls, rejected, understood)


def rules_first(
    scene: Scene, actor: str, text: str, narrator: Narrator
) -> tuple[TurnResult | None, Outcome | None]:
    """The rules' outcome of an action about to be stored (with the dice its telling
    will have), and, for an input the engine cannot act on, what it says, told without
    storing anything (no turn spent, nothing to rewind). A narrator that tells free
    text (a model) gets every input: then nothing is worked out here."""
    if narrator.proposes:
        return None, None
    depth = scene.head.depth + 1 if scene.head is not None else 1
    dice = tellings.turn_dice(scene.seed, depth)
    outcome = play_turn(scene.state, scene.world, rule_system_for(scene.world), dice, actor, text)
    if outcome.understood:
        return None, outcome
    state = scene.state
    return TurnResult(
        session_id=scene.session.id,
        turn=state.turn,
        lines=list(outcome.lines),
        choices=list(state.choices),
        state=state,
        events=[],
        understood=False,
    ), None


async def store_pending(
    deps: Deps,
    scene: Scene,
    event: PlayerAction | PlayerJoined,
    actor: str,
    turn: int,
    *,
    narrator: Narrator,
    reservation: Reservation | None = None,
    outcome: Outcome | None = None,
    changes: StateChanged | None = None,
) -> Claim:
    """Store a pending event after the head (with ``scene.session``'s changes), marked as
    being told by this teller, and commit: the claim step of a turn or an arrival.
    ``changes``: the rules' changes stored (and applied) just before it (the followers
    an arriving player brings)."""
    growth = Growth(scene.session, scene.branch, scene.head, scene.state.fork(), deps.clock)
    if changes is not None:
        growth.add(changes, "system", turn)
        scene.state = growth.state
    pending = growth.add(event, actor, turn)
    if isinstance(event, PlayerJoined):
        telling = arrival_telling(scene, pending, narrator)
    else:
        telling = await action_telling(deps, scene, pending, narrator, outcome)
    session = await growth.write(scene.uow, scene.session, base=scene.head)
    pending = growth.records[-1]
    session = with_deadline(
        replace(session, telling=Telling(pending.id, deps.clock.now() + deps.lease))
    )
    await scene.uow.sessions.update(session)
    await scene.uow.commit()
    deps.states.put(pending.id, scene.state)  # a pending event changes no state
    return Claim(session, scene.branch, pending, scene.state, telling, reservation)


async def finish(deps: Deps, claim: Claim, on_text: OnText | None) -> TurnResult:
    """Tell a claimed pending event and store its telling (steps 2 and 3)."""
    session_id = claim.session.id
    growth = Growth(claim.session, claim.branch, claim.pending, claim.state.fork(), deps.clock)
    try:
        async with _lease_kept(deps, claim):
            if claim.telling.narrator.warms():
                await deps.warmups.ready(session_id)  # what it reads is this turn's prompt
            await tellings.tell(growth, claim.telling, on_text)
    except BaseException:
        with contextlib.suppress(Exception):
            await _give_up(deps, claim)
        deps.board.done(session_id)
        raise
    try:
        async with deps.uow() as uow:
            opened = await uow.sessions.open(session_id, lock=True)
            if opened.head is None or opened.head.id != claim.pending.id:
                return await _told_elsewhere(deps, uow, opened, claim)
            session = await growth.write(uow, opened.session, base=opened.head)
            await uow.recall.index([claim.pending, *growth.records])
            if claim.reservation is not None:
                await settle_in(uow, claim.reservation, _cost(growth.records))
            await uow.sessions.update(with_deadline(replace(session, telling=None)))
            await uow.commit()
    finally:
        deps.board.done(session_id)
    if growth.head is not None:
        deps.states.put(growth.head.id, growth.state)
        _warm_up(deps, claim, session, growth.head, growth.state)
    outcome = claim.telling.outcome
    return result_of(
        session_id,
        [claim.pending, *growth.records],
        growth.state,
        rejected=list(outcome.rejected),
        understood=outcome.understood,
    )


def _warm_up(
    deps: Deps, claim: Claim, session: SessionRecord, head: EventRecord, state: GameState
) -> None:
    """Let the narrator get ready for the story's next turn in the background."""
    narrator = claim.telling.narrator
    if not narrator.warms():
        return
    deps.warmups.start(
        session.id,
        warm_next(
            deps.uow,
            deps.windows,
            narrator,
            world=claim.telling.world,
            state=state,
            lineage=claim.branch.lineage,
            head=head,
            actor=next_actor(session.settings, state, claim.pending.actor),
            seed=claim.telling.seed,
        ),
    )


def _cost(records: list[EventRecord]) -> float | None:
    spent = [u.cost_usd for r in records if (u := getattr(r.event, "usage", None)) is not None]
    return sum(spent) if spent else None


async def _told_elsewhere(deps: Deps, uow: UnitOfWork, opened: Opened, claim: Claim) -> TurnResult:
    """Another teller stored this telling first (ours took too long): theirs stands."""
    pending = claim.pending
    if opened.branch is None or opened.head is None:
        raise TurnConflict("The story moved on while this turn was told; try again.")
    line = await uow.events.on_line(
        pending.session_id,
        opened.branch.lineage,
        min_depth=pending.depth,
        max_depth=pending.depth + 64,
    )
    if not line or line[0].id != pending.id:
        raise TurnConflict("The story moved on while this turn was told; try again.")
    told = []
    for record in line[1:]:
        if record.event.awaits_telling:
            break
        told.append(record)
    state = await state_at(uow, opened.branch.lineage, opened.head, deps.states)
    return result_of(pending.session_id, told, state)


@contextlib.asynccontextmanager
async def _lease_kept(deps: Deps, claim: Claim) -> AsyncIterator[None]:
    """Renew the telling's lease while the narrator works (a slow model)."""
    every = deps.lease.total_seconds() / 3

    async def renew() -> None:
        while True:
            await asyncio.sleep(every)
            async with deps.uow() as uow:
                opened = await uow.sessions.open(claim.session.id, lock=True)
                lease = opened.session.telling
                if lease is None or lease.event_id != claim.pending.id:
                    return
                renewed = Telling(lease.event_id, deps.clock.now() + deps.lease)
                await uow.sessions.update(with_deadline(replace(opened.session, telling=renewed)))
                await uow.commit()

    task = asyncio.create_task(renew())
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await task


async def _give_up(deps: Deps, claim: Claim) -> None:
    """The telling failed: end the lease now, so the next writer tells it at once."""
    async with deps.uow() as uow:
        opened = await uow.sessions.open(claim.session.id, lock=True)
        lease = opened.session.telling
        if lease is not None and lease.event_id == claim.pending.id:
            ended = Telling(lease.event_id, deps.clock.now())
            await uow.sessions.update(with_deadline(replace(opened.session, telling=ended)))
            await uow.commit()


def host_of(state: GameState) -> str:
    """The player who started the story (the first seated)."""
    if not state.players:
        raise NotSeated("This story has no players.")
    return next(iter(state.players))
