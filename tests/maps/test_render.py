"""Maps drawn: SVG compared with stored files, fog of war never drawing an unknown
place, the party marked, locked doors shown; PNG with Pillow, a clear error without."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from storyai.core import services
from storyai.core.domain.errors import UsageError
from storyai.core.maps import png
from storyai.core.maps.svg import render_svg
from storyai.core.maps.text import render_text
from storyai.core.maps.view import world_map
from storyai.core.play import Play
from storyai.core.worlds.bundled import bundled_world_paths
from storyai.core.worlds.validate import load_world

DATA = Path(__file__).parent / "data"
KEEP = load_world(DATA / "keep")


def _same_as_stored(svg: str, name: str) -> None:
    stored = DATA / name
    if os.environ.get("STORYAI_UPDATE_GOLDEN"):
        stored.write_text(svg, encoding="utf-8")
    assert svg == stored.read_text(encoding="utf-8"), f"{name} changed; look at it, then update"


def test_the_authors_map_is_the_stored_svg() -> None:
    svg = render_svg(world_map(KEEP, here="gate"))
    _same_as_stored(svg, "keep_author.svg")
    assert svg == render_svg(world_map(KEEP, here="gate")), "deterministic"
    assert svg.count('class="place') == 6 and svg.count('class="place here"') == 1
    assert 'class="way locked"' not in svg  # the locked way is to another map: listed
    assert "Yard —down (locked)→ Cellar (The Cellar)" in svg


def test_fog_of_war_draws_only_known_places_and_ways_between_them() -> None:
    view = world_map(KEEP, known=["gate", "yard"], here="yard")
    svg = render_svg(view)
    _same_as_stored(svg, "keep_fog.svg")
    assert view.place_ids == {"gate", "yard"}
    for hidden in ("Tower", "Secret Room", "Cellar", "Wine Vault", "tower", "cellar"):
        assert hidden not in svg
        assert hidden not in render_text(view)
    assert "#...#" not in render_text(view), "an author's drawing shows unknown places"
    assert [s.id for s in view.sheets] == ["grounds"]


def test_a_hidden_exit_is_never_drawn_and_a_locked_door_is() -> None:
    known = ["yard", "tower", "secret_room", "cellar"]
    view = world_map(KEEP, known=known, here="tower")
    grounds = view.sheets[0]
    assert {frozenset((d.a, d.b)) for d in grounds.doors} >= {frozenset(("yard", "tower"))}
    # the secret room's own way back is not hidden, so the pair is drawn from that side
    view = world_map(KEEP, known=["tower", "secret_room"], here="tower")
    assert any(d.a == "secret_room" for d in view.sheets[0].doors)
    locked = world_map(KEEP, known=known, here="yard").sheets[0].links
    assert [(lk.to_place, lk.locked) for lk in locked] == [("cellar", True)]
    opened = world_map(KEEP, known=known, here="yard", locked=lambda requires: False)
    assert [lk.locked for lk in opened.sheets[0].links] == [False]
    text = render_text(world_map(KEEP, known=known, here="yard"))
    assert "◆Yard" in text and "─down (locked)→ Cellar" in text


def test_png_with_pillow_and_a_clear_error_without(monkeypatch: pytest.MonkeyPatch) -> None:
    view = world_map(KEEP, here="gate")
    if png.png_available():
        data = png.render_png(view)
        assert data.startswith(b"\x89PNG\r\n\x1a\n")
        from io import BytesIO

        from PIL import Image

        image = Image.open(BytesIO(data)).convert("RGB")
        assert png.PARTY in {
            image.getpixel((x, y)) for x in range(image.width) for y in range(0, image.height, 2)
        }
    monkeypatch.setattr(png, "png_available", lambda: False)
    with pytest.raises(UsageError, match="need Pillow"):
        png.render_png(view)


async def test_a_storys_map_is_what_its_player_found(uow_factory) -> None:
    world = load_world(bundled_world_paths()["ember_hollow"])
    await services.install_world(uow_factory, world, source="bundled")
    play = Play(uow_factory)
    sid = (await play.start("ember_hollow", player_name="Ash", seed=3)).session_id
    first = await play.map(sid)
    codex = await play.codex(sid)
    assert first.place_ids == codex.ids("place") and first.here == "village_square"
    assert "deep_gallery" not in first.place_ids and first.fog
    await play.act(sid, "go north")
    after = await play.map(sid)
    assert after.here == "mine_road" and "mine_road" in after.place_ids
    svg = render_svg(after)
    assert re.search(r'class="place here" id="place-mine_road"', svg)
    assert "Deep Gallery" not in svg and "Heart Chamber" not in svg


def test_a_hidden_way_is_drawn_once_the_viewer_can_take_it() -> None:
    world = KEEP.model_copy(deep=True)
    world.locations["secret_room"].exits = {}  # the hidden way is the only one
    known = ["tower", "secret_room"]
    shut = world_map(world, known=known, here="tower", locked=lambda requires: True)
    opened = world_map(world, known=known, here="tower", locked=lambda requires: False)
    author = world_map(world)
    assert shut.sheets[0].doors == () and author.sheets[0].doors != ()
    assert not any({d.a, d.b} == {"tower", "secret_room"} for d in author.sheets[0].doors)
    assert [(d.a, d.b) for d in opened.sheets[0].doors] == [("tower", "secret_room")]
