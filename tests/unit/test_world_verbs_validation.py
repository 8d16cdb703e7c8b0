"""World-file mistakes in phrases, scenery, interactions and ending marks are reported
with file:line:column and what to do."""

from __future__ import annotations

import shutil
from pathlib import Path

from storyai.core.worlds.bundled import bundled_world_paths
from storyai.core.worlds.validate import validate_path


def _ember(tmp_path: Path, old: str, new: str, name: str = "locations.yaml") -> tuple[Path, str]:
    folder = tmp_path / "ember_hollow"
    shutil.copytree(bundled_world_paths()["ember_hollow"], folder)
    path = folder / name
    text = path.read_text(encoding="utf-8")
    assert old in text, f"the bundled world changed: {old!r}"
    text = text.replace(old, new, 1)
    path.write_text(text, encoding="utf-8")
    return folder, text


def _line_of(text: str, needle: str) -> int:
    return next(n for n, line in enumerate(text.splitlines(), 1) if needle in line)


def test_an_interaction_on_something_that_is_not_there_is_located(tmp_path):
    folder, text = _ember(tmp_path, "        target: nail\n", "        target: nial\n")
    report = validate_path(folder)
    assert not report.ok
    problem = next(p for p in report.errors if "'nial'" in p.message)
    assert problem.file.endswith("locations.yaml")
    assert problem.line == _line_of(text, "target: nial")
    assert problem.hint and "nail" in problem.hint


def test_an_interaction_with_an_unknown_item_names_the_item(tmp_path):
    folder, text = _ember(tmp_path, "      - item: founders_hammer\n", "      - item: hammer\n")
    report = validate_path(folder)
    problem = next(p for p in report.errors if "unknown item 'hammer'" in p.message)
    assert problem.line == _line_of(text, "- item: hammer")


def test_a_phrase_setting_an_undeclared_flag_is_an_error(tmp_path):
    folder, text = _ember(
        tmp_path, "          - {type: set_flag, flag: deep_door_open}\n",
        "          - {type: set_flag, flag: deep_door_opn}\n",
    )  # fmt: skip
    report = validate_path(folder)
    problem = next(p for p in report.errors if "deep_door_opn" in p.message)
    assert problem.line == _line_of(text, "flag: deep_door_opn}")
    assert problem.hint and "deep_door_open" in problem.hint


def test_ends_story_on_a_topic_that_does_nothing_is_a_warning(tmp_path):
    folder, text = _ember(
        tmp_path,
        "        village:\n          keywords: [hollow, people, hearths, warmth]\n",
        "        village:\n          keywords: [hollow, people, hearths, warmth]\n"
        "          ends_story: true\n",
        "characters.yaml",
    )
    report = validate_path(folder)
    assert report.ok
    warning = next(p for p in report.warnings if "ends_story" in p.message)
    assert warning.line == _line_of(text, "ends_story: true")


def test_a_misspelt_new_field_gets_a_suggestion(tmp_path):
    folder, text = _ember(tmp_path, "        ends_story: true\n", "        ends_stroy: true\n")
    report = validate_path(folder)
    problem = next(p for p in report.errors if "ends_stroy" in p.message)
    assert problem.line == _line_of(text, "ends_stroy")
    assert problem.hint and "ends_story" in problem.hint


def test_a_say_trigger_no_phrase_answers_can_never_fire(tmp_path):
    folder, text = _ember(
        tmp_path, "            trigger: {say: kindle}\n", "            trigger: {say: kindel}\n",
        "quests.yaml",
    )  # fmt: skip
    report = validate_path(folder)
    problem = next(p for p in report.errors if "no phrase answers 'kindel'" in p.message)
    assert problem.file.endswith("quests.yaml")
    assert problem.line == _line_of(text, "Say the word at the deep door")
