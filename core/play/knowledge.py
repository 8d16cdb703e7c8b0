"""What one player knows of a story: their codex, and the map as they have seen it.

Reading only. The codex folds the active line's events (one read); the map draws
the places in that codex (fog of war per player), the party's place marked, a door
drawn locked while its condition does not hold for this player."""

from __future__ import annotations

from storyai.core.domain.errors import NotSeated
from storyai.core.domain.world import Condition
from storyai.core.engine.story import holds
from storyai.core.maps.view import MapView, world_map
from storyai.core.play.pipeline import Deps, host_of
from storyai.core.play.queries import Now, now
from storyai.core.play.seating import seat_of
from storyai.core.views.codex import Codex, build_codex


async def codex_of(
    deps: Deps, session_id: str, *, user_ref: str | None = None, player_id: str | None = None
) -> Codex:
    """The codex of a player (by user ref or id; default: the host)."""
    codex, _ = await _codex_now(deps, session_id, user_ref=user_ref, player_id=player_id)
    return codex


async def _codex_now(
    deps: Deps, session_id: str, *, user_ref: str | None, player_id: str | None
) -> tuple[Codex, Now]:
    async with deps.uow() as uow:
        current = await now(deps, uow, session_id)
        if user_ref is not None:
            player_id = seat_of(await uow.players.list(session_id), user_ref).id
        head, branch = current.opened.head, current.opened.branch
        assert head is not None and branch is not None  # now() checked
        events = await uow.events.on_line(session_id, branch.lineage, max_depth=head.depth)
    who = player_id or host_of(current.state)
    if who not in current.state.players:
        raise NotSeated("Your character is not in this part of the story.", hint="/story join")
    return build_codex(current.world, events, who), current


async def map_of(
    deps: Deps, session_id: str, *, user_ref: str | None = None, player_id: str | None = None
) -> MapView:
    """The story's maps as one player knows them: only places in their codex."""
    codex, current = await _codex_now(deps, session_id, user_ref=user_ref, player_id=player_id)
    state, world = current.state, current.world
    who = codex.player_id

    def locked(requires: Condition | None) -> bool:
        return requires is not None and not holds(requires, state, who, world)

    return world_map(
        world, known=codex.ids("place"), here=state.players[who].location, locked=locked
    )
