"""Tab completion for the command line: verbs, then the names that fit after them.

``go `` completes exits and the places they lead to, ``take `` the items lying
here, ``talk to `` and ``attack `` the characters present, ``use ``/``drop ``
what is carried, ``ask NAME about `` the topics that character may talk about,
``cast `` the spells known and ``cast SPELL at `` the characters present.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from storyai.core.engine.intent import VERBS
from storyai.core.views import PlayerView

# What Tab offers at the start of a line, most useful first.
COMMON_VERBS = (
    "look",
    "look at",
    "examine",
    "go",
    "take",
    "drop",
    "use",
    "equip",
    "talk to",
    "ask",
    "give",
    "attack",
    "cast",
    "inventory",
    "sheet",
    "quests",
    "map",
    "rest",
    "long rest",
    "wait",
    "flee",
    "help",
)

# The kind of name each core verb is followed by.
_ARGUMENTS = {
    "go": "exits",
    "take": "items_here",
    "drop": "carried",
    "equip": "carried",
    "use": "usable",
    "give": "carried",
    "talk": "people",
    "ask": "people",
    "attack": "people",
    "cast": "people",
    "examine": "anything",
}
_NO_ARGUMENT = {"look", "inventory", "sheet", "quests", "rest", "help", "wait", "flee", "map"}


@dataclass
class Vocabulary:
    """The names that can follow each kind of verb right now."""

    exits: list[str] = field(default_factory=list)
    items_here: list[str] = field(default_factory=list)
    carried: list[str] = field(default_factory=list)
    people: list[str] = field(default_factory=list)
    topics: dict[str, list[str]] = field(default_factory=dict)  # lower-case name -> topics
    spells: list[str] = field(default_factory=list)

    @property
    def usable(self) -> list[str]:
        return _unique([*self.carried, *self.items_here])

    @property
    def anything(self) -> list[str]:
        return _unique([*self.people, *self.items_here, *self.carried, *self.exits])

    @classmethod
    def from_view(cls, view: PlayerView) -> Vocabulary:
        place = view.location
        exits: list[str] = []
        for ex in place.exits:
            exits += [ex.direction, ex.name]
        return cls(
            exits=_unique(exits),
            items_here=[i.name for i in place.items],
            carried=[i.name for i in view.inventory.items],
            people=[p.name for p in place.people],
            topics={p.name.lower(): [t.label for t in p.topics] for p in place.people},
            spells=[s.name for s in view.sheet.spells],
        )


def _unique(values: list[str]) -> list[str]:
    return list(dict.fromkeys(v for v in values if v))


# every phrase the parser knows (synonyms too), longest first
_PHRASES = sorted(
    ((phrase, verb) for verb, phrases in VERBS.items() for phrase in phrases),
    key=lambda pv: -len(pv[0]),
)


def completions(text: str, vocab: Vocabulary) -> list[str]:
    """Whole-line completions of ``text``, best first. Empty when nothing fits."""
    if not text.strip():
        return []
    lowered = text.lower()
    for phrase, verb in _PHRASES:
        if lowered.startswith(phrase + " "):
            head, rest = text[: len(phrase) + 1], text[len(phrase) + 1 :]
            return _arguments(verb, head, rest, vocab)
    if " " in lowered.strip():
        return []
    return [v for v in COMMON_VERBS if v.startswith(lowered) and v != lowered] + [
        v for v in COMMON_VERBS if v == lowered and _takes_argument(v)
    ]


def _takes_argument(verb_phrase: str) -> bool:
    return verb_phrase.split()[0] not in _NO_ARGUMENT or verb_phrase == "look at"


def _arguments(verb: str, head: str, rest: str, vocab: Vocabulary) -> list[str]:
    if verb == "ask":
        who, sep, topic = rest.partition(" about ")
        if sep:
            topics = vocab.topics.get(who.strip().lower(), [])
            return [f"{head}{who}{sep}{t}" for t in _starting(topics, topic)]
        return [f"{head}{name} about " for name in _starting(vocab.people, rest)]
    if verb == "cast":
        spell, sep, target = rest.partition(" at ")
        if sep:
            return [f"{head}{spell}{sep}{name}" for name in _starting(vocab.people, target)]
        return [head + name for name in _starting(vocab.spells, rest)]
    kind = _ARGUMENTS.get(verb)
    if kind is None:
        return []
    names: list[str] = getattr(vocab, kind)
    return [head + name for name in _starting(names, rest)]


def _starting(names: list[str], typed: str) -> list[str]:
    """Names that begin with what was typed, then names with a word that does."""
    typed = typed.lower().lstrip()
    if typed.startswith(("the ", "a ", "an ")):
        typed = typed.split(" ", 1)[1]
    first = [n for n in names if n.lower().startswith(typed) and n.lower() != typed]
    inner = [
        n
        for n in names
        if n not in first
        and n.lower() != typed
        and typed
        and any(w.startswith(typed) for w in n.lower().split())
    ]
    return first + inner
