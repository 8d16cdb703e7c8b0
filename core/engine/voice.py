"""Authored dialogue told one way, whatever the YAML holds.

Speech is always shown in double quotes (added when the author left them out);
stage directions ("She doesn't look up from the anvil.", "*shrugs*", "(quietly)")
are narration, never put in the speaker's mouth. A line mixing both is split:
`She doesn't look up. "Speak."` is the narration, then `Brannock: "Speak."`.
"""

from __future__ import annotations

import re

QUOTES = '"“”'
_PRONOUNS = frozenset({"she", "he", "they", "it", "his", "her", "their", "its"})
_WRAPPED = re.compile(r"^\*(.+)\*$|^\((.+)\)$", re.DOTALL)


def parts(text: str, speaker: str | None) -> list[tuple[str, str]]:
    """``(kind, text)`` pieces of an authored line: "narration" or "dialogue"."""
    text = " ".join(text.split())
    if not text:
        return []
    wrapped = _WRAPPED.match(text)
    if wrapped:  # "*shrugs*" -> "Brannock shrugs."
        inner = (wrapped.group(1) or wrapped.group(2)).strip()
        if speaker and inner[:1].islower():
            inner = f"{speaker} {inner}"
        return [("narration", inner if inner[-1:] in ".!?" else inner + ".")]
    pieces = re.split(f"[{QUOTES}]", text)
    if len(pieces) == 1:
        kind = "narration" if _describes(text, speaker) else "dialogue"
        return [(kind, _quoted(text) if kind == "dialogue" else text)]
    if len(pieces) % 2 == 0:  # an unmatched quote mark: all of it is speech
        return [("dialogue", _quoted("".join(pieces)))]
    out: list[tuple[str, str]] = []
    for i, piece in enumerate(pieces):
        piece = piece.strip()
        if piece:
            out.append(("dialogue", _quoted(piece)) if i % 2 else ("narration", piece))
    return out


def _quoted(text: str) -> str:
    return f'"{text.strip().strip(QUOTES).strip()}"'


def _describes(text: str, speaker: str | None) -> bool:
    """Whether an unquoted line is about the speaker rather than said by them."""
    first = re.split(r"[\s,.;:!?']", text, maxsplit=1)[0].lower()
    names = {w.lower() for w in re.findall(r"[A-Za-z]+", speaker or "")}
    return first in _PRONOUNS or first in names
