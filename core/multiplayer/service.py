"""Multiplayer use cases. Interfaces call these with a user reference (a Discord user
id, "local" for the TUI) and render what comes back.

Turn order is claimed before a turn is played, in its own transaction under the
session lock: two bot processes, or one impatient player clicking twice, can
never both take the same turn. If the turn is then refused before anything is
stored (an empty input, say), the claim is given back.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Literal

from storyai.core import sessions
from storyai.core.domain.errors import StoryError
from storyai.core.domain.records import PlayerRecord, SessionRecord
from storyai.core.domain.state import GameState, PlayerState
from storyai.core.domain.world import World
from storyai.core.multiplayer.table import Mode, Table
from storyai.core.narrators.port import Narrator, OnText
from storyai.core.storage.ports import UnitOfWork, UnitOfWorkFactory


class NotYourTurn(StoryError):
    """Turn mode: someone else is to act."""


class HostOnly(StoryError):
    """Only the session's host may do this."""


class NotSeated(StoryError):
    """This user has no character in the session."""


@dataclass
class Seat:
    player_id: str
    user_ref: str
    name: str
    role: str
    presence: str


@dataclass
class TableView:
    session_id: str
    mode: Mode
    seats: list[Seat]  # in turn order, then those who left
    whose_turn: Seat | None
    queued: int
    ended: bool
    deadline: str | None  # ISO


@dataclass
class ActResult:
    kind: Literal["played", "queued"]
    result: sessions.TurnResult | None = None
    next_up: Seat | None = None
    place: int = 0  # free mode: place in the queue
    notices: list[str] = field(default_factory=list)


# ---------------------------------------------------------------- helpers


async def _load(
    uow: UnitOfWork, session_id: str
) -> tuple[SessionRecord, Table, list[PlayerRecord]]:
    await uow.sessions.lock(session_id)
    session = await uow.sessions.get(session_id)
    return (
        session,
        Table.from_json(session.settings.get("table")),
        await uow.players.list(session_id),
    )


async def _save(uow: UnitOfWork, session: SessionRecord, table: Table, clock: sessions.Clock):
    settings = {**session.settings, "table": table.to_json()}
    await uow.sessions.update(replace(session, settings=settings, updated_at=clock.now()))


def _seat_of(players: list[PlayerRecord], user_ref: str) -> PlayerRecord:
    found = next((p for p in players if p.user_ref == user_ref), None)
    if found is None:
        raise NotSeated(
            "You are not playing in this story yet.", hint="join it first (/story join)"
        )
    return found


def _seats(table: Table, players: list[PlayerRecord]) -> list[Seat]:
    by_id = {p.id: p for p in players}
    ordered = [by_id[pid] for pid in table.order if pid in by_id]
    ordered += [p for p in players if p.id not in table.order]
    return [Seat(p.id, p.user_ref, p.display_name, p.role, p.presence) for p in ordered]


def _host_check(players: list[PlayerRecord], user_ref: str, doing: str) -> PlayerRecord:
    me = _seat_of(players, user_ref)
    if me.role != "host":
        host = next((p.display_name for p in players if p.role == "host"), "the host")
        raise HostOnly(f"Only the host ({host}) can {doing}.")
    return me


def _view(session: SessionRecord, table: Table, players: list[PlayerRecord]) -> TableView:
    seats = _seats(table, players)
    turn = next((s for s in seats if s.player_id == table.whose_turn), None)
    deadline = table.deadline()
    return TableView(
        session.id,
        table.mode,
        seats,
        turn,
        len(table.queue),
        table.ended or session.status == "ended",
        deadline.isoformat() if deadline else None,
    )


# ---------------------------------------------------------------- use cases


async def open_table(
    uow_factory: UnitOfWorkFactory,
    session_id: str,
    *,
    mode: Mode = "turn",
    channel: str | None = None,
    timeout_s: int | None = None,
    window_s: int | None = None,
    clock: sessions.Clock | None = None,
) -> TableView:
    """Make a session multiplayer: the host is seated first; where it is played is kept."""
    clock = clock or sessions.Clock()
    async with uow_factory() as uow:
        session, table, players = await _load(uow, session_id)
        table.mode = mode
        if timeout_s:
            table.timeout_s = timeout_s
        if window_s:
            table.window_s = window_s
        for p in players:
            if p.presence == "joined":
                table.seat(p.id, clock.now())
        if channel is not None:
            session = replace(session, channel=channel)
        await _save(uow, session, table, clock)
        await uow.commit()
        return _view(session, table, players)


async def table_view(uow_factory: UnitOfWorkFactory, session_id: str) -> TableView:
    async with uow_factory() as uow:
        session = await uow.sessions.get(session_id)
        players = await uow.players.list(session_id)
        return _view(session, Table.from_json(session.settings.get("table")), players)


