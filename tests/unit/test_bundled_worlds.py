"""Every world in content/ loads and validates cleanly, and the bundled pair meets the brief."""

from __future__ import annotations

import pytest

from storyai.core.domain.world import World
from storyai.core.worlds.bundled import bundled_world_paths
from storyai.core.worlds.mapgrid import draw, layout
from storyai.core.worlds.validate import validate_path

WORLDS = bundled_world_paths()


def test_worlds_ship_with_the_package() -> None:
    assert len(WORLDS) >= 2


@pytest.mark.parametrize("name", sorted(WORLDS))
def test_bundled_world_is_valid_without_warnings(name: str) -> None:
    report = validate_path(WORLDS[name])
    assert report.ok, [p.format() for p in report.problems]
    assert report.warnings == [], [p.format() for p in report.warnings]
    assert report.world is not None and report.world.id == name
    assert len(report.files) > 1  # a folder whose files merge


def _load(name: str) -> World:
    world = validate_path(WORLDS[name]).world
    assert world is not None
    return world


def _ending_choice(world: World) -> bool:
    """The main quest has endings that depend on different conditions."""
    main = [q for q in world.quests.values() if q.main]
    return any(len({str(e.requires) for e in q.endings}) >= 2 for q in main)


def test_one_fantasy_world_for_d20_rules() -> None:
    worlds = [w for w in map(_load, WORLDS) if w.rules.system == "d20"]
    assert worlds
    w = worlds[0]
    npcs = [c for c in w.characters.values() if c.kind == "npc"]
    assert len(w.locations) >= 6 and len(npcs) >= 5 and len(w.items) >= 8
    assert len(w.quests) >= 2 and _ending_choice(w)
    assert len({c.voice for c in npcs}) == len(npcs)  # distinct voices


def test_one_world_for_percentile_rules() -> None:
    worlds = [w for w in map(_load, WORLDS) if w.rules.system == "percentile"]
    assert worlds and _ending_choice(worlds[0])


@pytest.mark.parametrize("name", sorted(WORLDS))
def test_locked_exits_show_on_the_map(name: str) -> None:
    w = _load(name)
    exits = {
        lid: {d: (e.to, e.requires is not None) for d, e in loc.exits.items()}
        for lid, loc in w.locations.items()
    }
    text = draw(layout(exits, w.start.location), {k: v.name for k, v in w.locations.items()})
    locked = sum(1 for loc in w.locations.values() for e in loc.exits.values() if e.requires)
    assert locked and ("#" in text or "(locked)" in text)
