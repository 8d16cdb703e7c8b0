"""Authors pin how things look and sound in YAML (``visual:``): the validator knows the
keys, finds a pinned picture missing from the world's folder, and a pinned picture is
shown instead of a generated one (and costs nothing)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from storyai.core import services
from storyai.core.domain.clock import Clock
from storyai.core.media import spec as specs
from storyai.core.media.fake import FakeImages, FakeSpeech, png
from storyai.core.media.router import MediaRouter
from storyai.core.media.service import MediaService
from storyai.core.media.store import InMemoryMediaStore
from storyai.core.media.voices import voice_for
from storyai.core.play import Play
from storyai.core.quotas import QuotaPolicy
from storyai.core.storage.memory import InMemoryStore
from storyai.core.worlds.validate import validate_path

WORLD = """\
format_version: 1
world:
  id: lighthouse
  title: "The Lighthouse"
  version: "1.0.0"
  visual: {style: "ink and watercolour", voice: fable}
rules: {system: d20}
start: {location: lamp_room, text: "The lamp turns."}
locations:
  lamp_room:
    name: The Lamp Room
    description: A brass lamp as tall as a man.
    characters: [keeper]
    visual: {image: pictures/lamp_room.png}
characters:
  keeper:
    name: Old Maud
    description: The keeper.
    visual:
      appearance: "a tall woman with a grey braid and a sea-green coat"
      seed: 77
      voice: onyx
lore:
  secret:
    title: The Truth
    keywords: [truth]
    text: The keeper drowned her brother under the pier on a moonless night.
    visibility: gm-only
archetypes:
  sailor:
    name: Sailor
    description: Salt in the beard.
    visual: {appearance: "weathered, in oilskins"}
"""


def _write(tmp_path: Path, text: str = WORLD, picture: bool = True) -> Path:
    tmp_path.mkdir(exist_ok=True)
    (tmp_path / "world.yaml").write_text(text, encoding="utf-8")
    if picture:
        (tmp_path / "pictures").mkdir()
        (tmp_path / "pictures" / "lamp_room.png").write_bytes(png(4, 4, b"\x10\x20\x30"))
    return tmp_path / "world.yaml"


def test_visual_keys_are_valid_and_their_words_make_the_spec(tmp_path: Path) -> None:
    report = validate_path(_write(tmp_path))
    assert report.ok, [p.format() for p in report.problems]
    world = report.world
    assert world is not None
    maud = specs.character_spec(world, "keeper")
    assert maud.seed == 77 and maud.style == "ink and watercolour"
    assert (
        maud.identity()
        == "Character: Old Maud. a tall woman with a grey braid and a sea-green coat"
    )
    assert specs.location_spec(world, "lamp_room").image == "pictures/lamp_room.png"
    assert voice_for(world, None, ("alloy", "onyx")) == "fable"
    assert voice_for(world, "Old Maud", ("alloy", "echo")) == "onyx"


def test_a_missing_picture_and_a_bad_key_are_errors_with_their_place(tmp_path: Path) -> None:
    report = validate_path(_write(tmp_path, picture=False))
    [missing] = [p for p in report.errors if "lamp_room.png" in p.message]
    assert "not in the world's folder" in missing.message and missing.line == 14
    text = WORLD.replace("seed: 77", "seed: -1").replace(
        "pictures/lamp_room.png", "../elsewhere.gif"
    )
    problems = " ".join(p.format() for p in validate_path(_write(tmp_path / "b", text)).errors)
    assert "seed" in problems and "png" in problems


def test_an_unknown_visual_key_gets_a_suggestion(tmp_path: Path) -> None:
    text = WORLD.replace("seed: 77", "sead: 77")
    report = validate_path(_write(tmp_path / "x", text))
    assert any("sead" in p.message for p in report.errors)


async def test_a_pinned_picture_is_shown_for_free_and_no_secret_is_ever_sent(tmp_path: Path):
    world = validate_path(_write(tmp_path)).world
    assert world is not None
    uow = InMemoryStore().unit_of_work
    await services.install_world(uow, world, source="test")
    clock = Clock(now=lambda: datetime(2026, 12, 7, tzinfo=UTC))
    play = Play(uow, clock=clock)
    sid = (await play.start("lighthouse", player_name="Ned", archetype="sailor", seed=1)).session_id
    images, speech = FakeImages(), FakeSpeech()
    media = MediaService(
        play,
        MediaRouter(images=[images], speech=[speech]),
        InMemoryMediaStore(),
        policy=QuotaPolicy(),
        clock=clock,
        world_folder=lambda _: tmp_path,
    )
    shown = await media.establishing(sid, "lamp_room", user="local")
    assert (
        shown.ok
        and shown.entry.credits == 0
        and shown.data == (tmp_path / "pictures" / "lamp_room.png").read_bytes()
    )
    assert images.requests == []
    portrait = await media.portrait(sid, user="local")
    assert "weathered, in oilskins" in images.requests[0].prompt
    assert portrait.entry.credits == 20
    await media.scene(
        sid, "Maud drowned her brother under the pier on a moonless night.", user="local"
    )
    assert all("brother" not in r.prompt for r in images.requests)
