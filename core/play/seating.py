"""Who sits at a story's table: joining, leaving, the host's powers over the table.

A join is told like a turn (the new character arrives where the story starts), and is
a writer of the story: while a turn is being told it waits for it, then is seated
after it, never refused. Who sits at the table (``Table``, in the session's settings)
is not part of the story tree, so a rewind unseats nobody; the tree only records the
arrival, and leaving and returning, for the transcript.
"""

from __future__ import annotations

from dataclasses import replace

from storyai.core.domain.errors import HostOnly, NameTaken, NotSeated, StoryEnded, UnknownArchetype
from storyai.core.domain.events import PlayerJoined, PlayerLeft, PlayerReturned, StateChanged
from storyai.core.domain.identity import IdentityRequest, build_identity
from storyai.core.domain.legacy import fold, profile_key
from storyai.core.domain.records import PlayerRecord, SessionRecord
from storyai.core.domain.sheet import Sheet, new_player_sheet
from storyai.core.domain.world import World
from storyai.core.narrators.port import Narrator, OnText
from storyai.core.play import identity_model, legacy, pipeline
from storyai.core.play.growth import Growth
from storyai.core.play.pipeline import Deps, Scene, with_deadline
from storyai.core.play.results import Seat, TableView, TurnResult
from storyai.core.play.table import Mode, Table
from storyai.core.play.telling import background_dice, turn_dice
from storyai.core.rules import features


def character(
    world: World,
    name: str,
    archetype: str | None,
    scores: dict[str, int] | None,
    seed: int,
    depth: int,
    player_id: str,
    identity: IdentityRequest | None = None,
) -> tuple[str, str, Sheet, str]:
    """A new character's tidied name, archetype (the world's first by default) and sheet
    (rolled with the dice of the depth it arrives at), with its identity: what the
    player typed and picked, the world's other background tables rolled with dice of
    their own (so a background never changes the scores a seed rolls)."""
    name = " ".join(name.split())[:40]
    if not name:
        raise NotSeated("Your character needs a name.", hint="type a name")
    archetype = archetype or next(iter(world.archetypes))
    if archetype not in world.archetypes:
        raise UnknownArchetype(archetype, list(world.archetypes))
    dice = turn_dice(seed, depth)
    sheet = new_player_sheet(name, archetype, world, scores, dice, sheet_id=player_id)
    sheet, _ = features.gain(sheet, world)  # the starting level's class features
    made = build_identity(world, identity, background_dice(seed, depth))
    if not made.empty:
        sheet = sheet.model_copy(update={"identity": made})
    return name, archetype, sheet, player_id


def seats(table: Table, players: list[PlayerRecord]) -> list[Seat]:
    by_id = {p.id: p for p in players}
    ordered = [by_id[pid] for pid in table.order if pid in by_id]
    ordered += [p for p in players if p.id not in table.order]
    return [Seat(p.id, p.user_ref, p.display_name, p.role, p.presence) for p in ordered]


def table_view(session: SessionRecord, players: list[PlayerRecord]) -> TableView:
    table = Table.from_json(session.settings.get("table"))
    seated = seats(table, players)
    turn = next((s for s in seated if s.player_id == table.whose_turn), None)
    deadline = table.deadline()
    return TableView(
        session.id,
        table.mode,
        seated,
        turn,
        len(table.queue),
        table.ended or session.status == "ended",
        deadline.isoformat() if deadline else None,
    )


def seat_of(players: list[PlayerRecord], user_ref: str) -> PlayerRecord:
    found = next((p for p in players if p.user_ref == user_ref), None)
    if found is None:
        raise NotSeated(
            "You are not playing in this story yet.", hint="join it first (/story join)"
        )
    return found


def host_check(players: list[PlayerRecord], user_ref: str, doing: str) -> PlayerRecord:
    me = seat_of(players, user_ref)
    if me.role != "host":
        host = next((p.display_name for p in players if p.role == "host"), "the host")
        raise HostOnly(f"Only the host ({host}) can {doing}.")
    return me


