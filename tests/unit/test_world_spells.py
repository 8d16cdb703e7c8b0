"""A world's own spells: written in `spells:`, known by archetypes, mistakes located."""

from __future__ import annotations

import shutil
from pathlib import Path

from storyai.core.domain.dice import SeededDice
from storyai.core.domain.ops import apply_ops
from storyai.core.domain.records import LibraryRecord
from storyai.core.domain.sheet import new_player_sheet
from storyai.core.engine.turn import initial_state, join, play_turn
from storyai.core.rules import rule_system_for
from storyai.core.worlds.bases import LibraryLookup
from storyai.core.worlds.bundled import bundled_world_paths
from storyai.core.worlds.validate import load_world, validate_path

OWN_SPELL = """
spells:
  frost_lash:
    name: Frost Lash
    level: 1
    school: evocation
    save: con
    half_on_save: true
    damage: 2d8
    damage_type: cold
    upcast: 1d8
"""


def ember_copy(tmp_path: Path, replace: tuple[str, str] | None = None, extra: str = "") -> Path:
    folder = tmp_path / "ember_hollow"
    shutil.copytree(bundled_world_paths()["ember_hollow"], folder)
    world = folder / "world.yaml"
    text = world.read_text(encoding="utf-8")
    if replace:
        assert replace[0] in text
        text = text.replace(*replace)
    world.write_text(text + extra, encoding="utf-8")
    return folder


def _line_of(path: Path, needle: str) -> int:
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if needle in line:
            return number
    raise AssertionError(f"{needle!r} not in {path}")


def test_a_misspelled_spell_is_located_with_a_suggestion(tmp_path: Path) -> None:
    folder = ember_copy(tmp_path, ("fire bolt, mage hand", "fire bolt, mage hnad"))
    report = validate_path(folder)
    problems = [p for p in report.errors if "unknown spell 'mage hnad'" in p.message]
    assert problems, [p.format() for p in report.problems]
    problem = problems[0]
    assert problem.file.endswith("world.yaml")
    assert problem.line == _line_of(folder / "world.yaml", "mage hnad")
    assert problem.hint and "mage_hand" in problem.hint


def test_a_world_defines_its_own_spell_and_the_hedge_wizard_casts_it(tmp_path: Path) -> None:
    folder = ember_copy(
        tmp_path, ("fire bolt, mage hand", "fire bolt, frost lash, mage hand"), OWN_SPELL
    )
    report = validate_path(folder)
    assert report.ok, [p.format() for p in report.problems]
    world = load_world(folder)
    rules = rule_system_for(world)
    state = initial_state(world)
    sheet = new_player_sheet("Ash", "hedge_wizard", world, None, SeededDice(1), sheet_id="p")
    apply_ops(state, join(state, world, rules, SeededDice(1), "p", sheet, opening=True).ops)
    apply_ops(state, play_turn(state, world, rules, SeededDice(1), "p", "go north").ops)
    outcome = play_turn(state, world, rules, SeededDice(2), "p", "cast frost lash at wolf")
    rolls = [r.text for r in outcome.rolls]
    assert any("Wolf makes a Constitution save" in r and "vs DC 12" in r for r in rolls), rolls
    assert any("Ash casts Frost Lash at Wolf" in r for r in rolls), rolls


def test_a_spell_that_attacks_and_saves_is_refused_where_it_is_written(tmp_path: Path) -> None:
    bad = OWN_SPELL.replace("    save: con\n", "    save: con\n    attack: ranged\n")
    folder = ember_copy(tmp_path, extra=bad)
    report = validate_path(folder)
    problems = [p for p in report.errors if "attack roll or asks for a save" in p.message]
    assert problems, [p.format() for p in report.problems]
    assert problems[0].line >= _line_of(folder / "world.yaml", "frost_lash:")


def test_bad_spell_dice_are_located(tmp_path: Path) -> None:
    folder = ember_copy(tmp_path, extra=OWN_SPELL.replace("damage: 2d8", "damage: 2dd8"))
    report = validate_path(folder)
    problems = [p for p in report.errors if "'2dd8' is not valid dice notation" in p.message]
    assert problems, [p.format() for p in report.problems]
    assert problems[0].line == _line_of(folder / "world.yaml", "damage: 2dd8")


FROST_NOVA = LibraryRecord(
    "srd",
    "5.1",
    "spell",
    "frost_nova",
    "Frost Nova",
    "",
    "# Frost Nova\n\nA ring of cold bursts from you. Each creature in it makes a Constitution "
    "saving throw, taking the damage on a failure or half as much on a success.",
    {
        "level": 2,
        "school": "evocation",
        "range": "Self",
        "damage": {"dice": "3d8", "type": "cold"},
        "save": "con",
        "area": "10-foot sphere",
        "higher_level": "The damage increases by 1d8 for each slot level above 2nd.",
    },
)


def test_a_spell_can_come_from_the_srd_library(tmp_path: Path) -> None:
    extra = "\nspells:\n  frost_nova:\n    base: srd:frost_nova\n    range: 10 feet\n"
    folder = ember_copy(
        tmp_path, ("fire bolt, mage hand", "fire bolt, frost nova, mage hand"), extra
    )
    lookup = LibraryLookup(installed=True, entries={"frost_nova": [FROST_NOVA]})
    report = validate_path(folder, library=lambda refs: lookup)
    assert report.ok, [p.format() for p in report.problems]
    nova = report.world.spells["frost_nova"]
    assert (nova.name, nova.level, nova.damage, nova.damage_type) == (
        "Frost Nova",
        2,
        "3d8",
        "cold",
    )
    assert (nova.save, nova.half_on_save, nova.area, nova.upcast) == (
        "con",
        True,
        "10-foot sphere",
        "1d8",
    )
    assert nova.range == "10 feet" and nova.base == "srd:frost_nova"  # the world's own field wins


def test_a_library_spell_without_the_library_is_explained(tmp_path: Path) -> None:
    extra = "\nspells:\n  frost_nova:\n    base: srd:frost_nova\n"
    folder = ember_copy(tmp_path, extra=extra)
    report = validate_path(folder, library=lambda refs: LibraryLookup(installed=False))
    [problem] = report.errors
    assert "refers to the SRD, which is not installed" in problem.message
    assert problem.line == _line_of(folder / "world.yaml", "base: srd:frost_nova")
