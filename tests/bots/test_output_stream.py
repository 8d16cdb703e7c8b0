"""Streaming narration by editing messages, never faster than Discord allows.

Time is a fake clock: ``sleep`` advances it, and every send and edit is logged
with the time it happened, so the tests count updates exactly.
"""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator

import pytest

from storyai.bots.output.escape import escape_text
from storyai.bots.output.split import split_message
from storyai.bots.output.stream import LEFTOVER, MessageStreamer
from storyai.core.narrators.port import Narrator, NarratorReply, TextDelta, narrate

EPSILON = 1e-9


class FakeChannel:
    """Messages by index, each update logged as (time, kind, index, content)."""

    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []
        self.contents: list[str | None] = []
        self.log: list[tuple[float, str, int, str]] = []

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        assert seconds > 0
        self.sleeps.append(seconds)
        self.now += seconds

    async def send(self, content: str) -> int:
        assert 0 < len(content) <= 2000
        self.contents.append(content)
        self.log.append((self.now, "send", len(self.contents) - 1, content))
        return len(self.contents) - 1

    async def edit(self, message: int, content: str) -> None:
        assert 0 < len(content) <= 2000
        self.contents[message] = content
        self.log.append((self.now, "edit", message, content))

    async def delete(self, message: int) -> None:
        self.contents[message] = None
        self.log.append((self.now, "delete", message, ""))

    def streamer(self, **options) -> MessageStreamer[int]:
        return MessageStreamer(self.send, self.edit, clock=self.clock, sleep=self.sleep, **options)

    def kinds(self) -> list[str]:
        return [kind for _, kind, _, _ in self.log]

    def visible(self) -> list[str]:
        return [c for c in self.contents if c is not None]


def spaced(times: list[float], interval: float) -> bool:
    return all(b - a >= interval - EPSILON for a, b in itertools.pairwise(times))


def sentences(count: int, start: int = 0) -> list[str]:
    return [f"Sentence number {i} of the tale. " for i in range(start, start + count)]


async def test_deltas_between_edits_are_coalesced_into_one_edit() -> None:
    channel = FakeChannel()
    streamer = channel.streamer()
    for word in ["Once ", "upon ", "a ", "time ", "there ", "was "]:
        await streamer.push(word)
    assert channel.log == [(0.0, "send", 0, "Once")]  # the first delta goes out at once
    channel.now = 0.5
    await streamer.push("a ")
    channel.now = 1.1
    await streamer.push("lamp.")
    assert channel.kinds() == ["send"]  # too soon for an edit
    channel.now = 1.2
    await streamer.push(" It")
    assert channel.log[1:] == [(1.2, "edit", 0, "Once upon a time there was a lamp. It")]
    await streamer.finish()
    assert channel.kinds() == ["send", "edit"]  # nothing new to show: no final edit
    assert channel.sleeps == []


async def test_updates_are_never_closer_than_the_interval() -> None:
    channel = FakeChannel()
    streamer = channel.streamer(min_interval=1.2)
    for i, piece in enumerate(sentences(80)):
        channel.now = i * 0.25
        await streamer.push(piece)
    await streamer.finish()
    times = [t for t, _, _, _ in channel.log]
    assert spaced(times, 1.2)
    # 80 deltas over 20 s: an update at the first delta 1.2 s after the last one (every
    # 1.25 s), then the final edit 1.2 s after the last of those, not one per delta
    assert times == [k * 1.25 for k in range(16)] + [pytest.approx(18.75 + 1.2)]
    assert channel.visible() == split_message(escape_text("".join(sentences(80))))


async def test_no_more_than_max_edits_in_any_window() -> None:
    channel = FakeChannel()
    streamer = channel.streamer(min_interval=0, max_edits=3, window=5.0)
    for i in range(48):
        channel.now = i * 0.25
        await streamer.push(f"w{i} ")
    times = [t for t, _, _, _ in channel.log]
    assert times == [0.0, 0.25, 0.5, 5.0, 5.25, 5.5, 10.0, 10.25, 10.5]
    for t in times:
        assert sum(1 for u in times if t <= u < t + 5.0) <= 3


async def test_past_two_thousand_characters_the_stream_rolls_over() -> None:
    channel = FakeChannel()
    streamer = channel.streamer()
    text = ""
    for i, piece in enumerate(sentences(150)):  # about 5,000 characters
        channel.now = i * 0.5
        await streamer.push(piece)
        text += piece
    messages = await streamer.finish()
    expected = split_message(escape_text(text))
    assert len(expected) == 3
    assert messages == [0, 1, 2]
    assert channel.contents == expected
    # each message was sent once, and finished with an edit before the next one was sent
    sends = [i for i, (_, kind, _, _) in enumerate(channel.log) if kind == "send"]
    assert len(sends) == 3
    for index in (0, 1):
        before_next = [e for e in channel.log[: sends[index + 1]] if e[2] == index]
        assert before_next[-1][3] == expected[index]
    times = [t for t, _, _, _ in channel.log]
    assert spaced(times, 1.2)


