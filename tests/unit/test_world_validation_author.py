"""Validator checks an author trips over: archetype skill typos, a foe with nothing to
defeat, and a bracket left open lines before the parser notices."""

from __future__ import annotations

from pathlib import Path

from storyai.core.worlds.scaffold import scaffold_text
from storyai.core.worlds.validate import validate_path

BASE = scaffold_text("harbour", "Harbour", "harbour")
SKILLS = "    stats: {hit_die: 8, ability_bonus: {con: 2}, skills: [athletics]}"

PERCENTILE = """\
format_version: 1
world: {id: relay, title: "The Relay", version: "1.0.0"}
rules: {system: percentile}
start: {location: hut, text: "Snow."}
locations:
  hut: {name: The Hut, description: A radio hisses.}
archetypes:
  operator:
    name: Operator
    stats:
      skills:
        spot_hiden: 60
        radio_repair: 50
        Listen: 40
"""


def _validate(tmp_path: Path, text: str):
    path = tmp_path / "world.yaml"
    path.write_text(text, encoding="utf-8")
    return validate_path(path)


def _line_of(text: str, needle: str) -> int:
    return next(n for n, line in enumerate(text.splitlines(), 1) if needle in line)


def test_an_archetype_skill_typo_is_an_error_with_a_suggestion(tmp_path: Path) -> None:
    assert SKILLS in BASE, "scaffold changed"
    text = BASE.replace(SKILLS, SKILLS.replace("[athletics]", "[stealth, athleticss]"))
    report = _validate(tmp_path, text)
    assert not report.ok
    [problem] = [p for p in report.errors if "athleticss" in p.message]
    assert problem.message == "unknown skill 'athleticss' for the d20 rules"
    assert problem.hint == "did you mean 'athletics'?"
    line = _line_of(text, "athleticss")
    assert (problem.line, problem.column) == (
        line,
        text.splitlines()[line - 1].index("athleticss") + 1,
    )
    assert problem.format().startswith(f"{problem.file}:{problem.line}:{problem.column}: error")


def test_a_d20_skill_written_another_way_names_the_rules_spelling(tmp_path: Path) -> None:
    text = BASE.replace(SKILLS, SKILLS.replace("[athletics]", "[climb, Sleight of Hand, xyzzy]"))
    hints = {p.message: p.hint for p in _validate(tmp_path, text).errors}
    assert hints["unknown skill 'climb' for the d20 rules"] == "did you mean 'athletics'?"
    assert hints["unknown skill 'Sleight of Hand' for the d20 rules"] == (
        "did you mean 'sleight_of_hand'?"
    )
    unknown = hints["unknown skill 'xyzzy' for the d20 rules"]
    assert unknown and unknown.startswith("known skills: acrobatics, animal_handling")


def test_percentile_worlds_may_add_skills_but_a_near_miss_is_flagged(tmp_path: Path) -> None:
    report = _validate(tmp_path, PERCENTILE)
    assert report.ok, [p.format() for p in report.problems]  # a warning, not an error
    [warning] = [p for p in report.warnings if "skill" in p.message]
    assert warning.message == "skill 'spot_hiden' is not one of the percentile rules' skills"
    assert warning.hint and warning.hint.startswith("did you mean 'spot_hidden'?")
    assert warning.line == _line_of(PERCENTILE, "spot_hiden")
    # radio_repair (the world's own) and Listen (another spelling of listen) are fine


def test_defeating_a_character_without_stats_says_what_to_add(tmp_path: Path) -> None:
    start = BASE.index("    stats:                   # a d20 stat block")
    end = BASE.index("    on_defeat:")
    text = BASE[:start] + BASE[end:]  # the gull-thing loses its stat block
    report = _validate(tmp_path, text)
    [problem] = [p for p in report.errors if "cannot be defeated" in p.message]
    assert problem.message == (
        "quest 'the_dark_light' cannot complete: character 'gull_thing' has no stats, "
        "so cannot be defeated"
    )
    assert problem.hint and "obtainable" not in problem.hint
    assert "give 'gull_thing' a d20 stat block" in problem.hint
    assert "ac: ..., hp: ..." in problem.hint
    assert problem.line == _line_of(text, "- description: Drive off the gull-thing.")


def test_an_unclosed_bracket_points_at_where_it_was_opened(tmp_path: Path) -> None:
    text = BASE.replace("    items: [lantern]\n", "    items: [lantern\n", 1)
    report = _validate(tmp_path, text)
    [problem] = report.errors
    opened = _line_of(text, "items: [lantern")
    column = text.splitlines()[opened - 1].index("[") + 1
    assert problem.line > opened  # where the parser noticed ...
    assert f"unclosed '[' opened at {opened}:{column}" in problem.message  # ... and why
    assert problem.hint and "closing ']'" in problem.hint and f"line {opened}" in problem.hint


def test_a_flow_mapping_left_open_too(tmp_path: Path) -> None:
    text = "format_version: 1\nworld: {id: x, title: X\nrules: {system: d20}\n"
    [problem] = _validate(tmp_path, text).errors
    assert "unclosed '{' opened at 2:8" in problem.message
    assert problem.line == 3
