"""Growth by the rules: XP by CR, levels, ability score improvements, skills that
improve with use; and the property that no sequence of actions or model proposals
raises a stat beyond what the rules allow."""

from __future__ import annotations

import contextlib

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rules_worlds import D20_SCORES, PERCENTILE_SCORES, make_world

from storyai.core.domain.dice import SeededDice
from storyai.core.domain.errors import RuleError
from storyai.core.domain.ops import apply_ops
from storyai.core.domain.sheet import (
    XP_THRESHOLDS,
    Equipped,
    level_for_xp,
    new_player_sheet,
    proficiency_for_level,
    sheet_from_stat_block,
)
from storyai.core.domain.world import Character
from storyai.core.engine.proposals import check_proposals
from storyai.core.engine.turn import initial_state, join, play_turn
from storyai.core.rules.registry import get_rule_system, rule_system_for
from storyai.core.worlds.bundled import bundled_world_paths
from storyai.core.worlds.validate import load_world

D20 = make_world("d20")
PCT = make_world("percentile")
ASI_LEVELS = (4, 8, 12, 16, 19)


def hero():
    return new_player_sheet("Hero", "fighter", D20, D20_SCORES)


def test_a_creature_with_a_cr_and_no_xp_is_worth_the_srd_xp():
    goblin = Character.model_validate(
        {"name": "Goblin", "kind": "creature", "stats": {"ac": 15, "hp": 7, "cr": "1/4"}}
    )
    assert sheet_from_stat_block("goblin", goblin, "d20").xp_value == 50
    given_xp = goblin.model_copy(update={"stats": {**goblin.stats, "xp": 70}})
    assert sheet_from_stat_block("goblin", given_xp, "d20").xp_value == 70


