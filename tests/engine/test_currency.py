"""A world names its money: a science-fiction station pays credits, not gold."""

from __future__ import annotations

from walkthrough import bundled

from storyai.core.domain.dice import SeededDice
from storyai.core.domain.ops import apply_ops
from storyai.core.domain.sheet import new_player_sheet
from storyai.core.domain.world import Effect
from storyai.core.engine.draft import Draft
from storyai.core.engine.story import apply_effects
from storyai.core.engine.turn import initial_state, join, play_turn
from storyai.core.memory.context import scene, world_bible
from storyai.core.rules import rule_system_for
from storyai.core.views.creation import creation_view
from storyai.core.views.player import player_view

HALVARD = bundled("halvard_relay")
EMBER = bundled("ember_hollow")


def joined(world):
    state = initial_state(world)
    rules = rule_system_for(world)
    sheet = new_player_sheet(
        "Ash", next(iter(world.archetypes)), world, None, SeededDice(1), sheet_id="p"
    )
    apply_ops(state, join(state, world, rules, SeededDice(1), "p", sheet, opening=True).ops)
    return state, rules


def said(state, world, rules, text):
    outcome = play_turn(state, world, rules, SeededDice(1), "p", text)
    apply_ops(state, outcome.ops)
    return "\n".join(line.text for line in outcome.lines)


def test_the_station_pays_credits_on_the_sheet_in_the_pack_and_at_creation():
    assert HALVARD.world.currency == "credits"
    state, rules = joined(HALVARD)
    sheet = said(state, HALVARD, rules, "sheet")
    assert "Credits 200" in sheet and "Gold" not in sheet
    pack = said(state, HALVARD, rules, "inventory")
    assert "Credits: 200" in pack and "Gold" not in pack
    view = player_view(state, HALVARD)
    assert view.sheet.currency_label == "Credits" and view.inventory.currency == "credits"
    choice = creation_view(HALVARD).archetypes[0]
    assert "200 credits" in choice.facts and not any("gold" in f for f in choice.facts)


def test_money_gained_and_the_game_masters_scene_use_the_worlds_name():
    state, rules = joined(HALVARD)
    draft = Draft(state.fork(), HALVARD, rules, SeededDice(1), "p")
    apply_effects(draft, [Effect(type="gold", amount=25)], source="a tip")
    assert "+25 credits." in [line.text for line in draft.lines]
    apply_ops(state, draft.ops)
    assert any("225 credits" in line for line in scene(HALVARD, state, "p"))
    assert any("Money here is called credits." in line for line in world_bible(HALVARD, state))


def test_a_fantasy_world_still_pays_gold_by_default():
    state, rules = joined(EMBER)
    assert EMBER.world.currency == "gold"
    assert "Gold" in said(state, EMBER, rules, "sheet")


def test_an_items_price_is_in_the_worlds_money():
    state, rules = joined(HALVARD)
    facts = said(state, HALVARD, rules, "examine recorder")
    value = HALVARD.items["recorder"].value
    assert value > 0 and f"{value} credits" in facts and "gp" not in facts
