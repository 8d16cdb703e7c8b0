"""A world with a mistake gets file:line:column, what is wrong, and what to do."""

from __future__ import annotations

from pathlib import Path

import pytest

from storyai.core.domain.errors import WorldValidationError
from storyai.core.worlds.scaffold import create_world, scaffold_text
from storyai.core.worlds.validate import load_world, validate_path
from storyai.core.worlds.yamlsource import MAX_FILE_BYTES

BASE = scaffold_text("harbour", "Harbour", "harbour")


def _line_of(text: str, needle: str) -> int:
    for number, line in enumerate(text.splitlines(), 1):
        if needle in line:
            return number
    raise AssertionError(f"{needle!r} not in text")


def _write(tmp_path: Path, text: str, name: str = "world.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_scaffold_is_valid_and_clean(tmp_path: Path) -> None:
    world_file = create_world(tmp_path / "harbour_town")
    report = validate_path(world_file.parent)
    assert report.ok, [p.format() for p in report.problems]
    assert report.problems == []
    assert report.world is not None and report.world.id == "harbour_town"


# (mutation of the scaffold, the text of the line that is wrong, message part, hint part)
CASES = {
    "blank currency": (
        ("  currency: gold ", '  currency: "  " '),
        "currency:",
        "currency must name the money",
        "",
    ),
    "unknown key": (
        ("    description: Dented", "    descripton: Dented"),
        "descripton: Dented",
        "unknown key 'descripton'",
        "did you mean 'description'?",
    ),
    "dangling exit": (
        ("      north: headland", "      north: headlnd"),
        "north: headlnd",
        "unknown location 'headlnd'",
        "did you mean 'headland'?",
    ),
    "tab indentation": (
        ("  id: harbour", "\tid: harbour"),
        "\tid: harbour",
        "YAML syntax error",
        "tab",
    ),
    "unclosed quote": (
        ('  title: "Harbour"', '  title: "Harbour'),
        '  version: "0.1.0"',
        "YAML syntax error",
        "quote opened on line 10",
    ),
    "bad indentation": (
        ('  title: "Harbour"', '    title: "Harbour"'),
        'title: "Harbour"',
        "YAML syntax error",
        "indentation",
    ),
    "wrong type": (
        ("      ac: 12", "      ac: twelve"),
        "ac: twelve",
        "stats.ac",
        None,
    ),
    "missing required field": (
        ("    name: Brass Key\n", ""),
        "  brass_key:",
        "'name' is missing",
        None,
    ),
    "duplicate key": (
        ("      south: quay\n", "      south: quay\n      south: headland\n"),
        "south: headland",
        "duplicate key 'south'",
        "only the last",
    ),
    "value not allowed": (
        ("system: d20 ", "system: d2O "),
        "system: d2O",
        "'d20' or 'percentile'",
        "did you mean 'd20'?",
    ),
    "unquoted version": (
        ('version: "0.1.0"', "version: 0.1"),
        "version: 0.1",
        "version must be text",
        None,
    ),
    "invalid id": (
        ("  boathook:", "  Boat Hook:"),
        "  Boat Hook:",
        "'Boat Hook' is not a valid id",
        "boat_hook",
    ),
    "bad dice": (
        ("damage: 1d6\n", "damage: 1dx6\n"),
        "damage: 1dx6",
        "not valid dice notation",
        "1d8",
    ),
    "unknown stat": (
        ('      cr: "1/4"', '      crr: "1/4"'),
        "crr:",
        "unknown stat 'crr'",
        "did you mean 'cr'?",
    ),
    "unknown flag": (
        ("flag: light_restored}", "flag: light_restord}"),
        "light_restord",
        "unknown flag 'light_restord'",
        "did you mean 'light_restored'?",
    ),
    "quest that cannot complete": (
        ("            trigger: {enter: lighthouse}", "            trigger: {have_item: pearl}"),
        "have_item: pearl",
        "unknown item 'pearl'",
        None,
    ),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_mistakes_are_located_and_explained(tmp_path: Path, case: str) -> None:
    (old, new), bad_line, message, hint = CASES[case]
    assert old in BASE, f"scaffold changed: {old!r}"
    text = BASE.replace(old, new, 1)
    path = _write(tmp_path, text)
    report = validate_path(path)
    assert not report.ok
    matching = [p for p in report.errors if message in p.message]
    assert matching, [p.format() for p in report.problems]
    problem = matching[0]
    assert problem.file.endswith("world.yaml")
    assert problem.line == _line_of(text, bad_line), problem.format()
    assert problem.column >= 1
    if hint:
        assert problem.hint and hint in problem.hint, problem.format()
    assert f"world.yaml:{problem.line}:{problem.column}" in problem.format()


def test_all_problems_are_reported_at_once(tmp_path: Path) -> None:
    text = (
        BASE.replace("    description: Dented", "    descripton: Dented")
        .replace("      north: headland", "      north: headlnd")
        .replace("      ac: 12", "      ac: twelve")
    )
    report = validate_path(_write(tmp_path, text))
    messages = " | ".join(p.message for p in report.errors)
    assert "descripton" in messages and "headlnd" in messages and "stats.ac" in messages


def test_load_world_raises_with_every_problem(tmp_path: Path) -> None:
    text = BASE.replace("      north: headland", "      north: headlnd")
    with pytest.raises(WorldValidationError) as info:
        load_world(_write(tmp_path, text))
    assert "headlnd" in str(info.value)
    assert info.value.problems


def test_unreachable_location_is_a_warning(tmp_path: Path) -> None:
    text = BASE.replace(
        "locations:                   #",
        """locations:
  attic:
    name: Attic
    description: Dust.
  _unused_marker: null
#""",
    ).replace("  _unused_marker: null\n", "")
    report = validate_path(_write(tmp_path, text))
    assert report.ok
    warning = next(p for p in report.warnings if "attic" in p.message)
    assert "cannot be reached" in warning.message
    assert warning.line == _line_of(text, "  attic:")


def test_duplicate_id_across_folder_files(tmp_path: Path) -> None:
    folder = tmp_path / "w"
    folder.mkdir()
    _write(folder, BASE, "a.yaml")
    _write(folder, "items:\n  lantern:\n    name: Another Lantern\n", "b.yaml")
    report = validate_path(folder)
    problem = next(p for p in report.errors if "defined twice" in p.message)
    assert problem.file.endswith("b.yaml") and problem.line == 2
    assert "a.yaml" in problem.message


def test_folder_merges_sections(tmp_path: Path) -> None:
    folder = tmp_path / "w"
    folder.mkdir()
    head, _, items = BASE.partition("\nitems:")
    items_text, _, rest = ("items:" + items).partition("\nquests:")
    _write(folder, head + "\nquests:" + rest, "world.yaml")
    _write(folder, items_text, "items.yaml")
    report = validate_path(folder)
    assert report.ok, [p.format() for p in report.problems]
    assert set(report.world.items) == {"lantern", "brass_key", "boathook"}


def test_section_written_twice_in_a_folder(tmp_path: Path) -> None:
    folder = tmp_path / "w"
    folder.mkdir()
    _write(folder, BASE, "a.yaml")
    _write(folder, "rules:\n  system: percentile\n", "b.yaml")
    report = validate_path(folder)
    assert any("section 'rules' is written twice" in p.message for p in report.errors)


# ----------------------------------------------------------------- hostile files


def test_fifty_megabyte_file_is_refused_unread(tmp_path: Path) -> None:
    path = tmp_path / "huge.yaml"
    with path.open("wb") as f:
        f.truncate(50 * 1024 * 1024)
    report = validate_path(path)
    assert "50.0 MB" in report.errors[0].message
    assert str(MAX_FILE_BYTES // 1_048_576) in report.errors[0].message


def test_alias_bomb_is_stopped(tmp_path: Path) -> None:
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for prev, name in zip("abcdefgh", "bcdefghi", strict=True):
        lines.append(f"{name}: &{name} [" + ",".join([f"*{prev}"] * 9) + "]")
    report = validate_path(_write(tmp_path, "\n".join(lines) + "\n"))
    assert "alias" in (report.errors[0].hint or "")


def test_binary_garbage(tmp_path: Path) -> None:
    path = tmp_path / "garbage.yaml"
    path.write_bytes(bytes(range(256)) * 4)
    report = validate_path(path)
    assert "binary" in report.errors[0].message


def test_non_utf8_text_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "latin1.yaml"
    path.write_bytes(BASE.replace("Old Tam", "Old Tàm").encode("latin-1"))
    error = validate_path(path).errors[0]
    assert "UTF-8" in error.message and "UTF-8" in (error.hint or "")
    assert error.line == _line_of(BASE, "Old Tam")


def test_utf8_with_bom_is_fine(tmp_path: Path) -> None:
    path = tmp_path / "bom.yaml"
    path.write_bytes(b"\xef\xbb\xbf" + BASE.encode("utf-8"))
    assert validate_path(path).ok


def test_folder_without_world(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("hello")
    error = validate_path(tmp_path).errors[0]
    assert "no world" in error.message and "storyai world new" in (error.hint or "")


def test_top_level_list(tmp_path: Path) -> None:
    error = validate_path(_write(tmp_path, "- a\n- b\n")).errors[0]
    assert "must be a mapping" in error.message


def test_newer_format_version_is_refused(tmp_path: Path) -> None:
    text = BASE.replace("format_version: 1 ", "format_version: 99 ")
    error = validate_path(_write(tmp_path, text)).errors[0]
    assert "format 99" in error.message and "upgrade storyai" in (error.hint or "")


def test_readme_example_is_the_scaffold_and_valid(tmp_path: Path) -> None:
    readme = Path(__file__).resolve().parents[2] / "README.md"
    if not readme.exists():
        pytest.skip("README.md is not beside the tests")
    text = readme.read_text(encoding="utf-8")
    block = text.split("<!-- example-world:start -->")[1].split("<!-- example-world:end -->")[0]
    example = block.strip().removeprefix("```yaml").removesuffix("```").strip() + "\n"
    assert example == scaffold_text("harbour_town", "Harbour Town", "harbour_town")
    assert validate_path(_write(tmp_path, example)).ok
