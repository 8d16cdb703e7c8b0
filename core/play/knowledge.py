"""What one player knows of a story: their codex, and the map as they have seen it.

Reading only. The codex folds the active line's events (one read); the map draws
the places in that codex (fog of war per player), the party's place marked, a door
drawn locked while its condition does not hold for this player."""

from __future__ import annotations

from storyai.core.domain.errors import NotSeated
from storyai.core.domain.events import Narration, PlayerAction
from storyai.core.domain.world import Condition, World
from storyai.core.engine.story import holds
from storyai.core.maps.view import MapView, world_map
from storyai.core.play.pipeline import Deps, host_of
from storyai.core.play.queries import Now, now
from storyai.core.play.seating import seat_of
from storyai.core.views.codex import Codex, build_codex
from storyai.core.wiki.site import Campaign, Turn


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


async def campaign_of(deps: Deps, session_id: str) -> tuple[World, Campaign]:
    """A story as a campaign to publish: what all its players know (their codices
    together), its chapters and the turns told on its active line."""
    async with deps.uow() as uow:
        current = await now(deps, uow, session_id)
        players = {p.id: p.display_name for p in await uow.players.list(session_id)}
        head, branch = current.opened.head, current.opened.branch
        assert head is not None and branch is not None  # now() checked
        events = await uow.events.on_line(session_id, branch.lineage, max_depth=head.depth)
    world, state = current.world, current.state
    known: dict[str, set[str]] = {}
    learned: dict[tuple[str, str], tuple[int, str]] = {}
    for who in state.players:
        codex = build_codex(world, events, who)
        for entry in codex.entries:
            known.setdefault(entry.kind, set()).add(entry.id)
            first = learned.get((entry.kind, entry.id))
            if first is None or entry.turn < first[0]:
                learned[(entry.kind, entry.id)] = (entry.turn, entry.how)
    turns: list[Turn] = []
    action: tuple[str, str] | None = None
    for record in events:
        event = record.event
        if isinstance(event, PlayerAction):
            action = (players.get(record.actor, record.actor), event.text)
        elif isinstance(event, Narration):
            told = "\n\n".join(line.text for line in event.lines if line.kind != "dice")
            who, text = action or ("", "")
            turns.append(Turn(record.turn, who, text, told))
            action = None
    chapters = tuple((c.number, c.first_turn, c.last_turn, c.summary) for c in state.chapters)
    host = host_of(state)
    here = state.players[host].location if host in state.players else None
    title = current.session.title or world.world.title
    return world, Campaign(title, known, chapters, tuple(turns), here, learned)
