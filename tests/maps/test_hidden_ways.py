"""A hidden way stays off every map until the player finds it, then shows on all of
them: the side panel's map (F2), the story's maps (F5, `storyai map show`) as text and
SVG. Played for real with the offline game master."""

from __future__ import annotations

from pathlib import Path

import pytest

from storyai.core import services
from storyai.core.domain.world import Exit, Phrase, World
from storyai.core.maps.svg import render_svg
from storyai.core.maps.text import render_text
from storyai.core.play import Play
from storyai.core.views.player import player_view
from storyai.core.worlds.validate import load_world

KEEP = load_world(Path(__file__).parent / "data" / "keep")


def _keep(*, authored_maps: bool) -> World:
    """The keep, whose tower hides a door north to the secret room: found by saying
    "open" in the tower (a flag), and the only way there."""
    world = KEEP.model_copy(deep=True)
    tower = world.locations["tower"]
    tower.exits["north"] = Exit.model_validate(
        {"to": "secret_room", "hidden": True, "requires": {"flag": "door_found"}}
    )
    tower.phrases = [
        Phrase.model_validate(
            {
                "says": ["open"],
                "text": "A stone sighs aside: a door, north.",
                "effects": [{"type": "set_flag", "flag": "door_found"}],
            }
        )
    ]
    if not authored_maps:  # every place laid out from its compass exits
        world.maps = {}
        for loc in world.locations.values():
            loc.map = None
    return world


@pytest.mark.parametrize("authored_maps", [True, False], ids=["authored", "laid-out"])
async def test_a_hidden_way_shows_on_every_map_once_found(uow_factory, authored_maps) -> None:
    world = _keep(authored_maps=authored_maps)
    await services.install_world(uow_factory, world, source="test")
    play = Play(uow_factory)
    started = await play.start("keep", player_name="Ash", archetype="knight", seed=3)
    sid = started.session_id
    await play.act(sid, "go north")
    before = await play.act(sid, "go east")
    assert "Tower" in player_view(before.state, world).location.name

    side = player_view(before.state, world, map_width=16).map_text
    story_map = await play.map(sid)
    assert "Tower" in side and "Secret Room" not in side
    assert "secret_room" not in story_map.place_ids
    assert "Secret Room" not in render_text(story_map)
    assert "Secret Room" not in render_svg(story_map)

    found = await play.act(sid, "say open")
    assert found.understood and "a door, north" in " ".join(line.text for line in found.lines)
    side = player_view(found.state, world, map_width=16).map_text
    story_map = await play.map(sid)
    assert "Secret Room" in side
    assert "secret_room" in story_map.place_ids
    doors = {frozenset((d.a, d.b)) for s in story_map.sheets for d in s.doors}
    assert frozenset(("tower", "secret_room")) in doors  # the way itself, not only the room
    assert "Secret Room" in render_text(story_map)
    assert "Secret Room" in render_svg(story_map)
    codex = await play.codex(sid)
    assert "secret_room" in codex.ids("place")
