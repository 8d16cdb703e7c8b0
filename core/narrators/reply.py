"""Reading a model's structured reply: the narrative as it streams, the whole at the end.

Models are asked for one JSON object (``schema.REPLY_SCHEMA``) with
``narrative`` first. ``NarrativeStream`` pulls the narrative string out of the
raw JSON while it is still arriving, so players read it as it is written.
``parse_reply`` reads the finished text robustly: code fences, prose around
the object, raw newlines inside strings and trailing commas are tolerated;
anything else is a ``ReplyError`` with a reason the repair request can quote.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from storyai.core.domain.errors import ReplyError
from storyai.core.engine.blank import is_placeholder
from storyai.core.narrators.schema import MAX_CHOICES, MAX_LINES

_KEY = re.compile(r'"narrative"\s*:\s*"')
_ESCAPES = {'"': '"', "\\": "\\", "/": "/", "b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t"}


class NarrativeStream:
    """Feed raw reply text in pieces; get back the narrative's decoded text as it completes.

    A reply that does not start with ``{`` (or a fenced JSON block) is taken as
    plain prose and passed through whole.
    """

    def __init__(self) -> None:
        self._buf = ""
        self._mode = "probe"  # probe -> seek -> string -> done | plain
        self._pos = 0
        self.text = ""

    @property
    def complete(self) -> bool:
        """The narrative string was read to its closing quote."""
        return self._mode == "done"

    @property
    def prose(self) -> bool:
        """The reply is plain prose, not a JSON object (``text`` is all of it)."""
        return self._mode == "plain"

    def feed(self, piece: str) -> str:
        self._buf += piece
        out = []
        if self._mode == "probe":
            head = self._buf.lstrip()
            if not head:
                return ""
            if head[0] == "{" or head.startswith("`"):
                self._mode = "seek"
            else:
                self._mode = "plain"
        if self._mode == "plain":
            out.append(self._buf[self._pos :])
            self._pos = len(self._buf)
        if self._mode == "seek":
            match = _KEY.search(self._buf)
            if match:
                self._mode, self._pos = "string", match.end()
        if self._mode == "string":
            out.append(self._decode())
        text = "".join(out)
        self.text += text
        return text

    def _decode(self) -> str:
        out = []
        buf, i = self._buf, self._pos
        while i < len(buf):
            ch = buf[i]
            if ch == '"':
                self._mode = "done"
                i += 1
                break
            if ch != "\\":
                out.append(ch)
                i += 1
                continue
            if i + 1 >= len(buf):
                break  # the escape is split across pieces: wait for the rest
            code = buf[i + 1]
            if code == "u":
                if i + 6 > len(buf):
                    break
                out.append(_unicode(buf, i))
                i += 6
                if 0xD800 <= ord(out[-1]) < 0xDC00:  # a surrogate pair: wait for the low half
                    if i + 6 > len(buf):
                        out.pop()
                        i -= 6
                        break
                    if buf[i : i + 2] == "\\u":
                        out[-1] = (
                            (out[-1] + _unicode(buf, i))
                            .encode("utf-16", "surrogatepass")
                            .decode("utf-16", "replace")
                        )
                        i += 6
                continue
            out.append(_ESCAPES.get(code, code))
            i += 2
        self._pos = i
        return "".join(out)


def _unicode(buf: str, i: int) -> str:
    try:
        return chr(int(buf[i + 2 : i + 6], 16))
    except ValueError:
        return "?"


@dataclass
class ParsedReply:
    narrative: str
    dialogue: list[dict[str, str]] = field(default_factory=list)
    choices: list[dict[str, str]] = field(default_factory=list)
    state_changes: Any = None
    check: dict[str, Any] | None = None
    media_hints: dict[str, str] = field(default_factory=dict)


_FENCE = re.compile(r"^```[a-zA-Z]*\s*|\s*```\s*$")
_TRAILING_COMMA = re.compile(r",(\s*[}\]])")


def parse_reply(text: str) -> ParsedReply:
    """The structured reply in ``text``; raises ReplyError with the reason when it is not one."""
    data = _load_object(text)
    narrative = data.get("narrative")
    if not isinstance(narrative, str) or not narrative.strip():
        raise ReplyError('The reply has no "narrative" text.')
    if is_placeholder(narrative):
        raise ReplyError(
            f'The "narrative" is {narrative.strip()!r}, a word from the format, not the story.'
        )
    return ParsedReply(
        narrative=narrative.strip(),
        dialogue=_pairs(data.get("dialogue"), "speaker", "text")[:MAX_LINES],
        choices=_pairs(data.get("choices"), "id", "text")[:MAX_CHOICES],
        state_changes=data.get("state_changes"),
        check=_check(data.get("check")),
        media_hints={
            k: v
            for k, v in (data.get("media_hints") or {}).items()
            if isinstance(v, str) and not is_placeholder(v)
        }
        if isinstance(data.get("media_hints"), dict)
        else {},
    )


_SENTENCE_END = re.compile(r"[.!?…][\"'”’)\]]*(?=\s|$)")


def whole_sentences(text: str, *, min_words: int = 4) -> str:
    """``text`` up to the end of its last whole sentence ("" when no sentence of at
    least ``min_words`` words ends in it): what a reply cut off mid-narrative, or
    prose where JSON was asked for, still tells well."""
    ends = [m.end() for m in _SENTENCE_END.finditer(text)]
    if not ends:
        return ""
    told = text[: ends[-1]].strip()
    if len(told.split()) < min_words or is_placeholder(told):
        return ""
    return told


def narrative_of(text: str) -> str:
    """The narrative a (possibly cut) reply had begun: the decoded ``narrative`` string
    so far, or the whole text when it is prose."""
    stream = NarrativeStream()
    return stream.feed(text)


def close_cut(text: str) -> str | None:
    """The JSON object of a reply cut off at its token limit, closed after its last
    whole element (open arrays and objects closed, the half-written element dropped);
    None when nothing whole came before the cut. A whole object is returned as it is.

    ``{"narrative": "…", "dialogue": [{…}, {…}, {"speaker": "hesta", "te`` becomes
    ``{"narrative": "…", "dialogue": [{…}, {…}]}``.
    """
    body = _FENCE.sub("", text.strip())
    start = body.find("{")
    if start < 0:
        return None
    s = body[start:]
    closers: list[str] = []
    safe: tuple[int, str] | None = None
    i, n = 0, len(s)

    def whole() -> tuple[int, str] | None:
        # an array's element, or a member of the reply or of one of its objects; an
        # object inside a list (a dialogue line, a change) counts only once closed
        if closers[-1] == "]" or len(closers) <= 2:
            return (i, "".join(reversed(closers)))
        return safe

    while i < n:
        ch = s[i]
        if ch in " \t\r\n,:":
            i += 1
        elif ch in "{[":
            closers.append("}" if ch == "{" else "]")
            i += 1
        elif ch in "}]":
            if not closers or closers.pop() != ch:
                return None
            i += 1
            if not closers:
                return s[:i]
            safe = whole()
        elif ch == '"':
            end = _string_end(s, i)
            if end is None:
                break  # cut inside a string: that element is dropped
            i = end
            after = len(s[i:]) - len(s[i:].lstrip())
            if i + after >= n:
                break  # a key or a value? cut before it could tell
            if s[i + after] != ":":
                safe = whole()
        else:
            match = _LITERAL.match(s, i)
            if match is None or match.end() >= n:
                break  # junk, or a number that may be cut
            i = match.end()
            safe = whole()
    return None if safe is None else s[: safe[0]] + safe[1]


_LITERAL = re.compile(r"-?[0-9A-Za-z.+]+")


def _string_end(s: str, i: int) -> int | None:
    """The index just past the string opening at ``s[i]``, or None if it never closes."""
    j = i + 1
    while j < len(s):
        if s[j] == "\\":
            j += 2
        elif s[j] == '"':
            return j + 1
        else:
            j += 1
    return None


def _load_object(text: str) -> dict[str, Any]:
    body = _FENCE.sub("", text.strip())
    start, end = body.find("{"), body.rfind("}")
    if start < 0:
        raise ReplyError("The reply is not a JSON object (no '{' found).")
    if end < start:
        raise ReplyError("The reply's JSON object is cut off (no closing '}').")
    raw = body[start : end + 1]
    for candidate in (raw, _TRAILING_COMMA.sub(r"\1", raw)):
        try:
            data = json.loads(candidate, strict=False)
        except json.JSONDecodeError as exc:
            error = f"The reply is not valid JSON: {exc.msg} (line {exc.lineno}, col {exc.colno})."
            continue
        if not isinstance(data, dict):
            raise ReplyError("The reply is JSON but not an object.")
        return data
    raise ReplyError(error)


def _pairs(value: Any, key: str, text: str) -> list[dict[str, str]]:
    if not isinstance(value, list):
        return []
    out = []
    for item in value:
        if isinstance(item, dict) and isinstance(item.get(text), str):
            if not is_placeholder(item[text]):  # "" or "text" copied from the schema: nothing
                out.append({key: str(item.get(key) or ""), text: item[text].strip()})
    return out


def _check(value: Any) -> dict[str, Any] | None:
    if not isinstance(value, dict) or not isinstance(value.get("skill"), str):
        return None
    if is_placeholder(value["skill"]):  # {"skill": "", "difficulty": 0}: no check asked for
        return None
    difficulty = value.get("difficulty")
    if isinstance(difficulty, bool) or not isinstance(difficulty, int | str | None):
        difficulty = None
    return {
        "skill": value["skill"].strip(),
        "difficulty": difficulty,
        "reason": str(value.get("reason") or "")[:200],
    }
