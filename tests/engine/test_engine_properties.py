"""Properties of the turn engine, for any input a player might type."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from walkthrough import bundled

from storyai.core.domain.dice import SeededDice
from storyai.core.domain.errors import InvalidChange
from storyai.core.domain.ops import apply_ops, read_ops
from storyai.core.domain.sheet import new_player_sheet
from storyai.core.domain.state import GameState
from storyai.core.engine.draft import Draft
from storyai.core.engine.turn import initial_state, join, play_turn
from storyai.core.rules import rule_system_for

WORLDS = {w: bundled(w) for w in ("ember_hollow", "halvard_relay")}
VERBS = [
    "look",
    "go north",
    "go south",
    "go east",
    "go west",
    "go down",
    "go up",
    "attack wolf",
    "attack drone",
    "attack hesta",
    "take ledger",
    "take everything",
    "drop longsword",
    "use ledger",
    "drink healing draught",
    "talk to hesta",
    "ask rook about job",
    "inventory",
    "sheet",
    "quests",
    "rest",
    "long rest",
    "help",
    "cast fire bolt at wolf",
    "examine key",
    "flee",
    "1",
    "2",
    "9",
    "use key on door",
]
inputs = st.lists(st.one_of(st.sampled_from(VERBS), st.text(max_size=40)), max_size=25)


def joined(world_id: str, seed: int) -> tuple[GameState, str]:
    world = WORLDS[world_id]
    state = initial_state(world)
    dice = SeededDice(seed)
    sheet = new_player_sheet(
        "Ash [b]", next(iter(world.archetypes)), world, None, dice, sheet_id="p1"
    )
    outcome = join(state, world, rule_system_for(world), dice, "p1", sheet, opening=True)
    apply_ops(state, outcome.ops)
    return state, "p1"


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(world_id=st.sampled_from(sorted(WORLDS)), seed=st.integers(0, 10_000), texts=inputs)
def test_any_input_keeps_the_state_valid(world_id, seed, texts):
    world = WORLDS[world_id]
    state, pid = joined(world_id, seed)
    for i, text in enumerate(texts):
        before = state.to_json()
        outcome = play_turn(state, world, rule_system_for(world), SeededDice(seed + i), pid, text)
        assert state.to_json() == before, "play_turn never touches the state it is given"
        apply_ops(state, outcome.ops)  # what storage replays is exactly what the engine decided
        sheet = state.players[pid].sheet
        assert 0 <= sheet.hp <= sheet.max_hp
        assert state.players[pid].location in world.locations
        for npc in state.npcs.values():
            if npc.sheet is not None:
                assert 0 <= npc.sheet.hp <= npc.sheet.max_hp
        assert outcome.lines, f"every input gets an answer ({text!r})"
        if not state.ending:
            assert state.choices, "numbered choices are offered at every turn"


BAD_OPS = st.one_of(
    st.fixed_dictionaries(
        {
            "op": st.just("items"),
            "location": st.sampled_from(["square", "x"]),
            "item": st.sampled_from(["ledger", "gold"]),
            "delta": st.integers(-50, -1),
        }
    ),
    st.fixed_dictionaries(
        {
            "op": st.just("sheet"),
            "who": st.text(max_size=8),
            "sheet": st.dictionaries(st.text(max_size=5), st.integers()),
        }
    ),
    st.fixed_dictionaries(
        {"op": st.just("move"), "who": st.text(max_size=8), "to": st.text(max_size=8)}
    ),
    st.fixed_dictionaries({"op": st.text(max_size=10)}),
)


@settings(max_examples=100, deadline=None)
@given(op=BAD_OPS, seed=st.integers(0, 100))
def test_a_rejected_change_never_alters_state(op, seed):
    world = WORLDS["ember_hollow"]
    state, pid = joined("ember_hollow", seed)
    draft = Draft(state.fork(), world, rule_system_for(world), SeededDice(seed), pid)
    before = draft.state.to_json()
    try:
        (typed,) = read_ops([op])
    except InvalidChange:
        return  # a malformed change cannot even be made, let alone applied
    if not draft.do(typed):
        assert draft.state.to_json() == before
        assert draft.rejected[-1].change == typed.to_json() and draft.rejected[-1].reason
        assert draft.ops == []
