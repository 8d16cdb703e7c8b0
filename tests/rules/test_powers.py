"""Powers by the rules: costs, limits, cooldowns, unlocks, upgrades and combos; the
engine refuses what they forbid (at no cost); no input or model proposal grants a
power or spends beyond the rules."""

from __future__ import annotations

import copy
import dataclasses

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from storyai.core.domain.dice import SeededDice
from storyai.core.domain.errors import RuleError
from storyai.core.domain.ops import apply_ops
from storyai.core.domain.sheet import new_player_sheet
from storyai.core.engine.proposals import check_proposals
from storyai.core.engine.turn import initial_state, join, play_turn
from storyai.core.rules import powers as rules
from storyai.core.rules.registry import rule_system_for
from storyai.core.views.powers import powers_view
from storyai.core.worlds.bundled import bundled_world_paths
from storyai.core.worlds.loader import read_world
from storyai.core.worlds.validate import load_world, validate_raw

EMBER = load_world(bundled_world_paths()["ember_hollow"])
ALL = ("ember_touch", "hearth_ward", "stone_sense")


def hero(**update):
    sheet = new_player_sheet("Ash", "sellsword", EMBER, {a: 12 for a in rules_abilities()})
    return sheet.model_copy(update=update) if update else sheet


def rules_abilities():
    return ("str", "dex", "con", "int", "wis", "cha")


def test_an_archetype_brings_its_powers_and_points():
    state = hero().powers
    assert state is not None and state.known == ALL and state.points == state.max_points == 4


def test_costs_are_paid_and_what_cannot_be_paid_is_refused():
    sheet = hero()
    use = rules.plan(sheet, ["hearth_ward"], EMBER, 1, set())
    paid = rules.pay(sheet, use, EMBER, 1)
    assert paid.powers.points == 2 and paid.powers.used == {"hearth_ward": 1}
    paid = rules.pay(paid, rules.plan(paid, ["hearth_ward"], EMBER, 2, set()), EMBER, 2)
    assert paid.powers.points == 0
    with pytest.raises(RuleError, match="spent \\(2 uses\\)"):
        rules.plan(
            paid.model_copy(update={"powers": paid.powers.model_copy(update={"points": 4})}),
            ["hearth_ward"],
            EMBER,
            3,
            set(),
        )
    with pytest.raises(RuleError, match="needs 1 PP; you have 0"):
        rules.plan(paid, ["ember_touch"], EMBER, 3, set())
    frail = hero(hp=1)
    with pytest.raises(RuleError, match="costs 1 HP, more than you can spare"):
        rules.plan(frail, ["stone_sense"], EMBER, 1, set())
    with pytest.raises(RuleError, match="don't have that power"):
        rules.plan(hero(), ["fireball"], EMBER, 1, set())


def test_a_cooldown_counts_turns_that_take_time_and_a_rest_ends_it():
    sheet = rules.pay(hero(), rules.plan(hero(), ["ember_touch"], EMBER, 1, set()), EMBER, 1)
    sheet = rules.time_passes(sheet)  # the turn it was used in
    assert "recovering: ready in 1 turn" in rules.why_not(sheet, "ember_touch", EMBER, 2, set())
    assert rules.why_not(rules.time_passes(sheet), "ember_touch", EMBER, 3, set()) is None
    assert rules.why_not(rules.restore(sheet, "short"), "ember_touch", EMBER, 2, set()) is None
    rested = rules.restore(
        rules.pay(
            sheet, rules.plan(rules.time_passes(sheet), ["hearth_ward"], EMBER, 3, set()), EMBER, 3
        ),
        "long",
    )
    assert rested.powers.points == 4 and rested.powers.used == {}


def test_upgrades_come_with_the_level_and_limits_refuse_targets():
    assert rules.amount_now(EMBER.powers["ember_touch"], hero(), set()) == "1d8"
    assert rules.amount_now(EMBER.powers["ember_touch"], hero(level=2), set()) == "2d8"
    use = rules.plan(hero(), ["ember_touch"], EMBER, 1, set())
    assert rules.refused_by(use, EMBER, ["undead"]) == "Ember Touch cannot affect what is undead."
    assert rules.refused_by(use, EMBER, ["beast"]) is None


def test_two_powers_whose_tags_match_make_the_combo_and_pay_both():
    use = rules.plan(hero(), ["ember_touch", "hearth_ward"], EMBER, 1, set())
    assert use.combo == "hearthfire" and use.amount == "3d8" and use.points == 3
    with pytest.raises(RuleError, match="make no combination"):
        rules.plan(hero(), ["ember_touch", "stone_sense"], EMBER, 1, set())
    poor = hero()
    poor = poor.model_copy(update={"powers": poor.powers.model_copy(update={"points": 2})})
    with pytest.raises(RuleError, match="Together they need 3 PP; you have 2"):
        rules.plan(poor, ["ember_touch", "hearth_ward"], EMBER, 1, set())


def test_the_powers_view_says_what_each_would_do_and_why_not():
    view = powers_view(hero(hp=1), EMBER, 1, set())
    lines = {p.id: p for p in view.powers}
    assert lines["ember_touch"].effect == "1d8 fire damage to one foe"
    assert lines["ember_touch"].limits == "cooldown 1 turn · not undead"
    assert not lines["stone_sense"].ready and "HP" in lines["stone_sense"].why_not
    (combo,) = view.combos
    assert combo.name == "Hearthfire" and combo.ready
    assert combo.command == "use ember touch with hearth ward"


