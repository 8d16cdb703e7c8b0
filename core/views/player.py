"""Everything one player sees of a story, in one read model.

``player_view(state, world, who)`` is a pure function: it reads the state and
the world, asks the world's rule system to label the sheet, and returns frozen
data. The TUI, the bot and the CLI draw it; none of them asks which rule
system is in play.
"""

from __future__ import annotations

from dataclasses import dataclass

from storyai.core.domain.errors import NotSeated
from storyai.core.domain.state import GameState
from storyai.core.domain.world import World
from storyai.core.rules.base import RuleSystem
from storyai.core.rules.registry import rule_system_for
from storyai.core.views.place import (
    MAP_LABEL_WIDTH,
    LocationView,
    discovered_map,
    location_view,
)
from storyai.core.views.quests import QuestView, quest_log
from storyai.core.views.sheet import InventoryView, SheetView, inventory_view, sheet_view


@dataclass(frozen=True)
class TurnSlot:
    """One place in a fight's turn order, as the player reads it."""

    name: str
    initiative: int | None
    you: bool = False
    out: bool = False  # defeated, fled, gone or down: the slot is skipped
    next: bool = False  # solo: the slot whose action the fight waits for now


@dataclass(frozen=True)
class PlayerView:
    """What the player ``player_id`` sees: their sheet, pack, quests, where they
    are, the map so far, and how the story stands."""

    player_id: str
    sheet: SheetView
    inventory: InventoryView
    quests: tuple[QuestView, ...]
    location: LocationView
    map_text: str
    turn: int
    ending: str | None
    in_combat: bool
    turn_order: tuple[TurnSlot, ...] = ()  # highest initiative first; empty out of a fight
    combat_round: int | None = None


def first_player(state: GameState) -> str:
    """The player who joined first: the host, and the only one in a solo story.

    Raises:
        NotSeated: Nobody has joined yet.
    """
    for who in state.players:
        return who
    raise NotSeated("Nobody is playing this story yet.")


def player_view(
    state: GameState,
    world: World,
    who: str | None = None,
    *,
    rules: RuleSystem | None = None,
    map_width: int = MAP_LABEL_WIDTH,
) -> PlayerView:
    """The story as player ``who`` (default: the first player) sees it now.

    Raises:
        NotSeated: ``who`` is not playing in this story.
    """
    who = who or first_player(state)
    player = state.players.get(who)
    if player is None:
        raise NotSeated(f"Nobody called '{who}' is playing in this story.")
    rules = rules or rule_system_for(world)
    return PlayerView(
        player_id=who,
        sheet=sheet_view(player.sheet, world, rules),
        inventory=inventory_view(player.sheet, world, rules),
        quests=quest_log(state, world),
        location=location_view(state, world, who),
        map_text=discovered_map(state, world, player.location, who=who, width=map_width),
        turn=state.turn,
        ending=state.ending,
        in_combat=state.combat is not None,
        turn_order=turn_order(state, who),
        combat_round=state.combat.round if state.combat else None,
    )


def turn_order(state: GameState, who: str = "") -> tuple[TurnSlot, ...]:
    """The fight's turn order as ``who`` sees it (empty when there is no fight); without
    ``who``, as the table sees it (no slot is "you")."""
    combat = state.combat
    if combat is None:
        return ()
    players = [cid for cid in combat.order if cid in state.players]
    solo = len(players) == 1  # with several players the table says whose turn it is
    slots = []
    for i, cid in enumerate(combat.order):
        sheet = state.sheet_of(cid)
        npc = state.npcs.get(cid)
        gone = npc is not None and (npc.defeated or npc.fled or npc.location != combat.location)
        slots.append(
            TurnSlot(
                name=sheet.name if sheet else cid,
                initiative=combat.scores.get(cid),
                you=cid == who,
                out=gone or (sheet is not None and sheet.is_down),
                next=solo and i == combat.index,
            )
        )
    return tuple(slots)
