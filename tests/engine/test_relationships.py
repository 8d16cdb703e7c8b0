"""Relationships: a value with the moments that moved it, kinds a world gates content
on, what NPCs witnessed, the `relationships` map and what the GM is told."""

from __future__ import annotations

from storyai.core.domain.dice import SeededDice
from storyai.core.domain.ops import apply_ops
from storyai.core.domain.sheet import new_player_sheet
from storyai.core.domain.world import Condition, RelationshipCondition
from storyai.core.engine.proposals import check_proposals
from storyai.core.engine.story import holds
from storyai.core.engine.turn import initial_state, join, play_turn
from storyai.core.memory.context import scene
from storyai.core.rules.registry import rule_system_for
from storyai.core.views.relationships import relationships_view
from storyai.core.worlds.bundled import bundled_world_paths
from storyai.core.worlds.validate import load_world

EMBER = load_world(bundled_world_paths()["ember_hollow"])
RULES = rule_system_for(EMBER)


def started(seed: int = 4):
    state = initial_state(EMBER)
    sheet = new_player_sheet("Ash", "sellsword", EMBER, None, SeededDice(seed), sheet_id="p1")
    apply_ops(state, join(state, EMBER, RULES, SeededDice(seed), "p1", sheet, opening=True).ops)
    return state


def play(state, *texts: str):
    outcome = None
    for i, text in enumerate(texts):
        outcome = play_turn(state, EMBER, RULES, SeededDice(i), "p1", text)
        apply_ops(state, outcome.ops)
    return outcome


def test_a_relationship_starts_from_the_attitude_and_remembers_why_it_moved():
    state = started()
    assert state.npcs["hesta"].relationship("p1").value == 25  # friendly
    play(state, "talk to hesta about mine", "give iron key to hesta")
    bond = state.npcs["hesta"].relationships["p1"]
    assert bond.value == 35 and bond.kind is None
    assert bond.history[-1].why == "you gave them the Iron Key" and bond.history[-1].delta == 10


def test_attacking_someone_makes_an_enemy_and_those_who_saw_it_remember():
    state = started()
    play(state, "go south", "talk to wren", "go north", "go east")
    start = state.npcs["brannock"].relationship("p1").value
    play(state, "attack brannock")
    brannock = state.npcs["brannock"].relationships["p1"]
    assert brannock.kind == "enemy" and brannock.value == start - 40
    assert brannock.history[0].why == "you attacked them"
    view = relationships_view(state, EMBER, "p1")
    assert view.lines[-1].name == "Brannock" and view.lines[-1].kind == "enemy"
    assert "wren" not in {m for m in state.npcs["wren"].relationships}, "Wren was not there"


def test_a_condition_gates_on_the_value_and_the_kind():
    state = started()
    friend = Condition(relationship=RelationshipCondition(who="wren", kind="friend"))
    warm = Condition(relationship=RelationshipCondition(who="hesta", min=30))
    assert not holds(friend, state, "p1", EMBER) and not holds(warm, state, "p1", EMBER)
    play(state, "talk to hesta about mine", "give iron key to hesta")
    assert holds(warm, state, "p1", EMBER)


def test_the_gm_is_told_what_the_people_here_remember_and_the_map_shows_it():
    state = started()
    play(state, "talk to hesta about mine", "give iron key to hesta")
    lines = scene(EMBER, state, "p1")
    assert any(
        line.startswith("Reeve Hesta toward Ash: warm (+35); remembers:") for line in lines
    ), lines
    outcome = play(state, "relationships")
    told = "\n".join(line.text for line in outcome.lines)
    assert "- Reeve Hesta: warm (+35)" in told and "you gave them the Iron Key (+10)" in told


def test_a_model_cannot_propose_a_relationship():
    state = started()
    before = state.npcs["hesta"].relationship("p1")
    checked = check_proposals(
        state, EMBER, RULES, "p1", {"relationships": [{"who": "hesta", "delta": 90}]}
    )
    apply_ops(state, checked.ops)
    assert checked.rejected and state.npcs["hesta"].relationship("p1") == before


def test_those_who_see_the_player_fight_remember_it_and_those_away_do_not():
    from storyai.core.domain.ops import ChangeNpc

    state = started(seed=7)
    apply_ops(state, [ChangeNpc(who="wolf", location="village_square")])
    for i in range(12):
        if state.npcs["wolf"].defeated or state.ending:
            break
        outcome = play_turn(state, EMBER, RULES, SeededDice(100 + i), "p1", "attack wolf")
        apply_ops(state, outcome.ops)
    assert state.npcs["wolf"].defeated
    seen = state.npcs["hesta"].relationships["p1"].history[-1]
    assert seen.why == "saw you defeat Wolf" and seen.witnessed and seen.delta == 5
    assert "p1" not in state.npcs["wren"].relationships  # in the chapel, she saw nothing