def test_the_validator_names_a_missing_power_lore_or_combo_tag():
    raw = read_world(bundled_world_paths()["ember_hollow"])
    data = copy.deepcopy(raw.data)
    data["archetypes"]["scout"]["powers"].append("frost_touch")
    data["powers"]["stone_sense"]["effect"]["lore"] = "heartstones"
    data["combos"]["hearthfire"]["tags"] = ["fire", "wardd"]
    report = validate_raw(dataclasses.replace(raw, data=data))
    messages = [p.message for p in report.errors]
    assert any("frost_touch" in m for m in messages), messages
    assert any("heartstones" in m for m in messages), messages
    assert any("no power has the tag 'wardd'" in m for m in messages), messages


# ------------------------------------------------------------------ the engine


def started(seed: int):
    world = EMBER
    rules_ = rule_system_for(world)
    state = initial_state(world)
    sheet = new_player_sheet("Ash", "sellsword", world, None, SeededDice(seed), sheet_id="p1")
    apply_ops(state, join(state, world, rules_, SeededDice(seed), "p1", sheet, opening=True).ops)
    return state, rules_


def test_a_refused_power_costs_nothing_and_an_unknown_one_is_named():
    state, rules_ = started(3)
    apply_ops(state, play_turn(state, EMBER, rules_, SeededDice(1), "p1", "go north").ops)
    before = state.players["p1"].sheet
    outcome = play_turn(state, EMBER, rules_, SeededDice(1), "p1", "use ember touch on wolf")
    apply_ops(state, outcome.ops)
    assert "You use Ember Touch (1 PP)." in [line.text for line in outcome.lines]
    paid = state.players["p1"].sheet
    assert paid.powers.points == before.powers.points - 1
    if state.npcs["wolf"].defeated:
        return  # the seed's roll killed it; the refusal below needs it standing
    outcome = play_turn(state, EMBER, rules_, SeededDice(2), "p1", "use ember touch on wolf")
    texts = [line.text for line in outcome.lines]
    assert texts[0] == "Ember Touch is recovering: ready in 1 turn."
    assert not outcome.rolls, "the wolf does not get a free bite"
    apply_ops(state, outcome.ops)
    assert state.players["p1"].sheet.powers == paid.powers
    unknown = "use ember touch with moon song"
    outcome = play_turn(state, EMBER, rules_, SeededDice(2), "p1", unknown)
    assert outcome.lines[0].text.startswith("You have no power called 'moon song'")


POWER_INPUTS = [
    "use ember touch on wolf",
    "use ember touch with hearth ward on wolf",
    "use hearth ward",
    "use stone sense",
    "use stone sense with ember touch",
    "use fireball on wolf",
    "invoke hearth ward",
    "powers",
    "wait",
    "rest",
    "long rest",
    "go north",
    "go south",
    "attack wolf",
]
PROPOSALS = st.dictionaries(
    st.sampled_from(["powers", "points", "hp", "items", "lore", "cooldowns"]),
    st.one_of(
        st.integers(-5, 50),
        st.lists(st.sampled_from(["fireball", "ember_touch", "heartstone"]), max_size=3),
        st.lists(
            st.fixed_dictionaries(
                {"who": st.just("p1"), "delta": st.integers(0, 30), "reason": st.just("x")}
            ),
            max_size=2,
        ),
    ),
    max_size=3,
)


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    seed=st.integers(0, 5000),
    turns=st.lists(st.tuples(st.sampled_from(POWER_INPUTS), PROPOSALS), max_size=14),
)
def test_no_input_or_proposal_grants_a_power_or_spends_beyond_the_rules(seed, turns):
    state, rules_ = started(seed)
    start = state.players["p1"].sheet.powers
    for i, (text, proposed) in enumerate(turns):
        before = state.players["p1"].sheet
        outcome = play_turn(state, EMBER, rules_, SeededDice(seed + i), "p1", text)
        apply_ops(state, outcome.ops)
        apply_ops(state, check_proposals(state, EMBER, rules_, "p1", proposed).ops)
        after = state.players["p1"].sheet
        powers = after.powers
        assert powers is not None and powers.known == start.known, "no power is ever granted"
        assert 0 <= powers.points <= powers.max_points == start.max_points
        assert all(powers.used.get(p, 0) <= (EMBER.powers[p].uses or 99) for p in powers.known)
        assert all(0 < n <= EMBER.powers[p].cooldown + 1 for p, n in powers.cooldowns.items())
        told = " ".join(line.text for line in outcome.lines)
        spent = before.powers.points - powers.points
        if spent > 0:  # points only go on a power the rules allowed
            assert "You use" in told or "Combo:" in told
            for pid in [
                p for p in ALL if EMBER.powers[p].name in told and EMBER.powers[p].cooldown
            ]:
                if f"You use {EMBER.powers[pid].name}" in told:
                    assert before.powers.cooldowns.get(pid, 0) == 0, "never used while recovering"
        if powers.points > before.powers.points:
            assert text in ("long rest",), "points come back only on a long rest"
