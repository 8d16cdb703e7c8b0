"""Long text splits at Discord's limits without breaking words or Markdown."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from storyai.bots.output.escape import escape_text
from storyai.bots.output.split import (
    EmbedField,
    clip_markdown,
    pack_fields,
    split_embed_description,
    split_message,
)


def words_of(text: str) -> list[str]:
    """The words of a text, with every Markdown marker this test suite uses taken out."""
    text = re.sub(r"```[a-z]*", " ", text)
    return text.replace("*", " ").replace("||", " ").split()


def single_stars(chunk: str) -> int:
    return len(re.findall(r"(?<!\*)\*(?!\*)", chunk))


# --------------------------------------------------------------- examples


def test_short_text_is_one_chunk_and_blank_text_none() -> None:
    assert split_message("  hello  ") == ["hello"]
    assert split_message(" \n\n ") == []
    assert split_message("") == []


def test_limits_below_the_minimum_are_refused() -> None:
    with pytest.raises(ValueError):
        split_message("x" * 500, limit=20)


def test_paragraphs_are_kept_whole_when_they_fit() -> None:
    paragraphs = [f"Paragraph {i}. " + "word " * 60 for i in range(6)]
    text = "\n\n".join(p.strip() for p in paragraphs)
    chunks = split_message(text, limit=700)
    assert all(len(c) <= 700 for c in chunks)
    # every chunk is a run of whole paragraphs
    for chunk in chunks:
        for part in chunk.split("\n\n"):
            assert part.startswith("Paragraph ") and part.endswith("word")


def test_a_line_break_beats_a_sentence_and_a_sentence_beats_a_space() -> None:
    line_text = ("alpha " * 30).strip() + "\n" + ("beta " * 30).strip() + " " + "gamma " * 30
    assert split_message(line_text, limit=200)[0] == ("alpha " * 30).strip()
    sentence_text = ("alpha " * 30).strip() + ". " + "beta " * 60
    assert split_message(sentence_text, limit=250)[0] == ("alpha " * 30).strip() + "."


def test_a_tiny_leading_paragraph_is_not_a_message_of_its_own() -> None:
    text = "Hi.\n\n" + " ".join(["word"] * 200)
    first = split_message(text, limit=300)[0]
    assert first.startswith("Hi.\n\nword word")
    assert len(first) > 200


def test_only_a_word_longer_than_the_limit_is_cut() -> None:
    text = "short words " + "x" * 450 + " more words"
    chunks = split_message(text, limit=200)
    assert all(len(c) <= 200 for c in chunks)
    assert chunks[0] == "short words"
    assert "".join(chunks[1:-1]) + chunks[-1].split(" ")[0] == "x" * 450
    assert chunks[-1].endswith(" more words")


def test_an_open_code_fence_is_closed_and_reopened_with_its_language() -> None:
    code = "\n".join(f"    value_{i} = compute({i})" for i in range(60))
    text = f"Before.\n\n```python\n{code}\n```\nAfter."
    chunks = split_message(text, limit=400)
    assert len(chunks) > 2
    for chunk in chunks:
        assert chunk.count("```") % 2 == 0, chunk
    for chunk in chunks[1:]:
        if "value_" in chunk.split("\n")[1 if chunk.startswith("```") else 0]:
            assert chunk.startswith("```python\n    value_"), chunk  # indentation kept
    for chunk in chunks[:-1]:
        if "value_" in chunk:
            assert chunk.endswith("\n```")
    joined = "\n".join(chunks)
    assert all(f"value_{i} = compute({i})" in joined for i in range(60))


def test_a_bold_span_cut_in_two_is_closed_and_reopened() -> None:
    text = "Start **" + " ".join(f"w{i}" for i in range(100)) + "** end."
    chunks = split_message(text, limit=150)
    assert len(chunks) >= 3
    for chunk in chunks:
        assert chunk.count("**") % 2 == 0, chunk
    assert chunks[1].startswith("**w") and chunks[1].endswith("**")


def test_spans_are_never_left_empty_on_either_side_of_a_cut() -> None:
    text = "lead " * 25 + "*" + " ".join(["slant"] * 40) + "*"
    for chunk in split_message(text, limit=120):
        assert "**" not in chunk, chunk  # an empty "*" + "*" pair would show as "**"
        assert single_stars(chunk) % 2 == 0


def test_escapes_and_emoji_are_never_cut_apart() -> None:
    escaped = escape_text("*" * 1500)  # one long "word" of \* pairs
    for chunk in split_message(escaped, limit=333):
        assert chunk.count("\\") == chunk.count("*"), chunk
    family = "👨\u200d👩\u200d👧" * 200
    for chunk in split_message(family, limit=101):
        assert not chunk.startswith("\u200d") and not chunk.endswith("\u200d")


def test_a_cut_inside_a_quote_or_subtext_line_repeats_its_marker() -> None:
    quote = "> " + " ".join(["quoted"] * 60)
    chunks = split_message(quote, limit=150)
    assert len(chunks) > 1 and all(c.startswith("> quoted") for c in chunks)
    subtext = "-# " + " ".join(["small"] * 60)
    assert all(c.startswith("-# small") for c in split_message(subtext, limit=150))
    long_quote = ">>> " + "\n".join(" ".join(["all"] * 10) for _ in range(30))
    assert all(c.startswith(">>> all") for c in split_message(long_quote, limit=200))


def test_unpaired_markers_are_left_alone() -> None:
    text = "2 * 3 is six " * 40
    chunks = split_message(text, limit=150)
    assert words_of(" ".join(chunks)) == words_of(text)
    assert all(single_stars(c) == c.count("*") for c in chunks)  # nothing added


def test_embed_descriptions_split_at_4096() -> None:
    text = " ".join(["word"] * 2000)  # 9,999 characters
    chunks = split_embed_description(text)
    assert [len(c) <= 4096 for c in chunks] == [True, True, True]
    assert max(len(c) for c in chunks) > 2000


def test_clip_markdown_keeps_spans_closed() -> None:
    clipped = clip_markdown("**" + "bold " * 100 + "end**", 120)
    assert len(clipped) <= 120
    assert clipped.endswith("**…")


def test_fields_are_packed_into_embeds_within_every_limit() -> None:
    fields = [EmbedField(f"name {i} " + "n" * 10_000, "v" * 10_000) for i in range(60)]
    groups = pack_fields(fields, reserved=300)
    assert sum(len(g) for g in groups) == 60
    for group in groups:
        assert len(group) <= 25
        assert sum(len(f.name) + len(f.value) for f in group) + 300 <= 6000
        for f in group:
            assert len(f.name) <= 256 and len(f.value) <= 1024
    small = pack_fields([EmbedField(str(i), "x") for i in range(60)])
    assert [len(g) for g in small] == [25, 25, 10]
    assert [f.name for g in small for f in g] == [str(i) for i in range(60)]
    assert pack_fields([EmbedField("", "")])[0][0].value == "\u200b"  # never empty


# --------------------------------------------------------------- properties

WORD = st.text(alphabet="abcdefghij", min_size=1, max_size=12)
LANG = st.sampled_from(["py", "js", ""])


@st.composite
def stories(draw) -> str:
    """Prose with paragraphs, sentences, bold and italic spans and code fences."""
    parts = []
    for _ in range(draw(st.integers(1, 40))):
        kind = draw(st.sampled_from(["words", "words", "bold", "italic", "fence", "sep"]))
        if kind == "words":
            parts.append(" ".join(draw(st.lists(WORD, min_size=1, max_size=30))))
        elif kind == "bold":
            parts.append("**" + " ".join(draw(st.lists(WORD, min_size=1, max_size=40))) + "**")
        elif kind == "italic":
            parts.append("*" + " ".join(draw(st.lists(WORD, min_size=1, max_size=40))) + "*")
        elif kind == "fence":
            lines = draw(st.lists(st.lists(WORD, min_size=1, max_size=8), min_size=1, max_size=20))
            body = "\n".join("  " * (i % 3) + " ".join(line) for i, line in enumerate(lines))
            parts.append(f"```{draw(LANG)}\n{body}\n```")
        else:
            parts.append(draw(st.sampled_from([".", "!", "\n", "\n\n"])))
    return " ".join(parts)


@settings(max_examples=300, deadline=None)
@given(stories(), st.integers(100, 600))
def test_split_message_properties(text: str, limit: int) -> None:
    chunks = split_message(text, limit)
    assert all(0 < len(c) <= limit for c in chunks)
    # nothing lost, added or reordered but whitespace and markers; no word cut in two
    assert words_of(" ".join(chunks)) == words_of(text)
    for chunk in chunks:
        assert chunk.count("```") % 2 == 0, chunk
        outside = re.sub(r"```.*?```", "", chunk, flags=re.DOTALL)
        assert outside.count("**") % 2 == 0, chunk
        assert single_stars(outside) % 2 == 0, chunk


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet="ab *_~|`>#-\n\\@<", max_size=1500), st.integers(100, 400))
def test_escaped_text_splits_into_chunks_that_show_the_same_text(text: str, limit: int) -> None:
    escaped = escape_text(text)
    chunks = split_message(escaped, limit)
    assert all(len(c) <= limit for c in chunks)
    # no marker is added to escaped text, and no escape is cut from its character
    assert "".join("".join(c.split()) for c in chunks) == "".join(escaped.split())
    for chunk in chunks:
        trailing = len(chunk) - len(chunk.rstrip("\\"))
        assert trailing % 2 == 0, chunk


def is_subsequence(small: str, big: str) -> bool:
    chars = iter(big)
    return all(ch in chars for ch in small)


PIECES = st.sampled_from([*"ab .!\n*_~|`>#-\\", "```py\n", "> ", "-# "])


@settings(max_examples=300, deadline=None)
@given(st.lists(PIECES, max_size=1200).map("".join), st.integers(100, 300))
def test_any_text_at_all_splits_within_the_limit_without_losing_anything(
    text: str, limit: int
) -> None:
    chunks = split_message(text, limit)
    assert all(0 < len(c) <= limit for c in chunks)
    # every character but whitespace comes through, in order (markers may be added)
    assert is_subsequence("".join(text.split()), "".join("".join(chunks).split()))
