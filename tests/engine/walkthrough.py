"""Scripted play through the services, as a player would type it.

A step ending in ``!`` ("attack wolf!") repeats the attack until that
creature is defeated or gone, failing the test if the hero dies first.
"""

from __future__ import annotations

import playing

from storyai.core.domain.world import World
from storyai.core.play import TurnResult
from storyai.core.storage.ports import UnitOfWorkFactory
from storyai.core.worlds.bundled import bundled_world_paths
from storyai.core.worlds.validate import load_world

EMBER_HEART = [
    "go north",
    "attack wolf!",
    "rest",
    "go north",
    "go north",
    "talk to grikka about heat",
    "go east",
    "take ledger",
    "use ledger",
    "go west",
    "rest",
    "say kindle",
    "go down",
    "attack skeleton!",
    "rest",
    "go down",
    "talk to cinder about nail",
]
EMBER = {
    "the_long_thaw": [
        "talk to hesta about mine",
        *EMBER_HEART,
        "talk to cinder about freedom",
        "confirm",
    ],
    "the_warm_chains": [
        "talk to hesta about mine",
        "go east",
        "take shield",
        "talk to brannock about hammer",
        "go west",
        *EMBER_HEART,
        "talk to cinder about sleep",
        "confirm",
    ],
}
HALVARD_CORE = [
    "talk to rook about job",
    "go north",
    "go northwest",
    "talk to veck about okafor",
    "go southeast",
    "go south",
    "go east",
    "take helmet",
    "go west",
    "go north",
    "go east",
    "talk to hale about autopsy",
    "talk to hale about helmet",
    "go west",
    "go west",
    "talk to marsh about keycard",
    "go east",
    "go north",
    "talk to orrery about logs",
    "go down",
    "attack drone!",
    "take box",
    "use box",
    "go up",
]
HALVARD = {
    "open_channel": [*HALVARD_CORE, "talk to orrery about broadcast", "confirm"],
    "sealed_report": [*HALVARD_CORE, "talk to orrery about report", "confirm"],
}


def bundled(world_id: str) -> World:
    return load_world(bundled_world_paths()[world_id])


def hero(result: TurnResult):
    return next(iter(result.state.players.values()))


async def play(uow: UnitOfWorkFactory, session_id: str, steps: list[str]) -> TurnResult:
    result: TurnResult | None = None
    for step in steps:
        if step.endswith("!"):
            target = step[:-1].split(" ", 1)[1]
            for _ in range(30):
                me = hero(result).sheet if result else None
                hurt = me is not None and me.hp * 3 <= me.max_hp
                if hurt and me.count("healing_draught"):
                    result = await playing.take_turn(uow, session_id, "drink healing draught")
                    continue
                result = await playing.take_turn(uow, session_id, step[:-1])
                npc = result.state.npcs[target]
                assert not hero(result).sheet.is_down, f"the hero fell fighting {target}"
                if npc.defeated or npc.fled or npc.location != hero(result).location:
                    break
            else:
                raise AssertionError(f"{target} was never defeated")
        else:
            result = await playing.take_turn(uow, session_id, step)
            assert result.understood, f"{step!r} was not understood: {result.lines}"
        if result.ended:
            break
    assert result is not None
    return result
