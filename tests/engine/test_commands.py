"""What players type and what the offline narrator answers."""

from __future__ import annotations

import pytest
from walkthrough import bundled

from storyai.core.domain.dice import SeededDice
from storyai.core.domain.ops import SetSheet, apply_ops
from storyai.core.domain.sheet import new_player_sheet
from storyai.core.engine.intent import parse
from storyai.core.engine.turn import initial_state, join, play_turn
from storyai.core.rules import rule_system_for

WORLD = bundled("ember_hollow")
RULES = rule_system_for(WORLD)


def fresh(archetype="sellsword"):
    state = initial_state(WORLD)
    sheet = new_player_sheet("Ash", archetype, WORLD, None, SeededDice(1), sheet_id="p")
    apply_ops(state, join(state, WORLD, RULES, SeededDice(1), "p", sheet, opening=True).ops)
    return state


def turn(state, text, seed=1):
    outcome = play_turn(state, WORLD, RULES, SeededDice(seed), "p", text)
    apply_ops(state, outcome.ops)
    return "\n".join(line.text for line in outcome.lines), outcome


@pytest.mark.parametrize(
    ("typed", "verb", "obj"),
    [
        ("lok", "look", ""),
        ("atack wolf", "attack", "wolf"),
        ("exmine lamp", "examine", "lamp"),
        ("inventry", "inventory", ""),
        ("pick up the iron key", "take", "iron key"),
        ("ask hesta about the mine", "ask", "hesta"),
        ("talk to hesta about goblins", "ask", "hesta"),
        ("use key on the gate", "use", "key"),
        ("cast fire bolt at wolf", "cast", "fire bolt"),
        ("sing a song", "free", "sing a song"),
        ("I go east", "go", ""),
        ("i look around", "look", ""),
        ('say "deal"', "say", "deal"),
        ("what about the goblins?", "ask", ""),
        ("3", "choose", ""),
    ],
)
def test_the_parser_understands_players(typed, verb, obj):
    intent = parse(typed)
    assert (intent.verb, intent.object) == (verb, obj)
    assert intent.raw == typed


def test_typos_and_directions_still_move_you():
    state = fresh()
    told, _ = turn(state, "nrth")
    assert state.players["p"].location == "mine_road" and "Mine Road" in told
    turn(state, "go back")
    assert state.players["p"].location == WORLD.start.location


def test_unknown_input_gets_a_helpful_reply_and_costs_nothing():
    state = fresh()
    before = state.to_json()
    told, outcome = turn(state, "dance wildly")
    assert "dance wildly" in told and "help" in told
    assert not outcome.understood
    assert {k: v for k, v in state.to_json().items() if k != "turn"} == {
        k: v for k, v in before.items() if k != "turn"
    }


def test_help_names_what_is_here():
    state = fresh()
    told, _ = turn(state, "help")
    assert "talk to reeve hesta" in told and "ask reeve hesta about" in told
    assert "maren" not in told


def test_sheet_shows_the_archetype_name_and_inventory_the_load():
    state = fresh("hedge_wizard")
    told, _ = turn(state, "sheet")
    assert "level 1 Hedge-Wizard" in told
    told, _ = turn(state, "inventory")
    assert "Healing Draught" in told and "inf" not in told


def test_reading_your_sheet_while_dying_costs_no_death_save():
    state = fresh()
    sheet = state.players["p"].sheet.model_copy(update={"hp": 0, "conditions": ["unconscious"]})
    SetSheet(who="p", sheet=sheet).apply(state)
    _, outcome = turn(state, "sheet")
    assert not outcome.rolls
    _, outcome = turn(state, "wait")
    assert any("death save" in r.text for r in outcome.rolls)


def test_percentile_skills_count_however_the_world_spells_them():
    """Archetypes write "Spot Hidden" and "Brawl"; the rules know spot_hidden and fighting."""
    world = bundled("halvard_relay")
    rules = rule_system_for(world)
    sheet = new_player_sheet("Ash", "inspector", world, None, SeededDice(2), sheet_id="p")
    assert rules.skill_value(sheet, "spot hidden")[1] == 60
    assert rules.skill_value(sheet, "Brawl")[1] == 50
    assert rules.skill_value(sheet, "fighting")[1] == 50


def test_a_stable_hero_comes_to_on_their_feet():
    state = fresh()
    down = state.players["p"].sheet.model_copy(
        update={"hp": 0, "conditions": frozenset({"unconscious", "prone", "stable"})}
    )
    SetSheet(who="p", sheet=down).apply(state)
    turn(state, "wait")
    sheet = state.players["p"].sheet
    assert sheet.hp == 1 and "prone" not in sheet.conditions
    assert "unconscious" not in sheet.conditions
