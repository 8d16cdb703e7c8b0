"""Generated maps: same seed, same map; every one validates as a world and can be
walked end to end (a locked door's key lies on the near side)."""

from __future__ import annotations

from pathlib import Path

import pytest

from storyai.core.domain.errors import UsageError
from storyai.core.maps.files import create_world_from_map, map_yaml
from storyai.core.maps.generate import KINDS, generate, reachable
from storyai.core.worlds.validate import validate_path


@pytest.mark.parametrize("kind", KINDS)
def test_same_seed_same_map_and_another_seed_another(kind: str) -> None:
    first = map_yaml(generate(kind, seed=11, size="medium"), "x")
    assert first == map_yaml(generate(kind, seed=11, size="medium"), "x")
    assert first != map_yaml(generate(kind, seed=12, size="medium"), "x")


@pytest.mark.parametrize("kind", KINDS)
def test_the_size_is_the_number_of_places(kind: str) -> None:
    for size, count in (("small", 6), (12, 12), ("3", 3)):
        assert len(generate(kind, seed=5, size=size)["locations"]) == count


def test_every_generated_dungeon_validates_and_is_fully_reachable(tmp_path: Path) -> None:
    locked_doors = 0
    for kind in ("dungeon", "cave"):
        for seed in range(25):
            fragment = generate(kind, seed=seed, size=4 + seed % 13)
            start = next(iter(fragment["locations"]))
            assert reachable(fragment, start) == set(fragment["locations"]), (kind, seed)
            locked_doors += sum(
                1
                for loc in fragment["locations"].values()
                for exit_ in loc["exits"].values()
                if isinstance(exit_, dict) and "requires" in exit_
            )
            map_file = tmp_path / f"{kind}{seed}.yaml"
            map_file.write_text(map_yaml(fragment, "test"), encoding="utf-8")
            folder = tmp_path / f"{kind}_{seed}"
            create_world_from_map(folder, map_file)
            report = validate_path(folder)
            assert report.ok, [p.format() for p in report.problems]
            assert not [w for w in report.warnings if "cannot be reached" in w.message]
            assert report.world is not None and report.world.start.location == start
    assert locked_doors >= 25, "most dungeons have a locked door to find the key for"


def test_a_bad_kind_or_size_is_a_clear_error() -> None:
    with pytest.raises(UsageError, match="unknown map kind 'maze'"):
        generate("maze", seed=1)
    with pytest.raises(UsageError, match="out of range"):
        generate("dungeon", seed=1, size=500)
    with pytest.raises(UsageError, match="unknown size 'huge'"):
        generate("town", seed=1, size="huge")


def test_a_world_from_a_map_refuses_a_used_folder_and_a_non_map(tmp_path: Path) -> None:
    map_file = tmp_path / "m.yaml"
    map_file.write_text(map_yaml(generate("town", seed=1, size=4), "t"), encoding="utf-8")
    (tmp_path / "taken").mkdir()
    (tmp_path / "taken" / "keep.txt").write_text("mine")
    with pytest.raises(Exception, match="already exists"):
        create_world_from_map(tmp_path / "taken", map_file)
    assert (tmp_path / "taken" / "keep.txt").read_text() == "mine"
    bad = tmp_path / "bad.yaml"
    bad.write_text("just: words\n")
    with pytest.raises(UsageError, match="has no locations"):
        create_world_from_map(tmp_path / "new", bad)
    assert not (tmp_path / "new").exists()
