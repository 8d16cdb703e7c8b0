"""Split long text at Discord's limits without breaking words or Markdown.

``split_message`` cuts at the best boundary that fits: a paragraph break, else
a line break, else the end of a sentence, else a space. A boundary is only
taken when it fills at least a quarter of the chunk, so one short paragraph does
not become a message of its own; when no boundary fills that much, the best one
there is is taken all the same. A word is cut only when a single word is longer
than the limit.

Markdown stays whole across the cuts:

- a code fence open at a cut is closed at the end of the chunk and reopened at
  the start of the next with the same language;
- bold, italics, underline, strike-through, spoilers and inline code open at a
  cut are closed and reopened the same way (a cut is never placed so that a
  span would be empty on either side);
- a cut in the middle of a ``>`` quote, ``-#`` subtext or ``#`` header line
  repeats the line's marker, and after a ``>>>`` quote every chunk starts with
  ``>>>`` again;
- a backslash escape (``\\*``) and a character with its combining marks or
  emoji joiners are never separated.

Whitespace at a cut is dropped (Discord trims messages anyway), except the
indentation of a code line. Markers that have no partner are left as they are,
as Discord shows them.
"""

from __future__ import annotations

import bisect
import re
import string
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from storyai.bots.output.escape import clip
from storyai.bots.output.limits import (
    ELLIPSIS,
    EMBED_DESCRIPTION,
    EMBED_FIELD_NAME,
    EMBED_FIELD_VALUE,
    EMBED_FIELDS,
    EMBED_TOTAL,
    MESSAGE_CHARS,
)

MIN_LIMIT = 100
"""The smallest limit ``split_message`` accepts: room for reopened Markdown plus text."""

_PUNCT = frozenset(string.punctuation)
_SPACE = re.compile(r"[^\S\u00a0\u2007\u202f]+")  # no-break spaces do not break
_SENTENCE_END = re.compile(r"[.!?…][\"'”’»)\]*_~|]*$")
_CJK_STOP = re.compile(r"[。！？](?=[^\s])")
_LANG = re.compile(r"([A-Za-z0-9_+\-.#]{1,32})\n")
_LINE_MARK = re.compile(r"[ \t]*(>>> |> |-# |#{1,3} )")
_TRIPLE_QUOTE = re.compile(r"(?m)^[ \t]*>>> ")
_SPECIAL = re.compile(r"[\\`*_|~]")
_JOINERS = "\u200d\ufe0e\ufe0f"

PARAGRAPH, LINE, SENTENCE, WORD = 3, 2, 1, 0


@dataclass(frozen=True)
class _Span:
    """A matched Markdown span: opener [open_start, open_end), closer [close_start, close_end)."""

    marker: str  # "```", "`", "``", "**", "*", "__", "_", "~~", "||"
    open_start: int
    open_end: int
    close_start: int
    close_end: int
    lang: str = ""

    @property
    def fence(self) -> bool:
        return self.marker == "```"

    def opener(self) -> str:
        return f"```{self.lang}\n" if self.fence else self.marker

    def closer(self) -> str:
        return "\n```" if self.fence else self.marker