def running(session: SessionRecord) -> None:
    table = Table.from_json(session.settings.get("table"))
    if session.status == "ended" or table.ended:
        raise StoryEnded()


async def join(
    deps: Deps,
    session_id: str,
    *,
    user_ref: str,
    name: str,
    archetype: str | None = None,
    scores: dict[str, int] | None = None,
    identity: IdentityRequest | None = None,
    buys: list[str] | None = None,
    heirlooms: list[str] | None = None,
    legacy_title: str | None = None,
    followers: list[str] | None = None,
    narrator: Narrator,
    on_text: OnText | None = None,
) -> tuple[Seat, TurnResult | None]:
    """Seat a user with a new character (told arriving), or bring back one who left
    (the same character). Waits for a telling under way, then seats. ``buys``: what
    the user's legend points buy for the new character, paid as they are seated;
    ``heirlooms``, ``legacy_title``, ``followers``: what else of their legacy they
    bring, checked as at the start of a story (a follower this story has already
    lost is refused)."""
    if identity is not None and identity.generate:  # written before waiting for anyone
        async with deps.uow() as uow:
            session = await uow.sessions.get(session_id)
            world = await deps.worlds.get(uow, session.world_id, session.world_version)
        identity = await identity_model.written(narrator, world, name, archetype, identity)

    async def step(scene: Scene) -> tuple[Seat, pipeline.Claim | None]:
        running(scene.session)
        players = await scene.uow.players.list(session_id)
        mine = next((p for p in players if p.user_ref == user_ref), None)
        table = scene.table
        has_table = "table" in scene.session.settings
        if mine is not None:
            return await _return(deps, scene, mine, table if has_table else None), None
        taken = {p.name.casefold() for p in scene.state.players.values()}
        head = scene.head
        assert head is not None
        name_, archetype_, sheet, player_id = character(
            scene.world,
            name,
            archetype,
            scores,
            scene.seed,
            head.depth + 1,
            deps.clock.new_id(),
            identity,
        )
        if name_.casefold() in taken:
            raise NameTaken(name_)
        changes = None
        if buys or heirlooms or legacy_title or followers:  # only what the player picked
            key = profile_key(user_ref)
            profile = fold(key, await scene.uow.legacy.list(key))
            offered = legacy.offer(scene.world, profile)
            sheet = legacy.bring(
                sheet, scene.world, offered, heirlooms or [], legacy_title, buys or []
            )
            ops: list = legacy.joining(scene.world, offered, followers or [])
            for op in ops:
                legacy.can_rejoin(scene.world, scene.state, op)
            if ops:
                changes = StateChanged(ops=tuple(ops), source="rules")
            if buys:
                await legacy.pay(scene.uow, scene.world, key, session_id, buys, deps.clock.now())
        record = PlayerRecord(
            id=player_id,
            session_id=session_id,
            user_ref=user_ref,
            display_name=name_,
            role="player",
            character=sheet.model_dump(mode="json"),
            presence="joined",
            joined_at=deps.clock.now(),
        )
        await scene.uow.players.add(record)
        if has_table:
            table.seat(player_id, deps.clock.now())
            scene.with_table(table)
        arrival = PlayerJoined(name=name_, archetype=archetype_, sheet=sheet)
        claim = await pipeline.store_pending(
            deps, scene, arrival, player_id, scene.state.turn, narrator=narrator, changes=changes
        )
        seat = Seat(player_id, user_ref, name_, "player", "joined")
        return seat, claim

    (seat, claim), finished = await pipeline.as_writer(
        deps, session_id, step, narrator=narrator, on_text=on_text
    )
    if claim is None:
        return seat, None
    told = await pipeline.finish(deps, claim, on_text)
    for earlier in reversed(finished):
        told.lines = earlier.lines + told.lines
    return seat, told


