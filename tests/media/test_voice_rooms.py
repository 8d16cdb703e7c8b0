"""The GM in a voice channel, over the in-memory ``VoicePlayer``: the host invites it,
told turns are said line by line in order in each speaker's voice and charged like
every voice line, it leaves when its channel empties of humans, and a failure to
join or to speak is a notice that never holds up a turn."""

from __future__ import annotations

import io
import wave
from datetime import UTC, datetime

import pytest

from storyai.core import services
from storyai.core.domain.clock import Clock
from storyai.core.domain.errors import HostOnly, ProviderUnavailable, VoiceChannelError
from storyai.core.domain.events import Line
from storyai.core.media.fake import FakeSpeech
from storyai.core.media.port import Media, SpeechRequest
from storyai.core.media.router import MediaRouter
from storyai.core.media.service import MediaService
from storyai.core.media.store import FileMediaStore
from storyai.core.media.voice_fake import FakeVoicePlayer
from storyai.core.media.voice_room import VoiceRooms
from storyai.core.play import Play
from storyai.core.play.quota import usage_report
from storyai.core.worlds.bundled import bundled_world_paths
from storyai.core.worlds.validate import load_world

WORLD = load_world(bundled_world_paths()["ember_hollow"])
NOW = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)
LINES = [
    Line("narration", "The wind drops."),
    Line("dialogue", "Forty-one hearths.", speaker="Reeve Hesta"),
    Line("dice", "1d20 = 12"),
    Line("dialogue", "Charcoal, I say.", speaker="Brannock"),
]


class WordSpeech(FakeSpeech):
    """Fake speech whose WAV frames are the words said (so a test can tell lines apart)."""

    async def synthesize(self, request: SpeechRequest) -> Media:
        made = await super().synthesize(request)
        words = f"{request.voice}: {request.text}".encode()
        out = io.BytesIO()
        with wave.open(out, "wb") as handle:
            handle.setnchannels(1)
            handle.setsampwidth(1)
            handle.setframerate(8000)
            handle.writeframes(words)
        return Media(out.getvalue(), made.mime, made.provider, made.model)


async def _no_sleep(_: float) -> None:
    return None


@pytest.fixture
async def voice(uow_factory, tmp_path):
    await services.install_world(uow_factory, WORLD, source="bundled")
    clock = Clock(now=lambda: NOW)
    play = Play(uow_factory, clock=clock)
    started = await play.start("ember_hollow", player_name="Ash", seed=3, archetype="sellsword")
    speech = WordSpeech()
    router = MediaRouter(images=[], speech=[speech], sleep=_no_sleep)
    media = MediaService(play, router, FileMediaStore(tmp_path / "media"), clock=clock)
    player = FakeVoicePlayer()
    rooms = VoiceRooms(media, player)
    yield started.session_id, play, media, speech, player, rooms
    await rooms.close()


def _said(audio: bytes) -> str:
    """The words the fake speech put in a WAV (its frames are the text's bytes)."""
    with wave.open(io.BytesIO(audio)) as handle:
        return handle.readframes(handle.getnframes()).decode("utf-8", "replace")


async def test_the_host_invites_the_gm_and_each_told_turn_is_said_in_order(voice):
    sid, play, media, speech, player, rooms = voice
    room = await rooms.join(sid, user="local", guild="g1", channel="v1")
    assert player.joined == [("g1", "v1")] and rooms.room("g1") is room
    assert rooms.tell("g1", sid, LINES, user="local")
    assert rooms.tell("g1", sid, [Line("narration", "Snow falls.")], user="local")
    await rooms.settled()
    said = [_said(p.audio) for p in player.played]
    voices = {r.text: r.voice for r in speech.requests}
    assert [s.split(": ", 1)[1] for s in said] == [
        "The wind drops.",
        "Forty-one hearths.",
        "Charcoal, I say.",
        "Snow falls.",
    ], "narration and dialogue, in order, turn after turn; dice are not said"
    assert said[0].startswith(voices["The wind drops."]) and said[1].startswith(
        voices["Forty-one hearths."]
    )
    assert voices["Forty-one hearths."] != voices["The wind drops."] == voices["Snow falls."]
    assert all(p.mime == "audio/wav" and p.channel == "v1" for p in player.played)
    report = await usage_report(play.uow, user="local", clock=Clock(now=lambda: NOW))
    assert report.user.credits == 20, "four short voice lines, 5 credits each"
    assert (await media.credits(sid)).lines == 4


async def test_nothing_is_said_for_another_story_or_a_server_the_gm_is_not_in(voice):
    sid, _play, _media, _speech, player, rooms = voice
    assert not rooms.tell("g1", sid, LINES, user="local"), "not invited yet"
    await rooms.join(sid, user="local", guild="g1", channel="v1")
    assert not rooms.tell("g2", sid, LINES, user="local")
    assert not rooms.tell("g1", "another-story", LINES, user="local")
    await rooms.settled()
    assert player.played == []