@pytest.mark.parametrize("level", range(1, 21))
def test_xp_thresholds_give_levels_proficiency_hit_dice_and_improvements(level):
    rules = get_rule_system("d20")
    sheet = hero()
    grown, levelled = rules.award_xp(sheet, XP_THRESHOLDS[level - 1])
    assert levelled == (level > 1)
    assert grown.level == level and grown.hit_dice == level
    assert grown.proficiency_bonus == proficiency_for_level(level)
    assert grown.proficiency_bonus == 2 + (level - 1) // 4  # SRD: +2 at 1-4 ... +6 at 17-20
    assert grown.improvements == sum(1 for at in ASI_LEVELS if at <= level)
    per_level = max(1, grown.hit_die // 2 + 1 + sheet.mod("con"))
    assert grown.max_hp == sheet.max_hp + per_level * (level - 1)


def test_xp_never_lifts_a_character_past_level_20():
    grown, _ = get_rule_system("d20").award_xp(hero(), 10_000_000)
    assert grown.level == 20 and grown.improvements == len(ASI_LEVELS)


def test_an_improvement_is_plus_two_or_plus_one_twice_and_never_above_20():
    rules = get_rule_system("d20")
    sheet, _ = rules.award_xp(hero(), XP_THRESHOLDS[7])  # level 8: two improvements
    assert sheet.improvements == 2
    once, notes = rules.improve(sheet, ["strength"], D20)
    assert once.abilities["str"] == sheet.abilities["str"] + 2 and once.improvements == 1
    assert "STR" in notes[0]
    twice, _ = rules.improve(once, ["dex", "con"], D20)
    assert twice.abilities["dex"] == sheet.abilities["dex"] + 1
    assert twice.improvements == 0
    with pytest.raises(RuleError, match="no ability score improvement"):
        rules.improve(twice, ["str"], D20)
    capped = sheet.model_copy(update={"abilities": {**sheet.abilities, "str": 19}})
    with pytest.raises(RuleError, match="above 20"):
        rules.improve(capped, ["str"], D20)
    with pytest.raises(RuleError, match="one ability"):
        rules.improve(sheet, ["str", "dex", "con"], D20)
    with pytest.raises(RuleError, match="one ability"):
        rules.improve(sheet, ["luck"], D20)


def test_a_higher_con_adds_hp_for_every_level_and_a_higher_dex_moves_ac():
    rules = get_rule_system("d20")
    sheet, _ = rules.award_xp(hero(), XP_THRESHOLDS[3])  # level 4
    odd = sheet.model_copy(  # unarmoured: AC is 10 + DEX
        update={
            "abilities": {**sheet.abilities, "con": 13, "dex": 13},
            "improvements": 1,
            "equipped": Equipped(),
            "ac": 11,
            "natural_ac": 11,
        }
    )
    raised, _ = rules.improve(odd, ["con", "dex"], D20)
    assert raised.max_hp == odd.max_hp + 4 and raised.hp == odd.hp + 4
    assert raised.ac == odd.ac + 1 and raised.natural_ac == odd.natural_ac + 1


def test_percentile_skills_are_marked_by_success_and_improve_on_development():
    rules = get_rule_system("percentile")
    sheet = new_player_sheet("Ines", "fighter", PCT, PERCENTILE_SCORES)
    assert get_rule_system("d20").mark_skill(hero(), "athletics") == hero()
    marked = rules.mark_skill(rules.mark_skill(sheet, "Spot Hidden"), "spot_hidden")
    assert marked.marked_skills == {"spot_hidden"}
    assert rules.mark_skill(marked, "basket weaving") == marked  # not a skill it has
    before = marked.skills["spot_hidden"]
    developed, notes = rules.develop_skills(marked, SeededDice(4))
    assert developed.marked_skills == frozenset() and len(notes) == 1
    after = developed.skills["spot_hidden"]
    assert before <= after <= min(99, before + 10)
    assert ("improves" in notes[0]) == (after > before)
    results = {
        rules.develop_skills(marked, SeededDice(seed))[0].skills["spot_hidden"] > before
        for seed in range(30)
    }
    assert results == {True, False}  # a roll over the skill improves it, one under does not


# ---------------------------------------------------------------- properties

STEPS = st.lists(
    st.one_of(
        st.tuples(st.just("xp"), st.integers(0, 60_000)),
        st.tuples(
            st.just("improve"),
            st.lists(st.sampled_from(["str", "dex", "con", "int", "wis", "cha", "x"]), max_size=3),
        ),
    ),
    max_size=30,
)


@settings(max_examples=120, deadline=None)
@given(steps=STEPS)
def test_no_sequence_of_xp_and_choices_raises_a_score_beyond_the_rules(steps):
    rules = get_rule_system("d20")
    start = sheet = hero()
    spent = 0
    for kind, value in steps:
        if kind == "xp":
            sheet, _ = rules.award_xp(sheet, value)
        else:
            with contextlib.suppress(RuleError):
                after, _ = rules.improve(sheet, value, D20)
                spent += 1
                sheet = after
        assert sheet.level == min(20, level_for_xp(sheet.xp))
        earned = sum(1 for at in ASI_LEVELS if at <= sheet.level)
        assert sheet.improvements + spent == earned
        raised = sum(sheet.abilities[a] - start.abilities[a] for a in start.abilities)
        assert raised == 2 * spent, "each improvement is worth exactly two points"
        assert all(
            v <= max(20, start.abilities[a]) and v >= start.abilities[a]
            for a, v in sheet.abilities.items()
        )


EMBER = load_world(bundled_world_paths()["ember_hollow"])
HALVARD = load_world(bundled_world_paths()["halvard_relay"])
TYPED = [
    "improve str",
    "improve str str",
    "improve con dex",
    "improve",
    "improve luck",
    "long rest",
    "rest",
    "attack wolf",
    "go north",
    "attack drone",
    "sheet",
    "1",
]
PROPOSED = st.dictionaries(
    st.sampled_from(["xp", "level", "abilities", "skills", "improvements", "hp", "gold"]),
    st.one_of(
        st.integers(-100, 100_000),
        st.dictionaries(st.sampled_from(["str", "con", "spot_hidden"]), st.integers(0, 99)),
        st.lists(st.fixed_dictionaries({"who": st.just("p1"), "delta": st.integers(0, 50)})),
    ),
    max_size=4,
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    world=st.sampled_from([EMBER, HALVARD]),
    seed=st.integers(0, 5000),
    turns=st.lists(st.tuples(st.sampled_from(TYPED), PROPOSED), max_size=12),
    improvements=st.integers(0, 2),
)
def test_no_input_or_model_proposal_grows_a_stat_beyond_the_rules(world, seed, turns, improvements):
    rules = rule_system_for(world)
    state = initial_state(world)
    sheet = new_player_sheet("Ash", next(iter(world.archetypes)), world, None, SeededDice(seed))
    sheet = sheet.model_copy(
        update={"id": "p1", "improvements": improvements if world is EMBER else 0}
    )
    apply_ops(state, join(state, world, rules, SeededDice(seed), "p1", sheet, opening=True).ops)
    start = state.players["p1"].sheet
    for i, (text, proposed) in enumerate(turns):
        before = state.players["p1"].sheet
        outcome = play_turn(state, world, rules, SeededDice(seed + i), "p1", text)
        apply_ops(state, outcome.ops)
        checked = check_proposals(state, world, rules, "p1", proposed)
        apply_ops(state, checked.ops)
        after = state.players["p1"].sheet
        assert after.level == min(20, max(before.level, level_for_xp(after.xp)))
        if before.level == after.level and not text.startswith("improve"):
            assert after.abilities == before.abilities, (text, proposed)
        if text.startswith("improve") and after.abilities != before.abilities:
            assert after.improvements == before.improvements - 1
            gained = sum(after.abilities[a] - before.abilities[a] for a in after.abilities)
            assert gained == 2
        assert all(v <= max(20, start.abilities.get(a, 0)) for a, v in after.abilities.items())
        for key, value in after.skills.items():  # percentile: only development grows skills
            grown = value - before.skills.get(key, value)
            assert grown == 0 or (text == "long rest" and 1 <= grown <= 10 and value <= 99)
        assert all(
            p["field"] not in ("xp", "level", "abilities", "skills") for p in checked.applied
        )
