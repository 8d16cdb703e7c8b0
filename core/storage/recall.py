"""Recall: the full-text memory of a story, the same on memory, SQLite and PostgreSQL.

Indexing: a ``player_action`` is indexed by what was typed, a ``narration`` by the text
of its lines; other kinds have nothing to remember. Each indexed event gives one
*posting* per distinct word stem it contains: ``(session, stem, event, depth, segment,
count, length)``. Stems come from ``stem`` (a small English stemmer: "smiths" and
"smith's" meet), so nothing depends on a database's text-search dialect.

Searching (``search``): the question's words (``search_terms``: letters and digits, at
least ``MIN_TERM_LENGTH`` long, no stopwords, at most ``MAX_TERMS``) are stemmed; for
each stem the store returns its ``PER_TERM`` deepest postings on the branch (one
indexed range read per stem). Those candidates are ranked with BM25 (a word that
matched fewer events weighs more; ties go to the later event), the best are read, and
what the asking character did not witness is dropped. A word that occurs everywhere
only ever costs its ``PER_TERM`` newest postings, and a rare word (the name of a place
told at turn 10) is found whatever the story's length: a search costs the same at turn
10 and turn 10,000.

No character of a question ever reaches a query language: stems are bound parameters.
"""

from __future__ import annotations

import functools
import math
import re
from collections import Counter, defaultdict
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from storyai.core.domain.events import Narration, PlayerAction, text_of
from storyai.core.domain.records import EventRecord, Lineage, RecallHit, on_line

MIN_TERM_LENGTH = 3
MAX_TERMS = 16
PER_TERM = 64
"""The most postings of one stem a search looks at: its deepest on the branch."""

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

MAX_STEM = 64
"""Longer words are cut to this many characters (the column's size)."""


@dataclass(frozen=True)
class Posting:
    """One stem of one indexed event."""

    session_id: str
    term: str
    event_id: str
    depth: int
    segment: int
    count: int
    length: int

    def values(self) -> dict[str, Any]:
        return {
            "session_id": self.session_id,
            "term": self.term,
            "event_id": self.event_id,
            "depth": self.depth,
            "segment": self.segment,
            "count": self.count,
            "length": self.length,
        }


def indexed(record: EventRecord) -> bool:
    return isinstance(record.event, PlayerAction | Narration) and bool(text_of(record.event))


def postings_for(records: Iterable[EventRecord]) -> list[Posting]:
    """The postings of the events worth remembering among ``records``."""
    out: list[Posting] = []
    for record in records:
        if not indexed(record):
            continue
        stems = Counter(stem(word)[:MAX_STEM] for word in words(text_of(record.event)))
        length = sum(stems.values())
        out += [
            Posting(record.session_id, term, record.id, record.depth, record.segment, n, length)
            for term, n in stems.items()
        ]
    return out


def words(text: str) -> list[str]:
    """The words of a text worth indexing: lower case, long enough, no stopwords."""
    return [
        w for w in _WORD.findall(text.lower()) if len(w) >= MIN_TERM_LENGTH and w not in STOPWORDS
    ]


def witnesses_of(record: EventRecord) -> tuple[str, ...]:
    """Who saw an event: a narration's witnesses, else its actor alone."""
    event = record.event
    if isinstance(event, Narration) and event.witnesses is not None:
        return tuple(dict.fromkeys(event.witnesses))
    return (record.actor,)


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


def query_stems(query: str) -> list[str]:
    return list(dict.fromkeys(stem(term)[:MAX_STEM] for term in search_terms(query)))


@functools.lru_cache(maxsize=65_536)
def stem(word: str) -> str:
    """A small English stemmer: enough that "daughters" finds "daughter", "called"
    finds "calling" and "smith's" finds "smiths"; not a linguist's tool."""
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


# ------------------------------------------------------------------------------- search

FetchPostings = Callable[[Sequence[str]], Awaitable[list[Posting]]]
"""The store's half of a search: for each stem, its ``PER_TERM`` deepest postings of
the session on the line and before the depth asked (already bound by the store)."""
FetchEvents = Callable[[Sequence[str]], Awaitable[list[EventRecord]]]

K1, B, AVERAGE_LENGTH = 1.2, 0.75, 30.0


async def search(
    query: str,
    *,
    limit: int,
    before_depth: int | None,
    witness: str | None,
    postings: FetchPostings,
    events: FetchEvents,
) -> list[RecallHit]:
    """Rank what ``postings`` finds for ``query`` and read the best through ``events``."""
    stems = query_stems(query)
    if not stems or limit <= 0:
        return []
    found = await postings(stems)
    by_term: dict[str, list[Posting]] = defaultdict(list)
    for posting in found:
        by_term[posting.term].append(posting)
    documents = max(before_depth or 0, max((p.depth for p in found), default=0), 1)
    scores: dict[str, float] = defaultdict(float)
    depth_of: dict[str, int] = {}
    for matches in by_term.values():
        df = len(matches) if len(matches) < PER_TERM else max(PER_TERM, documents // 4)
        idf = math.log(1 + (documents - df + 0.5) / (df + 0.5))
        for p in matches:
            fit = p.count * (K1 + 1) / (p.count + K1 * (1 - B + B * p.length / AVERAGE_LENGTH))
            scores[p.event_id] += idf * fit
            depth_of[p.event_id] = p.depth
    ranked = sorted(scores, key=lambda e: (-scores[e], -depth_of[e], e))
    hits: list[RecallHit] = []
    for start in range(0, len(ranked), max(limit * 3, 8)):
        batch = ranked[start : start + max(limit * 3, 8)]
        by_id = {r.id: r for r in await events(batch)}
        for event_id in batch:
            record = by_id.get(event_id)
            if record is None:
                continue
            seen = witnesses_of(record)
            if witness is not None and witness not in seen:
                continue
            hits.append(_hit(record, seen, scores[event_id]))
            if len(hits) == limit:
                return hits
    return hits


def _hit(record: EventRecord, witnesses: tuple[str, ...], score: float) -> RecallHit:
    return RecallHit(
        event_id=record.id,
        depth=record.depth,
        turn=record.turn,
        kind=record.kind,
        actor=record.actor,
        witnesses=witnesses,
        text=text_of(record.event),
        score=score,
    )


def deepest_on_line(
    newest_first: Iterable[Posting], lineage: Lineage | None, before_depth: int | None
) -> list[Posting]:
    """What a store without a database keeps of one stem's postings (given deepest
    first): on the line, before the depth, the ``PER_TERM`` deepest; it stops reading
    there (the memory store)."""
    kept: list[Posting] = []
    for p in newest_first:
        if before_depth is not None and p.depth >= before_depth:
            continue
        if lineage is not None and not on_line(lineage, p.segment, p.depth):
            continue
        kept.append(p)
        if len(kept) == PER_TERM:
            break
    return kept
