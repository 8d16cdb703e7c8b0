"""What the play screen shows about the current state, read from a GameState and its World.

Only reading: which exits are open, what is carried, which quests are active.
The rules decide all of that; this gathers it into plain data the widgets draw.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from storyai.core.domain.sheet import Sheet
from storyai.core.domain.state import GameState
from storyai.core.domain.world import World
from storyai.core.engine.story import holds
from storyai.core.worlds.mapgrid import draw, layout

MAP_LABEL_WIDTH = 9


@dataclass(frozen=True)
class ExitView:
    direction: str
    to: str
    name: str
    locked: bool


@dataclass(frozen=True)
class ItemView:
    id: str
    name: str
    count: int = 1
    equipped: bool = False


@dataclass(frozen=True)
class QuestView:
    title: str
    status: str  # "active" or "done"
    stage: str
    objectives: list[tuple[str, bool]] = field(default_factory=list)


@dataclass(frozen=True)
class CharacterView:
    id: str
    name: str
    defeated: bool = False
    topics: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class PlayView:
    """Everything the side panel, the status line and completion need."""

    player_id: str
    sheet: Sheet
    location_id: str
    location_name: str
    exits: list[ExitView]
    people: list[CharacterView]
    items_here: list[ItemView]
    inventory: list[ItemView]
    quests: list[QuestView]
    map_text: str
    turn: int
    ending: str | None
    in_combat: bool

    @property
    def scores(self) -> dict[str, int]:
        return self.sheet.abilities if self.sheet.system == "d20" else self.sheet.characteristics


def player_id(state: GameState) -> str:
    """The local player: the host, who joined first."""
    return next(iter(state.players))


def build_view(state: GameState, world: World, who: str | None = None) -> PlayView:
    who = who or player_id(state)
    player = state.players[who]
    here = player.location
    loc = world.locations[here]
    exits = [
        ExitView(
            direction=d,
            to=ex.to,
            name=world.locations[ex.to].name,
            locked=not holds(ex.requires, state, who, world),
        )
        for d, ex in loc.exits.items()
        if not ex.hidden or holds(ex.requires, state, who, world)
    ]
    people = []
    for cid in state.characters_at(here):
        ch = world.characters[cid]
        topics = [
            tid.replace("_", " ")
            for tid, t in ch.dialogue.topics.items()
            if holds(t.requires, state, who, world)
        ]
        people.append(CharacterView(cid, ch.name, state.npcs[cid].defeated, topics))
    items_here = [
        ItemView(iid, world.items[iid].name, n)
        for iid, n in state.location_items.get(here, {}).items()
        if iid in world.items
    ]
    sheet = player.sheet
    inventory = [
        ItemView(
            iid, world.items[iid].name if iid in world.items else iid, n, sheet.equipped.holds(iid)
        )
        for iid, n in sheet.inventory.items()
    ]
    quests = []
    for qid, qs in state.quests.items():
        quest = world.quests.get(qid)
        if quest is None or qs.status == "inactive":
            continue
        if qs.status == "done":
            quests.append(QuestView(quest.title, "done", "Complete."))
            continue
        stage = quest.stages[min(qs.stage, len(quest.stages) - 1)]
        objectives = [
            (obj.description, i in qs.done_objectives) for i, obj in enumerate(stage.objectives)
        ]
        quests.append(QuestView(quest.title, "active", stage.description, objectives))
    return PlayView(
        player_id=who,
        sheet=sheet,
        location_id=here,
        location_name=loc.name,
        exits=exits,
        people=people,
        items_here=items_here,
        inventory=inventory,
        quests=quests,
        map_text=discovered_map(state, world, here),
        turn=state.turn,
        ending=state.ending,
        in_combat=state.combat is not None,
    )


def discovered_map(state: GameState, world: World, here: str) -> str:
    """The places found so far, laid out by compass exits (see core/worlds/mapgrid)."""
    exits = {
        lid: {d: (e.to, e.requires is not None) for d, e in loc.exits.items() if not e.hidden}
        for lid, loc in world.locations.items()
    }
    names = {lid: loc.name for lid, loc in world.locations.items()}
    known = [lid for lid in state.discovered if lid in world.locations]
    if here not in known:
        known.append(here)
    grid = layout(exits, world.start.location, only=known)
    return draw(grid, names, here=here, width=MAP_LABEL_WIDTH)