async def test_it_leaves_when_its_channel_empties_of_humans_and_when_asked(voice):
    sid, _play, _media, _speech, player, rooms = voice
    await rooms.join(sid, user="local", guild="g1", channel="v1")
    assert not await rooms.emptied("g1", "v1", humans=1), "someone is still listening"
    assert not await rooms.emptied("g1", "v2", humans=0), "another channel emptied"
    assert await rooms.emptied("g1", "v1", humans=0)
    assert player.left == [("g1", "v1")] and rooms.room("g1") is None
    assert not rooms.tell("g1", sid, LINES, user="local")
    await rooms.join(sid, user="local", guild="g1", channel="v1")
    assert await rooms.leave("g1", session_id=sid, user="local")
    assert not await rooms.leave("g1", session_id=sid, user="local"), "already out"
    assert player.left == [("g1", "v1"), ("g1", "v1")]


async def test_asked_into_another_channel_it_moves(voice):
    sid, _play, _media, _speech, player, rooms = voice
    await rooms.join(sid, user="local", guild="g1", channel="v1")
    again = await rooms.join(sid, user="local", guild="g1", channel="v1")
    assert player.joined == [("g1", "v1")], "asked twice into the same channel: one join"
    await rooms.join(sid, user="local", guild="g1", channel="v2")
    assert player.joined == [("g1", "v1"), ("g1", "v2")] and player.left == [("g1", "v1")]
    assert rooms.room("g1").channel == "v2" and again.channel == "v1"


async def test_only_the_host_invites_and_only_from_a_voice_channel(voice):
    sid, play, _media, _speech, player, rooms = voice
    await play.join(sid, user_ref="u2", name="Wren")
    with pytest.raises(HostOnly, match="Only the host"):
        await rooms.join(sid, user="u2", guild="g1", channel="v1")
    with pytest.raises(VoiceChannelError, match="Join a voice channel first"):
        await rooms.join(sid, user="local", guild="g1", channel=None)
    player.fail_join(VoiceChannelError("Could not connect to the voice channel (timed out)."))
    with pytest.raises(VoiceChannelError, match="timed out"):
        await rooms.join(sid, user="local", guild="g1", channel="v1")
    assert rooms.room("g1") is None and player.joined == []
    await rooms.join(sid, user="local", guild="g1", channel="v1")
    with pytest.raises(HostOnly):
        await rooms.leave("g1", session_id=sid, user="u2")
    assert rooms.room("g1") is not None


async def test_a_line_that_cannot_be_made_or_played_is_a_private_notice(voice):
    sid, _play, _media, speech, player, rooms = voice
    notices: list[str] = []

    async def notify(text: str) -> None:
        notices.append(text)

    await rooms.join(sid, user="local", guild="g1", channel="v1")
    speech.fail_next(*[ProviderUnavailable("down", provider="fake-speech")] * 5)
    assert rooms.tell("g1", sid, LINES[:2], user="local", notify=notify)
    await rooms.settled()
    assert len(notices) == 1 and player.played == []
    assert "could not be made" in notices[0], notices
    speech.failures.clear()
    player.fail_play(VoiceChannelError("The voice connection dropped."))
    rooms.tell("g1", sid, [Line("narration", "Later.")], user="local", notify=notify)
    rooms.tell("g1", sid, [Line("narration", "Later still.")], user="local", notify=notify)
    await rooms.settled()
    assert notices[1] == "The voice channel: The voice connection dropped."
    assert [_said(p.audio).split(": ", 1)[1] for p in player.played] == ["Later still."]


async def test_a_table_without_voices_or_a_muted_teller_is_not_spoken(voice):
    sid, _play, media, _speech, player, rooms = voice
    await rooms.join(sid, user="local", guild="g1", channel="v1")
    await media.mute(sid, "local")
    rooms.tell("g1", sid, LINES, user="local")
    await rooms.settled()
    assert player.played == []
    await media.set_prefs(sid, voice=False)
    await rooms.leave("g1", session_id=sid, user="local")
    with pytest.raises(VoiceChannelError, match="Voices are off"):
        await rooms.join(sid, user="local", guild="g1", channel="v1")


async def test_two_turns_told_at_once_are_said_one_after_the_other(voice):
    sid, _play, _media, _speech, player, rooms = voice
    await rooms.join(sid, user="local", guild="g1", channel="v1")
    first = [Line("narration", f"First {i}.") for i in range(3)]
    second = [Line("narration", f"Second {i}.") for i in range(3)]
    rooms.tell("g1", sid, first, user="local")
    rooms.tell("g1", sid, second, user="local")
    await rooms.settled()
    said = [_said(p.audio).split(": ", 1)[1] for p in player.played]
    assert said == [line.text for line in first + second]
