"""Games on the bundled worlds for checking a narrator's proposals.

A ``Game`` is a joined player on a real world. ``game.propose(changes)``
checks the proposals, asserts the state it was given is untouched, and
returns the outcome with the state the returned ops lead to.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from walkthrough import bundled

from storyai.core.domain.dice import Dice, SeededDice
from storyai.core.domain.ops import BaseOp, apply_ops, read_ops
from storyai.core.domain.sheet import new_player_sheet
from storyai.core.domain.state import GameState
from storyai.core.domain.world import Condition, Exit, World
from storyai.core.engine.proposals import Proposals, check_proposals
from storyai.core.engine.turn import initial_state, join
from storyai.core.rules import RuleSystem, rule_system_for

WORLDS = {w: bundled(w) for w in ("ember_hollow", "halvard_relay")}


@dataclass(frozen=True)
class Places:
    """What each bundled world offers the tests, by id."""

    world_id: str
    start: str
    near: str  # next to the start
    far: str  # the final room, many steps away
    locked_at: str  # a place with an exit whose condition does not hold at first...
    locked_to: str  # ...leading here (Game.unlock_locked_exit opens it)
    item_at: str  # a place with a portable item lying there...
    item: str  # ...this one
    person: str  # a character at the start, alive and with stats or not
    person_attitude: str
    fighter_at: str  # a place with an undefeated character who has hit points
    fighter: str
    public_lore: str
    known_lore: str  # known-by...
    knower_at: str  # ...and where one of its knowers stands
    secret_lore: str  # gm-only
    main_quest: str
    held_item: str  # a starting item of the first archetype


PLACES = {
    "ember_hollow": Places(
        world_id="ember_hollow",
        start="village_square",
        near="mine_road",
        far="heart_chamber",
        locked_at="mine_mouth",
        locked_to="upper_workings",
        item_at="village_square",
        item="emberstone",
        person="hesta",
        person_attitude="friendly",
        fighter_at="forge",
        fighter="brannock",
        public_lore="ember_hollow",
        known_lore="heartstone",
        knower_at="village_square",
        secret_lore="the_binding",
        main_quest="cold_hearths",
        held_item="healing_draught",
    ),
    "halvard_relay": Places(
        world_id="halvard_relay",
        start="docking_bay",
        near="central_hub",
        far="core_vault",
        locked_at="docking_bay",
        locked_to="airlock_two",
        item_at="med_bay",
        item="medkit",
        person="rook",
        person_attitude="friendly",
        fighter_at="docking_bay",
        fighter="rook",
        public_lore="halvard_relay",
        known_lore="six_hours",
        knower_at="med_bay",
        secret_lore="the_tap",
        main_quest="dead_air",
        held_item="recorder",
    ),
}


@dataclass
class Game:
    world: World
    rules: RuleSystem
    state: GameState
    actor: str = "p1"

    @property
    def places(self) -> Places:
        return PLACES[self.world.id]

    def propose(
        self,
        changes: Any,
        *,
        actor: str | None = None,
        dice: Dice | None = None,
        action: str = "",
    ) -> tuple[Proposals, GameState]:
        """Check ``changes`` proposed after the player typed ``action``; the result and
        the state its ops lead to."""
        before = self.state.to_json()
        result = check_proposals(
            self.state,
            self.world,
            self.rules,
            actor or self.actor,
            changes,
            dice=dice,
            action=action,
        )
        assert self.state.to_json() == before, "check_proposals never touches the state it gets"
        after = self.state.fork()
        apply_ops(after, result.ops)
        return result, after

    def do(self, *ops: dict[str, Any] | BaseOp) -> None:
        """Set a scene up, the only way state changes: through ops (typed, or as stored)."""
        apply_ops(self.state, [op if isinstance(op, BaseOp) else read_ops([op])[0] for op in ops])

    def move(self, location: str, who: str | None = None) -> None:
        self.do({"op": "move", "who": who or self.actor, "to": location})

    def set_sheet(self, who: str, **update: Any) -> None:
        sheet = self.state.sheet_of(who)
        assert sheet is not None
        new = sheet.model_copy(update=update)
        self.do({"op": "sheet", "who": who, "sheet": new.model_dump(mode="json")})

    def sheet(self, state: GameState | None = None, who: str | None = None):
        return (state or self.state).sheet_of(who or self.actor)

    def unlock_locked_exit(self) -> None:
        """Make the locked exit's condition hold: the gate key, or the lifted seal."""
        if self.world.id == "ember_hollow":
            self.set_sheet(self.actor, inventory={**self.sheet().inventory, "iron_key": 1})
        else:
            self.do({"op": "flag", "flag": "airlock_unsealed", "value": True})


def new_game(world_id: str, *, world: World | None = None, seed: int = 1, players: int = 1) -> Game:
    world = world or WORLDS[world_id]
    rules = rule_system_for(world)
    state = initial_state(world)
    for n in range(1, players + 1):
        dice = SeededDice(seed + n)
        sheet = new_player_sheet(
            f"Hero {n}", next(iter(world.archetypes)), world, None, dice, sheet_id=f"p{n}"
        )
        outcome = join(state, world, rules, dice, f"p{n}", sheet, opening=n == 1)
        apply_ops(state, outcome.ops)
    return Game(world, rules, state)


def with_hidden_exit(world: World, at: str, direction: str, to: str, flag: str) -> World:
    """The world with one more exit: hidden, and passable only once ``flag`` is set."""
    changed = world.model_copy(deep=True)
    changed.locations[at].exits[direction] = Exit(
        to=to, hidden=True, requires=Condition(flag=flag), blocked_text="Solid rock."
    )
    return changed


def reasons(result: Proposals) -> list[str]:
    return [r.reason for r in result.rejected]


def rejected_fields(result: Proposals) -> list[str]:
    return [r.change["field"] for r in result.rejected]


def only_reason(result: Proposals) -> str:
    """The one rejection's reason, for a proposal that changed nothing."""
    assert not result.ops and not result.applied, result.applied
    assert len(result.rejected) == 1, result.rejected
    return result.rejected[0].reason
