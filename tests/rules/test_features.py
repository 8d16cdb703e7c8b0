"""Class features by level: gained once at their level (the starting level's at
creation), applied by the rules, never twice on a replay or a rewind; and percentile
specializations, earned when a long rest's development grows a skill. On memory,
SQLite and PostgreSQL where a stored story is involved."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from storyai.core import services
from storyai.core.domain.dice import MaxDice, MinDice, SeededDice
from storyai.core.domain.ops import apply_ops
from storyai.core.engine.turn import initial_state, join, play_turn
from storyai.core.play import Play
from storyai.core.play.seating import character
from storyai.core.rules import features
from storyai.core.rules.registry import rule_system_for
from storyai.core.rules.specializations import earned_by_development
from storyai.core.views.growth import level_up_view
from storyai.core.views.sheet import sheet_view
from storyai.core.views.text import sheet_text
from storyai.core.worlds.bundled import bundled_world_paths
from storyai.core.worlds.validate import load_world, validate_path

EMBER = load_world(bundled_world_paths()["ember_hollow"])
HALVARD = load_world(bundled_world_paths()["halvard_relay"])
D20 = rule_system_for(EMBER)
PCT = rule_system_for(HALVARD)
SCORES = {"str": 15, "dex": 14, "con": 13, "int": 12, "wis": 10, "cha": 8}


def new(world, archetype, scores=None):
    return character(world, "Ash", archetype, scores, 1, 0, "p1")[2]


def test_the_starting_levels_features_come_with_the_character():
    sword = new(EMBER, "sellsword", SCORES)
    assert sword.features == ("second_wind",)
    assert "second_wind" in sword.powers.known and "action_surge" not in sword.powers.known
    scout = new(EMBER, "scout", SCORES)
    assert scout.features == ("trail_sense",) and "investigation" in scout.skill_proficiencies
    wizard = new(EMBER, "hedge_wizard", SCORES)
    assert wizard.powers.max_points == EMBER.archetypes["hedge_wizard"].power_points + 1
    inspector = new(HALVARD, "inspector")
    assert inspector.features == ("combine_warrant",)
    assert PCT.skill_value(inspector, "Law") == ("Law", 45 + 5)
    guard = new(HALVARD, "security")
    assert guard.max_hp == guard.hp == HALVARD.archetypes["security"].stats["hp"] + 1
    shown = sheet_view(sword, EMBER)
    assert [(f.name, f.level, f.gives) for f in shown.features] == [
        ("Second Wind", 1, "power: Second Wind")
    ]
    assert "Features: Second Wind (level 1; power: Second Wind): Once between" in sheet_text(shown)


def test_a_level_gains_its_features_once_and_gaining_again_changes_nothing():
    wizard = new(EMBER, "hedge_wizard", SCORES)
    levelled, up = D20.award_xp(wizard, 300)
    assert up and levelled.level == 2 and levelled.features == ("kitchen_magic",)
    gained_sheet, gained = features.gain(levelled, EMBER)
    assert [f.name for f in gained] == ["Arcane Recovery"]
    assert gained_sheet.features == ("kitchen_magic", "arcane_recovery")
    assert gained_sheet.powers.max_points == wizard.powers.max_points + 2
    assert features.gain(gained_sheet, EMBER) == (gained_sheet, ())
    scout, _ = features.gain(D20.award_xp(new(EMBER, "scout", SCORES), 300)[0], EMBER)
    assert scout.max_hp == D20.award_xp(new(EMBER, "scout", SCORES), 300)[0].max_hp + 2
    # a sheet from before features existed catches up on the next level, once
    old = wizard.model_copy(update={"features": (), "powers": wizard.powers})
    caught, gained = features.gain(D20.award_xp(old, 300)[0], EMBER)
    assert [f.key for f in gained] == ["kitchen_magic", "arcane_recovery"]
    assert caught.features == gained_sheet.features


def test_the_level_up_view_shows_what_the_level_brought():
    sword, _ = features.gain(D20.award_xp(new(EMBER, "sellsword", SCORES), 300)[0], EMBER)
    view = level_up_view(sword, EMBER)
    assert [(f.name, f.gives) for f in view.features] == [("Action Surge", "power: Action Surge")]
    assert view.heading == "Ash reached level 2 — choose an improvement"


LEVEL_UP = next(t for t in EMBER.playtests if t.picks == ["str"])


async def test_a_stored_story_gains_the_feature_once_and_a_rewind_does_not_add_it_again(
    uow_factory,
):
    await services.install_world(uow_factory, EMBER, source="bundled")
    play = Play(uow_factory)
    start = await play.start("ember_hollow", player_name="Ash", seed=LEVEL_UP.seed)
    sid, levelled_at = start.session_id, None
    for text in LEVEL_UP.inputs:
        result = await play.act(sid, text)
        told = " ".join(line.text for line in result.lines)
        if "You reach level 2" in told:
            levelled_at = result.turn
            assert "New feature: Action Surge (power: Action Surge)." in told
    assert levelled_at is not None
    state, _ = await play.state(sid)
    (sheet,) = (p.sheet for p in state.players.values())
    assert sheet.features == ("second_wind", "action_surge")
    known = sheet.powers.known
    assert known.count("action_surge") == 1 and len(set(known)) == len(known)

    await play.rewind(sid, levelled_at - 1)  # before the blow that levelled
    index = next(i for i, t in enumerate(LEVEL_UP.inputs) if t == "attack skeleton")
    for text in LEVEL_UP.inputs[index:]:
        result = await play.act(sid, text)
        state, _ = await play.state(sid)
        (again,) = (p.sheet for p in state.players.values())
        if again.level == 2:
            break
    assert again.level == 2 and again.features == ("second_wind", "action_surge")
    assert again.powers.known == known


# ------------------------------------------------------ percentile specializations


def joined(sheet):
    state = initial_state(HALVARD)
    apply_ops(state, join(state, HALVARD, PCT, SeededDice(1), "p1", sheet, opening=True).ops)
    return state


def told(result) -> str:
    return " ".join(line.text for line in result.lines)


def test_a_skill_grown_on_a_long_rest_brings_a_specialization_choice_when_one_is_open():
    engineer = PCT.mark_skill(new(HALVARD, "engineer"), "Mechanical Repair")  # 65
    state = joined(engineer)
    rested = play_turn(state, HALVARD, PCT, MaxDice(), "p1", "long rest")  # 100: +10
    apply_ops(state, rested.ops)
    sheet = state.players["p1"].sheet
    assert PCT.skill_value(sheet, "Mechanical Repair")[1] == 75
    assert sheet.improvements == 1
    assert "has grown enough to specialize: Station Rat (`improve Station Rat`)" in told(rested)
    assert state.choices[0].text == "Choose your specialization"
    view = level_up_view(sheet, HALVARD, flags=state.flags)
    assert view.options == () and view.heading == "Ash has grown — choose a specialization"
    assert {s.id: s.open for s in view.specializations} == {
        "forensic_eye": False,
        "station_rat": True,
    }
    assert view.specializations[0].missing == ("Spot Hidden 60%",)
    listing = play_turn(state, HALVARD, PCT, SeededDice(1), "p1", "improve")
    assert "Specializations: Forensic Eye (needs Spot Hidden 60%); Station Rat (" in told(listing)
    refused = play_turn(state, HALVARD, PCT, SeededDice(1), "p1", "improve forensic eye")
    apply_ops(state, refused.ops)
    assert state.players["p1"].sheet.specializations == ()
    taken = play_turn(state, HALVARD, PCT, SeededDice(1), "p1", "improve station rat")
    apply_ops(state, taken.ops)
    after = state.players["p1"].sheet
    assert after.specializations == ("station_rat",) and after.improvements == 0
    assert PCT.skill_value(after, "Electrical Repair")[1] == 60 + 5 + 10  # feature, then this
    assert after.max_hp == sheet.max_hp + 1
    again = play_turn(state, HALVARD, PCT, SeededDice(1), "p1", "improve station rat")
    assert "no level-up choice" in told(again)


def test_no_choice_without_growth_or_without_an_open_specialization():
    engineer = new(HALVARD, "engineer")
    marked = PCT.mark_skill(engineer, "Mechanical Repair")
    unchanged, _ = PCT.develop_skills(marked, MinDice())  # 1: no growth
    assert earned_by_development(marked, unchanged, HALVARD, ()) == (unchanged, ())
    climbed = PCT.mark_skill(engineer, "Climb")  # grows, but opens nothing
    grown, _ = PCT.develop_skills(climbed, MaxDice())
    assert grown.skills != climbed.skills
    assert earned_by_development(climbed, grown, HALVARD, ()) == (grown, ())
    waiting = marked.model_copy(update={"improvements": 1})  # choices are not hoarded
    grown, _ = PCT.develop_skills(waiting, MaxDice())
    assert earned_by_development(waiting, grown, HALVARD, ())[0].improvements == 1
    sword = new(EMBER, "sellsword", SCORES)  # d20 growth is levels, not skills
    assert earned_by_development(sword, sword, EMBER, ()) == (sword, ())


def test_development_rolls_against_the_skill_as_written_not_its_base():
    inspector = PCT.mark_skill(new(HALVARD, "inspector"), "Spot Hidden")  # 60 (base 25)
    grown, notes = PCT.develop_skills(inspector, MaxDice())
    assert notes == ("Spot Hidden improves: rolled 100 over 60%, +10 → 70%.",)
    assert PCT.skill_value(grown, "Spot Hidden")[1] == 70


SKILLS = ["Mechanical Repair", "Spot Hidden", "Climb", "Law"]
INPUTS = ["long rest", "improve station rat", "improve forensic eye", "improve", "improve str"]


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    archetype=st.sampled_from(["inspector", "engineer", "security"]),
    steps=st.lists(
        st.tuples(st.sampled_from(SKILLS), st.sampled_from(INPUTS), st.integers(0, 50)),
        max_size=8,
    ),
)
def test_no_sequence_takes_a_percentile_specialization_beyond_the_rules(archetype, steps):
    state = joined(new(HALVARD, archetype))
    grew = 0
    for skill, text, seed in steps:
        sheet = PCT.mark_skill(state.players["p1"].sheet, skill)
        state.players["p1"] = state.players["p1"].model_copy(update={"sheet": sheet})
        result = play_turn(state, HALVARD, PCT, SeededDice(seed), "p1", text)
        apply_ops(state, result.ops)
        after = state.players["p1"].sheet
        new_specs = after.specializations[len(sheet.specializations) :]
        assert len(new_specs) <= 1
        if text == "long rest" and after.skills != sheet.skills:
            grew += 1
        if new_specs:
            spec = HALVARD.specializations[new_specs[0]]
            assert all(PCT.skill_value(sheet, s)[1] >= m for s, m in spec.requires.skills.items())
            assert sheet.improvements == 1 and after.improvements == 0
        assert after.improvements <= 1
    final = state.players["p1"].sheet
    assert len(set(final.specializations)) == len(final.specializations) <= grew
    assert final.features == (f"{HALVARD.archetypes[archetype].features[0].key}",)


@settings(max_examples=60, deadline=None)
@given(
    archetype=st.sampled_from(["sellsword", "hedge_wizard", "scout"]),
    awards=st.lists(st.integers(0, 20_000), max_size=10),
)
def test_no_sequence_of_xp_grants_a_feature_beyond_the_level(archetype, awards):
    sheet = new(EMBER, archetype, SCORES)
    start_points = sheet.powers.max_points
    for xp in awards:  # as the engine does: the rules level, then the features follow
        sheet, up = D20.award_xp(sheet, xp)
        if up:
            sheet, _ = features.gain(sheet, EMBER)
    owed = [f for f in EMBER.archetypes[archetype].features if f.level <= sheet.level]
    assert sheet.features == tuple(f.key for f in owed)
    assert sheet.powers.max_points == start_points + sum(
        f.effects.power_points for f in owed if f.level > 1
    )
    assert len(set(sheet.powers.known)) == len(sheet.powers.known)


# ------------------------------------------------------------------ validation

WORLD = """\
format_version: 1
world: {id: keep, title: "The Keep", version: "1.0.0"}
rules: {system: d20}
start: {location: gate, text: "Rain."}
locations:
  gate: {name: The Gate, description: Wet stone.}
