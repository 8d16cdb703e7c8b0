"""Starting a story: alone, or in a channel where only one story may run at a time.

The new story, its host and its first events are stored in one transaction before
anything is told, the host's arrival marked as being told; then the opening is told
and stored like any turn. In a channel, the database refuses a second running story
(a unique index on running stories' channels), so two hosts starting at the same
instant, in one process or two, get one story and one clear refusal.
"""

from __future__ import annotations

from dataclasses import replace

from storyai.core.domain.events import PlayerJoined, SessionStarted, StateChanged
from storyai.core.domain.identity import IdentityRequest
from storyai.core.domain.legacy import fold, profile_key
from storyai.core.domain.records import BranchRecord, Opened, PlayerRecord, SessionRecord, Telling
from storyai.core.engine.turn import initial_state
from storyai.core.narrators.port import Narrator, OnText
from storyai.core.play import identity_model, legacy, pipeline
from storyai.core.play.pipeline import Claim, Deps, Scene, with_deadline
from storyai.core.play.results import TurnResult
from storyai.core.play.seating import character
from storyai.core.play.table import Mode, Table

MAIN = "main"


async def start(
    deps: Deps,
    world_id: str,
    *,
    player_name: str,
    version: str | None = None,
    archetype: str | None = None,
    scores: dict[str, int] | None = None,
    identity: IdentityRequest | None = None,
    heirlooms: list[str] | None = None,
    legacy_title: str | None = None,
    buys: list[str] | None = None,
    followers: list[str] | None = None,
    seed: int | None = None,
    user_ref: str = "local",
    title: str | None = None,
    channel: str | None = None,
    guild: str | None = None,
    mode: Mode = "turn",
    timeout_s: int | None = None,
    window_s: int | None = None,
    narrator: Narrator,
    on_text: OnText | None = None,
) -> TurnResult:
    """Start playing an installed world (its newest version unless one is named); in a
    ``channel``, with a table in ``mode`` that the host sits at first."""
    clock = deps.clock
    async with deps.uow() as uow:
        world = await deps.worlds.get(uow, world_id, version)
        picked = bool(heirlooms or legacy_title or buys or followers)
        records = await uow.legacy.list(profile_key(user_ref)) if picked else []
    seed = clock.new_seed() if seed is None else seed
    identity = await identity_model.written(narrator, world, player_name, archetype, identity)
    name, archetype, sheet, player_id = character(
        world, player_name, archetype, scores, seed, 0, clock.new_id(), identity
    )
    joining: list = []
    if picked:  # only what the player picked carries over
        offered = legacy.offer(world, fold(profile_key(user_ref), records))
        sheet = legacy.bring(sheet, world, offered, heirlooms or [], legacy_title, buys)
        joining = legacy.joining(world, offered, followers or [])
    now = clock.now()
    settings: dict = {"seed": seed}
    if channel is not None:
        table = Table(mode=mode)
        if timeout_s:
            table.timeout_s = timeout_s
        if window_s:
            table.window_s = window_s
        table.seat(player_id, now)
        settings["table"] = table.to_json()
        if guild is not None:
            settings["guild"] = guild  # which bot process (shard) tends it
    session = SessionRecord(
        id=clock.new_id(),
        world_id=world.id,
        world_version=world.version,
        title=title or f"{world.world.title} — {name}",
        status="active",
        active_branch=MAIN,
        created_at=now,
        updated_at=now,
        channel=channel,
        settings=settings,
    )
    branch = BranchRecord(session.id, MAIN, None, now)
    state = initial_state(world)
    growth = pipeline.Growth(session, branch, None, state.fork(), clock)
    growth.add(
        SessionStarted(world_id=world.id, world_version=world.version, seed=seed), "system", 0
    )
    if joining:  # followers from earlier stories are there, friendly, as the story opens
        growth.add(StateChanged(ops=tuple(joining), source="rules"), "system", 0)
    arrival = PlayerJoined(name=name, archetype=archetype, sheet=sheet, opening=True)
    growth.add(arrival, player_id, 0)
    host = PlayerRecord(
        id=player_id,
        session_id=session.id,
        user_ref=user_ref,
        display_name=name,
        role="host",
        character=sheet.model_dump(mode="json"),
        presence="joined",
        joined_at=now,
    )
    async with deps.uow() as uow:
        if buys:  # paid in the transaction that starts the story, or not at all
            await legacy.pay(uow, world, profile_key(user_ref), session.id, buys, now)
        await uow.sessions.add(session)
        await uow.players.add(host)
        stored = await growth.write(uow, session, base=None)
        pending = growth.records[-1]
        stored = with_deadline(replace(stored, telling=Telling(pending.id, now + deps.lease)))
        await uow.sessions.update(stored)
        await uow.commit()
    deps.states.put(pending.id, growth.state)
    scene = Scene(uow, Opened(stored, branch, pending), world, growth.state, stored)
    telling = pipeline.arrival_telling(scene, pending, narrator)
    claim = Claim(stored, branch, pending, growth.state, telling)
    result = await pipeline.finish(deps, claim, on_text)
    result.events = [*growth.records[:-1], *result.events]
    return result
