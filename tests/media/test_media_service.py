"""The media use cases on a real story: portraits, scene pictures and voice lines, with
stable identity, the content-addressed store, credits the quotas count, failures that
never block a turn, and no secret in any prompt."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest

from storyai.core import services
from storyai.core.domain.clock import Clock
from storyai.core.domain.errors import ContentRefused, ProviderUnavailable
from storyai.core.domain.events import Line
from storyai.core.media.fake import FakeImages, FakeSpeech
from storyai.core.media.router import MediaRouter
from storyai.core.media.service import MediaService
from storyai.core.media.store import FileMediaStore
from storyai.core.play import Play
from storyai.core.play.quota import usage_report
from storyai.core.quotas import QuotaPolicy
from storyai.core.worlds.bundled import bundled_world_paths
from storyai.core.worlds.validate import load_world

WORLD = load_world(bundled_world_paths()["ember_hollow"])
NOW = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)
SECRET = "A fire-spirit named Cinder slept under the hill long before the founders came."


async def _no_sleep(_: float) -> None:
    return None


@pytest.fixture
async def story(uow_factory, tmp_path):
    await services.install_world(uow_factory, WORLD, source="bundled")
    clock = Clock(now=lambda: NOW)
    play = Play(uow_factory, clock=clock)
    started = await play.start("ember_hollow", player_name="Ash", seed=3, archetype="sellsword")
    images, speech = FakeImages(), FakeSpeech()
    router = MediaRouter(images=[images], speech=[speech], sleep=_no_sleep)
    media = MediaService(
        play, router, FileMediaStore(tmp_path / "media"), policy=QuotaPolicy(), clock=clock
    )
    return started.session_id, play, media, images, speech


async def _credits(play: Play, user: str = "local") -> int:
    report = await usage_report(play.uow, user=user, clock=Clock(now=lambda: NOW))
    return report.user.credits


async def test_a_portrait_at_creation_is_kept_charged_once_and_never_drawn_twice(story, tmp_path):
    sid, play, media, images, _ = story
    first = await media.portrait(sid, user="local")
    assert first.ok and first.path is not None and first.path.is_file()
    assert first.path.is_relative_to(tmp_path / "media") and first.path.suffix == ".png"
    assert first.entry.credits == 20 and await _credits(play) == 20
    assert "Character: Ash. A sellsword." in images.requests[0].prompt
    again = await media.portrait(sid, user="local")
    assert again.ok and again.entry.cached and again.entry.digest == first.entry.digest
    assert len(images.requests) == 1, "the same request is never sent twice"
    assert await _credits(play) == 20, "a picture from the store costs nothing"
    shown = await media.credits(sid)
    assert (shown.images, shown.credits, shown.reused) == (1, 20, 1)
    assert "1 image(s)" in shown.text() and "20 credits" in shown.text()


async def test_the_same_character_is_drawn_from_the_same_words_and_seed_for_a_long_story(story):
    sid, play, media, images, _ = story
    media.policy = QuotaPolicy(user_credits=None)
    first = await media.character_portrait(sid, "hesta", user="local")
    for moment in range(60):
        if moment % 10 == 0:
            await play.act(sid, "look")
        outcome = await media.scene(sid, f"the reeve counts hearths, moment {moment}", user="local")
        assert outcome.ok
    last = await media.character_portrait(sid, "hesta", user="local")
    assert last.entry.cached and last.entry.digest == first.entry.digest
    scenes = images.requests[1:]
    assert len(scenes) == 60
    identity = (
        "Character: Reeve Hesta. A narrow woman in a patched council coat, chalk dust on her "
        "fingers and a notched tally-stick tucked behind one ear."
    )
    assert identity in images.requests[0].prompt
    assert all(identity in r.prompt for r in scenes), "her look never drifts"
    assert len({r.prompt.split(" Scene: ")[0] for r in scenes}) == 1, "the place never drifts"
    assert len({r.seed for r in scenes}) == 1
    assert all(r.prompt.endswith(scenes[0].prompt.rsplit("Style: ", 1)[1]) for r in scenes)


async def test_later_pictures_of_a_character_are_drawn_from_its_first(story):
    sid, play, media, images, _ = story
    first = await media.portrait(sid, user="local")
    images.requests.clear()
    # a new request for the same subject (another size) carries the first as reference
    from storyai.core.media import spec as specs

    who, _state, world = await play.character(sid, user_ref="local")
    spec = specs.player_spec(world, who.id, who.sheet)
    outcome = await media._draw(
        sid, 1, "portrait", spec, world, user="local", guild=None, size="512x512"
    )
    assert outcome.ok
    assert images.requests[0].reference == first.entry.digest
    assert images.references[-1] is not None and images.references[-1].startswith(b"\x89PNG")


async def test_a_failed_or_refused_picture_never_blocks_the_turn_and_costs_nothing(story):
    sid, play, media, images, _ = story
    images.fail_next(ProviderUnavailable("down", provider="fake"), ProviderUnavailable("down"))
    failed = await media.portrait(sid, user="local")
    assert not failed.ok and "could not be made" in (failed.notice or "")
    images.fail_next(ContentRefused("fake-images: refused to make this", provider="fake"))
    refused = await media.scene(sid, "a duel", user="local")
    assert not refused.ok and "refused" in (refused.notice or "")
    assert await _credits(play) == 0
    told = await play.act(sid, "look")
    assert told.lines, "the story goes on"
    assert (await media.portrait(sid, user="local")).ok, "the picture comes later"


async def test_media_credits_count_against_the_daily_quota(story):
    sid, play, media, images, _ = story
    media.policy = QuotaPolicy(user_credits=25)
    assert (await media.portrait(sid, user="local")).ok  # 20 credits
    refused = await media.scene(sid, "the mine entrance", user="local")
    assert not refused.ok and "Not enough credits" in (refused.notice or "")
    assert "5 left" in (refused.notice or "")
    assert len(images.requests) == 1 and await _credits(play) == 20


class HeldImages(FakeImages):
    """Pictures that are only made once the test lets them (a slow provider)."""

    def __init__(self) -> None:
        super().__init__()
        self.go = asyncio.Event()

    async def generate(self, request, *, reference=None):
        self.requests.append(request)
        self.references.append(reference)
        await self.go.wait()
        return await FakeImages().generate(request, reference=reference)


async def _until(condition, what: str) -> None:
    for _ in range(2000):
        if condition():
            return
        await asyncio.sleep(0.005)
    raise AssertionError(f"timed out waiting for {what}")


async def test_two_pictures_at_once_never_share_the_last_credits(story, tmp_path):
    sid, play, media, _images, _ = story
    held = HeldImages()
    media.router = MediaRouter(images=[held], speech=[], sleep=_no_sleep)
    media.policy = QuotaPolicy(user_credits=25)  # one picture (20), not two
    first = asyncio.create_task(media.scene(sid, "the mine entrance", user="local"))
    await _until(lambda: len(held.requests) == 1, "the first picture to be asked for")
    second = asyncio.create_task(media.scene(sid, "the frozen square", user="local"))
    await _until(lambda: second.done() or len(held.requests) == 2, "the second to be decided")
    held.go.set()
    made, refused = await first, await second
    assert made.ok and not refused.ok and "Not enough credits" in (refused.notice or "")
    assert len(held.requests) == 1 and await _credits(play) == 20


async def test_no_secret_reaches_a_picture_or_a_voice(story):
    sid, _play, media, images, speech = story
    await media.scene(sid, f"The hall is dark. {SECRET} Snow falls.", user="local")
    await media.speak(sid, [Line("narration", f"You wait. {SECRET}")], user="local")
    prompts = [r.prompt for r in images.requests] + [r.text for r in speech.requests]
    assert prompts and all("fire-spirit" not in p and "Cinder" not in p for p in prompts)
    assert "Snow falls." in images.requests[0].prompt
    assert all("sk-" not in p for p in prompts)


async def test_each_speaker_keeps_a_voice_and_the_narrator_has_its_own(story):
    sid, _play, media, _, speech = story
    lines = [
        Line("narration", "The wind drops."),
        Line("dialogue", "Forty-one hearths.", speaker="Reeve Hesta"),
        Line("dialogue", "Charcoal, I say.", speaker="Brannock"),
        Line("dice", "1d20 = 12"),
    ]
    for _ in range(3):
        spoken = await media.speak(sid, lines, user="local")
        assert all(s.ok for s in spoken) and len(spoken) == 3
    assert len(speech.requests) == 3, "the same lines are said once, then found in the store"
    voices = {r.text: r.voice for r in speech.requests}
    assert voices["Forty-one hearths."] != voices["The wind drops."]
    more = await media.speak(sid, [Line("dialogue", "Clear?", speaker="Reeve Hesta")], user="local")
    assert more[0].ok and speech.requests[-1].voice == voices["Forty-one hearths."]
    shown = await media.credits(sid)
    assert shown.lines == 4 and shown.credits == 20  # 5 credits a short line


async def test_a_table_can_turn_pictures_off_and_opt_in_to_establishing_shots(story):
    sid, play, media, images, _ = story
    await media.set_prefs(sid, establishing=True)
    made = await media.after_turn(sid, user="local")
    assert [o.entry.kind for o in made if o.entry] == ["establishing"]
    assert (await media.after_turn(sid, user="local")) == [], "a place is shown once"
    await media.set_prefs(sid, images=False)
    await play.act(sid, "go north")
    assert await media.after_turn(sid, user="local") == []
    assert len(images.requests) == 1


async def test_table_choices_are_the_storys_whichever_process_reads_them(story, tmp_path):
    sid, play, media, images, speech = story
    # another bot process: its own media folder, the same database
    other = MediaService(
        play,
        MediaRouter(images=[images], speech=[speech], sleep=_no_sleep),
        FileMediaStore(tmp_path / "elsewhere"),
        policy=QuotaPolicy(),
        clock=media.clock,
    )
    await media.set_prefs(sid, establishing=True)
    assert (await other.prefs(sid)).establishing
    await asyncio.gather(media.mute(sid, "alice"), other.mute(sid, "bob"))
    assert (await media.prefs(sid)).muted == ("alice", "bob"), "two choices at once both stay"
    await other.mute(sid, "alice", muted=False)
    assert (await media.prefs(sid)).muted == ("bob",)


async def test_the_same_picture_asked_twice_at_once_is_made_and_charged_once(story):
    import asyncio

    sid, play, media, images, _ = story
    first, second = await asyncio.gather(
        media.character_portrait(sid, "hesta", user="local"),
        media.character_portrait(sid, "hesta", user="local"),
    )
    assert first.ok and second.ok and first.entry.digest == second.entry.digest
    assert len(images.requests) == 1 and await _credits(play) == 20
    assert media._locks == {}