powers:
  rally: {name: Rally, effect: {type: heal, amount: 1d6}, uses: 1}
archetypes:
  guard:
    name: Guard
    stats: {hit_die: 10}
    features:
      - {level: 1, name: Rally, effects: {powers: [rally]}}
      - {level: 3, name: Watchful, effects: {skills: [perception], saves: [wis]}}
"""

PERCENTILE = """\
format_version: 1
world: {id: dock, title: "The Dock", version: "1.0.0"}
rules: {system: percentile}
start: {location: pier, text: "Fog."}
locations:
  pier: {name: The Pier, description: Wet planks.}
archetypes:
  hand:
    name: Dock Hand
    stats: {skills: {Climb: 50}}
    features:
      - {name: Sea Legs, effects: {skill_gains: {Swim: 10}}}
specializations:
  rigger:
    name: Rigger
    requires: {skills: {Climb: 60}}
    effects: {skill_gains: {Climb: 5}}
"""


@pytest.mark.parametrize(
    ("text", "old", "new", "message", "hint", "at"),
    [
        (WORLD, "powers: [rally]", "powers: [raly]", "unknown power 'raly'", "rally", None),
        (WORLD, "skills: [perception]", "skills: [perceptoin]", "perceptoin", "percep", None),
        (WORLD, "saves: [wis]", "saves: [wisdom]", "'wisdom' is not a saving throw", "wis", None),
        # a problem of the list as a whole is shown at the list
        (WORLD, "name: Watchful", "name: rally", "features are called 'rally'", None, "- {level"),
        (WORLD, "[wis]}}", "[wis], skill_gains: {climb: 5}}}", "skill points", "d20", None),
        (PERCENTILE, "{name: Sea Legs,", "{level: 2, name: Sea Legs,", "no levels", "1", None),
        (PERCENTILE, "{skills: {Climb: 60}}", "{level: 3}", "have no levels", "skill", None),
        (PERCENTILE, "{Swim: 10}", "{Swim: -5}", "greater than or equal to 1", "", None),
        (PERCENTILE, "{skills: {Climb: 60}}", "{abilities: {str: 9}}", "no abilities", "", None),
    ],
)  # fmt: skip
def test_the_validator_names_a_bad_feature_or_growth_rule_at_its_line(
    tmp_path, text, old, new, message, hint, at
):
    path = tmp_path / "world.yaml"
    path.write_text(text, encoding="utf-8")
    assert validate_path(path).ok, validate_path(path).errors
    changed = text.replace(old, new)
    assert changed != text
    path.write_text(changed, encoding="utf-8")
    report = validate_path(path)
    [problem] = [p for p in report.errors if message in p.message]
    if hint:
        assert hint in (problem.hint or "")
    line = next(n for n, row in enumerate(changed.splitlines(), 1) if (at or new) in row)
    assert problem.line == line and problem.column >= 1
    assert problem.format().startswith(f"{problem.file}:{line}:{problem.column}: error")


def test_a_d20_specialization_cannot_require_skill_minimums(tmp_path):
    path = tmp_path / "world.yaml"
    path.write_text(
        WORLD + "specializations:\n  x: {name: X, requires: {skills: {perception: 40}}}\n",
        encoding="utf-8",
    )
    [problem] = validate_path(path).errors
    assert problem.message == "skill minimums are for percentile worlds"
    assert problem.line == WORLD.count("\n") + 2
