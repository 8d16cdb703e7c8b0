"""Queries: what a story looks like now. None of them writes, waits or tells anything.

A turn being told while someone asks shows as ``telling``: the state is the state
before it (an action changes nothing until it is told), and nobody's question ever
tells a turn in someone else's place.
"""

from __future__ import annotations

from dataclasses import dataclass

from storyai.core.domain.errors import HistoryBroken, NoStoryHere, NotSeated, SessionNotFound
from storyai.core.domain.records import Opened, PlayerRecord, SessionRecord
from storyai.core.domain.state import Choice, GameState, PlayerState
from storyai.core.domain.world import World
from storyai.core.play.loading import last_told, state_at
from storyai.core.play.pipeline import Deps, host_of
from storyai.core.play.results import SessionSummary, StoryStatus, TableView
from storyai.core.play.seating import seat_of, table_view
from storyai.core.storage.ports import UnitOfWork


@dataclass(frozen=True)
class Now:
    """A story as it is: its record, world, state at the head, and whether the head
    still waits to be told."""

    opened: Opened
    world: World
    state: GameState
    telling: bool

    @property
    def session(self) -> SessionRecord:
        return self.opened.session


async def now(deps: Deps, uow: UnitOfWork, session_id: str) -> Now:
    opened = await uow.sessions.open(session_id)
    session = opened.session
    world = await deps.worlds.get(uow, session.world_id, session.world_version)
    if opened.head is None or opened.branch is None:
        raise HistoryBroken(f"the branch '{session.active_branch}' has no events")
    state = await state_at(uow, opened.branch.lineage, opened.head, deps.states)
    return Now(opened, world, state, opened.head.event.awaits_telling)


async def story_now(deps: Deps, session_id: str) -> Now:
    async with deps.uow() as uow:
        return await now(deps, uow, session_id)


async def status(deps: Deps, session_id: str) -> StoryStatus:
    async with deps.uow() as uow:
        current = await now(deps, uow, session_id)
        players = await uow.players.list(session_id)
        branch = current.opened.branch
        line = await last_told(uow, branch.lineage if branch else ((0, None),), current.opened.head)
    session = current.session
    table = table_view(session, players) if "table" in session.settings else None
    return StoryStatus(
        session_id=session.id,
        title=session.title,
        world_id=session.world_id,
        world_title=current.world.world.title,
        turn=current.state.turn,
        ended=bool(current.state.ending) or session.status == "ended",
        telling=current.telling,
        table=table,
        last_line=line,
    )


async def character_of(
    deps: Deps, session_id: str, *, user_ref: str | None = None, player_id: str | None = None
) -> tuple[PlayerState, GameState, World]:
    """A player's character as it is now (by their user ref, or id; default: the host),
    the story's state and its world: what sheets, inventories and quests show."""
    async with deps.uow() as uow:
        current = await now(deps, uow, session_id)
        if user_ref is not None:
            player_id = seat_of(await uow.players.list(session_id), user_ref).id
    who = player_id or host_of(current.state)
    if who not in current.state.players:  # joined on a branch the story has since left
        raise NotSeated("Your character is not in this part of the story.", hint="/story join")
    return current.state.players[who], current.state, current.world


async def choices(deps: Deps, session_id: str) -> tuple[int, list[Choice], bool]:
    """The turn the story is at, the choices offered now, and whether a turn is being
    told (then no choice may be taken: they belong to the turn before it)."""
    current = await story_now(deps, session_id)
    return current.state.turn, list(current.state.choices), current.telling


async def table_of(deps: Deps, session_id: str) -> TableView:
    async with deps.uow() as uow:
        session = await uow.sessions.get(session_id)
        players = await uow.players.list(session_id)
    return table_view(session, players)


async def in_channel(deps: Deps, channel: str) -> SessionRecord | None:
    """The running (or latest) story played in a channel or thread."""
    async with deps.uow() as uow:
        return await uow.sessions.in_channel(channel)


async def here(deps: Deps, channel: str) -> SessionRecord:
    found = await in_channel(deps, channel)
    if found is None:
        raise NoStoryHere()
    return found


async def seat(deps: Deps, session_id: str, user_ref: str) -> PlayerRecord | None:
    async with deps.uow() as uow:
        players = await uow.players.list(session_id)
    return next((p for p in players if p.user_ref == user_ref), None)


async def find_session(deps: Deps, prefix: str) -> str:
    """The id of the one story whose id starts with ``prefix`` (as lists show ids cut
    short). Raises SessionNotFound when none does, or when several do."""
    prefix = prefix.strip()
    found: list[str] = []
    if prefix:
        async with deps.uow() as uow:
            found = await uow.sessions.starting_with(prefix, limit=2)
    if len(found) == 1:
        return found[0]
    if found:
        raise SessionNotFound(
            prefix, message=f"Several stories start with '{prefix}'.", hint="type more of the id"
        )
    raise SessionNotFound(prefix, message=f"There is no story '{prefix}'.")


async def recent(
    deps: Deps, *, limit: int = 10, world_id: str | None = None
) -> list[SessionSummary]:
    """The most recently played stories, each with the last line its players read."""
    out = []
    async with deps.uow() as uow:
        for s in await uow.sessions.list(world_id, limit=limit):
            opened = await uow.sessions.open(s.id)
            head, branch = opened.head, opened.branch
            if head is None or branch is None:
                continue
            line = await last_told(uow, branch.lineage, head)
            ended = head.kind == "ending_reached" or s.status == "ended"
            out.append(
                SessionSummary(
                    s.id,
                    s.title,
                    s.world_id,
                    s.world_version,
                    s.active_branch,
                    head.turn,
                    line,
                    ended,
                    s.updated_at,
                    head.event.awaits_telling,
                )
            )
    return out
