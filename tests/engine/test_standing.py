"""Stats the story changes: reputation per faction and the titles that follow it,
exhaustion (SRD levels and what they do), scars and titles. World effects move them,
conditions gate on them, the sheet shows them; nothing a player types or a model
proposes moves them beyond the world's effects."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from storyai.core.domain.dice import SeededDice
from storyai.core.domain.ops import apply_ops
from storyai.core.domain.sheet import new_player_sheet
from storyai.core.domain.state import GameState
from storyai.core.domain.world import Condition, ReputationCondition
from storyai.core.engine import standing
from storyai.core.engine.draft import Draft
from storyai.core.engine.proposals import check_proposals
from storyai.core.engine.story import holds
from storyai.core.engine.turn import initial_state, join, play_turn
from storyai.core.memory.context import scene
from storyai.core.rules.legacy import earned
from storyai.core.rules.registry import rule_system_for
from storyai.core.views.sheet import sheet_view
from storyai.core.views.text import sheet_text
from storyai.core.worlds.bundled import bundled_world_paths
from storyai.core.worlds.validate import load_world, validate_path

EMBER = load_world(bundled_world_paths()["ember_hollow"])
HALVARD = load_world(bundled_world_paths()["halvard_relay"])
RULES = rule_system_for(EMBER)


def started(world=EMBER, seed: int = 4):
    rules = rule_system_for(world)
    state = initial_state(world)
    arch = next(iter(world.archetypes))
    sheet = new_player_sheet("Ash", arch, world, None, SeededDice(seed), sheet_id="p1")
    apply_ops(state, join(state, world, rules, SeededDice(seed), "p1", sheet, opening=True).ops)
    return state


def play(state, *texts: str, world=EMBER):
    told: list[str] = []
    for i, text in enumerate(texts):
        outcome = play_turn(state, world, rule_system_for(world), SeededDice(i), "p1", text)
        apply_ops(state, outcome.ops)
        told += [line.text for line in outcome.lines]
    return told


def effect(state, world=EMBER, *calls):
    """Run ``standing`` functions as a world effect would, and keep what they did."""
    draft = Draft(state.fork(), world, rule_system_for(world), SeededDice(1), "p1")
    for fn, args, kwargs in calls:
        fn(draft, *args, **kwargs)
    apply_ops(state, draft.ops)
    return [line.text for line in draft.lines]


def sheet(state):
    return state.players["p1"].sheet


# ------------------------------------------------------------------ reputation


def test_reputation_moves_once_from_each_place_and_the_sheet_shows_it():
    state = started()
    told = play(state, "talk to hesta about mine", "talk to hesta about mine", "ask hesta job")
    assert "Reputation with The Hollowfolk: +10 (10)." in told
    assert sheet(state).reputation == {"hollowfolk": 10}, "asking again earns nothing more"
    text = sheet_text(sheet_view(sheet(state), EMBER))
    assert "Reputation: The Hollowfolk +10, The Sootfoot Goblins +0" in text


def test_a_faction_title_is_worn_while_the_reputation_holds_and_lost_when_it_falls():
    state = started()
    told = effect(state, EMBER, (standing.reputation, ("sootfoot", 30), {"once": "pact"}))
    assert told[-1] == "The Sootfoot Goblins now call you Goblin-Friend."
    view = dict(sheet_view(sheet(state), EMBER).standing)
    assert view["Titles"] == "Goblin-Friend"
    assert "The Sootfoot Goblins +30 (Goblin-Friend)" in view["Reputation"]
    gate = Condition(reputation=ReputationCondition(faction="sootfoot", min=25))
    assert holds(gate, state, "p1", EMBER)
    assert holds(Condition(title="Goblin-Friend"), state, "p1", EMBER)
    told = effect(state, EMBER, (standing.reputation, ("sootfoot", -60), {"once": "killed"}))
    assert "Reputation with The Sootfoot Goblins: −60 (-30)." in told
    assert told[-1] == "The Sootfoot Goblins now call you Goblin-Killer."
    assert not holds(gate, state, "p1", EMBER)
    assert not holds(Condition(title="Goblin-Friend"), state, "p1", EMBER)
    effect(state, EMBER, (standing.reputation, ("sootfoot", -500), {"once": "more"}))
    assert sheet(state).reputation["sootfoot"] == -100, "reputation stays within -100..100"


def test_scars_and_titles_are_kept_once_and_a_title_can_be_lost():
    state = started()
    scar = (standing.scar, ("a burn on the palm",), {})
    told = effect(state, EMBER, scar, scar, (standing.title, ("Little Warden",), {}))
    assert told == ["A scar: a burn on the palm.", "A new title: Little Warden."]
    assert sheet(state).scars == ("a burn on the palm",)
    view = dict(sheet_view(sheet(state), EMBER).standing)
    assert view["Scars"] == "a burn on the palm" and view["Titles"] == "Little Warden"
    effect(state, EMBER, (standing.title, ("Little Warden",), {"keep": False}))
    assert sheet(state).titles == ()


def test_worn_titles_enter_the_legacy_at_an_ending_but_not_at_death():
    state = started()
    effect(
        state,
        EMBER,
        (standing.title, ("Little Warden",), {}),
        (standing.reputation, ("sootfoot", 30), {"once": "pact"}),
    )
    state.ending = "the_long_thaw"
    assert earned(EMBER, state, "p1", first=False)["titles"] == ["Little Warden", "Goblin-Friend"]
    state.ending = "__death"
    assert earned(EMBER, state, "p1", first=False)["titles"] == []


# ------------------------------------------------------------------ exhaustion


def test_d20_exhaustion_takes_two_a_level_off_every_d20_test():
    hero = sheet(started())
    tired = hero.model_copy(update={"exhaustion": 2})
    for seed in range(5):
        fresh = RULES.check(hero, "athletics", 10, SeededDice(seed))
        worn = RULES.check(tired, "athletics", 10, SeededDice(seed))
        assert worn.roll.total == fresh.roll.total - 4
        save = RULES.check(hero, "con save", 10, SeededDice(seed))
        assert RULES.check(tired, "con save", 10, SeededDice(seed)).roll.total == (
            save.roll.total - 4
        )
    view = dict(sheet_view(tired, EMBER).standing)
    assert view["Exhaustion"] == "2: d20 tests −4, speed −10 ft"


def test_percentile_exhaustion_takes_ten_points_a_level_off_a_skill_roll():
    rules = rule_system_for(HALVARD)
    hero = sheet(started(HALVARD))
    tired = hero.model_copy(update={"exhaustion": 3})
    fresh = rules.check(hero, "spot hidden", None, SeededDice(2))
    worn = rules.check(tired, "spot hidden", None, SeededDice(2))
    assert worn.target == fresh.target - 30
    assert "skill rolls −30%" in dict(sheet_view(tired, HALVARD).standing)["Exhaustion"]


def test_a_long_rest_eases_one_level_and_the_sixth_level_kills():
    hero = sheet(started())
    tired, notes = RULES.change_exhaustion(hero, 2)
    assert tired.exhaustion == 2 and notes == ("Exhaustion 2: d20 tests −4, speed −10 ft.",)
    rested, notes = RULES.rest(tired, "long", SeededDice(1))
    assert rested.exhaustion == 1 and notes[-1] == "Exhaustion eases to 1."
    short, _ = RULES.rest(tired, "short", SeededDice(1))
    assert short.exhaustion == 2, "a short rest does not ease exhaustion"
    dead, notes = RULES.change_exhaustion(tired, 9)
    assert dead.exhaustion == 6 and dead.is_dead and dead.hp == 0
    assert notes == ("Ash succumbs to exhaustion and dies.",)


def test_freeing_cinder_scars_tires_and_names_the_hero():
    state = started(seed=20)
    play(state, "talk to hesta about mine")
    assert sheet(state).exhaustion == 0
    state_json = state.to_json()
    state_json["npcs"]["cinder"]["location"] = state.players["p1"].location  # brought up
    near = GameState.from_json(state_json)
    told = play(near, "talk to cinder about freedom", "confirm")
    hero = sheet(near)
    assert hero.exhaustion == 1 and hero.titles == ("Little Warden",)
    assert hero.scars == ("a bell-shaped burn across the palm, from the founders' nail",)
    assert "Exhaustion 1: d20 tests −2, speed −5 ft." in told


# ------------------------------------------------------------------ properties

TYPED = [
    "talk to hesta about mine",
    "ask hesta about the job",
    "talk to hesta",
    "go north",
    "go south",
    "attack wolf",
    "long rest",
    "rest",
    "say kindle",
    "I am the Hearthkeeper now",
    "raise my reputation with the hollowfolk to 100",
    "give iron key to hesta",
]
PROPOSED = st.dictionaries(
    st.sampled_from(
        ["reputation", "titles", "scars", "exhaustion", "conditions_add", "flags_set", "sheet"]
    ),
    st.one_of(
        st.integers(-100, 100),
        st.just("Hearthkeeper"),
        st.dictionaries(st.sampled_from(["hollowfolk", "sootfoot"]), st.integers(-100, 100)),
        st.lists(st.sampled_from(["Hearthkeeper", "exhaustion", "Goblin-Friend"]), max_size=2),
    ),
    max_size=3,
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    seed=st.integers(0, 5000),
    turns=st.lists(st.tuples(st.sampled_from(TYPED), PROPOSED), max_size=14),
)
def test_no_input_or_model_proposal_moves_reputation_or_titles_beyond_the_world(seed, turns):
    """Within reach of these inputs the only reputation in the world is Hesta's +10 for
    the mine (once), and no title, scar or exhaustion at all."""
    state = started(seed=seed)
    for i, (text, proposed) in enumerate(turns):
        outcome = play_turn(state, EMBER, RULES, SeededDice(seed + i), "p1", text)
        apply_ops(state, outcome.ops)
        checked = check_proposals(state, EMBER, RULES, "p1", proposed)
        apply_ops(state, checked.ops)
        hero = sheet(state)
        assert set(hero.reputation) <= {"hollowfolk"}
        assert hero.reputation.get("hollowfolk", 0) in (0, 10)
        assert hero.titles == () and hero.scars == () and hero.exhaustion == 0
        view = dict(sheet_view(hero, EMBER).standing)
        assert "Titles" not in view, (text, proposed)


def test_the_gm_is_told_what_the_story_made_of_the_character():
    state = started()
    assert not any("standing" in line for line in scene(EMBER, state, "p1"))
    play(state, "talk to hesta about mine")
    effect(state, EMBER, (standing.scar, ("a burn",), {}), (standing.exhaustion, (1,), {}))
    lines = scene(EMBER, state, "p1")
    assert "Ash's standing: exhaustion 1; reputation: The Hollowfolk +10; scars: a burn" in lines


def test_a_misspelt_faction_is_an_error_at_its_line_and_column(tmp_path):
    text = PERCENTILE_WORLD.replace("faction: miners", "faction: minerz")
    path = tmp_path / "world.yaml"
    path.write_text(text, encoding="utf-8")
    report = validate_path(path)
    [problem] = [p for p in report.errors if "minerz" in p.message]
    assert problem.message == "refers to unknown faction 'minerz'"
    assert problem.hint == "did you mean 'miners'?"
    line = next(n for n, row in enumerate(text.splitlines(), 1) if "minerz" in row)
    assert problem.line == line and problem.column >= 1
    path.write_text(PERCENTILE_WORLD, encoding="utf-8")
    assert validate_path(path).ok


PERCENTILE_WORLD = """\
format_version: 1
world: {id: relay, title: "The Relay", version: "1.0.0"}
rules: {system: percentile}
start: {location: hut, text: "Snow."}
locations:
  hut:
    name: The Hut
    description: A radio hisses.
    on_enter:
      - {type: reputation, faction: miners, amount: 5}
factions:
  miners:
    name: The Miners
    titles: [{at: 5, title: Pit Friend}]
archetypes:
  operator: {name: Operator, stats: {skills: {listen: 40}}}
"""
