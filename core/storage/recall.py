"""Recall: what goes into the full-text index of the event log, and how a question is read.

Every adapter shares these rules, so the game master remembers the same things on
memory, SQLite and PostgreSQL; only the ranking differs (bm25 on SQLite, ts_rank on
PostgreSQL, word overlap in memory).

* ``entry_for(event)`` is the index row of an event: ``player_action`` events are
  indexed by ``payload["text"]``, ``narration`` events by the ``text`` of each entry
  of ``payload["lines"]`` joined with newlines; other kinds, and events with no text,
  are not indexed. Witnesses are ``payload["witnesses"]`` (player ids), or the actor
  alone when the payload does not say.
* ``search_terms(query)`` turns raw player text into at most ``MAX_TERMS`` words made
  of letters and digits only, so nothing a player types can reach a query syntax:
  ``fts5_query`` and ``tsquery`` OR them together.

``migrations/versions/0002_recall.py`` keeps its own frozen copy of ``entry_for``
for the backfill, so changing the rules here never changes an old migration.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from storyai.core.domain.records import EventRecord, RecallHit

INDEXED_KINDS = frozenset({"player_action", "narration"})

MIN_TERM_LENGTH = 3
MAX_TERMS = 16

_STOPWORDS = """
    about above after again all also and any are because been before being below between
    both but can could did does doing down during each few for from further had has have
    having her here hers herself him himself his how into its itself just more most myself
    nor not now off once only other our ours ourselves out over own same she should some
    such than that the their theirs them themselves then there these they this those
    through too under until very was were what when where which while who whom why will
    with would you your yours yourself yourselves
"""
STOPWORDS = frozenset(_STOPWORDS.split())
"""Common English words a question is full of and a memory is not about."""

_WORD = re.compile(r"[^\W_]+")
"""A run of letters and digits (any script); everything else separates words."""


@dataclass(frozen=True)
class RecallEntry:
    """One row of the recall index."""

    event_id: str
    session_id: str
    depth: int
    turn: int
    kind: str
    actor: str
    witnesses: tuple[str, ...]
    text: str

    def values(self) -> dict[str, Any]:
        """The row of a bulk insert into the ``recall`` table."""
        return {
            "event_id": self.event_id,
            "session_id": self.session_id,
            "depth": self.depth,
            "turn": self.turn,
            "kind": self.kind,
            "actor": self.actor,
            "witnesses": list(self.witnesses),
            "text": self.text,
        }

    def hit(self, score: float) -> RecallHit:
        return RecallHit(
            event_id=self.event_id,
            depth=self.depth,
            turn=self.turn,
            kind=self.kind,
            actor=self.actor,
            witnesses=self.witnesses,
            text=self.text,
            score=score,
        )


def entry_for(event: EventRecord) -> RecallEntry | None:
    """The recall index row of an event, or None when it has nothing to remember."""
    text = event_text(event.kind, event.payload)
    if not text.strip():
        return None
    return RecallEntry(
        event_id=event.id,
        session_id=event.session_id,
        depth=event.depth,
        turn=event.turn,
        kind=event.kind,
        actor=event.actor,
        witnesses=witnesses_of(event.actor, event.payload),
        text=text,
    )


def entries_for(events: Iterable[EventRecord]) -> list[RecallEntry]:
    return [entry for entry in map(entry_for, events) if entry is not None]


def event_text(kind: str, payload: Mapping[str, Any]) -> str:
    """The searchable text of an event ("" for kinds that are not indexed)."""
    if kind == "player_action":
        text = payload.get("text")
        return text if isinstance(text, str) else ""
    if kind == "narration":
        lines = payload.get("lines")
        if not isinstance(lines, list):
            return ""
        texts = [line.get("text") for line in lines if isinstance(line, dict)]
        return "\n".join(t for t in texts if isinstance(t, str) and t)
    return ""


def witnesses_of(actor: str, payload: Mapping[str, Any]) -> tuple[str, ...]:
    """``payload["witnesses"]`` as player ids, or the actor alone when it is absent."""
    witnesses = payload.get("witnesses")
    if witnesses is None:
        return (actor,)
    if isinstance(witnesses, str):
        return (witnesses,)
    if not isinstance(witnesses, list | tuple):
        return (actor,)
    return tuple(dict.fromkeys(str(w) for w in witnesses))


def search_terms(query: str) -> list[str]:
    """The words of a question worth searching for: lower case, letters and digits only,
    at least ``MIN_TERM_LENGTH`` long, no stopwords, no repeats, at most ``MAX_TERMS``."""
    terms: dict[str, None] = {}
    for word in _WORD.findall(query.lower()):
        if len(word) >= MIN_TERM_LENGTH and word not in STOPWORDS:
            terms[word] = None
            if len(terms) == MAX_TERMS:
                break
    return list(terms)


def fts5_query(terms: Iterable[str]) -> str:
    """An FTS5 MATCH expression: each term a quoted string (never an operator, column
    filter or prefix), ORed together. The tokenizer stems each one."""
    return " OR ".join('"' + term.replace('"', '""') + '"' for term in terms)


def tsquery(terms: Iterable[str]) -> str:
    """The text of ``to_tsquery('english', ...)``: the terms ORed together. Terms are
    letters and digits only (``search_terms``), so none is an operator or a quote."""
    return " | ".join(term for term in terms if _WORD.fullmatch(term))


# ------------------------------------------------------------------------ memory adapter


@functools.lru_cache(maxsize=65_536)
def stem(word: str) -> str:
    """A crude English stemmer for the in-memory adapter: enough that "daughters" finds
    "daughter" and "called" finds "calling", not a linguist's tool."""
    w = word.lower()
    if len(w) > 4 and w.endswith("ies"):
        w = w[:-3] + "y"
    elif w.endswith("sses"):
        w = w[:-2]
    elif len(w) > 3 and w.endswith("s") and not w.endswith(("ss", "us", "is")):
        w = w[:-1]
    for suffix in ("ing", "ed"):
        if w.endswith(suffix) and len(w) - len(suffix) >= 3:
            w = w[: -len(suffix)]
            break
    if len(w) > 3 and w.endswith("e"):
        w = w[:-1]
    if len(w) > 3 and w.endswith("y"):
        w = w[:-1] + "i"
    return w


def overlap_score(terms: Iterable[str], text: str) -> float:
    """How well ``text`` answers the terms: the number of distinct terms it contains
    (stemmed), plus the share of its words that are one of them (less than 1)."""
    wanted = {stem(term) for term in terms}
    words = [stem(word) for word in _WORD.findall(text.lower())]
    found = [word for word in words if word in wanted]
    if not found:
        return 0.0
    return len(set(found)) + len(found) / (len(words) + 1)
