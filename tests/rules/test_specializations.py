"""Specializations: prerequisites checked, effects applied by the rules, taken only in
place of a level-up's ability score improvement; the validator names bad references."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from storyai.core.domain.dice import SeededDice
from storyai.core.domain.errors import RuleError
from storyai.core.domain.ops import apply_ops
from storyai.core.domain.sheet import new_player_sheet
from storyai.core.engine.turn import initial_state, join, play_turn
from storyai.core.rules.registry import rule_system_for
from storyai.core.rules.specializations import find, options, specialize
from storyai.core.views.growth import level_up_view
from storyai.core.worlds.bundled import bundled_world_paths
from storyai.core.worlds.validate import load_world, validate_path

EMBER = load_world(bundled_world_paths()["ember_hollow"])
RULES = rule_system_for(EMBER)
SCORES = {"str": 15, "dex": 14, "con": 13, "int": 12, "wis": 10, "cha": 8}


def hero(level: int = 2, improvements: int = 1):
    sheet = new_player_sheet("Ash", "sellsword", EMBER, SCORES, sheet_id="p1")
    return sheet.model_copy(update={"level": level, "improvements": improvements})


def test_a_specialization_applies_its_effects_and_spends_the_improvement():
    before = hero()
    after, notes = specialize(before, "deep_warden", EMBER, {"deep_door_open"})
    assert after.improvements == 0 and after.specializations == ("deep_warden",)
    assert {"perception", "survival"} <= after.skill_proficiencies
    assert after.max_hp == before.max_hp + 2 and after.hp == before.hp + 2
    assert after.powers.max_points == before.powers.max_points + 2
    assert notes == (
        "Ash becomes Deep Warden (proficiency: perception, survival; +2 max HP; +2 PP).",
    )
    sworn, _ = specialize(hero(), "hearth_sworn", EMBER, set())
    assert sworn.ac == before.ac + 1 and "wis" in sworn.save_proficiencies


def test_prerequisites_and_the_improvement_are_checked():
    with pytest.raises(RuleError, match="Deep Warden needs: something yet to happen"):
        specialize(hero(), "deep_warden", EMBER, set())
    with pytest.raises(RuleError, match="Deep Warden needs: level 2"):
        specialize(hero(level=1), "deep_warden", EMBER, {"deep_door_open"})
    with pytest.raises(RuleError, match="no level-up choice"):
        specialize(hero(improvements=0), "deep_warden", EMBER, {"deep_door_open"})
    weak = hero().model_copy(update={"abilities": {**hero().abilities, "con": 10}})
    with pytest.raises(RuleError, match="Hearth-Sworn needs: CON 12"):
        specialize(weak, "hearth_sworn", EMBER, set())
    # a tree: the Ember Adept grows out of the Deep Warden, at level 4
    with pytest.raises(RuleError, match="Ember Adept needs: Deep Warden"):
        specialize(hero(level=4), "ember_adept", EMBER, set())
    warden, _ = specialize(hero(level=4, improvements=2), "deep_warden", EMBER, {"deep_door_open"})
    adept, _ = specialize(warden, "ember_adept", EMBER, set())
    assert adept.specializations == ("deep_warden", "ember_adept") and adept.improvements == 0
    with pytest.raises(RuleError, match="already taken"):
        specialize(adept.model_copy(update={"improvements": 1}), "deep_warden", EMBER, set())


def test_the_level_up_view_lists_them_with_what_each_gives_or_needs():
    view = level_up_view(hero(), EMBER, flags={"deep_door_open"})
    shown = {o.id: (o.open, o.gives, o.missing) for o in view.specializations}
    assert shown["deep_warden"][0] and shown["hearth_sworn"][0]
    assert shown["ember_adept"] == (
        False,
        "proficiency: insight; +3 PP",
        ("level 4", "Deep Warden"),
    )
    assert view.specialize("deep_warden") == "improve Deep Warden"
    assert find(EMBER, "deep warden") == find(EMBER, "Deep_Warden") == "deep_warden"
    assert level_up_view(hero(improvements=0), EMBER) is None


def test_improve_takes_one_in_play_and_a_bare_improve_lists_them():
    state = initial_state(EMBER)
    sheet = hero()
    apply_ops(state, join(state, EMBER, RULES, SeededDice(1), "p1", sheet, opening=True).ops)
    listing = play_turn(state, EMBER, RULES, SeededDice(1), "p1", "improve")
    told = " ".join(line.text for line in listing.lines)
    assert "Or take a specialization in its place: Deep Warden (needs something yet" in told
    refused = play_turn(state, EMBER, RULES, SeededDice(1), "p1", "improve deep warden")
    apply_ops(state, refused.ops)
    assert state.players["p1"].sheet.specializations == ()
    taken = play_turn(state, EMBER, RULES, SeededDice(1), "p1", "improve hearth-sworn")
    apply_ops(state, taken.ops)
    assert state.players["p1"].sheet.specializations == ("hearth_sworn",)


NAMES = ["deep warden", "hearth sworn", "ember adept", "str", "dex con", "", "wizard"]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    improvements=st.integers(0, 3),
    level=st.integers(1, 6),
    flags=st.sets(st.sampled_from(["deep_door_open", "other"])),
    picks=st.lists(st.sampled_from(NAMES), max_size=6),
)
def test_no_sequence_of_picks_takes_more_than_the_rules_allow(improvements, level, flags, picks):
    sheet = hero(level=level, improvements=improvements)
    state = initial_state(EMBER)
    apply_ops(state, join(state, EMBER, RULES, SeededDice(1), "p1", sheet, opening=True).ops)
    state.flags = sorted(flags)
    for i, pick in enumerate(picks):
        before = state.players["p1"].sheet
        apply_ops(state, play_turn(state, EMBER, RULES, SeededDice(i), "p1", f"improve {pick}").ops)
        after = state.players["p1"].sheet
        new = after.specializations[len(before.specializations) :]
        assert len(new) <= 1 and len(set(after.specializations)) == len(after.specializations)
        if new:
            assert after.improvements == before.improvements - 1
            spec = EMBER.specializations[new[0]]
            assert level >= spec.requires.level
            assert not spec.requires.flag or spec.requires.flag in flags
            assert set(spec.requires.specializations) <= set(before.specializations)
    final = state.players["p1"].sheet
    assert len(final.specializations) <= improvements
    assert all(o.id not in final.specializations for o in options(final, EMBER, flags))


WORLD = """\
format_version: 1
world: {id: keep, title: "The Keep", version: "1.0.0"}
rules: {system: d20}
start: {location: gate, text: "Rain."}
locations:
  gate: {name: The Gate, description: Wet stone.}
