"""read_srd on partial, damaged or odd folders: refuse clearly, or read and warn.

Each test builds its folder in tmp_path: links to the shared files (read in
place), plus the one file the test changes, written there.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from storyai.core.importers.errors import ImportRefused
from storyai.core.importers.srd import read_srd
from storyai.core.importers.srd.manifest import FILES, FIVEE_DATABASE, OPEN5E, Upstream

MONSTERS = "5e-database/src/2014/en/5e-SRD-Monsters.json"
OPEN5E_DIR = "open5e-api/data/v2/wizards-of-the-coast/srd-2024"


def mirror(
    srd_data: Path,
    tmp_path: Path,
    *,
    only: Upstream | None = None,
    replace: dict[str, bytes] | None = None,
    leave_out: str = "",
) -> Path:
    """A folder like ../shared/srd_data: links to its files, ``replace`` written anew."""
    root = tmp_path / "srd"
    replace = replace or {}
    for pinned in FILES:
        if only is not None and pinned.upstream is not only:
            continue
        if pinned.label == leave_out:
            continue
        target = root / pinned.label
        target.parent.mkdir(parents=True, exist_ok=True)
        if pinned.label in replace:
            target.write_bytes(replace[pinned.label])
        else:
            target.symlink_to(srd_data / pinned.label)
    return root


def test_only_51_reads_51_and_warns_about_52(srd_data: Path, tmp_path: Path) -> None:
    result = read_srd(mirror(srd_data, tmp_path, only=FIVEE_DATABASE))
    assert result.counts[("5.1", "monster")] == 334
    assert {e.edition for e in result.entries} == {"5.1"}
    assert any("SRD 5.2 not read" in w and OPEN5E_DIR in w for w in result.warnings)


def test_only_52_reads_52_and_warns_about_51(srd_data: Path, tmp_path: Path) -> None:
    result = read_srd(mirror(srd_data, tmp_path, only=OPEN5E))
    assert result.counts[("5.2", "monster")] == 331
    assert {e.edition for e in result.entries} == {"5.2"}
    assert any("SRD 5.1 not read" in w for w in result.warnings)


def test_neither_part_is_refused_naming_the_folder_and_the_layout(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    with pytest.raises(ImportRefused) as refused:
        read_srd(tmp_path / "empty")
    message = refused.value.message
    assert str(tmp_path / "empty") in message
    assert "5e-database/src/2014/en/" in message and OPEN5E_DIR in message


def test_a_path_that_is_not_a_folder_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ImportRefused, match="not a folder"):
        read_srd(tmp_path / "nowhere")


def test_truncated_json_is_refused_naming_the_file(srd_data: Path, tmp_path: Path) -> None:
    whole = (srd_data / MONSTERS).read_bytes()
    root = mirror(srd_data, tmp_path, replace={MONSTERS: whole[: len(whole) // 2]})
    with pytest.raises(ImportRefused) as refused:
        read_srd(root)
    assert refused.value.message.startswith(f"{MONSTERS}: not valid JSON")
    assert "truncated" in refused.value.message


def test_a_truncated_open5e_file_is_refused_too(srd_data: Path, tmp_path: Path) -> None:
    label = f"{OPEN5E_DIR}/CreatureActionAttack.json"
    whole = (srd_data / label).read_bytes()
    root = mirror(srd_data, tmp_path, replace={label: whole[:-3]})
    with pytest.raises(ImportRefused, match=f"^{label}: not valid JSON"):
        read_srd(root)


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b'{"results": []}', "expected a JSON list of records, found an object"),
        (b"[1, 2]", "2 of 2 items are not objects"),
        (b"\xff\xfe[]", "not UTF-8 text"),
        (b"[" * 100_000 + b"]" * 100_000, "not valid JSON"),
    ],
)
def test_json_that_is_not_a_list_of_records_is_refused(
    srd_data: Path, tmp_path: Path, content: bytes, reason: str
) -> None:
    root = mirror(srd_data, tmp_path, replace={MONSTERS: content})
    with pytest.raises(ImportRefused) as refused:
        read_srd(root)
    assert refused.value.message.startswith(f"{MONSTERS}: ")
    assert reason in refused.value.message


def test_a_missing_file_in_a_present_part_is_refused(srd_data: Path, tmp_path: Path) -> None:
    root = mirror(srd_data, tmp_path, leave_out=MONSTERS)
    with pytest.raises(ImportRefused, match=f"^{MONSTERS}: missing"):
        read_srd(root)


def test_actions_whose_creature_is_missing_are_counted_in_a_warning(
    srd_data: Path, tmp_path: Path
) -> None:
    label = f"{OPEN5E_DIR}/CreatureAction.json"
    actions = json.loads((srd_data / label).read_text())
    for n in range(3):
        actions.append(
            {
                "model": "api_v2.creatureaction",
                "pk": f"srd-2024_nobody_punch-{n}",
                "fields": {"name": "Punch", "desc": "Ouch.", "parent": "srd-2024_nobody"},
            }
        )
    root = mirror(srd_data, tmp_path, replace={label: json.dumps(actions).encode()})
    result = read_srd(root)
    assert f"{label}: left out 3 actions whose parent is missing" in result.warnings
    assert result.counts[("5.2", "monster")] == 331


def test_a_record_that_cannot_be_read_is_left_out_with_a_warning(
    srd_data: Path, tmp_path: Path
) -> None:
    label = f"{OPEN5E_DIR}/Creature.json"
    creatures = json.loads((srd_data / label).read_text())
    creatures.append({"model": "api_v2.creature", "pk": "srd-2024_blob", "fields": {"size": 3}})
    creatures.append({"model": "api_v2.creature", "fields": {"name": "No pk"}})
    root = mirror(srd_data, tmp_path, replace={label: json.dumps(creatures).encode()})
    result = read_srd(root)
    assert result.counts[("5.2", "monster")] == 331
    assert any(
        w.startswith(f"{label}: left out 1 record(s) that could not be read: 'srd-2024_blob'")
        for w in result.warnings
    ), result.warnings
    assert f"{label}: left out 1 record(s) without a 'pk' and 'fields'" in result.warnings


def test_odd_values_are_clamped_not_refused(srd_data: Path, tmp_path: Path) -> None:
    monsters = json.loads((srd_data / MONSTERS).read_text())
    goblin = next(m for m in monsters if m["index"] == "goblin")
    goblin.update(strength=45, hit_points=0, challenge_rating=0.3, armor_class=[{"value": 99}])
    goblin["actions"][0]["attack_bonus"] = 99
    root = mirror(srd_data, tmp_path, replace={MONSTERS: json.dumps(monsters).encode()})
    result = read_srd(root)
    stats = next(e for e in result.entries if e.key == "goblin" and e.edition == "5.1").data[
        "stats"
    ]
    assert stats["abilities"]["str"] == 30
    assert (stats["hp"], stats["ac"], stats["cr"]) == (1, 40, "1/4")
    assert stats["attacks"][0]["to_hit"] == 30


def test_progress_reports_each_file(srd_data: Path, tmp_path: Path) -> None:
    calls: list[tuple[str, int, int]] = []
    read_srd(mirror(srd_data, tmp_path, only=FIVEE_DATABASE), progress=lambda *a: calls.append(a))
    assert [c[1] for c in calls] == list(range(1, 11))
    assert {c[2] for c in calls} == {10}
    assert calls[0][0] == MONSTERS
