"""Authored maps in the world format: the validator knows their keys and reports
mistakes as file:line:column with a hint."""

from __future__ import annotations

from pathlib import Path

from storyai.core.worlds.validate import validate_path

DATA = Path(__file__).parent / "data" / "keep" / "world.yaml"


def _report(tmp_path: Path, old: str, new: str):
    text = DATA.read_text(encoding="utf-8")
    assert old in text
    text = text.replace(old, new, 1)
    (tmp_path / "world.yaml").write_text(text, encoding="utf-8")
    line = next(n for n, row in enumerate(text.splitlines(), 1) if new.splitlines()[0] in row)
    return validate_path(tmp_path / "world.yaml"), line


def test_the_keep_is_valid_and_places_sit_on_two_maps() -> None:
    report = validate_path(DATA.parent)
    assert report.ok and not report.warnings, [p.format() for p in report.problems]
    assert report.world is not None
    assert report.world.locations["gate"].map is not None
    assert report.world.locations["gate"].region == "Outer Ward"
    assert report.world.maps["cellar"].drawing.startswith("#####")


def test_a_place_on_an_unknown_map_is_an_error_at_its_line(tmp_path: Path) -> None:
    report, line = _report(
        tmp_path, "map: {map: grounds, x: 1, y: 0}", "map: {map: grunds, x: 1, y: 0}"
    )
    [problem] = report.problems
    assert problem.line == line and problem.column > 1
    assert "unknown map 'grunds'" in problem.message and "grounds" in (problem.hint or "")
    assert f"world.yaml:{line}:" in problem.format()


def test_a_typo_in_a_map_point_or_a_map_is_an_unknown_key(tmp_path: Path) -> None:
    report, line = _report(
        tmp_path, "map: {map: cellar, x: 1, y: 0}", "map: {map: cellar, x: 1, z: 0}"
    )
    assert not report.ok
    assert any(p.line == line and "unknown key 'z'" in p.message for p in report.problems)
    report, line = _report(tmp_path, "kind: dungeon, drawing:", "kind: dungeon, drawng:")
    assert any(
        p.line == line and "unknown key 'drawng'" in p.message and "drawing" in (p.hint or "")
        for p in report.problems
    )
    report, line = _report(tmp_path, "kind: overland}", "kind: sky}")
    assert any(p.line == line and "kind" in p.message for p in report.problems)


def test_two_places_on_one_cell_are_a_warning(tmp_path: Path) -> None:
    report, tower_line = _report(
        tmp_path, "map: {map: grounds, x: 1, y: -1}", "map: {map: grounds, x: 1, y: 0}"
    )
    assert report.ok
    [warning] = report.warnings
    assert "'secret_room' is drawn on the same cell as 'tower'" in warning.message
    rows = (tmp_path / "world.yaml").read_text(encoding="utf-8").splitlines()
    assert warning.line > tower_line and "x: 1, y: 0" in rows[warning.line - 1]
