"""Player-, world- and model-written text comes out inert but reads the same."""

from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st

from storyai.bots.output.escape import NO_PINGS, clip, escape_inline, escape_text, plain_line

ZWSP = "\u200b"


def shown(escaped: str) -> str:
    """What Discord displays for escaped text: a backslash before ASCII punctuation
    is dropped (the character shows as written), and zero-width spaces are invisible."""
    return re.sub(r"\\([!-/:-@\[-`{-~])", r"\1", escaped).replace(ZWSP, "")


def live_markup(escaped: str) -> list[str]:
    """Markdown or mention syntax Discord would still act on (text without links)."""
    found = []
    plain = re.sub(r"\\[!-/:-@\[-`{-~]", "\x00", escaped)  # escaped characters are inert
    for ch in "*_~|`<[]":
        if ch in plain:
            found.append(ch)
    for line in plain.split("\n"):
        stripped = line.lstrip(" \t")
        if stripped[:1] in (">", "#", "-", "+"):
            found.append("line start " + stripped[:1])
        if re.match(r"\d+[.)](\s|$)", stripped):
            found.append("ordered list")
    if re.search(r"@(everyone|here)", plain, re.IGNORECASE):
        found.append("mass mention")
    return found


INJECTIONS = [
    "@everyone",
    "@here",
    "<@123456789012345678>",
    "<@!123>",
    "<@&1>",
    "<#123>",
    "</story start:123>",
    "**bold**",
    "*italics*",
    "_italics_",
    "__underline__",
    "~~strike~~",
    "||spoiler||",
    "`code`",
    "```py\nprint('hi')\n```",
    "[link](http://x)",
    "# header",
    "## header",
    "-# subtext",
    "> quote",
    ">>> quote everything",
    "- item",
    "+ item",
    "1. item",
    "  # indented header",
    "\\**escaped already**",
]


def test_every_injection_comes_out_inert_and_reads_the_same() -> None:
    for attempt in INJECTIONS:
        escaped = escape_text(attempt)
        assert live_markup(escaped) == [], attempt
        assert shown(escaped) == attempt, attempt


def test_exact_escapes_for_the_usual_suspects() -> None:
    assert escape_text("**bold**") == r"\*\*bold\*\*"
    assert escape_text("||spoiler||") == r"\|\|spoiler\|\|"
    assert escape_text("<@&1>") == r"\<@&1>"
    assert escape_text("@everyone and @here") == f"@{ZWSP}everyone and @{ZWSP}here"
    assert escape_text("# Title\n-# small\n> said") == "\\# Title\n\\-# small\n\\> said"
    assert escape_text("[link](http://x)") == r"\[link\](http://x)"
    assert escape_text("```py\nx\n```") == "\\`\\`\\`py\nx\n\\`\\`\\`"


def test_markers_in_the_middle_of_a_line_are_not_treated_as_line_starts() -> None:
    assert escape_text("a - b # c > d 2. e") == "a - b # c > d 2. e"


def test_zero_width_tricks_do_not_sneak_a_mention_through() -> None:
    for attempt in ("@\u200beveryone", "@\u200d\u2060everyone", "@\ufeffhere", "@\u00adEveryone"):
        escaped = escape_text(attempt)
        assert re.fullmatch(rf"@{ZWSP}(everyone|here|Everyone)", escaped), repr(escaped)
    # an invisible character inside <@...> leaves the bracket escaped all the same
    assert escape_text("<\u200b@&123>") == "\\<\u200b@&123>"
    assert escape_text("<@\u200d!123>").startswith("\\<")


def test_links_keep_working_but_cannot_carry_markdown_around_them() -> None:
    url = "https://example.com/a_b_(c)"
    assert escape_text(f"see {url} now") == f"see {url} now"
    assert escape_text("**https://x.com/p**") == r"\*\*https://x.com/p\*\*"
    assert escape_text("(https://x.com/p_q).") == "(https://x.com/p_q)."
    # a link never shields a mention that follows it
    assert escape_text("https://x.com<@1>") == r"https://x.com\<@1>"


def test_no_pings_allows_no_mention_of_any_kind() -> None:
    assert NO_PINGS.everyone is False
    assert NO_PINGS.users is False
    assert NO_PINGS.roles is False
    assert NO_PINGS.replied_user is False


def test_clip_never_leaves_half_an_escape() -> None:
    escaped = escape_text("*" * 100)
    for limit in range(2, 40):
        cut = clip(escaped, limit)
        assert len(cut) <= limit
        assert cut.endswith("…")
        body = cut[:-1]
        assert (len(body) - len(body.rstrip("\\"))) % 2 == 0, cut


def test_escape_inline_makes_one_short_line() -> None:
    name = escape_inline("Sir  **Bold**\n\nthe  Third" * 100, 80)
    assert "\n" not in name
    assert len(name) <= 80
    assert name.startswith(r"Sir \*\*Bold\*\* the Third")


def test_plain_line_is_for_places_without_markdown() -> None:
    assert plain_line("a  *b*\nc", 80) == "a *b* c"
    assert plain_line("x" * 200, 80) == "x" * 79 + "…"


ALPHABET = st.sampled_from(
    [*"abcXYZ 019\n\t.-#>+*_~|`<>[]()@&!\\/", "everyone", "here", "```", "-# ", "1. "]
)


@given(st.lists(ALPHABET, max_size=60).map("".join))
def test_any_text_reads_the_same_and_nothing_in_it_is_live(text: str) -> None:
    escaped = escape_text(text)
    assert shown(escaped) == text
    assert live_markup(escaped) == []