@dataclass
class _Plan:
    """Everything about a text that choosing cuts needs, computed once."""

    text: str
    spans: list[_Span] = field(default_factory=list)
    blocked: bytearray = field(default_factory=bytearray)  # 1: never cut before this index
    runs: list[tuple[int, int, int]] = field(default_factory=list)  # (start, end, level)
    run_starts: list[int] = field(default_factory=list)
    by_marker: dict[str, tuple[list[int], list[_Span]]] = field(default_factory=dict)
    content: dict[_Span, tuple[int, int]] = field(default_factory=dict)  # first, last non-blank
    triple_quote: int | None = None

    def __post_init__(self) -> None:
        text = self.text
        self.blocked = bytearray(len(text) + 1)
        self._scan()
        for i, ch in enumerate(text):
            if (
                ch in _JOINERS
                or unicodedata.combining(ch)
                or "\U0001f3fb" <= ch <= "\U0001f3ff"
                or "\U000e0020" <= ch <= "\U000e007f"
                or (i and text[i - 1] == "\u200d")
            ):
                self.blocked[i] = 1
        for span in self.spans:
            starts, spans = self.by_marker.setdefault(span.marker, ([], []))
            starts.append(span.open_start)
            spans.append(span)
            inner = text[span.open_end : span.close_start]
            first = span.open_end + len(inner) - len(inner.lstrip())
            last = span.open_end + len(inner.rstrip()) - 1
            self.content[span] = (first, last)
        for match in _SPACE.finditer(text):
            a, b = match.span()
            newlines = match.group().count("\n")
            if newlines >= 2:
                level = PARAGRAPH
            elif newlines == 1:
                level = LINE
            elif _SENTENCE_END.search(text, max(0, a - 8), a):
                level = SENTENCE
            else:
                level = WORD
            self.runs.append((a, b, level))
        for match in _CJK_STOP.finditer(text):
            self.runs.append((match.end(), match.end(), SENTENCE))
        self.runs.sort()
        self.run_starts = [run[0] for run in self.runs]
        for match in _TRIPLE_QUOTE.finditer(text):
            if not any(s.marker in ("```", "`", "``") for s in self.open_at(match.start())):
                self.triple_quote = match.end()
                break

    # ------------------------------------------------------------ scanning

    def _block(self, start: int, end: int) -> None:
        """Forbid cuts strictly inside [start, end)."""
        for i in range(start + 1, end):
            self.blocked[i] = 1

    def _scan(self) -> None:
        text = self.text
        n = len(text)
        pending: dict[str, tuple[int, int]] = {}
        order: list[str] = []  # pending markers, in the order they opened
        i = 0
        while i < n:
            special = _SPECIAL.search(text, i)
            if special is None:
                break
            i = special.start()
            ch = text[i]
            if ch == "\\" and i + 1 < n and text[i + 1] in _PUNCT:
                self._block(i, i + 2)
                i += 2
                continue
            if ch == "`":
                i = self._scan_code(i)
                continue
            run = _run_length(text, i)
            if ch in "*_" and run <= 3:
                subs = {1: [ch], 2: [ch * 2], 3: [ch * 2, ch]}[run]
                if run == 3 and ch in pending and ch * 2 in pending:
                    subs = sorted(subs, key=order.index, reverse=True)
                pos = i
                for marker in subs:
                    self._toggle(marker, pos, pending, order)
                    pos += len(marker)
                i += run
                continue
            if ch in "|~" and run == 2:
                self._toggle(ch * 2, i, pending, order)
                i += 2
                continue
            i += run

    def _scan_code(self, i: int) -> int:
        """A code fence or inline code at ``i``; returns where scanning goes on."""
        text = self.text
        run = _run_length(text, i)
        if run >= 3:
            open_end = i + 3
            lang = ""
            match = _LANG.match(text, open_end)
            if match:
                lang, open_end = match.group(1), match.end()
            close = text.find("```", open_end)
            if close < 0:  # never closed: Discord shows the backticks as they are
                return i + run
            self.spans.append(_Span("```", i, open_end, close, close + 3, lang))
            self._block(i, open_end)
            self._block(close, close + 3)
            return close + 3
        close = _find_run(text, "`", run, i + run)
        if close < 0:
            return i + run
        self.spans.append(_Span("`" * run, i, i + run, close, close + run))
        self._block(i, i + run)
        self._block(close, close + run)
        return close + run

    def _toggle(
        self, marker: str, pos: int, pending: dict[str, tuple[int, int]], order: list[str]
    ) -> None:
        text = self.text
        end = pos + len(marker)
        before = text[pos - 1] if pos else " "
        after = text[end] if end < len(text) else " "
        can_open = not after.isspace()
        can_close = not before.isspace()
        if marker == "_":  # snake_case is not italics
            can_open = can_open and not before.isalnum()
            can_close = can_close and not after.isalnum()
        if marker in pending and can_close:
            start, open_end = pending.pop(marker)
            order.remove(marker)
            self.spans.append(_Span(marker, start, open_end, pos, end))
            self._block(start, open_end)
            self._block(pos, end)
        elif marker not in pending and can_open:
            pending[marker] = (pos, end)
            order.append(marker)

    # ------------------------------------------------------------ querying

    def open_at(self, pos: int) -> list[_Span]:
        """The spans a cut at ``pos`` would fall inside, outermost first."""
        found = []
        for starts, spans in self.by_marker.values():
            k = bisect.bisect_left(starts, pos) - 1
            if k >= 0:
                span = spans[k]
                if span.open_end <= pos <= span.close_start:
                    found.append(span)
        found.sort(key=lambda s: s.open_start)
        return found

    def next_start(self, a: int, b: int, spans: Sequence[_Span]) -> int:
        """Where the next chunk begins after a cut at the blank [a, b)."""
        if any(s.fence for s in spans):
            newline = self.text.rfind("\n", a, b)
            if newline >= 0:
                return newline + 1  # keep the next code line's indentation
        return b

    def cut_ok(self, start: int, a: int, nxt: int, spans: Sequence[_Span]) -> bool:
        """A cut keeps something on both sides of every span it falls inside."""
        if a <= start or self.blocked[a] or self.blocked[nxt]:
            return False
        for span in spans:
            first, last = self.content[span]
            if first >= a or last < nxt:
                return False
        return True

    def line_prefix(self, a: int, b: int, spans: Sequence[_Span]) -> str:
        """The block marker the next chunk repeats: ``>>>``, or the cut line's own."""
        if any(s.marker in ("```", "`", "``") for s in spans):
            return ""
        if self.triple_quote is not None and a >= self.triple_quote:
            return ">>> "
        if "\n" in self.text[a:b]:
            return ""
        line_start = self.text.rfind("\n", 0, a) + 1
        match = _LINE_MARK.match(self.text, line_start)
        if match and match.end() <= a and not self.open_at(line_start):
            return match.group(1)
        return ""


