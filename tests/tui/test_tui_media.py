"""Pictures and voices in the TUI: a new character's portrait drawn in the log (half-block
mode: the same on every terminal, so it can be a snapshot), the turn's scene after it,
pictures off by setting, and reading aloud that stays silent, and says why, when there
is no voice or no audio player."""

from __future__ import annotations

from pathlib import Path

import pytest
from tui_helpers import settle, still, type_text

from storyai.core.media.fake import FakeImages, FakeSpeech, png
from storyai.core.media.router import MediaRouter
from storyai.core.media.service import MediaService
from storyai.core.media.store import InMemoryMediaStore
from storyai.core.play import Play
from storyai.core.quotas import QuotaPolicy
from storyai.tui.screens.play import PlayScreen
from storyai.tui.widgets.picture import PictureEntry, half_blocks


def media_for(play: Play, clock, images=None, speech=None) -> MediaService:
    router = MediaRouter(images=[images] if images else [], speech=[speech] if speech else [])
    return MediaService(play, router, InMemoryMediaStore(), policy=QuotaPolicy(), clock=clock)


async def create(pilot, name: str = "Wren") -> None:
    await settle(pilot)
    await type_text(pilot, name)
    await pilot.press("ctrl+s")
    await settle(pilot)


async def test_a_portrait_at_creation_is_drawn_in_half_blocks(
    make_app, memory_uow, clock, snapshot
):
    images = FakeImages(size=16)
    app = make_app(memory_uow, world_id="ember_hollow", image_mode="halfblock")
    app.deps.make_media = lambda: media_for(app.deps.play, clock, images)
    async with app.run_test(size=(80, 24)) as pilot:
        await create(pilot)
        play = app.screen
        assert isinstance(play, PlayScreen)
        pictures = list(play.query(PictureEntry))
        assert len(pictures) == 1 and pictures[0].caption == "Portrait: Wren"
        assert images.requests[0].prompt.startswith("Character: Wren.")
        blocks = str(pictures[0].query_one(".picture-blocks").render())
        assert blocks.count("▀") == 16 * 8  # 16x16 pixels, two a cell
        await still(pilot)
        snapshot(app, "play_portrait")


async def test_pictures_off_by_setting_and_a_failed_portrait_never_stops_play(
    make_app, memory_uow, clock
):
    from storyai.core.domain.errors import ProviderUnavailable

    images = FakeImages()
    app = make_app(memory_uow, world_id="ember_hollow", inline_images=False)
    app.deps.make_media = lambda: media_for(app.deps.play, clock, images)
    async with app.run_test(size=(80, 24)) as pilot:
        await create(pilot)
        assert not app.screen.query(PictureEntry) and images.requests == []

    images.fail_next(ProviderUnavailable("down"), ProviderUnavailable("down"))
    app = make_app(memory_uow, world_id="ember_hollow", image_mode="halfblock")
    app.deps.make_media = lambda: media_for(app.deps.play, clock, images)
    async with app.run_test(size=(80, 24)) as pilot:
        await create(pilot, "Ines")
        assert not app.screen.query(PictureEntry)
        await type_text(pilot, "look")
        await pilot.press("enter")
        await settle(pilot)
        assert app.screen.state is not None and app.screen.state.turn == 1


async def test_reading_aloud_says_what_is_missing_and_stays_silent(
    make_app, memory_uow, clock, monkeypatch: pytest.MonkeyPatch
):
    import storyai.tui.audio as audio

    speech = FakeSpeech()
    app = make_app(memory_uow, world_id="ember_hollow")
    app.deps.make_media = lambda: media_for(app.deps.play, clock, speech=speech)
    monkeypatch.setattr(audio, "PLAYERS", ())  # a machine with no audio player
    async with app.run_test(size=(80, 24)) as pilot:
        await create(pilot)
        play = app.screen
        assert isinstance(play, PlayScreen)
        play.toggle_aloud()
        await settle(pilot)
        assert not play.aloud
        assert any("No audio player found" in str(n.message) for n in app._notifications)
        await type_text(pilot, "look")
        await pilot.press("enter")
        await settle(pilot)
        assert speech.requests == [], "nothing is spoken (or charged) that nobody can hear"


def test_half_blocks_show_two_pixels_a_cell():
    blocks = half_blocks(png(4, 4, b"\xff\x00\x00"), width=4)
    assert blocks is not None and blocks.plain == "▀▀▀▀\n▀▀▀▀"
    style = blocks.spans[0].style
    assert not isinstance(style, str) and style.color is not None and style.bgcolor is not None
    assert style.color.get_truecolor() == (255, 0, 0) == style.bgcolor.get_truecolor()
    assert half_blocks(b"not a picture") is None


async def test_narration_is_read_aloud_in_each_speakers_voice_through_the_audio_player(
    make_app, memory_uow, clock, tmp_path, monkeypatch: pytest.MonkeyPatch
):
    from storyai.core.media.store import FileMediaStore

    played = tmp_path / "played.txt"
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    player = bin_dir / "aplay"  # a stand-in for alsa-utils' player: notes what it played
    player.write_text(f'#!/bin/sh\nfor last; do :; done\necho "$last" >> {played}\n')
    player.chmod(0o755)
    monkeypatch.setenv("PATH", f"{bin_dir}")
    speech = FakeSpeech()
    app = make_app(memory_uow, world_id="ember_hollow")
    store = FileMediaStore(tmp_path / "media")

    def media() -> MediaService:
        router = MediaRouter(speech=[speech])
        return MediaService(app.deps.play, router, store, policy=QuotaPolicy(), clock=clock)

    app.deps.make_media = media
    async with app.run_test(size=(80, 24)) as pilot:
        await create(pilot)
        play = app.screen
        assert isinstance(play, PlayScreen)
        play.toggle_aloud()
        assert play.aloud
        for text in ("look", "talk to hesta"):
            await type_text(pilot, text)
            await pilot.press("enter")
            await settle(pilot)
    files = played.read_text().split()
    assert len(files) == len(speech.requests) >= 2
    assert all(f.endswith(".wav") and (tmp_path / "media") in Path(f).parents for f in files)
    voices = {r.voice for r in speech.requests}
    assert len(voices) == 2, "the narrator and Hesta each have their own voice"
