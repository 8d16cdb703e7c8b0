"""Session use cases: start, take a turn, rewind, branch, switch, resume, transcript.

A session is a tree of immutable events; branches are named heads. State is
folded from the nearest snapshot (taken every ``SNAPSHOT_EVERY`` levels of
depth), so loading costs the same at turn 10 and turn 10,000.

A turn is two transactions: the player's action is stored first, so a crash
or a narrator failure never loses it; the resolution is appended second. A
head that is still a bare player action is resolved again on the next load.
Dice for a turn are seeded from the session seed and the event's depth, so a
retried or replayed turn rolls the same.
"""

from __future__ import annotations

import hashlib
import secrets
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

from storyai.core.domain.dice import Dice, SeededDice
from storyai.core.domain.errors import StoryError
from storyai.core.domain.records import (
    BranchRecord,
    EventRecord,
    PlayerRecord,
    SessionRecord,
    SnapshotRecord,
)
from storyai.core.domain.sheet import new_player_sheet
from storyai.core.domain.state import Choice, GameState, apply_ops
from storyai.core.domain.world import World
from storyai.core.engine.draft import Line
from storyai.core.engine.intent import Intent
from storyai.core.engine.proposals import check_proposals
from storyai.core.engine.turn import Outcome, initial_state, join, play_turn
from storyai.core.llm.port import Usage
from storyai.core.memory.gather import gather_memory
from storyai.core.narrators.offline import OfflineNarrator
from storyai.core.narrators.port import (
    Memory,
    NarrationRequest,
    Narrator,
    NarratorReply,
    OnText,
    TurnText,
    narrate,
)
from storyai.core.rules import rule_system_for
from storyai.core.storage.ports import UnitOfWork, UnitOfWorkFactory

SNAPSHOT_EVERY = 50
CHAPTER_TURNS = 10  # an AI narrator's memory closes a chapter this often
MAIN = "main"


class TurnConflict(StoryError):
    """Someone else's turn landed first."""


@dataclass
class Clock:
    """Injected time and ids, so tests can fix them."""

    now: Callable[[], datetime] = field(default=lambda: datetime.now(UTC))
    new_id: Callable[[], str] = field(default=lambda: uuid.uuid4().hex)
    new_seed: Callable[[], int] = field(default=lambda: secrets.randbelow(2**31))


@dataclass
class TurnResult:
    session_id: str
    turn: int
    lines: list[Line]
    choices: list[Choice]
    state: GameState
    events: list[EventRecord]
    rejected: list[dict[str, Any]] = field(default_factory=list)
    understood: bool = True

    @property
    def ended(self) -> str | None:
        return self.state.ending


@dataclass
class BranchInfo:
    name: str
    turn: int
    active: bool
    last_line: str


def turn_dice(seed: int, depth: int) -> Dice:
    """The dice for the turn whose action sits at ``depth``: same seed, same rolls."""
    digest = hashlib.sha256(f"{seed}:{depth}".encode()).digest()
    return SeededDice(int.from_bytes(digest[:8], "big"))


# ---------------------------------------------------------------- loading


