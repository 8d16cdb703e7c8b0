"""What the player typed, as an Intent: a verb and the words it is about.

The parser knows how people talk to adventure games ("x lamp", "pick up the
key", "go to the chapel", "ask maren about the mill", "use key on door") and
leaves naming things to ``resolve``, which matches words against what is in
the scene, tolerating typos.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

DIRECTION_ALIASES = {
    "n": "north",
    "s": "south",
    "e": "east",
    "w": "west",
    "u": "up",
    "d": "down",
    "ne": "northeast",
    "nw": "northwest",
    "se": "southeast",
    "sw": "southwest",
    "north": "north",
    "south": "south",
    "east": "east",
    "west": "west",
    "up": "up",
    "down": "down",
    "northeast": "northeast",
    "northwest": "northwest",
    "southeast": "southeast",
    "southwest": "southwest",
    "in": "in",
    "out": "out",
    "inside": "in",
    "outside": "out",
    "back": "back",
    "upstairs": "up",
    "downstairs": "down",
}

# verb -> phrases that start it, longest first when matching
VERBS: dict[str, tuple[str, ...]] = {
    "look": ("look around", "look", "l", "describe", "where am i"),
    "examine": (
        "look at",
        "look in",
        "look inside",
        "examine",
        "inspect",
        "x",
        "check",
        "study",
        "look under",
    ),
    "go": (
        "go to",
        "go",
        "walk to",
        "walk",
        "move to",
        "move",
        "head to",
        "head",
        "travel to",
        "run to",
        "run",
        "enter",
        "climb",
        "leave",
        "exit",
        "return to",
        "step into",
        "step",
    ),
    "take": ("pick up", "take", "get", "grab", "collect", "loot", "steal"),
    "drop": ("drop", "put down", "discard", "throw away", "leave behind"),
    "use": (
        "use",
        "apply",
        "open",
        "unlock",
        "light",
        "drink",
        "eat",
        "ring",
        "play",
        "pull",
        "push",
        "turn",
        "activate",
        "quaff",
        "consume",
    ),
    "equip": ("equip", "wield", "wear", "don", "hold"),
    "talk": (
        "talk to",
        "talk with",
        "speak to",
        "speak with",
        "chat with",
        "greet",
        "talk",
        "speak",
        "hail",
        "say hello to",
    ),
    "ask": ("ask", "what about", "how about", "and what about", "tell me about"),
    "say": ("say", "speak the word", "shout", "whisper", "utter", "call out", "answer"),
    "read": ("read",),
    "search": ("search", "look around for", "rummage"),
    "confirm": ("confirm", "yes", "y"),
    "give": ("give", "hand", "offer", "show"),
    "attack": (
        "attack",
        "hit",
        "fight",
        "kill",
        "strike",
        "stab",
        "slash",
        "shoot",
        "punch",
        "kick",
        "smash",
    ),
    "cast": ("cast",),
    "inventory": ("inventory", "inv", "i", "items", "bag", "pack"),
    "improve": ("improve", "level up", "raise ability", "increase"),
    "powers": ("powers", "my powers", "list powers", "abilities"),
    "invoke": ("invoke", "channel"),
    "relationships": ("relationships", "relations", "bonds", "who likes me"),
    "sheet": ("sheet", "stats", "status", "character", "char", "hp", "health"),
    "quests": ("quests", "quest", "journal", "j", "log", "objectives", "tasks"),
    "rest": ("short rest", "long rest", "rest", "sleep", "camp"),
    "help": ("help", "?", "commands", "what can i do", "hint", "hints"),
    "wait": ("wait", "z"),
    "recover": (
        "recover",
        "death save",
        "death saving throw",
        "make death save",
        "make a death save",
        "make death saving throw",
        "make a death saving throw",
        "fight for life",
        "come round",
        "try to come round",
        "lie still",
    ),
    "flee": ("flee", "run away", "escape", "retreat"),
    "map": ("map",),
    "roll": ("roll",),
}

_PHRASES = sorted(
    ((phrase, verb) for verb, phrases in VERBS.items() for phrase in phrases),
    key=lambda pv: -len(pv[0]),
)
_ARTICLES = re.compile(r"\b(the|a|an|some|my|this|that|to|at)\b\s*", re.IGNORECASE)
_JOINERS = {
    "ask": (" about ", " of "),
    "use": (" on ", " with ", " at "),
    "give": (" to ",),
    "cast": (" on ", " at "),
    "attack": (" with ",),
}


@dataclass(frozen=True)
class Intent:
    """A parsed player action. ``verb`` is "free" when nothing matched (free text,
    for a narrator that can tell it). ``confirmed``: the player has confirmed an
    action that ends the story ("confirm ask cinder about freedom")."""

    verb: str
    object: str = ""
    target: str = ""
    raw: str = ""
    choice: int | None = None
    direction: str | None = None
    confirmed: bool = False

    @property
    def understood(self) -> bool:
        return self.verb != "free"


def _clean(text: str) -> str:
    text = _ARTICLES.sub("", text)
    return re.sub(r"\s+", " ", text).strip(" .!?,")


# "I go east", "i look around", "I want to open the door": a sentence about the player
# is the action that follows (only a bare "i" is the inventory)
_SUBJECTS = re.compile(
    r"^(?:i|we|let me|let's|lets)(?:\s+(?:want|would like|'d like|wanna|try|will|shall|"
    r"am going|'m going|decide|carefully|slowly|quickly|then))*(?:\s+to)?\s+(?=\S)"
    r"|^(?:i'll|i'd|i'm|we'll)\s+(?:like\s+to\s+|going\s+to\s+|try\s+to\s+)?(?=\S)"
)


def parse(text: str) -> Intent:
    """Parse one line of player input."""
    raw = text.strip()
    lowered = re.sub(r"\s+", " ", raw.lower()).strip(" .!")
    subject = _SUBJECTS.match(lowered)
    if subject and lowered != "i":
        return replace(parse(lowered[subject.end() :]), raw=raw)
    if lowered.startswith("confirm "):  # confirming an action that ends the story
        return replace(parse(lowered[len("confirm ") :]), raw=raw, confirmed=True)
    if not lowered:
        return Intent("look", raw=raw)
    if lowered.isascii() and lowered.isdigit():
        return Intent("choose", raw=raw, choice=int(lowered))
    if lowered in DIRECTION_ALIASES:
        return Intent("go", raw=raw, direction=DIRECTION_ALIASES[lowered])
    for phrase, verb in _PHRASES:
        if lowered == phrase or lowered.startswith(phrase + " "):
            rest = lowered[len(phrase) :].strip()
            return _with_arguments(verb, phrase, rest, raw)
    first, _, rest = lowered.partition(" ")
    fixed = _close_word(first)
    if fixed is not None:  # "lok", "atack wolf", "nrth": a typo of a known word
        return replace(parse(f"{fixed} {rest}".strip()), raw=raw)
    return Intent("free", object=lowered, raw=raw)


# "open the door and step inside", "take the key, then go north": one sentence, several
# actions. A joiner splits only between parts that are each a whole action on their
# own; any other part stays with the one before ("take salt and iron", "ask dunnick
# about road and hens").
_JOINERS_BETWEEN = re.compile(r"(\s*(?:[,;]\s*)?\b(?:and then|and|then)\s+|\s*;\s*)")
_NOT_ALONE = frozenset({"free", "choose", "confirm"})
_NEEDS_OBJECT = frozenset({"examine", "take", "drop", "use", "equip", "give", "read", "say"})


def split_actions(text: str) -> list[str]:
    """The actions one line asks for, in order: ``["open door", "step inside"]`` for
    "open the door and step inside"; the line itself when it is one action."""
    raw = re.sub(r"\s+", " ", text.strip())
    pieces = _JOINERS_BETWEEN.split(raw)
    if len(pieces) < 3:
        return [text]
    parts: list[str] = []
    joiner = ""
    for i, piece in enumerate(pieces):
        if i % 2:
            joiner = piece
            continue
        piece = piece.strip(" ,;")
        if not piece:
            continue
        if parts and not _whole_action(piece):
            parts[-1] += joiner + piece  # "salt and iron": part of the one before
        else:
            parts.append(piece)
    if len(parts) < 2 or not all(_whole_action(p) for p in parts):
        return [text]
    return parts


def _whole_action(words: str) -> bool:
    """Whether ``words`` alone are an action the engine knows, with what it needs."""
    intent = parse(words)
    if intent.verb in _NOT_ALONE:
        return False
    if intent.verb in _NEEDS_OBJECT and not intent.object:
        return False
    if intent.verb == "go" and not (intent.direction or intent.object):
        return False
    return not (intent.verb == "ask" and not (intent.object or intent.target))


def normalized(text: str) -> str:
    """Words as compared when said: lower case, letters, digits and single spaces only."""
    return " ".join(re.findall(r"[a-z0-9']+", text.lower().replace("’", "'")))


def verb_word(raw: str) -> str:
    """The word the player's action starts with ("I pull the nail" -> "pull")."""
    lowered = " ".join(raw.lower().split())
    subject = _SUBJECTS.match(lowered)
    if subject and lowered != "i":
        lowered = lowered[subject.end() :]
    lowered = lowered.removeprefix("confirm ")
    return lowered.split(" ", 1)[0] if lowered else ""


