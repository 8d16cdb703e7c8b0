"""Playing: an action, by a solo player or by someone at a table, within their quota.

At a table the rules of the table are checked in the same transaction that stores the
action (whose turn it is, whether the story still runs), and the quota counted there
too: a refused action stores and counts nothing. In free mode an action is queued and
the round is told together later (``resolve_round``); queuing does not wait for a
telling under way, since it does not touch the story.
"""

from __future__ import annotations

from dataclasses import replace

from storyai.core.domain.errors import (
    ChoiceExpired,
    NothingTyped,
    NotSeated,
    NotYourTurn,
    StoryEnded,
)
from storyai.core.domain.events import GroupMember, PlayerAction
from storyai.core.domain.records import Opened, PlayerRecord, SessionRecord
from storyai.core.narrators.port import Narrator, OnText
from storyai.core.play import pipeline
from storyai.core.play.pipeline import Claim, Deps, Scene, host_of, with_deadline
from storyai.core.play.quota import Reservation, reserve, settle_in
from storyai.core.play.results import ActResult, TurnResult
from storyai.core.play.seating import seat_of, seats
from storyai.core.play.table import Table
from storyai.core.storage.ports import UnitOfWork

MAX_INPUT = 2000


def clean_input(text: str) -> str:
    text = " ".join(text.split())[:MAX_INPUT]
    if not text:
        raise NothingTyped()
    return text


def _joined(finished: list[TurnResult], result: TurnResult) -> TurnResult:
    """A turn's result, preceded by the turns it told first (interrupted ones)."""
    for earlier in reversed(finished):
        result.lines = earlier.lines + result.lines
        result.events = earlier.events + result.events
    return result


async def act(
    deps: Deps,
    session_id: str,
    text: str,
    *,
    player_id: str | None = None,
    narrator: Narrator,
    on_text: OnText | None = None,
) -> TurnResult:
    """Play one input as ``player_id`` (default: the host). The action is stored
    before it is told, so a crash or a failed narrator never loses it."""
    text = clean_input(text)

    async def step(scene: Scene) -> Claim | TurnResult:
        actor = player_id or host_of(scene.state)
        if actor not in scene.state.players:
            raise NotSeated("That player is not in this part of the story.", hint="join it first")
        unheard, outcome = pipeline.rules_first(scene, actor, text, narrator)
        if unheard is not None:
            return unheard
        action = PlayerAction(text=text)
        return await pipeline.store_pending(
            deps, scene, action, actor, scene.state.turn + 1, narrator=narrator, outcome=outcome
        )

    claim, finished = await pipeline.as_writer(
        deps, session_id, step, narrator=narrator, on_text=on_text
    )
    if isinstance(claim, TurnResult):  # not understood: nothing stored
        return _joined(finished, claim)
    return _joined(finished, await pipeline.finish(deps, claim, on_text))


async def act_as(
    deps: Deps,
    session_id: str,
    *,
    user_ref: str,
    text: str,
    guild: str | None = None,
    narrator: Narrator,
    on_text: OnText | None = None,
    metered: bool = True,
    after_turn: int | None = None,
) -> ActResult:
    """A table player's action within their daily quota (``metered``): played now in
    turn mode if it is their turn, queued in free mode. With ``after_turn`` (a choice
    offered after that turn) only while the story is still at that turn."""
    text = clean_input(text)
    uses_model = bool(narrator.proposes)
    queued = await _enqueue_if_free(
        deps, session_id, user_ref, text, guild, uses_model, metered, after_turn
    )
    if queued is not None:
        return queued

    async def step(scene: Scene) -> tuple[Claim | None, ActResult | None]:
        if after_turn is not None and scene.state.turn != after_turn:
            raise ChoiceExpired()  # a turn was told since the choice was offered
        players = await scene.uow.players.list(session_id)
        table = _playable(scene.session, players, user_ref)
        me = seat_of(players, user_ref)
        if table.mode == "free":  # switched to free while we waited
            queued = await _enqueue(
                deps, scene.uow, scene.session, table, me, text, guild, uses_model, metered
            )
            return None, queued
        if table.whose_turn != me.id:
            up = next((p.display_name for p in players if p.id == table.whose_turn), "someone")
            raise NotYourTurn(f"It is {up}'s turn.", hint="wait for your turn")
        unheard, outcome = pipeline.rules_first(scene, me.id, text, narrator)
        if unheard is not None:  # costs no turn, no credit, and the turn stays theirs
            return None, ActResult("played", result=unheard, next_up=None)
        reservation = await _reserve(deps, scene.uow, user_ref, guild, uses_model, metered)
        nxt = table.advance(deps.clock.now())
        scene.with_table(table)
        if me.presence == "idle":  # back from being skipped
            await scene.uow.players.update(replace(me, presence="joined"))
        claim = await pipeline.store_pending(
            deps,
            scene,
            PlayerAction(text=text),
            me.id,
            scene.state.turn + 1,
            narrator=narrator,
            reservation=reservation,
            outcome=outcome,
        )
        next_up = next((s for s in seats(table, players) if s.player_id == nxt), None)
        return claim, ActResult("played", next_up=next_up)

    (claim, outcome), finished = await pipeline.as_writer(
        deps, session_id, step, narrator=narrator, on_text=on_text
    )
    assert outcome is not None
    if claim is None:
        return outcome
    outcome.result = _joined(finished, await pipeline.finish(deps, claim, on_text))
    outcome.charged = claim.reservation.charged if claim.reservation else 0
    return outcome