archetypes:
  guard: {name: Guard, stats: {hit_die: 10}}
specializations:
  sentinel:
    name: Sentinel
    requires: {level: 2, archetypes: [guard], abilities: {wis: 12}}
    effects: {skills: [perception], saves: [wis], ac: 1}
  captain:
    name: Captain
    requires: {level: 4, specializations: [sentinel]}
    effects: {max_hp: 5}
"""


@pytest.mark.parametrize(
    ("old", "new", "message", "hint"),
    [
        ("archetypes: [guard]", "archetypes: [gaurd]", "unknown archetype 'gaurd'", "guard"),
        ("specializations: [sentinel]", "specializations: [sentinal]", "sentinal", "sentinel"),
        ("skills: [perception]", "skills: [perceptoin]", "unknown skill 'perceptoin'", "percep"),
        ("saves: [wis]", "saves: [wisdom]", "'wisdom' is not a saving throw", "wis"),
        ("abilities: {wis: 12}", "abilities: {wit: 12}", "'wit' is not an ability", "wis"),
    ],
)
def test_the_validator_names_a_bad_reference_at_its_line(tmp_path, old, new, message, hint):
    path = tmp_path / "world.yaml"
    path.write_text(WORLD, encoding="utf-8")
    assert validate_path(path).ok
    text = WORLD.replace(old, new)
    path.write_text(text, encoding="utf-8")
    report = validate_path(path)
    [problem] = [p for p in report.errors if message in p.message]
    assert hint in (problem.hint or "")
    line = next(n for n, row in enumerate(text.splitlines(), 1) if new in row)
    assert problem.line == line and problem.column >= 1
    assert problem.format().startswith(f"{problem.file}:{line}:{problem.column}: error")