async def join(
    uow_factory: UnitOfWorkFactory,
    world: World,
    session_id: str,
    *,
    user_ref: str,
    name: str,
    archetype: str | None = None,
    narrator: Narrator | None = None,
    clock: sessions.Clock | None = None,
) -> tuple[Seat, sessions.TurnResult | None]:
    """Seat a user with a new character, or bring back one who left (same character)."""
    clock = clock or sessions.Clock()
    async with uow_factory() as uow:
        session, table, players = await _load(uow, session_id)
        if session.status == "ended":
            raise StoryError("This story has ended.", hint="start a new one")
        mine = next((p for p in players if p.user_ref == user_ref), None)
        if mine is not None:
            if mine.presence != "joined":
                await uow.players.update(replace(mine, presence="joined", left_at=None))
            table.seat(mine.id, clock.now())
            await _save(uow, session, table, clock)
            await uow.commit()
            return Seat(mine.id, user_ref, mine.display_name, mine.role, "joined"), None
    player_id, result = await sessions.add_player(
        uow_factory,
        world,
        session_id,
        player_name=name,
        archetype=archetype,
        user_ref=user_ref,
        narrator=narrator,
        clock=clock,
    )
    async with uow_factory() as uow:
        session, table, players = await _load(uow, session_id)
        table.seat(player_id, clock.now())
        await _save(uow, session, table, clock)
        await uow.commit()
    seat = next(s for s in _seats(table, players) if s.player_id == player_id)
    return seat, result


async def leave(
    uow_factory: UnitOfWorkFactory,
    session_id: str,
    *,
    user_ref: str,
    clock: sessions.Clock | None = None,
) -> TableView:
    """Stand up: the character stays in the story; the turn passes on."""
    clock = clock or sessions.Clock()
    async with uow_factory() as uow:
        session, table, players = await _load(uow, session_id)
        me = _seat_of(players, user_ref)
        await uow.players.update(replace(me, presence="left", left_at=clock.now()))
        table.unseat(me.id, clock.now())
        await _save(uow, session, table, clock)
        await uow.commit()
        players = await uow.players.list(session_id)
        return _view(session, table, players)


async def remove_player(
    uow_factory: UnitOfWorkFactory,
    session_id: str,
    *,
    host_ref: str,
    user_ref: str,
    clock: sessions.Clock | None = None,
) -> TableView:
    """The host removes someone from the table."""
    async with uow_factory() as uow:
        _, _, players = await _load(uow, session_id)
        _host_check(players, host_ref, "remove players")
        if host_ref == user_ref:
            raise StoryError("The host cannot remove themself.", hint="end the story instead")
    return await leave(uow_factory, session_id, user_ref=user_ref, clock=clock)


async def set_mode(
    uow_factory: UnitOfWorkFactory,
    session_id: str,
    *,
    user_ref: str,
    mode: Mode,
    clock: sessions.Clock | None = None,
) -> TableView:
    clock = clock or sessions.Clock()
    if mode not in ("turn", "free"):
        raise StoryError(f"There is no mode '{mode}'.", hint="turn or free")
    async with uow_factory() as uow:
        session, table, players = await _load(uow, session_id)
        _host_check(players, user_ref, "change the mode")
        table.mode = mode
        table.turn_started = clock.now().isoformat()
        await _save(uow, session, table, clock)
        await uow.commit()
        return _view(session, table, players)


async def end(
    uow_factory: UnitOfWorkFactory,
    session_id: str,
    *,
    user_ref: str,
    clock: sessions.Clock | None = None,
) -> TableView:
    clock = clock or sessions.Clock()
    async with uow_factory() as uow:
        session, table, players = await _load(uow, session_id)
        _host_check(players, user_ref, "end the story")
        table.ended = True
        session = replace(session, status="ended")
        await _save(uow, session, table, clock)
        await uow.commit()
        return _view(session, table, players)


async def rewind(
    uow_factory: UnitOfWorkFactory,
    session_id: str,
    *,
    user_ref: str,
    turn: int,
    name: str | None = None,
    clock: sessions.Clock | None = None,
) -> sessions.BranchInfo:
    """The host rewinds the story to the end of ``turn``, on a new branch."""
    async with uow_factory() as uow:
        _, _, players = await _load(uow, session_id)
        _host_check(players, user_ref, "rewind the story")
    return await sessions.rewind(uow_factory, session_id, turn, name=name, clock=clock)


async def act(
    uow_factory: UnitOfWorkFactory,
    world: World,
    session_id: str,
    *,
    user_ref: str,
    text: str,
    narrator: Narrator | None = None,
    on_text: OnText | None = None,
    clock: sessions.Clock | None = None,
) -> ActResult:
    """A player's action: played now in turn mode (if it is their turn), queued in free mode."""
    clock = clock or sessions.Clock()
    async with uow_factory() as uow:
        session, table, players = await _load(uow, session_id)
        if session.status == "ended" or table.ended:
            raise StoryError("This story has ended.", hint="the host can rewind it, or start anew")
        me = _seat_of(players, user_ref)
        if me.id not in table.order:
            raise NotSeated("You left this table.", hint="join again (/story join)")
        if me.presence == "idle":  # back from being skipped
            await uow.players.update(replace(me, presence="joined"))
        if table.mode == "free":
            place = table.enqueue(me.id, text, clock.now())
            await _save(uow, session, table, clock)
            await uow.commit()
            return ActResult("queued", place=place)
        if table.whose_turn != me.id:
            up = next((p.display_name for p in players if p.id == table.whose_turn), "someone")
            raise NotYourTurn(f"It is {up}'s turn.", hint="wait for your turn")
        before = table.to_json()
        nxt = table.advance(clock.now())
        await _save(uow, session, table, clock)
        await uow.commit()
    try:
        result = await sessions.take_turn(
            uow_factory,
            world,
            session_id,
            text,
            player_id=me.id,
            narrator=narrator,
            on_text=on_text,
            clock=clock,
        )
    except StoryError:
        await _give_back(uow_factory, session_id, before, clock)
        raise
    up = next((s for s in _seats(table, players) if s.player_id == nxt), None)
    return ActResult("played", result=result, next_up=up)


