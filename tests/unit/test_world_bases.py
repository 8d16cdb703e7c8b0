"""`base: srd:goblin` in a world: filled in from the library, or a problem that teaches."""

from __future__ import annotations

from pathlib import Path

from storyai.core.domain.records import LibraryRecord
from storyai.core.worlds import bases
from storyai.core.worlds.scaffold import create_world
from storyai.core.worlds.validate import validate_data, validate_path

GOBLIN_STATS = {"ac": 15, "hp": 7, "cr": "1/4", "attacks": []}


def record(kind: str, key: str, data: dict, edition: str = "5.1") -> LibraryRecord:
    return LibraryRecord("srd", edition, kind, key, key.title(), "", f"# {key}", data)


GOBLIN = record(
    "monster",
    "goblin",
    {"character": {"name": "Goblin", "kind": "creature", "stats": GOBLIN_STATS}},
)
GOBLIN_52 = record(
    "monster",
    "goblin",
    {"character": {"name": "Goblin Minion", "kind": "creature", "stats": GOBLIN_STATS}},
    edition="5.2",
)
LONGSWORD = record(
    "equipment",
    "longsword",
    {"item": {"name": "Longsword", "kind": "weapon", "damage": "1d8", "damage_type": "slashing"}},
)
FIREBALL = record("spell", "fireball", {"level": 3})


def library(*records: LibraryRecord) -> bases.LibraryLookup:
    found = bases.LibraryLookup(installed=True)
    for r in records:
        found.entries.setdefault(r.key, []).append(r)
        found.keys.setdefault(r.kind, set()).add(r.key)
    return found


def world_with(tmp_path: Path, extra: str) -> Path:
    folder = create_world(tmp_path / "w", title="Base Test").parent
    (folder / "bases.yaml").write_text(extra, encoding="utf-8")
    return folder


WORLD_EXTRA = """\
characters:
  lurker:
    base: srd:goblin
  boss:
    base: srd:goblin
    name: Grik the Boss
    stats: {ac: 17, hp: 21, cr: "1"}
  minion:
    base: srd:5.2/goblin
items:
  old_blade:
    base: srd:longsword
    name: Notched Longsword
"""


def test_bases_fill_in_what_the_entry_leaves_out(tmp_path: Path) -> None:
    folder = world_with(tmp_path, WORLD_EXTRA)
    lookup = library(GOBLIN, GOBLIN_52, LONGSWORD)
    report = validate_path(folder, library=lambda refs: lookup)
    assert report.ok, [p.format() for p in report.problems]
    w = report.world
    assert w is not None
    assert w.characters["lurker"].name == "Goblin"
    assert w.characters["lurker"].stats == GOBLIN_STATS
    assert w.characters["lurker"].base == "srd:goblin"
    assert w.characters["boss"].name == "Grik the Boss"
    # a stat block is merged stat by stat: the boss keeps the goblin's attacks
    assert w.characters["boss"].stats == {"ac": 17, "hp": 21, "cr": "1", "attacks": []}
    assert w.characters["minion"].name == "Goblin Minion"
    assert w.items["old_blade"].name == "Notched Longsword"
    assert w.items["old_blade"].damage == "1d8"
    # a stored world keeps its resolved fields and validates again without a library
    assert validate_data(w.canonical()).characters["lurker"].stats == GOBLIN_STATS


def test_without_the_srd_installed_the_author_is_told_how_to_install_it(tmp_path: Path) -> None:
    folder = world_with(tmp_path, WORLD_EXTRA)
    for source in (None, lambda refs: bases.LibraryLookup(installed=False)):
        report = validate_path(folder, library=source)
        assert not report.ok
        [problem] = [p for p in report.errors if "SRD" in p.message]
        assert problem.file.endswith("bases.yaml") and problem.line == 3
        assert "not installed (4 references in this world)" in problem.message
        assert "storyai srd install" in (problem.hint or "")


def test_an_unknown_entry_gets_a_did_you_mean(tmp_path: Path) -> None:
    folder = world_with(tmp_path, "characters:\n  g:\n    base: srd:gobln\n")
    report = validate_path(folder, library=lambda refs: library(GOBLIN, LONGSWORD))
    [problem] = report.errors
    assert problem.message == "'srd:gobln': the installed SRD has no monster 'gobln'"
    assert problem.hint == "did you mean srd:goblin?"
    assert (problem.line, problem.column) == (3, 11)


def test_the_wrong_kind_and_the_wrong_edition_are_explained(tmp_path: Path) -> None:
    folder = world_with(
        tmp_path,
        "characters:\n  f:\n    base: srd:fireball\n  l:\n    base: srd:5.2/longsword_x\n"
        "items:\n  s:\n    base: srd:5.2/longsword\n",
    )
    report = validate_path(folder, library=lambda refs: library(GOBLIN, LONGSWORD, FIREBALL))
    messages = sorted(p.message for p in report.errors)
    assert messages == [
        "'srd:5.2/longsword': SRD 5.2 has no equipment or magic-item 'longsword' "
        "(it is in SRD 5.1)",
        "'srd:5.2/longsword_x': the installed SRD 5.2 has no monster 'longsword_x'",
        "'srd:fireball' is a spell in the SRD; characters can only be based on a monster",
    ]


def test_a_malformed_base_says_how_to_write_one(tmp_path: Path) -> None:
    folder = world_with(tmp_path, "characters:\n  g:\n    base: goblin\n")
    report = validate_path(folder, library=lambda refs: library(GOBLIN))
    [problem] = report.errors
    assert problem.message == "'goblin' is not a library reference"
    assert "srd:goblin" in (problem.hint or "")
    assert (problem.line, problem.column) == (3, 11)


def test_case_does_not_matter_and_one_stat_can_change(tmp_path: Path) -> None:
    folder = world_with(
        tmp_path,
        "characters:\n  g:\n    base: srd:Goblin\n    stats: {hp: 12}\n"
        "  s:\n    base: srd:longsword\n",
    )
    report = validate_path(folder, library=lambda refs: library(GOBLIN, LONGSWORD))
    assert [p.message for p in report.errors] == [
        "'srd:longsword' is an equipment in the SRD; characters can only be based on a monster"
    ]
    assert report.errors[0].hint == "use it as the base of an item instead"
    fixed = world_with(
        tmp_path / "2", "characters:\n  g:\n    base: srd:Goblin\n    stats: {hp: 12}\n"
    )
    ok = validate_path(fixed, library=lambda refs: library(GOBLIN))
    assert ok.world is not None
    assert ok.world.characters["g"].stats == {**GOBLIN_STATS, "hp": 12}
    assert ok.world.characters["g"].base == "srd:goblin"


def test_library_keys_from_what_people_type() -> None:
    assert bases.key_of("Potion of Healing") == "potion_of_healing"
    assert bases.key_of("srd:5.2/goblin") == "goblin"
    assert bases.key_of("  Rope, hempen (50 feet) ") == "rope_hempen_50_feet"