async def _return(deps: Deps, scene: Scene, mine: PlayerRecord, table: Table | None) -> Seat:
    now = deps.clock.now()
    if mine.presence != "joined":
        await scene.uow.players.update(replace(mine, presence="joined", left_at=None))
        if mine.id in scene.state.players:
            growth = Growth(scene.session, scene.branch, scene.head, scene.state.fork(), deps.clock)
            growth.add(PlayerReturned(name=mine.display_name), mine.id, scene.state.turn)
            scene.session = await growth.write(scene.uow, scene.session, base=scene.head)
            deps.states.put(growth.records[-1].id, growth.state)
    if table is not None:
        table.seat(mine.id, now)
        scene.with_table(table)
    await scene.uow.sessions.update(with_deadline(replace(scene.session, updated_at=now)))
    await scene.uow.commit()
    return Seat(mine.id, mine.user_ref, mine.display_name, mine.role, "joined")


async def leave(deps: Deps, session_id: str, *, user_ref: str) -> TableView:
    """Stand up: the character stays in the story; the turn passes on."""

    async def step(scene: Scene) -> TableView:
        players = await scene.uow.players.list(session_id)
        me = seat_of(players, user_ref)
        now = deps.clock.now()
        await scene.uow.players.update(replace(me, presence="left", left_at=now))
        table = scene.table
        table.unseat(me.id, now)
        scene.with_table(table)
        if me.presence != "left" and me.id in scene.state.players:
            growth = Growth(scene.session, scene.branch, scene.head, scene.state.fork(), deps.clock)
            growth.add(PlayerLeft(name=me.display_name), me.id, scene.state.turn)
            scene.session = await growth.write(scene.uow, scene.session, base=scene.head)
            deps.states.put(growth.records[-1].id, growth.state)
        session = with_deadline(replace(scene.session, updated_at=now))
        await scene.uow.sessions.update(session)
        await scene.uow.commit()
        players = [replace(p, presence="left") if p.id == me.id else p for p in players]
        return table_view(session, players)

    view, _ = await pipeline.as_writer(deps, session_id, step, narrator=deps.narrator)
    return view


async def remove_player(deps: Deps, session_id: str, *, host_ref: str, user_ref: str) -> TableView:
    """The host removes someone from the table."""
    async with deps.uow() as uow:
        players = await uow.players.list(session_id)
    host_check(players, host_ref, "remove players")
    if host_ref == user_ref:
        raise HostOnly("The host cannot remove themself.", hint="end the story instead")
    return await leave(deps, session_id, user_ref=user_ref)


async def set_mode(deps: Deps, session_id: str, *, user_ref: str, mode: Mode) -> TableView:
    if mode not in ("turn", "free"):
        raise HostOnly(f"There is no mode '{mode}'.", hint="turn or free")
    return await _table_change(deps, session_id, user_ref, "change the mode", mode=mode)


async def end(deps: Deps, session_id: str, *, user_ref: str) -> TableView:
    return await _table_change(deps, session_id, user_ref, "end the story", end=True)


async def _table_change(
    deps: Deps,
    session_id: str,
    user_ref: str,
    doing: str,
    *,
    mode: Mode | None = None,
    end: bool = False,
) -> TableView:
    """A host's change to the table: a short write under the lock (no telling waited for:
    the table is not the story tree)."""
    async with deps.uow() as uow:
        opened = await uow.sessions.open(session_id, lock=True)
        players = await uow.players.list(session_id)
        host_check(players, user_ref, doing)
        now = deps.clock.now()
        table = Table.from_json(opened.session.settings.get("table"))
        session = opened.session
        if mode is not None:
            table.mode = mode
            table.turn_started = now.isoformat()
        if end:
            table.ended = True
            session = replace(session, status="ended")
        session = replace(
            session, settings={**session.settings, "table": table.to_json()}, updated_at=now
        )
        session = with_deadline(session)
        await uow.sessions.update(session)
        await uow.commit()
    return table_view(session, players)