_ONE_WORDS = sorted(
    {p for p, _ in _PHRASES if " " not in p and len(p) >= 3}
    | {d for d in DIRECTION_ALIASES if len(d) >= 4}
)


def _close_word(word: str) -> str | None:
    if len(word) < 3:
        return None
    close = difflib.get_close_matches(word, _ONE_WORDS, n=2, cutoff=0.8)
    if len(close) == 2 and difflib.SequenceMatcher(None, word, close[1]).ratio() == (
        difflib.SequenceMatcher(None, word, close[0]).ratio()
    ):
        return None  # two equally likely words: better to ask than to guess
    return close[0] if close else None


def _with_arguments(verb: str, phrase: str, rest: str, raw: str) -> Intent:
    if verb == "rest":
        kind = (
            "long"
            if ("long" in phrase or "long" in rest or phrase in ("sleep", "camp"))
            else "short"
        )
        return Intent("rest", object=kind, raw=raw)
    if verb == "look" and rest:
        if rest in DIRECTION_ALIASES:
            return Intent("examine", object=DIRECTION_ALIASES[rest], raw=raw)
        return Intent("examine", object=_clean(rest), raw=raw)
    if verb == "go":
        words = _clean(rest)
        if words in DIRECTION_ALIASES:
            return Intent("go", raw=raw, direction=DIRECTION_ALIASES[words])
        if not words and phrase in ("leave", "exit"):
            return Intent("go", raw=raw, direction="out")
        return Intent("go", object=words, raw=raw)
    if verb == "talk":
        # "talk to maren about the mill" is an ask
        for joiner in (" about ",):
            if joiner in f" {rest} ":
                who, _, topic = rest.partition(joiner.strip())
                return Intent("ask", object=_clean(who), target=_clean(topic), raw=raw)
        return Intent("talk", object=_clean(rest), raw=raw)
    for joiner in _JOINERS.get(verb, ()):
        padded = f" {rest} "
        if joiner in padded:
            left, _, right = padded.partition(joiner)
            return Intent(verb, object=_clean(left), target=_clean(right), raw=raw)
    if verb == "say":
        return Intent("say", object=rest.strip(" '\"“”‘’"), raw=raw)
    if verb == "ask" and phrase != "ask":  # "what about the goblins?": the last person
        return Intent("ask", object="", target=_clean(rest), raw=raw)
    if verb == "ask" and rest:
        who, _, topic = rest.partition(" ")
        return Intent("ask", object=_clean(who), target=_clean(topic), raw=raw)
    if verb == "use" and phrase not in ("use", "apply", "activate"):
        # "drink potion", "unlock door": the phrase itself tells how it is used
        return Intent("use", object=_clean(rest), target="", raw=raw)
    return Intent(verb, object=_clean(rest), raw=raw)


