"""HTML to Markdown for imported rich text: readable, and safe on hostile input."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from storyai.core.importers.html_text import HtmlText, html_to_markdown, plain_text


def md(html: str, **kw) -> str:
    return html_to_markdown(html, **kw).text


def test_headings_paragraphs_emphasis_and_line_breaks():
    html = "<h2>The Inn</h2><p>A <strong>warm</strong> room,<br>a <em>cold</em> welcome.</p>"
    assert md(html) == "## The Inn\n\nA **warm** room,\na *cold* welcome."


def test_nested_and_ordered_lists():
    html = (
        "<ul><li>Ale<ul><li>dark</li><li>pale</li></ul></li><li>Bread</li></ul>"
        "<ol><li>one</li><li>two</li></ol>"
    )
    assert md(html) == "- Ale\n  - dark\n  - pale\n- Bread\n\n1. one\n2. two"


def test_links_keep_web_addresses_and_drop_script_addresses():
    html = (
        '<p><a href="https://example.org/a b">the wiki</a>, '
        '<a href="javascript:alert(1)">click</a>, <a href="data:text/html,x">data</a>, '
        '<a href="/local">local</a></p>'
    )
    assert md(html) == "[the wiki](https://example.org/a%20b), click, data, local"


def test_blockquotes_tables_rules_and_images():
    html = (
        "<blockquote><p>Stay a while.</p><p>Stay forever.</p></blockquote><hr>"
        "<table><thead><tr><th>d6</th><th>Result</th></tr></thead>"
        "<tbody><tr><td>1</td><td>Rats | lots</td></tr><tr><td>2</td></tr></tbody></table>"
        '<p><img src="map.png" alt="Town map"><img src="x.png"></p>'
    )
    assert md(html) == (
        "> Stay a while.\n>\n> Stay forever.\n\n---\n\n"
        "| d6 | Result |\n| --- | --- |\n| 1 | Rats \\| lots |\n| 2 |  |\n\n(image: Town map)"
    )


def test_entities_are_decoded_and_whitespace_collapsed():
    assert md("<p>Fish &amp; chips&nbsp;&mdash;\n\n   2&nbsp;sp</p>") == "Fish & chips — 2 sp"


def test_foundry_secret_sections_are_kept_apart():
    result = html_to_markdown(
        '<p>Public.</p><section class="secret"><p>The <b>key</b> is here.</p></section>'
    )
    assert result == HtmlText("Public.", "The **key** is here.")


@pytest.mark.parametrize(
    "html",
    [
        "<p>a</p><script>alert('x')</script><p>b</p>",
        "<p>a</p><style>p { color: red }</style><p>b</p>",
        '<p>a</p><iframe src="https://evil.example">inner text</iframe><p>b</p>',
        "<p>a</p><object data=x><p>fallback</p></object><p>b</p>",
        "<p>a</p><embed src=x><template><p>hidden</p></template><p>b</p>",
    ],
)
def test_scripts_styles_frames_and_embeds_vanish_with_their_contents(html):
    assert md(html) == "a\n\nb"


def test_event_handlers_do_nothing():
    html = '<img src=x onerror="alert(1)" alt="A map"><p onclick="steal()">Hi</p>'
    text = md(html)
    assert text == "(image: A map)\n\nHi"
    assert "alert" not in text and "steal" not in text


@pytest.mark.parametrize(
    "html",
    [
        "<p>unclosed <b>bold <i>italic",
        "</div></p>stray closers</li>",
        "<<<>>><p <p>>",
        "<table><tr><td>a<td>b<tr><td>c",
        "<ul><li>one<li>two</ul>",
        "<div>" * 5000 + "deep" + "</div>" * 5000,
        "<script>never closed",
        "<!-- a comment --><![CDATA[x]]><!DOCTYPE html><?php echo 1 ?>",
        "&#0; &#xD800; &bogus; &#99999999;",
    ],
)
def test_malformed_html_never_crashes_or_leaks_tags(html):
    text = md(html)
    assert "<" not in text.replace("&lt;", "")


def test_encoded_tags_in_text_cannot_become_tags():
    text = md("<p>&lt;script&gt;alert(1)&lt;/script&gt; and 3 &lt; 4</p>")
    assert "<script" not in text and "3 < 4" in text


def test_enrichers_are_resolved_inside_html():
    html = (
        "<p>Cast @UUID[Compendium.dnd5e.spells.Item.abcdefghijklm]{Fireball} at [[/r 1d20+2]].</p>"
    )
    assert md(html) == "Cast Fireball at 1d20+2."
    assert md("<p>@UUID[Item.x]{A}</p>", enrich=False) == "@UUID[Item.x]{A}"


def test_plain_text_strips_html_but_keeps_lines():
    assert plain_text("# Notes\n\n- one <b>two</b>\n<script>x</script>") == "# Notes\n\n- one two"


PIECES = [*"<>/=\"' abcdeipst&;#x@[]{}()|:.-\n", "<script>", "</script>", "<iframe", "&lt;"]
PIECES += ["[[", "]]", "@UUID[", "<p>", "<section class=secret>", "&#60;", "{", "}", "<b"]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(PIECES), max_size=120).map("".join))
def test_random_text_never_produces_a_script_tag_and_never_raises(html):
    result = html_to_markdown(html, resolve=lambda ref: "<script>")
    for text in (result.text, result.secret):
        assert "<script" not in text.lower()
        assert "<iframe" not in text.lower()


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=500))
def test_any_unicode_is_safe(html):
    result = html_to_markdown(html)
    assert "<script" not in result.text.lower()
    assert isinstance(result.secret, str)
