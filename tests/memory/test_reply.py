"""Reading model replies: the narrative streams out of half-written JSON, and
broken replies are either read anyway or refused with a reason to repair."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from storyai.core.narrators.reply import NarrativeStream, ReplyError, close_cut, parse_reply

REPLY = {
    "narrative": 'The wolf yelps. "Go home," says Hesta.\nSnow falls — é, 😀, \\ done.',
    "dialogue": [{"speaker": "hesta", "text": "Go home."}],
    "choices": [{"id": "a", "text": "Follow the tracks"}],
    "state_changes": {"location": None},
    "check": None,
    "media_hints": {"image_prompt": "", "ambient_audio": ""},
}


@given(
    cuts=st.lists(st.integers(min_value=1, max_value=400), max_size=40),
    ascii_only=st.booleans(),
)
def test_the_narrative_streams_whole_however_the_reply_is_cut(cuts, ascii_only):
    raw = json.dumps(REPLY, ensure_ascii=ascii_only)
    points = sorted({c for c in cuts if c < len(raw)})
    pieces = [raw[a:b] for a, b in zip([0, *points], [*points, len(raw)], strict=True)]
    stream = NarrativeStream()
    streamed = "".join(stream.feed(p) for p in pieces)
    assert streamed == REPLY["narrative"]
    assert stream.complete


def test_plain_prose_replies_stream_as_they_are():
    stream = NarrativeStream()
    assert stream.feed("The door ") + stream.feed("creaks open.") == "The door creaks open."


def test_a_fenced_reply_with_prose_around_it_is_read():
    raw = "Sure! Here is the turn:\n```json\n" + json.dumps(REPLY) + "\n```\nEnjoy."
    parsed = parse_reply(raw)
    assert parsed.narrative.startswith("The wolf yelps.")
    assert parsed.choices == [{"id": "a", "text": "Follow the tracks"}]


def test_raw_newlines_and_trailing_commas_are_forgiven():
    raw = '{"narrative": "Line one\nline two", "choices": [{"id": "a", "text": "Run"},],}'
    parsed = parse_reply(raw)
    assert parsed.narrative == "Line one\nline two"
    assert parsed.choices[0]["text"] == "Run"


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("I cannot do that.", "not a JSON object"),
        ('{"narrative": "The wolf', "cut off"),
        ('{"dialogue": []}', 'no "narrative"'),
        ('{"narrative": "   "}', 'no "narrative"'),
        ('{"narrative": "x" "y"}', "not valid JSON"),
    ],
)
def test_unusable_replies_are_refused_with_a_reason(raw, reason):
    with pytest.raises(ReplyError) as caught:
        parse_reply(raw)
    assert reason in caught.value.message


def test_wrong_types_inside_a_reply_are_dropped_not_trusted():
    parsed = parse_reply(
        json.dumps(
            {
                "narrative": "Ok.",
                "dialogue": "hesta says hi",
                "choices": [{"id": 1, "text": "Go"}, "bad", {"text": ""}],
                "check": {"skill": "perception", "difficulty": True},
                "media_hints": ["x"],
            }
        )
    )
    assert parsed.dialogue == []
    assert parsed.choices == [{"id": "1", "text": "Go"}]
    assert parsed.check == {"skill": "perception", "difficulty": None, "reason": ""}
    assert parsed.media_hints == {}


def test_a_small_models_defaults_in_a_reply_mean_nothing():
    parsed = parse_reply(
        json.dumps(
            {
                "narrative": "Hesta shrugs.",
                "dialogue": [{"speaker": "speaker", "text": "text"}, {"speaker": "", "text": ""}],
                "choices": [{"id": "id", "text": "text"}, {"id": "a", "text": "Go north"}],
                "check": {"skill": "", "difficulty": 0, "reason": ""},
                "media_hints": {"image_prompt": "string", "ambient_audio": ""},
            }
        )
    )
    assert parsed.dialogue == []
    assert parsed.choices == [{"id": "a", "text": "Go north"}]
    assert parsed.check is None
    assert parsed.media_hints == {}


def test_the_formats_own_word_is_not_a_narrative():
    with pytest.raises(ReplyError) as caught:
        parse_reply('{"narrative": "narrative", "dialogue": []}')
    assert "not the story" in caught.value.message


@pytest.mark.parametrize(
    ("cut", "closed"),
    [
        (
            '{"narrative": "Dusk.", "dialogue": [{"speaker": "a", "text": "Hi."}, {"speaker": "a", '
            '"te',
            '{"narrative": "Dusk.", "dialogue": [{"speaker": "a", "text": "Hi."}]}',
        ),
        ('{"narrative": "Dusk.", "choices": [', '{"narrative": "Dusk."}'),
        ('{"narrative": "Dusk.", "dialo', '{"narrative": "Dusk."}'),
        (
            '{"narrative": "Dusk.", "state_changes": {"gold": null, "lore": ["a", "b',
            '{"narrative": "Dusk.", "state_changes": {"gold": null, "lore": ["a"]}}',
        ),
        ('{"narrative": "Dusk.", "check": nu', '{"narrative": "Dusk."}'),
        ('{"narrative": "Dusk \\"at', None),
        ('{"narrative": "Dusk.", "x": 1}', '{"narrative": "Dusk.", "x": 1}'),
    ],
)
def test_a_cut_reply_is_closed_after_its_last_whole_part(cut, closed):
    assert close_cut(cut) == closed
    if closed:
        assert parse_reply(closed).narrative == "Dusk."