def _still_at(opened: Opened, turn: int) -> bool:
    """Whether the story is still where it was after ``turn``: nothing being told, and
    its newest event belongs to that turn (a join or a departure does not move it)."""
    return opened.session.telling is None and (
        opened.head.turn == turn if opened.head is not None else turn == 0
    )


def _playable(session: SessionRecord, players: list[PlayerRecord], user_ref: str) -> Table:
    table = Table.from_json(session.settings.get("table"))
    if session.status == "ended" or table.ended:
        raise StoryEnded()
    me = seat_of(players, user_ref)
    if me.id not in table.order:
        raise NotSeated("You left this table.", hint="join again (/story join)")
    return table


async def _reserve(
    deps: Deps, uow: UnitOfWork, user: str, guild: str | None, uses_model: bool, metered: bool
) -> Reservation | None:
    if not metered:
        return None
    return await reserve(
        uow,
        user=user,
        guild=guild,
        clock=deps.clock,
        policy=deps.quota,
        uses_model=uses_model,
    )


async def _enqueue_if_free(
    deps: Deps,
    session_id: str,
    user_ref: str,
    text: str,
    guild: str | None,
    uses_model: bool,
    metered: bool,
    after_turn: int | None,
) -> ActResult | None:
    """Free mode: queue at once, without waiting for a telling under way."""
    async with deps.uow() as uow:
        opened = await uow.sessions.open(session_id, lock=True)
        table = Table.from_json(opened.session.settings.get("table"))
        if table.mode != "free":
            return None
        if after_turn is not None and not _still_at(opened, after_turn):
            raise ChoiceExpired()
        players = await uow.players.list(session_id)
        _playable(opened.session, players, user_ref)
        me = seat_of(players, user_ref)
        return await _enqueue(
            deps, uow, opened.session, table, me, text, guild, uses_model, metered
        )


async def _enqueue(
    deps: Deps,
    uow: UnitOfWork,
    session: SessionRecord,
    table: Table,
    me: PlayerRecord,
    text: str,
    guild: str | None,
    uses_model: bool,
    metered: bool,
) -> ActResult:
    """Queue a free-mode action; it counts (and costs its minimum) now."""
    reservation = await _reserve(deps, uow, me.user_ref, guild, uses_model, metered)
    charged = await settle_in(uow, reservation, None) if reservation else 0
    now = deps.clock.now()
    place = table.enqueue(me.id, text, now)
    settings = {**session.settings, "table": table.to_json()}
    await uow.sessions.update(with_deadline(replace(session, settings=settings, updated_at=now)))
    await uow.commit()
    return ActResult("queued", place=place, charged=charged)


async def resolve_round(
    deps: Deps,
    session_id: str,
    *,
    narrator: Narrator,
    on_text: OnText | None = None,
    force: bool = False,
) -> TurnResult | None:
    """Free mode: play the queued actions as one GM turn once the window has passed (or
    now, with ``force``). None when there is nothing (yet) to resolve."""

    async def step(scene: Scene) -> Claim | None:
        table = scene.table
        deadline = table.deadline()
        if table.mode != "free" or not table.queue:
            return None
        if not force and deadline is not None and deps.clock.now() < deadline:
            return None
        taken = table.take_round()
        scene.with_table(table)
        names = {pid: p.name for pid, p in scene.state.players.items()}
        group = tuple(GroupMember(player=q.player, text=q.text) for q in taken if q.player in names)
        if not group:
            await scene.uow.sessions.update(with_deadline(scene.session))
            await scene.uow.commit()
            return None
        action = PlayerAction(
            text="; ".join(f"{names[m.player]}: {m.text}" for m in group), group=group
        )
        return await pipeline.store_pending(
            deps, scene, action, group[0].player, scene.state.turn + 1, narrator=narrator
        )

    claim, finished = await pipeline.as_writer(
        deps, session_id, step, narrator=narrator, on_text=on_text
    )
    if claim is None:
        return finished[-1] if finished else None
    return _joined(finished, await pipeline.finish(deps, claim, on_text))


async def skip_idle(deps: Deps, session_id: str) -> str | None:
    """Turn mode: skip a player whose time ran out. Returns the notice to show, if any."""
    async with deps.uow() as uow:
        opened = await uow.sessions.open(session_id, lock=True)
        session = opened.session
        table = Table.from_json(session.settings.get("table"))
        deadline = table.deadline()
        now = deps.clock.now()
        if table.mode != "turn" or deadline is None or now < deadline or len(table.order) < 2:
            return None
        players = await uow.players.list(session_id)
        idle = next((p for p in players if p.id == table.whose_turn), None)
        nxt = table.advance(now)
        if idle is not None:
            await uow.players.update(replace(idle, presence="idle"))
        session = replace(
            session, settings={**session.settings, "table": table.to_json()}, updated_at=now
        )
        await uow.sessions.update(with_deadline(session))
        await uow.commit()
    up = next((p.display_name for p in players if p.id == nxt), "the next player")
    name = idle.display_name if idle else "Someone"
    return f"{name} took too long and was skipped. It is {up}'s turn."


async def tell_pending(
    deps: Deps,
    session_id: str,
    *,
    narrator: Narrator,
    on_text: OnText | None = None,
    take_over: bool = False,
) -> TurnResult | None:
    """Tell a turn whose action was stored but never told (a crash, a failed provider):
    at once with ``take_over`` (a local player resuming their own story), else once its
    teller's lease has run out. None when nothing waits to be told."""

    async def step(scene: Scene) -> None:
        return None

    _, finished = await pipeline.as_writer(
        deps, session_id, step, narrator=narrator, on_text=on_text, take_over=take_over
    )
    if not finished:
        return None
    result = finished[-1]
    return _joined(finished[:-1], result)