async def test_finish_waits_for_the_interval_then_shows_the_final_content() -> None:
    channel = FakeChannel()
    streamer = channel.streamer()
    await streamer.push("The door")
    channel.now = 0.4
    await streamer.push(" opens.")
    final = "**Mara:** Welcome in.\n\n-# 🎲 Perception: 15"
    messages = await streamer.finish(final)
    assert messages == [0]
    assert channel.sleeps == [pytest.approx(0.8)]
    assert channel.log[-1] == (pytest.approx(1.2), "edit", 0, final)
    assert streamer.finished
    with pytest.raises(RuntimeError):
        await streamer.push("more")
    with pytest.raises(RuntimeError):
        await streamer.finish()


async def test_streamed_text_is_escaped() -> None:
    channel = FakeChannel()
    streamer = channel.streamer()
    await streamer.push("@everyone look: **not bold** <@&1>")
    assert channel.contents == [escape_text("@everyone look: **not bold** <@&1>")]
    assert "\\*\\*not bold\\*\\*" in channel.contents[0]


async def test_reset_starts_the_text_over() -> None:
    channel = FakeChannel()
    streamer = channel.streamer()
    await streamer.push("A first attempt that fails")
    streamer.reset()
    assert streamer.text == ""
    channel.now = 1.5
    await streamer.push("A fresh start.")
    await streamer.finish()
    assert channel.contents == ["A fresh start."]
    assert channel.kinds() == ["send", "edit"]


async def test_messages_left_over_after_a_reset_are_deleted_or_emptied() -> None:
    for delete in (True, False):
        channel = FakeChannel()
        options = {"delete": channel.delete} if delete else {}
        streamer = channel.streamer(**options)
        for i, piece in enumerate(sentences(100)):  # more than one message
            channel.now = i * 0.5
            await streamer.push(piece)
        assert len(channel.contents) == 2
        streamer.reset()
        await streamer.push("Short.")
        messages = await streamer.finish()
        if delete:
            assert messages == [0]
            assert channel.contents == ["Short.", None]
        else:
            assert messages == [0, 1]
            assert channel.contents == ["Short.", LEFTOVER]
        times = [t for t, _, _, _ in channel.log]
        assert spaced(times, 1.2)


class ScriptedNarrator(Narrator):
    name = "scripted"

    def __init__(self, chunks: list[TextDelta | NarratorReply]) -> None:
        self.chunks = chunks

    async def stream(self, request) -> AsyncIterator[TextDelta | NarratorReply]:
        for chunk in self.chunks:
            yield chunk


async def test_a_streamer_is_the_on_text_callback_of_a_narration() -> None:
    channel = FakeChannel()
    streamer = channel.streamer()
    narrator = ScriptedNarrator(
        [
            TextDelta("The provider fails mid"),
            TextDelta("", reset=True),
            TextDelta("The fallback tells it whole."),
            NarratorReply(narrative="The fallback tells it whole.", lines=[]),
        ]
    )
    await narrate(narrator, None, on_text=streamer)  # type: ignore[arg-type]
    channel.now = 2.0
    await streamer.finish()
    assert channel.contents == ["The fallback tells it whole."]


def test_bad_rate_settings_are_refused() -> None:
    channel = FakeChannel()
    with pytest.raises(ValueError):
        channel.streamer(max_edits=0)
    with pytest.raises(ValueError):
        channel.streamer(window=0)


async def test_the_last_messages_final_edit_goes_through_last_edit_once_within_limits():
    channel = FakeChannel()
    stream = channel.streamer(min_interval=1.0)
    await stream.push("The door creaks.")
    finals: list[tuple[float, int, str]] = []

    async def last_edit(message: int, content: str) -> None:
        finals.append((channel.now, message, content))
        channel.contents[message] = content

    await stream.finish("The door creaks.\n\n-# It is Bob's turn.", last_edit=last_edit)
    assert finals == [(1.0, 0, "The door creaks.\n\n-# It is Bob's turn.")]
    assert channel.kinds() == ["send"], "the footer came with last_edit, not a second edit"

    unchanged = FakeChannel()
    stream = unchanged.streamer(min_interval=1.0)
    await stream.push("Quiet.")
    calls: list[str] = []

    async def only_buttons(message: int, content: str) -> None:
        calls.append(content)

    await stream.finish("Quiet.", last_edit=only_buttons)
    assert calls == ["Quiet."] and unchanged.now == 1.0, "called once, after min_interval"
