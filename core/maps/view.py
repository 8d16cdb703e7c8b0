"""The map read model: what a viewer may see of a world's maps, ready to draw.

Places sit where their ``map:`` point puts them; places without one are laid out by
their compass exits (``core/worlds/mapgrid``) on a sheet of their own. Fog of war:
given ``known``, only those places are drawn, and only the ways between two of them;
a hidden exit is never drawn for a player. Every renderer (SVG, PNG, text) draws this.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from storyai.core.domain.world import Condition, World
from storyai.core.worlds.mapgrid import layout

AUTO_SHEET = "world"


@dataclass(frozen=True)
class MapPlace:
    id: str
    name: str
    x: int
    y: int
    region: str = ""
    here: bool = False


@dataclass(frozen=True)
class MapDoor:
    """A way between two drawn places (once, whichever side it was authored on)."""

    a: str
    b: str
    direction: str
    locked: bool = False


@dataclass(frozen=True)
class MapLink:
    """A way from a place on this sheet to another sheet (stairs down, the city gate)."""

    place: str
    direction: str
    to_sheet: str
    to_place: str
    to_name: str = ""
    locked: bool = False
    to_sheet_name: str = ""


@dataclass(frozen=True)
class MapSheet:
    id: str
    name: str
    kind: str
    places: tuple[MapPlace, ...]
    doors: tuple[MapDoor, ...]
    links: tuple[MapLink, ...] = ()
    image: str = ""
    drawing: str = ""


@dataclass(frozen=True)
class MapView:
    title: str
    sheets: tuple[MapSheet, ...]
    here: str | None = None
    fog: bool = False  # drawn from what a viewer knows, not the whole world

    def sheet_of(self, place: str) -> MapSheet | None:
        return next((s for s in self.sheets if any(p.id == place for p in s.places)), None)

    @property
    def place_ids(self) -> set[str]:
        return {p.id for s in self.sheets for p in s.places}


def world_map(
    world: World,
    *,
    known: Iterable[str] | None = None,
    here: str | None = None,
    locked: Callable[[Condition | None], bool] | None = None,
    show_hidden: bool = False,
) -> MapView:
    """The world's maps as ``known`` lets a viewer see them (``None``: everything, the
    author's view). ``locked`` says whether an exit's condition blocks it now (default:
    any condition does); a hidden exit is drawn with ``show_hidden``, or, given
    ``locked``, once it does not block the viewer (as their list of exits shows it)."""
    is_locked = locked or (lambda requires: requires is not None)
    visible = [lid for lid in world.locations if known is None or lid in set(known)]
    if here is not None and here in world.locations and here not in visible:
        visible.append(here)
    shown = set(visible)
    sheet_of: dict[str, str] = {}
    points: dict[str, tuple[int, int]] = {}
    for lid in visible:
        point = world.locations[lid].map
        if point is not None and point.map in world.maps:
            sheet_of[lid], points[lid] = point.map, (point.x, point.y)
    unplaced = [lid for lid in visible if lid not in sheet_of]
    if unplaced:
        exits = {
            lid: {
                d: (e.to, False)
                for d, e in world.locations[lid].exits.items()
                if show_hidden or not e.hidden or (locked is not None and not is_locked(e.requires))
            }
            for lid in world.locations
        }
        start = world.start.location if world.start.location in unplaced else unplaced[0]
        grid = layout(exits, start, only=unplaced)
        row = max((y for _, y in grid.cells.values()), default=0) + 1
        for lid in unplaced:
            if lid in grid.cells:
                points[lid] = grid.cells[lid]
            else:  # reached only by non-compass ways: a row of its own below
                points[lid] = (len([p for p in points.values() if p[1] == row]), row)
            sheet_of[lid] = AUTO_SHEET
    sheets = []
    order = [*world.maps, AUTO_SHEET] if unplaced else list(world.maps)
    for sid in order:
        members = [lid for lid in visible if sheet_of.get(lid) == sid]
        authored = world.maps.get(sid)
        if not members and (authored is None or known is not None):
            continue  # fog: a map with nothing known on it is not shown at all
        places = tuple(
            MapPlace(
                lid,
                world.locations[lid].name,
                points[lid][0],
                points[lid][1],
                world.locations[lid].region,
                lid == here,
            )
            for lid in members
        )
        doors: dict[frozenset[str], MapDoor] = {}
        links: list[MapLink] = []
        for lid in members:
            for direction, ex in world.locations[lid].exits.items():
                lock = is_locked(ex.requires)
                # a hidden way is drawn once the viewer can take it (as the exits list it)
                found = show_hidden or (locked is not None and not lock)
                if ex.to not in shown or (ex.hidden and not found):
                    continue
                if sheet_of.get(ex.to) != sid:
                    links.append(
                        MapLink(
                            lid,
                            direction,
                            sheet_of[ex.to],
                            ex.to,
                            world.locations[ex.to].name,
                            lock,
                            world.maps[sheet_of[ex.to]].name
                            if sheet_of[ex.to] in world.maps
                            else world.world.title,
                        )
                    )
                    continue
                pair = frozenset((lid, ex.to))
                old = doors.get(pair)
                if old is None or (lock and not old.locked):
                    doors[pair] = MapDoor(lid, ex.to, direction, lock)
        sheets.append(
            MapSheet(
                sid,
                authored.name if authored else world.world.title,
                authored.kind if authored else "other",
                places,
                tuple(doors.values()),
                tuple(links),
                authored.image if authored else "",
                authored.drawing if authored and known is None else "",
            )
        )
    return MapView(world.world.title, tuple(sheets), here, fog=known is not None)