async def _give_back(uow_factory, session_id: str, before: dict, clock: sessions.Clock) -> None:
    async with uow_factory() as uow:
        session, _, _ = await _load(uow, session_id)
        await _save(uow, session, Table.from_json(before), clock)
        await uow.commit()


async def resolve_round(
    uow_factory: UnitOfWorkFactory,
    world: World,
    session_id: str,
    *,
    narrator: Narrator | None = None,
    on_text: OnText | None = None,
    clock: sessions.Clock | None = None,
    force: bool = False,
) -> sessions.TurnResult | None:
    """Free mode: play the queued actions as one GM turn once the window has passed
    (or now, with ``force``). Returns None when there is nothing (yet) to resolve."""
    clock = clock or sessions.Clock()
    async with uow_factory() as uow:
        session, table, _ = await _load(uow, session_id)
        deadline = table.deadline()
        if table.mode != "free" or not table.queue:
            return None
        if not force and deadline is not None and clock.now() < deadline:
            return None
        round_ = table.take_round()
        await _save(uow, session, table, clock)
        await uow.commit()
    return await sessions.take_turn(
        uow_factory,
        world,
        session_id,
        "",
        narrator=narrator,
        on_text=on_text,
        clock=clock,
        group=[(q.player, q.text) for q in round_],
    )


async def skip_idle(
    uow_factory: UnitOfWorkFactory,
    session_id: str,
    *,
    clock: sessions.Clock | None = None,
) -> str | None:
    """Turn mode: skip a player whose time ran out. Returns the notice to show, if any."""
    clock = clock or sessions.Clock()
    async with uow_factory() as uow:
        session, table, players = await _load(uow, session_id)
        deadline = table.deadline()
        if table.mode != "turn" or deadline is None or clock.now() < deadline:
            return None
        if len(table.order) < 2:
            return None
        idle = next((p for p in players if p.id == table.whose_turn), None)
        nxt = table.advance(clock.now())
        if idle is not None:
            await uow.players.update(replace(idle, presence="idle"))
        await _save(uow, session, table, clock)
        await uow.commit()
    up = next((p.display_name for p in players if p.id == nxt), "the next player")
    name = idle.display_name if idle else "Someone"
    return f"{name} took too long and was skipped. It is {up}'s turn."


async def session_in_channel(uow_factory: UnitOfWorkFactory, channel: str) -> SessionRecord | None:
    """The running (or latest) story played in a channel or thread."""
    async with uow_factory() as uow:
        found = [s for s in await uow.sessions.list() if s.channel == channel]
    running = [s for s in found if s.status != "ended"]
    return (running or found or [None])[0]


async def seated(uow_factory: UnitOfWorkFactory, session_id: str, user_ref: str) -> bool:
    """Whether this user has a character in the session."""
    async with uow_factory() as uow:
        return any(p.user_ref == user_ref for p in await uow.players.list(session_id))


async def switch_branch(
    uow_factory: UnitOfWorkFactory,
    session_id: str,
    *,
    user_ref: str,
    name: str,
    clock: sessions.Clock | None = None,
) -> None:
    """The host switches the story to another of its branches."""
    async with uow_factory() as uow:
        _, _, players = await _load(uow, session_id)
        _host_check(players, user_ref, "switch branches")
    await sessions.switch_branch(uow_factory, session_id, name, clock=clock)


async def character_of(
    uow_factory: UnitOfWorkFactory, world: World, session_id: str, user_ref: str
) -> tuple[PlayerState, GameState]:
    """This user's character as it is now, and the story's state (for sheets and quests)."""
    async with uow_factory() as uow:
        players = await uow.players.list(session_id)
    me = _seat_of(players, user_ref)
    now = await sessions.resume(uow_factory, world, session_id)
    if me.id not in now.state.players:  # joined on a branch the story has since left
        raise NotSeated("Your character is not in this part of the story.", hint="/story join")
    return now.state.players[me.id], now.state


async def due_tables(uow_factory: UnitOfWorkFactory, now: datetime) -> list[SessionRecord]:
    """Running tables whose deadline has passed: an idle turn to skip, a round to tell."""
    async with uow_factory() as uow:
        running = [s for s in await uow.sessions.list() if s.channel and s.status != "ended"]
    due = []
    for session in running:
        deadline = Table.from_json(session.settings.get("table")).deadline()
        if deadline is not None and now >= deadline:
            due.append(session)
    return due
