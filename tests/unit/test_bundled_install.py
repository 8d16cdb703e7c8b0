"""Bundled worlds are installed when they changed, or when the database lacks them;
otherwise a start leaves them alone."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from storyai.core import services
from storyai.core.storage.memory import InMemoryStore
from storyai.core.worlds.bundled import bundled_world_paths, fingerprint, install_bundled


@pytest.fixture
def worlds(tmp_path: Path) -> dict[str, Path]:
    """A copy of the bundled Ember Hollow that the test may edit."""
    copy = tmp_path / "worlds" / "ember_hollow"
    shutil.copytree(bundled_world_paths()["ember_hollow"], copy)
    return {"ember_hollow": copy}


def bump(world: Path, version: str) -> None:
    meta = world / "world.yaml"
    text = meta.read_text(encoding="utf-8")
    old = next(line for line in text.splitlines() if line.startswith("  version:"))
    meta.write_text(text.replace(old, f'  version: "{version}"'), encoding="utf-8")


async def versions(uow_factory) -> dict[str, tuple[str, ...]]:
    return {s.world_id: s.versions for s in await services.list_worlds(uow_factory)}


async def test_unchanged_worlds_are_left_alone_and_changed_ones_installed(
    uow_factory, worlds: dict[str, Path], tmp_path: Path
) -> None:
    marker = tmp_path / "cache" / "marker.json"

    first = await install_bundled(uow_factory, marker, worlds)
    again = await install_bundled(uow_factory, marker, worlds)
    bump(worlds["ember_hollow"], "9.0.0")
    changed = await install_bundled(uow_factory, marker, worlds)

    assert (first.installed, first.current) == (["ember_hollow"], [])
    assert (again.installed, again.current) == ([], ["ember_hollow"])
    assert (changed.installed, changed.current) == (["ember_hollow"], [])
    assert "9.0.0" in (await versions(uow_factory))["ember_hollow"]


async def test_a_database_without_the_world_gets_it_again(
    uow_factory, worlds: dict[str, Path], tmp_path: Path
) -> None:
    marker = tmp_path / "marker.json"
    await install_bundled(InMemoryStore().unit_of_work, marker, worlds)  # another database

    done = await install_bundled(uow_factory, marker, worlds)

    assert done.installed == ["ember_hollow"]
    assert "ember_hollow" in await versions(uow_factory)


@pytest.mark.parametrize("content", ["{not json", '{"worlds": []}', ""])
async def test_a_damaged_marker_means_one_more_install(
    worlds: dict[str, Path], tmp_path: Path, content: str
) -> None:
    uow = InMemoryStore().unit_of_work
    marker = tmp_path / "marker.json"
    await install_bundled(uow, marker, worlds)
    marker.write_text(content, encoding="utf-8")

    assert (await install_bundled(uow, marker, worlds)).installed == ["ember_hollow"]
    assert (await install_bundled(uow, marker, worlds)).current == ["ember_hollow"]


async def test_a_refused_world_is_reported_and_tried_again(
    worlds: dict[str, Path], tmp_path: Path
) -> None:
    uow = InMemoryStore().unit_of_work
    marker = tmp_path / "marker.json"
    await install_bundled(uow, marker, worlds)
    # Same version, different content: the database refuses it (bump the version).
    meta = worlds["ember_hollow"] / "world.yaml"
    text = meta.read_text(encoding="utf-8")
    meta.write_text(text.replace("Cold Hearths", "Warm Hearths", 1), encoding="utf-8")

    for _ in range(2):
        done = await install_bundled(uow, marker, worlds)
        assert done.installed == [] and done.current == []
        assert [name for name, _ in done.skipped] == ["ember_hollow"]
        assert "already installed with different content" in done.skipped[0][1]


def test_the_fingerprint_follows_every_file(worlds: dict[str, Path]) -> None:
    folder = worlds["ember_hollow"]
    before = fingerprint(folder)
    assert fingerprint(folder) == before
    items = folder / "items.yaml"
    items.write_text(items.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    assert fingerprint(folder) != before