@dataclass(frozen=True)
class _Cut:
    end: int  # the chunk's text ends here
    next: int  # the next chunk's text starts here
    closers: str
    prefix: str


def split_message(text: str, limit: int = MESSAGE_CHARS) -> list[str]:
    """Split text into chunks of at most ``limit`` characters (see the module doc).

    Leading and trailing whitespace is dropped; blank text gives no chunks.

    Raises:
        ValueError: ``limit`` is below ``MIN_LIMIT``.
    """
    return _split(text, limit)


def _split(text: str, limit: int, most: int | None = None) -> list[str]:
    """``split_message``, stopping after ``most`` chunks when given."""
    if limit < MIN_LIMIT:
        raise ValueError(f"limit must be at least {MIN_LIMIT}")
    text = text.strip()
    if len(text) <= limit:
        return [text] if text else []
    plan = _Plan(text)
    chunks: list[str] = []
    start, prefix = 0, ""
    while most is None or len(chunks) < most:
        if len(prefix) + len(text) - start <= limit:
            chunks.append(prefix + text[start:])
            return chunks
        cut = _best_cut(plan, start, limit - len(prefix))
        if cut is None:  # only with absurd nesting: give up on Markdown for this chunk
            end = start + limit - len(prefix)
            while end - 1 > start and plan.blocked[end]:
                end -= 1
            cut = _Cut(end, end, "", "")
        chunks.append(prefix + text[start : cut.end].rstrip() + cut.closers)
        start, prefix = cut.next, cut.prefix
    return chunks


def split_embed_description(text: str, limit: int = EMBED_DESCRIPTION) -> list[str]:
    """``split_message`` at the embed description limit (4096)."""
    return split_message(text, limit)