async def load_state(uow: UnitOfWork, session_id: str, head_id: str) -> GameState:
    """The state right after ``head_id``: nearest snapshot, plus the events since."""
    head = await uow.events.get(head_id)
    if head is None:
        raise StoryError(f"Event {head_id} is missing from this session.")
    base_depth = max(1, (head.depth // SNAPSHOT_EVERY) * SNAPSHOT_EVERY)
    window = await uow.events.between_depths(session_id, base_depth, head.depth)
    by_id = {e.id: e for e in window}
    chain: list[EventRecord] = []
    current: EventRecord | None = head
    while current is not None and current.depth > base_depth:
        chain.append(current)
        current = by_id.get(current.parent_id or "")
    if current is None:
        raise StoryError("This session's history is broken (a parent event is missing).")
    snapshot = await uow.snapshots.get(current.id)
    if snapshot is None:
        raise StoryError("This session's history is broken (a snapshot is missing).")
    state = GameState.from_json(snapshot.state)
    for event in reversed(chain):
        if event.kind == "state_changed":
            apply_ops(state, event.payload["ops"])
    return state


async def path_to(uow: UnitOfWork, session_id: str, head_id: str) -> list[EventRecord]:
    """Every event from the root to ``head_id`` (for transcripts and history)."""
    events = {e.id: e for e in await uow.events.list(session_id)}
    path = []
    current = events.get(head_id)
    while current is not None:
        path.append(current)
        current = events.get(current.parent_id or "")
    return list(reversed(path))


# ---------------------------------------------------------------- writing


class _Appender:
    """Appends events after a head, snapshotting where depth says so."""

    def __init__(
        self,
        world: World,
        session: SessionRecord,
        head: EventRecord | None,
        state: GameState,
        clock: Clock,
        seq: int = 0,
    ) -> None:
        self.world, self.session, self.head = world, session, head
        self.state = state
        self.clock, self.seq = clock, seq
        self.stored_head = head  # the last event already in storage
        self.events: list[EventRecord] = []
        self.snapshots: list[tuple[EventRecord, dict[str, Any]]] = []

    def add(self, kind: str, actor: str, payload: dict[str, Any], turn: int) -> EventRecord:
        depth = (self.head.depth + 1) if self.head else 1
        event = EventRecord(
            id=self.clock.new_id(),
            session_id=self.session.id,
            parent_id=self.head.id if self.head else None,
            seq=self.seq,
            depth=depth,
            turn=turn,
            kind=kind,
            actor=actor,
            payload=payload,
            created_at=self.clock.now(),
        )
        self.seq += 1
        if kind == "state_changed":
            apply_ops(self.state, payload["ops"])
        self.events.append(event)
        self.head = event
        if depth == 1 or depth % SNAPSHOT_EVERY == 0:
            self.snapshots.append((event, self.state.to_json()))
        return event

    async def add_outcome(
        self,
        outcome: Outcome,
        actor: str,
        turn: int,
        *,
        action: str,
        narrator: Narrator,
        seed: int,
        on_text: OnText | None,
        also: tuple[str, ...] = (),
        memory: Memory | None = None,
    ) -> list[Line]:
        """Store the rules' outcome, then have the narrator tell it; returns what was told.

        An AI narrator's proposed changes are checked by the engine (rejected ones
        are stored with their reason); a check it asks for is rolled here, with the
        engine's dice, and told in a second pass."""
        if outcome.rolls:
            self.add("dice_rolled", actor, {"rolls": outcome.rolls}, turn)
        if outcome.ops or outcome.rejected:
            self.add(
                "state_changed", actor, {"ops": outcome.ops, "rejected": outcome.rejected}, turn
            )
        request = NarrationRequest(
            world=self.world,
            state=self.state,
            actor=actor,
            action=action,
            facts=outcome.lines,
            choices=list(self.state.choices),
            turn=turn,
            seed=seed,
            memory=memory,
        )
        reply = await narrate(narrator, request, on_text)
        lines = list(reply.lines)
        usage = Usage.from_dict(reply.usage) if reply.usage else Usage()
        rejected: list[dict[str, Any]] = []
        if reply.check and narrator.proposes:
            rolled = self._roll_check(reply.check, actor, seed, turn, rejected)
            if rolled is not None:
                if on_text is not None:
                    pending = on_text("\n" + rolled.text + "\n")
                    if pending is not None:
                        await pending
                again = replace(
                    request, state=self.state, facts=[*outcome.lines, rolled], followup=rolled.text
                )
                second = await narrate(narrator, again, on_text)
                lines = [line for line in lines if line.kind != "ending"] + [rolled]
                lines += [line for line in second.lines if line not in request.facts]
                usage.add(Usage.from_dict(second.usage) if second.usage else Usage())
                reply = replace(second, lines=lines, error=reply.error or second.error)
        if narrator.proposes:
            self._add_proposals(reply, actor, turn, seed, rejected)
        told = {
            "lines": [line.as_dict() for line in lines],
            "choices": [c.model_dump() for c in self.state.choices],
            "understood": outcome.understood,
            "narrator": reply.narrator or narrator.name,
            "witnesses": sorted({w for who in (actor, *also) for w in self._witnesses(who)}),
        }
        if usage.calls:
            told["usage"] = {**usage.as_dict(), "player": actor}
        if reply.context:
            told["context"] = reply.context
        if reply.error:
            told["error"] = reply.error
        self.add("narration", "gm", told, turn)
        if self.state.ending and outcome.ops and any(o["op"] == "ending" for o in outcome.ops):
            self.add("ending_reached", "gm", {"ending": self.state.ending}, turn)
        if memory is not None:
            await self._maybe_close_chapter(narrator, memory, actor, action, turn, lines)
        return lines

    def _roll_check(
        self,
        check: dict[str, Any],
        actor: str,
        seed: int,
        turn: int,
        rejected: list[dict[str, Any]],
    ) -> Line | None:
        """Roll a check the narrator asked for, with the engine's dice; None if refused."""
        player = self.state.players.get(actor)
        refused = None
        if player is None or self.state.ending:
            refused = "Only a player in a running story can be asked to roll."
        else:
            rules = rule_system_for(self.world)
            dice = turn_dice(seed, -(self.head.depth if self.head else 0) - 1)
            try:
                result = rules.check(player.sheet, check["skill"], check["difficulty"], dice)
            except StoryError as exc:
                refused = exc.message
        if refused is not None:
            rejected.append({"change": {"field": "check", "value": check}, "reason": refused})
            return None
        detail = {"check": check, "success": result.success, "degree": result.degree}
        self.add("dice_rolled", actor, {"rolls": [{"text": result.text, **detail}]}, turn)
        return Line("dice", result.text)

    def _add_proposals(
        self,
        reply: NarratorReply,
        actor: str,
        turn: int,
        seed: int,
        rejected: list[dict[str, Any]],
    ) -> None:
        depth = self.head.depth if self.head else 0
        checked = check_proposals(
            self.state,
            self.world,
            rule_system_for(self.world),
            actor,
            reply.state_changes,
            dice=turn_dice(seed, -depth - 2),  # arriving somewhere plays out as the engine's walk
        )
        ops = list(checked.ops)
        rejected = rejected + list(checked.rejected)
        choices = [
            {"text": c["text"][:120], "command": c["text"][:120]}
            for c in reply.choices[:6]
            if c.get("text")
        ]
        if choices and not self.state.ending:
            ops.append({"op": "choices", "choices": choices})
        if ops or rejected:
            self.add(
                "state_changed",
                actor,
                {"ops": ops, "rejected": rejected, "source": "narrator"},
                turn,
            )

    def _witnesses(self, actor: str) -> list[str]:
        player = self.state.players.get(actor)
        if player is None:
            return [actor]
        here = [pid for pid, p in self.state.players.items() if p.location == player.location]
        return here if actor in here else [actor, *here]

    async def _maybe_close_chapter(
        self,
        narrator: Narrator,
        memory: Memory,
        actor: str,
        action: str,
        turn: int,
        lines: list[Line],
    ) -> None:
        """Close a chapter every ``CHAPTER_TURNS`` turns, with an append-only summary."""
        last = self.state.chapters[-1].last_turn if self.state.chapters else 0
        if turn - last < CHAPTER_TURNS or self.head is None:
            return
        name = self.state.players[actor].name if actor in self.state.players else actor
        told = "\n".join(line.text for line in lines if line.kind in ("narration", "dialogue"))
        turns = [t for t in memory.recent if last < t.turn < turn]
        turns.append(TurnText(turn, name, action, told))
        summary, usage = await narrator.summarize(self.world, turns[-2 * CHAPTER_TURNS :])
        chapter = {
            "number": (self.state.chapters[-1].number + 1) if self.state.chapters else 1,
            "first_turn": last + 1,
            "last_turn": turn,
            "end_depth": self.head.depth,
            "summary": summary,
        }
        payload: dict[str, Any] = {
            "ops": [{"op": "chapter", "chapter": chapter}],
            "rejected": [],
            "source": "memory",
        }
        if usage:
            payload["usage"] = {**usage, "player": actor}
        self.add("state_changed", "gm", payload, turn)

    async def flush(self, uow: UnitOfWork, session: SessionRecord, branch: str) -> None:
        """Write what was added, in one transaction the caller commits. Sequence numbers
        are given here, so events narrated outside any transaction still come in order."""
        start = await uow.events.next_seq(session.id)
        numbered = [replace(e, seq=start + i) for i, e in enumerate(self.events)]
        await uow.events.append(numbered)
        for event, state in self.snapshots:
            await uow.snapshots.put(
                SnapshotRecord(
                    session_id=session.id,
                    event_id=event.id,
                    turn=event.turn,
                    state=state,
                    created_at=self.clock.now(),
                )
            )
        assert self.head is not None
        await uow.branches.put(
            BranchRecord(
                session_id=session.id,
                name=branch,
                head_event_id=self.head.id,
                created_at=self.clock.now(),
            )
        )
        await uow.sessions.update(_touch(session, self.clock))
        self.events = numbered


def _touch(session: SessionRecord, clock: Clock, **changes: Any) -> SessionRecord:
    return replace(session, updated_at=clock.now(), **changes)


def _result(
    session_id: str, events: list[EventRecord], state: GameState, outcome: Outcome | None = None
) -> TurnResult:
    lines: list[Line] = []
    for e in events:
        if e.kind == "narration":
            lines += [Line(**line) for line in e.payload["lines"]]
    return TurnResult(
        session_id=session_id,
        turn=state.turn,
        lines=lines,
        choices=list(state.choices),
        state=state,
        events=events,
        rejected=outcome.rejected if outcome else [],
        understood=outcome.understood if outcome else True,
    )


# ---------------------------------------------------------------- use cases


def _seat(world: World, name: str, archetype: str | None) -> tuple[str, str]:
    """A new character's tidied name and archetype (the world's first by default)."""
    name = " ".join(name.split())[:40]
    if not name:
        raise StoryError("Your character needs a name.")
    archetype = archetype or next(iter(world.archetypes))
    if archetype not in world.archetypes:
        raise StoryError(
            f"This world has no archetype '{archetype}'.",
            hint="choose one of: " + ", ".join(world.archetypes),
        )
    return name, archetype


OFFLINE = OfflineNarrator()


async def start_session(
    uow_factory: UnitOfWorkFactory,
    world: World,
    *,
    player_name: str,
    archetype: str | None = None,
    scores: dict[str, int] | None = None,
    seed: int = 0,
    user_ref: str = "local",
    title: str | None = None,
    narrator: Narrator | None = None,
    on_text: OnText | None = None,
    clock: Clock | None = None,
) -> TurnResult:
    """Create a session with one player (the host) and tell the opening."""
    clock = clock or Clock()
    player_name, archetype = _seat(world, player_name, archetype)
    rules = rule_system_for(world)
    dice = turn_dice(seed, 0)
    player_id = clock.new_id()
    sheet = new_player_sheet(player_name, archetype, world, scores, dice, sheet_id=player_id)
    now = clock.now()
    session = SessionRecord(
        id=clock.new_id(),
        world_id=world.id,
        world_version=world.version,
        title=title or f"{world.world.title} — {player_name}",
        status="active",
        active_branch=MAIN,
        created_at=now,
        updated_at=now,
        settings={"seed": seed},
    )
    state = initial_state(world)
    host = PlayerRecord(
        id=player_id,
        session_id=session.id,
        user_ref=user_ref,
        display_name=player_name,
        role="host",
        character=sheet.model_dump(mode="json"),
        presence="joined",
        joined_at=now,
    )
    appender = _Appender(world, session, None, state, clock)
    appender.add(
        "session_started",
        "system",
        {"world_id": world.id, "world_version": world.version, "seed": seed},
        0,
    )
    appender.add("player_joined", player_id, {"name": player_name, "archetype": archetype}, 0)
    outcome = join(appender.state, world, rules, dice, player_id, sheet, opening=True)
    await appender.add_outcome(  # the opening is told before anything is written
        outcome,
        player_id,
        0,
        action="",
        narrator=narrator or OFFLINE,
        seed=seed,
        on_text=on_text,
    )
    async with uow_factory() as uow:
        await uow.sessions.add(session)
        await uow.players.add(host)
        await appender.flush(uow, session, MAIN)
        await uow.commit()
    return _result(session.id, appender.events, appender.state, outcome)


async def add_player(
    uow_factory: UnitOfWorkFactory,
    world: World,
    session_id: str,
    *,
    player_name: str,
    archetype: str | None = None,
    scores: dict[str, int] | None = None,
    user_ref: str = "local",
    narrator: Narrator | None = None,
    clock: Clock | None = None,
) -> tuple[str, TurnResult]:
    """Seat another player, with their own character, at the start location.

    Returns the new player's id and what they are told on arrival. The join is
    an event on the active branch like any turn, so rewinding past it unseats them.
    """
    clock = clock or Clock()
    narrator = narrator or OFFLINE
    player_name, archetype = _seat(world, player_name, archetype)
    await _finish_pending(uow_factory, world, session_id, clock, narrator, None)
    async with uow_factory() as uow:
        await uow.sessions.lock(session_id)
        session = await uow.sessions.get(session_id)
        head = await head_of(uow, session)
        state = await load_state(uow, session_id, head.id)
    if any(p.name == player_name for p in state.players.values()):
        raise StoryError(
            f"Someone called {player_name} is already playing.", hint="pick another name"
        )
    seed = int(session.settings.get("seed", 0))
    dice = turn_dice(seed, head.depth + 1)
    player_id = clock.new_id()
    sheet = new_player_sheet(player_name, archetype, world, scores, dice, sheet_id=player_id)
    record = PlayerRecord(
        id=player_id,
        session_id=session_id,
        user_ref=user_ref,
        display_name=player_name,
        role="player",
        character=sheet.model_dump(mode="json"),
        presence="joined",
        joined_at=clock.now(),
    )
    appender = _Appender(world, session, head, state, clock)
    appender.add(
        "player_joined", player_id, {"name": player_name, "archetype": archetype}, state.turn
    )
    outcome = join(
        appender.state, world, rule_system_for(world), dice, player_id, sheet, opening=False
    )
    await appender.add_outcome(
        outcome,
        player_id,
        state.turn,
        action="",
        narrator=narrator,
        seed=seed,
        on_text=None,
    )
    async with uow_factory() as uow:
        await uow.sessions.lock(session_id)
        session = await uow.sessions.get(session_id)
        if (await head_of(uow, session)).id != head.id:
            raise TurnConflict("Someone acted at the same moment; join again.")
        await uow.players.add(record)
        await appender.flush(uow, session, session.active_branch)
        await uow.commit()
    return player_id, _result(session_id, appender.events, appender.state, outcome)


async def head_of(uow: UnitOfWork, session: SessionRecord) -> EventRecord:
    branch = await uow.branches.get(session.id, session.active_branch)
    if branch is None or branch.head_event_id is None:
        raise StoryError(f"Branch '{session.active_branch}' has no events.")
    head = await uow.events.get(branch.head_event_id)
    if head is None:
        raise StoryError("This session's history is broken (its head event is missing).")
    return head


async def take_turn(
    uow_factory: UnitOfWorkFactory,
    world: World,
    session_id: str,
    text: str,
    *,
    player_id: str | None = None,
    narrator: Narrator | None = None,
    on_text: OnText | None = None,
    clock: Clock | None = None,
    group: list[tuple[str, str]] | None = None,
) -> TurnResult:
    """Play one input. The action is stored (and committed) before it is resolved,
    so a crash or a narrator failure never loses it: the next call resolves it.

    ``group`` plays several players' inputs as one GM turn, in that order (free
    mode in multiplayer); ``text`` and ``player_id`` are then ignored."""
    clock = clock or Clock()
    narrator = narrator or OFFLINE
    if group:
        group = [(who, _clean_input(said)) for who, said in group]
        text = group[0][1]
    text = _clean_input(text)
    finished = await _finish_pending(uow_factory, world, session_id, clock, narrator, on_text)
    async with uow_factory() as uow:
        await uow.sessions.lock(session_id)
        session = await uow.sessions.get(session_id)
        player_id = player_id or await _host(uow, session_id)
        head = await head_of(uow, session)
        state = await load_state(uow, session_id, head.id)
        appender = _Appender(world, session, head, state, clock)
        payload: dict[str, Any] = {"text": text}
        if group:
            names = {pid: p.name for pid, p in state.players.items()}
            unknown = [who for who, _ in group if who not in names]
            if unknown:
                raise StoryError("Someone in that group is not playing in this story.")
            payload = {
                "text": "; ".join(f"{names[who]}: {said}" for who, said in group),
                "group": [{"player": who, "text": said} for who, said in group],
            }
            player_id = group[0][0]
        appender.add("player_action", player_id, payload, state.turn + 1)
        await appender.flush(uow, session, session.active_branch)
        action = appender.events[0]
        await uow.commit()
    result = await _resolve(uow_factory, world, session_id, action, clock, narrator, on_text)
    result.events = [action, *result.events]  # the turn's events start with what was typed
    if finished is not None:  # tell the interrupted turn too, before this one
        result.lines = finished.lines + result.lines
        result.events = finished.events + result.events
    return result


def _clean_input(text: str) -> str:
    text = " ".join(text.split())[:2000]
    if not text:
        raise StoryError(
            "Type something to do, or pick a numbered choice.", hint="`help` lists what you can do"
        )
    return text


async def _host(uow: UnitOfWork, session_id: str) -> str:
    players = await uow.players.list(session_id)
    if not players:
        raise StoryError("This session has no players.")
    return players[0].id


async def replay_rules(
    uow: UnitOfWork, world: World, session: SessionRecord, action: EventRecord
) -> tuple[GameState, Outcome]:
    """The state before ``action`` with the rules' outcome of it applied (same dice as
    when it was played: they come from the session seed and the action's depth)."""
    parent = await uow.events.get(action.parent_id or "")
    if parent is None:
        raise StoryError("This session's history is broken (a parent event is missing).")
    state = await load_state(uow, session.id, parent.id)
    seed = int(session.settings.get("seed", 0))
    if "group" in action.payload:
        return state, group_outcome(state, world, seed, action.depth, action.payload["group"])
    outcome = play_turn(
        state,
        world,
        rule_system_for(world),
        turn_dice(seed, action.depth),
        action.actor,
        action.payload["text"],
    )
    return state, outcome


def group_outcome(
    state: GameState, world: World, seed: int, depth: int, group: list[dict[str, str]]
) -> Outcome:
    """Several players' actions resolved in one GM turn, in the order given.

    Each action meets the state the previous ones left (the first to act takes the
    key); dice differ per action but are fixed by the seed, the depth and the order.
    The turn counter moves once, and the choices offered are the last action's."""
    rules = rule_system_for(world)
    working = state.copy_deep()
    ops: list[dict[str, Any]] = []
    lines: list[Line] = []
    rolls: list[dict[str, Any]] = []
    rejected: list[dict[str, Any]] = []
    understood = True
    last_choices: dict[str, Any] | None = None
    for i, member in enumerate(group):
        who, text = member["player"], member["text"]
        dice = turn_dice(seed, depth if i == 0 else depth + 1_000_000 * i)
        name = working.players[who].name if who in working.players else who
        lines.append(Line("heading", f"{name}: {text}"))
        outcome = play_turn(working, world, rules, dice, who, text)
        apply_ops(working, outcome.ops)
        for op in outcome.ops:
            if op["op"] == "choices":
                last_choices = op
            elif op["op"] != "turn":
                ops.append(op)
        lines += outcome.lines
        rolls += outcome.rolls
        rejected += outcome.rejected
        understood = understood and outcome.understood
    ops.append({"op": "turn", "turn": state.turn + 1})
    if last_choices is not None:
        ops.append(last_choices)
    return Outcome(Intent("group", raw=""), ops, lines, rolls, rejected, understood)


async def _finish_pending(
    uow_factory: UnitOfWorkFactory,
    world: World,
    session_id: str,
    clock: Clock,
    narrator: Narrator,
    on_text: OnText | None,
) -> TurnResult | None:
    """Tell a turn whose action was stored but never told (a crash, a failed provider)."""
    async with uow_factory() as uow:
        session = await uow.sessions.get(session_id)
        head = await head_of(uow, session)
    if head.kind != "player_action":
        return None
    try:
        return await _resolve(uow_factory, world, session_id, head, clock, narrator, on_text)
    except TurnConflict:
        return None  # someone else told it meanwhile


async def _resolve(
    uow_factory: UnitOfWorkFactory,
    world: World,
    session_id: str,
    action: EventRecord,
    clock: Clock,
    narrator: Narrator,
    on_text: OnText | None,
) -> TurnResult:
    """Tell a stored action. Reading and writing each take a short transaction under the
    session lock; the narrator (a model may take seconds) runs between them, holding no
    connection and no lock. If another process told the same action meanwhile, its
    telling stands and is returned: nothing is ever applied twice."""
    async with uow_factory() as uow:
        await uow.sessions.lock(session_id)
        session = await uow.sessions.get(session_id)
        if (await head_of(uow, session)).id != action.id:
            raise TurnConflict("Another turn was taken at the same moment; try again.")
        state, outcome = await replay_rules(uow, world, session, action)
        memory = None
        if narrator.wants_memory:
            seen = state.copy_deep()
            apply_ops(seen, outcome.ops)
            text = action.payload["text"]
            memory = await gather_memory(
                uow, session_id, action, seen, action.actor, text, action.turn
            )
    seed = int(session.settings.get("seed", 0))
    appender = _Appender(world, session, action, state, clock)
    await appender.add_outcome(
        outcome,
        action.actor,
        action.turn,
        action=action.payload["text"],
        narrator=narrator,
        seed=seed,
        on_text=on_text,
        also=tuple(m["player"] for m in action.payload.get("group", ())),
        memory=memory,
    )
    async with uow_factory() as uow:
        await uow.sessions.lock(session_id)
        session = await uow.sessions.get(session_id)
        head = await head_of(uow, session)
        if head.id != action.id:
            return await _told_elsewhere(uow, session_id, action, head)
        await appender.flush(uow, session, session.active_branch)
        await uow.commit()
    return _result(session_id, appender.events, appender.state, outcome)


async def _told_elsewhere(
    uow: UnitOfWork, session_id: str, action: EventRecord, head: EventRecord
) -> TurnResult:
    path = await path_to(uow, session_id, head.id)
    if action not in path:
        raise TurnConflict("The story moved on while this turn was told; try again.")
    after = path[path.index(action) + 1 :]
    told = [e for e in after if e.turn == action.turn]
    return _result(session_id, told, await load_state(uow, session_id, head.id))


async def resume(
    uow_factory: UnitOfWorkFactory,
    world: World,
    session_id: str,
    *,
    narrator: Narrator | None = None,
    clock: Clock | None = None,
) -> TurnResult:
    """The session where it was: the last narration and the current state."""
    clock = clock or Clock()
    finished = await _finish_pending(
        uow_factory, world, session_id, clock, narrator or OFFLINE, None
    )
    if finished is not None:
        return finished
    async with uow_factory() as uow:
        session = await uow.sessions.get(session_id)
        head = await head_of(uow, session)
        state = await load_state(uow, session_id, head.id)
        last = head
        while last.kind != "narration" and last.parent_id:
            found = await uow.events.get(last.parent_id)
            if found is None:
                break
            last = found
        events = [last] if last.kind == "narration" else []
    return _result(session_id, events, state)


async def rewind(
    uow_factory: UnitOfWorkFactory,
    session_id: str,
    turn: int | None = None,
    *,
    event_id: str | None = None,
    name: str | None = None,
    clock: Clock | None = None,
) -> BranchInfo:
    """Start a new branch and switch to it; the old line stays as it was.

    The branch starts at the end of ``turn`` on the current line, or at
    ``event_id`` anywhere in the tree (the history screen picks those).
    """
    clock = clock or Clock()
    async with uow_factory() as uow:
        await uow.sessions.lock(session_id)
        session = await uow.sessions.get(session_id)
        if event_id is not None:
            target = await uow.events.get(event_id)
            if target is None or target.session_id != session_id:
                raise StoryError("That point is not in this session's history.")
        else:
            head = await head_of(uow, session)
            path = await path_to(uow, session_id, head.id)
            at_turn = [e for e in path if e.turn == turn and e.kind != "player_action"]
            if turn is None or not at_turn:
                raise StoryError(
                    f"There is no turn {turn} on this branch (it has turns 0 to {head.turn})."
                )
            target = at_turn[-1]
        taken = {b.name for b in await uow.branches.list(session_id)}
        name = _branch_name(name) if name else _free_name(taken)
        if name in taken:
            raise StoryError(f"A branch called '{name}' already exists.", hint="pick another name")
        await uow.branches.put(BranchRecord(session_id, name, target.id, clock.now()))
        await uow.sessions.update(_touch(session, clock, active_branch=name))
        line = await last_told(uow, target)
        await uow.commit()
    return BranchInfo(name=name, turn=target.turn, active=True, last_line=line)


def _branch_name(name: str) -> str:
    cleaned = " ".join(name.split())[:40]
    if not cleaned:
        raise StoryError("A branch name cannot be empty.")
    return cleaned


def _free_name(taken: set[str]) -> str:
    n = 2
    while f"branch-{n}" in taken:
        n += 1
    return f"branch-{n}"


async def switch_branch(
    uow_factory: UnitOfWorkFactory, session_id: str, name: str, *, clock: Clock | None = None
) -> None:
    """Make another branch the one that plays on."""
    clock = clock or Clock()
    async with uow_factory() as uow:
        await uow.sessions.lock(session_id)
        session = await uow.sessions.get(session_id)
        if await uow.branches.get(session_id, name) is None:
            names = ", ".join(b.name for b in await uow.branches.list(session_id))
            raise StoryError(f"This session has no branch '{name}'.", hint=f"branches: {names}")
        await uow.sessions.update(_touch(session, clock, active_branch=name))
        await uow.commit()


async def rename_branch(
    uow_factory: UnitOfWorkFactory,
    session_id: str,
    old: str,
    new: str,
    *,
    clock: Clock | None = None,
) -> None:
    """Give a branch a better name: a new head record under the new name, then the old
    name points nowhere and is hidden. Nothing in the event tree changes."""
    clock = clock or Clock()
    new = _branch_name(new)
    async with uow_factory() as uow:
        await uow.sessions.lock(session_id)
        session = await uow.sessions.get(session_id)
        branch = await uow.branches.get(session_id, old)
        if branch is None:
            raise StoryError(f"This session has no branch '{old}'.")
        if await uow.branches.get(session_id, new) is not None:
            raise StoryError(f"A branch called '{new}' already exists.", hint="pick another name")
        await uow.branches.put(BranchRecord(session_id, new, branch.head_event_id, clock.now()))
        await uow.branches.put(BranchRecord(session_id, old, None, branch.created_at))
        if session.active_branch == old:
            await uow.sessions.update(_touch(session, clock, active_branch=new))
        await uow.commit()


async def list_branches(uow_factory: UnitOfWorkFactory, session_id: str) -> list[BranchInfo]:
    """Every named branch with the turn it is at and its last line."""
    async with uow_factory() as uow:
        session = await uow.sessions.get(session_id)
        out = []
        for b in await uow.branches.list(session_id):
            if b.head_event_id is None:
                continue  # renamed away
            head = await uow.events.get(b.head_event_id)
            if head is None:
                continue
            out.append(
                BranchInfo(
                    b.name, head.turn, b.name == session.active_branch, await last_told(uow, head)
                )
            )
        return out


async def last_told(uow: UnitOfWork, event: EventRecord | None) -> str:
    """The last line a player read at ``event`` (walking back to the nearest narration)."""
    steps = 0
    while event is not None and event.kind != "narration" and steps < 20:
        event = await uow.events.get(event.parent_id or "") if event.parent_id else None
        steps += 1
    return last_line([event]) if event is not None else ""


def last_line(events: list[EventRecord]) -> str:
    """The last thing told: prose or speech when there is some, else a roll or notice."""
    for e in reversed(events):
        if e.kind == "narration":
            lines = e.payload["lines"]
            for line in reversed(lines):
                if line["kind"] in ("narration", "dialogue", "ending"):
                    return line["text"]
            if lines:
                return lines[-1]["text"]
    return ""