# ------------------------------------------------------------------- resolving


@dataclass(frozen=True)
class Match:
    id: str | None
    candidates: tuple[str, ...] = ()

    @property
    def ambiguous(self) -> bool:
        return self.id is None and len(self.candidates) > 1


def resolve(words: str, names: Mapping[str, Sequence[str]]) -> Match:
    """Match the player's words to one id, given each id's names and aliases.

    Exact names win, then every word appearing in a name ("key" -> "Iron Key"),
    then close spellings ("lantren" -> "Lantern"). Several equally good matches
    are returned as candidates so the interface can ask which one.
    """
    words = _clean(words.lower())
    if not words:
        return Match(None)
    exact = [i for i, ns in names.items() if any(words == n.lower() for n in ns) or words == i]
    if len(exact) == 1:
        return Match(exact[0])
    if exact:
        return Match(None, tuple(exact))
    tokens = set(words.replace("_", " ").split())
    partial = [
        i
        for i, ns in names.items()
        if any(
            tokens <= set(n.lower().replace("_", " ").replace("'", " ").split()) for n in (*ns, i)
        )
    ]
    if len(partial) == 1:
        return Match(partial[0])
    if partial:
        return Match(None, tuple(partial))
    scored: list[tuple[float, str]] = []
    for i, ns in names.items():
        best = 0.0
        for n in (*ns, i.replace("_", " ")):
            n = n.lower()
            best = max(best, difflib.SequenceMatcher(None, words, n).ratio())
            for part in n.split():
                for token in tokens:
                    best = max(best, difflib.SequenceMatcher(None, token, part).ratio() - 0.05)
        scored.append((best, i))
    scored.sort(reverse=True)
    if scored and scored[0][0] >= 0.75:
        top = [i for score, i in scored if score >= scored[0][0] - 0.02]
        return Match(top[0]) if len(top) == 1 else Match(None, tuple(top))
    return Match(None)
