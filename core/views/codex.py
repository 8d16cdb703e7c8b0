"""A player's codex: the places, people, items, lore and quests this character knows,
each with where and when they learned it (the turn, so an interface can link to it).

Built by folding the story's events (its active line) from the world as authored, and
scoped to one player: a place counts when they stood there, or saw it from there; a
person or an item when they were in the same place (or talked, or carried it); lore
only when learned on their own turn, and never ``gm-only`` lore; a character's
``secrets`` are never part of it. What another player alone saw is not in it.
Quests are the party's, known to everyone seated when they began.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from storyai.core.domain.events import StateChanged
from storyai.core.domain.ops import Discover, HearTopic, LearnLore, SetQuest
from storyai.core.domain.records import EventRecord
from storyai.core.domain.state import GameState
from storyai.core.domain.world import World
from storyai.core.engine.turn import initial_state

Note = Callable[[str, str, str, EventRecord, str, str, str], None]
"""(kind, id, how, record, where, name, text): remember an entry, unless already known."""

KINDS = ("place", "person", "item", "lore", "quest")
KIND_TITLES = {
    "place": "Places",
    "person": "People",
    "item": "Items",
    "lore": "Lore",
    "quest": "Quests",
}


@dataclass(frozen=True)
class CodexEntry:
    kind: str  # one of KINDS
    id: str
    name: str
    text: str
    how: str  # "visited", "seen from the Quay", "met at the Quay", "learned", ...
    turn: int  # the turn it was learned on
    where: str = ""  # the place they were when they learned it
    event_id: str = ""  # the event it was learned at (a link to that turn)


@dataclass(frozen=True)
class Codex:
    player_id: str
    player_name: str
    world_title: str
    entries: tuple[CodexEntry, ...]

    def of_kind(self, kind: str) -> tuple[CodexEntry, ...]:
        return tuple(e for e in self.entries if e.kind == kind)

    def search(self, query: str) -> Codex:
        """Entries whose name, text or how-learned hold every word of ``query``."""
        words = query.lower().split()
        found = tuple(
            e
            for e in self.entries
            if all(w in f"{e.name} {e.text} {e.how} {e.where}".lower() for w in words)
        )
        return Codex(self.player_id, self.player_name, self.world_title, found)

    def ids(self, kind: str) -> set[str]:
        return {e.id for e in self.entries if e.kind == kind}


def build_codex(world: World, events: Iterable[EventRecord], who: str) -> Codex:
    """The codex of player ``who`` after ``events`` (the active line, oldest first)."""
    state = initial_state(world)
    learned: dict[tuple[str, str], CodexEntry] = {}

    def note(
        kind: str, key: str, how: str, record: EventRecord, where: str, name: str, text: str
    ) -> None:
        known = learned.get((kind, key))
        if known is None or (kind == "place" and how == "visited" and known.how != how):
            # a place first only seen is known better once visited: its text, that turn
            learned[(kind, key)] = CodexEntry(
                kind, key, name, text, how, record.turn, where, record.id
            )

    for record in events:
        record.event.apply(state)
        player = state.players.get(who)
        if player is None:
            continue
        here = player.location
        here_loc = world.locations.get(here)
        here_name = here_loc.name if here_loc else here.replace("_", " ")
        if here_loc is not None:
            note("place", here, "visited", record, here_name, here_loc.name, here_loc.description)
        for cid in state.characters_at(here):
            character = world.characters.get(cid)
            if character is not None:
                note(
                    "person",
                    cid,
                    f"met at {here_name}",
                    record,
                    here_name,
                    character.name,
                    character.description,
                )
        for item_id in sorted(state.location_items.get(here, {})):
            _note_item(note, world, item_id, f"found at {here_name}", record, here_name)
        for item_id in sorted(player.sheet.inventory):
            _note_item(note, world, item_id, "carried", record, here_name)
        if isinstance(record.event, StateChanged):
            _ops(note, world, state, record, here_name, own=record.actor == who)
    entries = sorted(learned.values(), key=lambda e: (KINDS.index(e.kind), e.turn, e.name))
    name = state.players[who].name if who in state.players else who
    return Codex(who, name, world.world.title, tuple(entries))


def _note_item(
    note: Note, world: World, item_id: str, how: str, record: EventRecord, where: str
) -> None:
    item = world.items.get(item_id)
    if item is not None:
        note("item", item_id, how, record, where, item.name, item.description)


def _ops(
    note: Note, world: World, state: GameState, record: EventRecord, where: str, *, own: bool
) -> None:
    assert isinstance(record.event, StateChanged)
    for op in record.event.ops:
        if isinstance(op, SetQuest) and op.state.status != "inactive":
            quest = world.quests.get(op.quest)
            if quest is not None:
                note("quest", op.quest, "begun", record, where, quest.title, quest.description)
        if not own:
            continue
        if isinstance(op, Discover):
            loc = world.locations.get(op.location)
            if loc is not None:
                note("place", op.location, f"seen from {where}", record, where, loc.name, "")
        elif isinstance(op, LearnLore):
            entry = world.lore.get(op.lore)
            if entry is not None and entry.visibility != "gm-only":
                note("lore", op.lore, "learned", record, where, entry.title, entry.text)
        elif isinstance(op, HearTopic) and ":" in op.key:
            cid = op.key.split(":", 1)[0]
            character = world.characters.get(cid)
            if character is not None:
                note(
                    "person",
                    cid,
                    f"talked with at {where}",
                    record,
                    where,
                    character.name,
                    character.description,
                )
