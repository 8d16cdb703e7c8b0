"""Where a player is: the way on, who is here (and what they will talk about),
what lies about, and the map of the places found so far."""

from __future__ import annotations

from dataclasses import dataclass

from storyai.core.domain.state import GameState
from storyai.core.domain.world import Condition, World
from storyai.core.engine.story import holds
from storyai.core.worlds.mapgrid import draw, layout

MAP_LABEL_WIDTH = 9
"""How much of a place's name a map cell shows by default."""


@dataclass(frozen=True)
class ExitView:
    """A way on. Hidden exits are left out until they can be taken; ``locked``
    ones are shown but can't be taken yet."""

    direction: str
    to: str
    name: str  # the place it leads to
    locked: bool = False


@dataclass(frozen=True)
class TopicView:
    id: str
    label: str  # "the mine"
    heard: bool = False  # already asked about


@dataclass(frozen=True)
class PersonView:
    id: str
    name: str
    defeated: bool = False
    topics: tuple[TopicView, ...] = ()  # what they may be asked about now


@dataclass(frozen=True)
class PlaceItemView:
    id: str
    name: str
    count: int = 1


@dataclass(frozen=True)
class LocationView:
    id: str
    name: str
    exits: tuple[ExitView, ...]
    people: tuple[PersonView, ...]
    items: tuple[PlaceItemView, ...]


def location_view(state: GameState, world: World, who: str) -> LocationView:
    """The player's location as they can see it now."""
    here = state.players[who].location
    loc = world.locations.get(here)
    if loc is None:  # a place the world no longer has: nothing to see, no way on
        return LocationView(here, here.replace("_", " "), (), (), ())
    exits = tuple(
        ExitView(d, ex.to, world.locations[ex.to].name, not holds(ex.requires, state, who, world))
        for d, ex in loc.exits.items()
        if ex.to in world.locations and (not ex.hidden or holds(ex.requires, state, who, world))
    )
    people = []
    for cid in state.characters_at(here):
        character = world.characters.get(cid)
        if character is None:
            continue
        topics = tuple(
            TopicView(tid, tid.replace("_", " "), f"{cid}:{tid}" in state.topics_heard)
            for tid, topic in character.dialogue.topics.items()
            if holds(topic.requires, state, who, world)
        )
        people.append(PersonView(cid, character.name, state.npcs[cid].defeated, topics))
    items = tuple(
        PlaceItemView(item_id, world.items[item_id].name, count)
        for item_id, count in state.location_items.get(here, {}).items()
        if item_id in world.items
    )
    return LocationView(here, loc.name, exits, tuple(people), items)


def discovered_map(
    state: GameState,
    world: World,
    here: str,
    *,
    who: str | None = None,
    width: int = MAP_LABEL_WIDTH,
) -> str:
    """The places found so far (and ``here``), laid out by compass exits; a hidden
    exit is drawn once ``who`` has found it (its condition holds, as the list of
    exits shows it), never before (see core/worlds/mapgrid). A door is drawn locked only
    while it is: an exit whose condition ``who`` (default: the first player) now
    meets, a flag set or a key carried, is drawn open."""
    actor = who if who in state.players else next(iter(state.players), None)

    def locked(requires: Condition | None) -> bool:
        if requires is None:
            return False
        return actor is None or not holds(requires, state, actor, world)

    exits = {
        lid: {
            d: (e.to, locked(e.requires))
            for d, e in loc.exits.items()
            if not e.hidden or (actor is not None and not locked(e.requires))
        }
        for lid, loc in world.locations.items()
    }
    names = {lid: loc.name for lid, loc in world.locations.items()}
    known = [lid for lid in state.discovered if lid in world.locations]
    if here not in known and here in world.locations:
        known.append(here)
    grid = layout(exits, world.start.location, only=known)
    return draw(grid, names, here=here, width=width)