def clip_markdown(text: str, limit: int) -> str:
    """Text with Markdown of its own, cut to ``limit`` with "…" at a good boundary,
    every span still closed. Below ``MIN_LIMIT + 1`` it falls back to ``clip``."""
    text = text.strip()
    if len(text) <= limit:
        return text
    if limit - 1 < MIN_LIMIT:
        return clip(text, limit)
    return _split(text, limit - 1, most=1)[0] + ELLIPSIS


def _best_cut(plan: _Plan, start: int, room: int) -> _Cut | None:
    """The best cut for a chunk that starts at ``start`` and has ``room`` characters."""
    best: dict[int, _Cut] = {}
    hi = bisect.bisect_right(plan.run_starts, start + room)
    lo = bisect.bisect_right(plan.run_starts, start)
    for a, b, level in reversed(plan.runs[lo:hi]):
        if level in best:
            continue
        cut = _cut_at(plan, start, room, a, b)
        if cut is not None:
            best[level] = cut
            if len(best) == 4:
                break
    if best:
        enough = start + room // 4
        for level in (PARAGRAPH, LINE, SENTENCE, WORD):
            if level in best and best[level].end >= enough:
                return best[level]
        return best[max(best)]
    for pos in range(min(start + room, len(plan.text) - 1), start, -1):
        cut = _cut_at(plan, start, room, pos, pos)
        if cut is not None:
            return cut
    return None


def _cut_at(plan: _Plan, start: int, room: int, a: int, b: int) -> _Cut | None:
    spans = plan.open_at(a)
    nxt = plan.next_start(a, b, spans)
    if not plan.cut_ok(start, a, nxt, spans):
        return None
    body = plan.text[start:a].rstrip()
    closers = "".join(s.closer() for s in reversed(spans))
    if len(body) + len(closers) > room:
        return None
    prefix = plan.line_prefix(a, b, spans) + "".join(s.opener() for s in spans)
    return _Cut(a, nxt, closers, prefix)


def _run_length(text: str, i: int) -> int:
    j = i
    while j < len(text) and text[j] == text[i]:
        j += 1
    return j - i


def _find_run(text: str, ch: str, length: int, start: int) -> int:
    """The next run of exactly ``length`` ``ch`` at or after ``start``, or -1."""
    i = text.find(ch, start)
    while i >= 0:
        run = _run_length(text, i)
        if run == length:
            return i
        i = text.find(ch, i + run)
    return -1


# ---------------------------------------------------------------- embed fields


@dataclass(frozen=True)
class EmbedField:
    name: str
    value: str
    inline: bool = False

    @property
    def size(self) -> int:
        return len(self.name) + len(self.value)


def fit_field(name: str, value: str, inline: bool = False) -> EmbedField:
    """A field within Discord's limits: name ≤ 256, value ≤ 1024, neither empty."""
    name = clip_markdown(name, EMBED_FIELD_NAME) or "\u200b"
    value = clip_markdown(value, EMBED_FIELD_VALUE) or "\u200b"
    return EmbedField(name, value, inline)


def pack_fields(
    fields: Iterable[EmbedField],
    *,
    max_fields: int = EMBED_FIELDS,
    max_chars: int = EMBED_TOTAL,
    reserved: int = 0,
) -> list[list[EmbedField]]:
    """Fields grouped into embeds: at most ``max_fields`` per embed, and each
    group's characters plus ``reserved`` (its title, description and footer)
    within ``max_chars``. Fields are fitted to the field limits first; order is kept.
    """
    budget = max_chars - reserved
    if budget < EMBED_FIELD_NAME + EMBED_FIELD_VALUE:
        raise ValueError("reserved leaves no room for a field")
    groups: list[list[EmbedField]] = []
    current: list[EmbedField] = []
    used = 0
    for raw in fields:
        fitted = fit_field(raw.name, raw.value, raw.inline)
        if current and (len(current) >= max_fields or used + fitted.size > budget):
            groups.append(current)
            current, used = [], 0
        current.append(fitted)
        used += fitted.size
    if current:
        groups.append(current)
    return groups
