"""Foundry text enrichers turned into plain words.

Foundry rich text carries links and roll buttons such as ``@UUID[...]{Label}``,
``&Reference[prone]``, ``[[/save dex dc=15]]`` or pf2e's ``@Check[reflex|dc:20]``.
:func:`replace_enrichers` rewrites each into what a reader would see on the
page, or drops it when it shows nothing useful. It works on HTML source, so
everything it inserts is HTML-escaped.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Iterator
from functools import lru_cache

Resolve = Callable[[str], "str | None"]
Rolls = Callable[[str, str], "str | None"]
"""``rolls(command, arguments)``: words for a roll that refers to its own document
(``[[/damage extended]]`` on a monster's bite), or ``None`` to read the roll as written."""

ABILITIES = {
    "str": "Strength",
    "dex": "Dexterity",
    "con": "Constitution",
    "int": "Intelligence",
    "wis": "Wisdom",
    "cha": "Charisma",
}
SKILLS = {
    "acr": "Acrobatics",
    "ani": "Animal Handling",
    "arc": "Arcana",
    "ath": "Athletics",
    "dec": "Deception",
    "his": "History",
    "ins": "Insight",
    "itm": "Intimidation",
    "inv": "Investigation",
    "med": "Medicine",
    "nat": "Nature",
    "prc": "Perception",
    "prf": "Performance",
    "per": "Persuasion",
    "rel": "Religion",
    "slt": "Sleight of Hand",
    "ste": "Stealth",
    "sur": "Survival",
}
_FOUNDRY_ID = re.compile(r"^[A-Za-z0-9]{16}$")
_AT_START = re.compile(r"@([A-Za-z]+)\[")
_REF_START = "&Reference["
_REF_ESCAPED = "&amp;Reference["  # HTML source escapes the ampersand
_ROLL_START = "[["
_PLAIN_WORD = re.compile(r"^[A-Z]?[a-z]+$")
MAX_ARGUMENT = 1000
MAX_NESTING = 4
_DOUBLED = re.compile(r"\b(saving throw|save|check) \1\b")
_CODE_OPEN = re.compile(r"<(code|pre)\b[^>]*>", re.I)
_MARKDOWN_OPEN = re.compile(r"<(code|pre)\b[^>]*>|```|~~~|`", re.I)
_WORD_ARG = re.compile(r"^[A-Za-z][A-Za-z -]*$")


def replace_enrichers(
    text: str,
    resolve: Resolve | None = None,
    name: str | None = None,
    rolls: Rolls | None = None,
    *,
    markdown: bool = False,
) -> str:
    """Every enricher in ``text`` (HTML) replaced by its label, its words, or nothing.

    ``rolls`` reads rolls without numbers of their own (``[[/save]]``) from the
    document the text belongs to. Code (``<code>``, ``<pre>``; with ``markdown``, also
    backtick spans and fences) is kept verbatim: a page that documents the syntax shows it.
    """
    if "[" not in text:
        return text
    out: list[str] = []
    for verbatim, piece in _template(text, markdown):
        if verbatim:
            out.append(piece)
        else:
            out.append(_DOUBLED.sub(r"\1", _fill(piece, resolve, name, rolls)))
    return "".join(out)


_Token = tuple[str, str, str, "str | None", bool]
"""An enricher as found: (``roll``, ``ref`` or ``at``; its argument; for ``at`` its kind,
``UUID``, ``Check`` ...; its ``{Label}`` if any; whether a ``.`` follows it in the text)."""
_Template = tuple[tuple[bool, "tuple[str | _Token, ...] | str"], ...]


@lru_cache(maxsize=2048)
def _template(text: str, markdown: bool) -> _Template:
    """``text`` split into code kept verbatim (``True``, its text) and the rest (``False``,
    plain pieces and enrichers as found). Finding them depends on the text alone, so a
    text many documents share (a spell every caster embeds) is read once per import
    (``forget_templates``); what each enricher says is worked out for each document."""
    parts: list[tuple[bool, tuple[str | _Token, ...] | str]] = []
    start = 0
    for begin, end in _code_spans(text, markdown):
        parts.append((False, _parse(text[start:begin])))
        parts.append((True, text[begin:end]))
        start = end
    parts.append((False, _parse(text[start:])))
    return tuple(parts)


def forget_templates() -> None:
    """Drop the texts read so far (see ``html_text.forget_renders``)."""
    _template.cache_clear()


def _code_spans(text: str, markdown: bool) -> Iterator[tuple[int, int]]:
    """(start, end) of each code span, its tags or backticks included; linear: an opening
    without its close ends the search."""
    lower = text.lower()
    opening = _MARKDOWN_OPEN if markdown else _CODE_OPEN
    at = 0
    while (found := opening.search(text, at)) is not None:
        tag = found.group(1)
        close = f"</{tag.lower()}" if tag else found.group(0)
        if not tag and close == "`":  # an inline span stays on one line
            end = text.find("`", found.end())
            if end < 0 or "\n" in text[found.end() : end]:
                at = found.end()
                continue
        else:
            end = lower.find(close, found.end())
            if end < 0:
                return
        after = text.find(">", end) + 1 if tag else end + len(close)
        if after <= 0:
            return
        yield found.start(), after
        at = after


def _parse(text: str) -> tuple[str | _Token, ...]:
    """Plain pieces of ``text`` and the enrichers between them, in order."""
    out: list[str | _Token] = []
    i, n = 0, len(text)
    finder = _Finder(text)
    while i < n:
        nxt = finder.first(i, "@", _REF_START, _REF_ESCAPED, _ROLL_START)
        if nxt < 0:
            out.append(text[i:])
            break
        out.append(text[i:nxt])
        token, end = _one(finder, nxt)
        if token is None:  # not an enricher after all: keep the character
            out.append(text[nxt])
            i = nxt + 1
        else:
            out.append((*token, text.startswith(".", end)))
            i = end
    return tuple(out)


def _fill(
    parts: tuple[str | _Token, ...] | str,
    resolve: Resolve | None,
    name: str | None,
    rolls: Rolls | None,
) -> str:
    """The text of ``_parse``'s pieces with each enricher replaced by its words."""
    out: list[str] = []
    for part in parts:
        if isinstance(part, str):
            out.append(part)
            continue
        kind, arg, at_kind, label, dot_follows = part
        if kind == "roll":
            replaced = _roll(arg, label, resolve, name, rolls)
        elif kind == "ref":
            replaced = label if label is not None else _reference(arg)
        else:
            replaced = _at(at_kind, arg, label, resolve)
        if replaced.endswith(".") and dot_follows and not replaced.endswith(".."):
            replaced = replaced[:-1]  # "reach 5 ft." then the text's "." reads "reach 5 ft."
        out.append(replaced)
    return "".join(out)


class _Finder:
    """``str.find`` with memory: each marker is searched for again only once passed,
    so scanning stays linear however many ``@`` or ``[`` the text holds."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.found: dict[str, tuple[int, int]] = {}  # marker -> (asked from, found at)

    def find(self, marker: str, i: int) -> int:
        asked, at = self.found.get(marker, (-1, -2))
        if i < asked:  # searching backwards: do not trust the memory
            return self.text.find(marker, i)
        if at != -1 and at < i:
            at = self.text.find(marker, i)
        self.found[marker] = (i, at)
        return at

    def first(self, i: int, *markers: str) -> int:
        found = [at for at in (self.find(m, i) for m in markers) if at >= 0]
        return min(found) if found else -1


def _one(finder: _Finder, at: int) -> tuple[tuple[str, str, str, str | None] | None, int]:
    """(kind, argument, ``@`` kind, label) of the enricher at ``at`` and the index past
    it; ``None`` when there is none."""
    text = finder.text
    if text.startswith(_ROLL_START, at):
        end = _close(finder, at + 2, roll=True)
        if end < 0:
            return None, at
        label, end2 = _label(text, end)
        return ("roll", text[at + 2 : end - 2], "", label), end2
    for start in (_REF_START, _REF_ESCAPED):
        if text.startswith(start, at):
            end = _close(finder, at + len(start), roll=False)
            if end < 0:
                return None, at
            label, end2 = _label(text, end)
            return ("ref", text[at + len(start) : end - 1], "", label), end2
    match = _AT_START.match(text, at)
    if not match:
        return None, at
    end = _close(finder, match.end(), roll=False)
    if end < 0:
        return None, at
    label, end2 = _label(text, end)
    return ("at", text[match.end() : end - 1], match.group(1), label), end2


def _close(finder: _Finder, start: int, *, roll: bool) -> int:
    """Index just past the ``]`` (``]]`` for rolls) closing a bracket opened before ``start``.

    Brackets may nest a little (``@Damage[(1d6)[fire]]``); arguments are short.
    """
    text = finder.text
    limit = min(len(text), start + MAX_ARGUMENT)
    if not 0 <= finder.find("]", start) < limit:
        return -1
    depth = 0
    for j in range(start, limit):
        c = text[j]
        if c == "[":
            depth += 1
            if depth > MAX_NESTING:
                return -1
        elif c == "]":
            if depth == 0:
                if not roll:
                    return j + 1
                return j + 2 if text.startswith("]]", j) else -1
            depth -= 1
    return -1


def _label(text: str, end: int) -> tuple[str | None, int]:
    """A ``{Label}`` right after an enricher, and the index past it."""
    if end < len(text) and text[end] == "{":
        close = text.find("}", end + 1, end + 500)
        if close > 0:
            return text[end + 1 : close].strip(), close + 1
    return None, end


def _esc(value: str) -> str:
    return html.escape(value, quote=False)


def humanise_ref(ref: str) -> str:
    """The readable last part of a document reference, or ``""`` for a bare Foundry id."""
    tail = html.unescape(ref).split("#")[0].rstrip(".").split(".")[-1].strip()
    if not tail or (_FOUNDRY_ID.match(tail) and not _PLAIN_WORD.match(tail)):
        return ""
    if tail == tail.lower() and ("-" in tail or "_" in tail):
        tail = tail.replace("-", " ").capitalize()
    return _esc(tail.replace("_", " "))


def _linked(ref: str, label: str | None, resolve: Resolve | None) -> str:
    if label is not None:
        return label
    name = resolve(html.unescape(ref)) if resolve else None
    return _esc(name) if name else humanise_ref(ref)


def _at(kind: str, arg: str, label: str | None, resolve: Resolve | None) -> str:
    if kind in ("UUID", "Compendium", "Actor", "Item", "JournalEntry", "Scene", "RollTable"):
        return _linked(arg, label, resolve)
    if kind in ("Localize", "Embed"):
        return ""
    if label is not None:
        return label
    if kind == "Check":
        return _pf2e_check(html.unescape(arg))
    if kind == "Damage":
        return _pf2e_damage(html.unescape(arg))
    if kind == "Template":
        return _pf2e_template(html.unescape(arg))
    return ""


def _reference(arg: str) -> str:
    first = html.unescape(arg).split()[0] if arg.split() else ""
    term = first.split("=", 1)[1] if "=" in first else first
    return _esc(term.replace("-", " ").replace("_", " "))


# ------------------------------------------------------------------ [[...]]


def _roll(
    body: str, label: str | None, resolve: Resolve | None, name: str | None, rolls: Rolls | None
) -> str:
    raw = html.unescape(body).strip()
    if raw.startswith("/"):
        if label is not None:
            return label
        command, _, rest = " ".join(raw[1:].split()).partition(" ")
        own = rolls(command.lower(), rest.strip()) if rolls is not None else None
        if own is not None:
            return _esc(own)
        return _esc(_roll_command(command.lower(), rest.strip(), resolve))
    if raw.startswith("lookup"):
        if name and "@name" in raw:
            return _esc(name.lower() if "lowercase" in raw else name)
        return label or ""
    if label is not None:
        return label
    formula = re.sub(r"\[[^\]]*\]", "", raw.split("#")[0]).strip()
    return _esc(formula)


def _roll_command(command: str, rest: str, resolve: Resolve | None) -> str:
    positional, named = split_args(rest)
    if command in ("r", "roll", "gmr", "gmroll", "br", "blindroll", "sr", "selfroll", "pr"):
        return rest.split("#")[0].strip()
    if command in ("damage", "heal", "healing"):
        formula = named.get("formula") or " ".join(
            p for p in positional if p not in ("extended", "average", "long", "short")
        )
        kind = named.get("type", "")
        if command != "damage" and formula:
            kind = kind or "healing"
        return f"{formula} {kind}".strip() if formula else ""
    if command == "save":
        return _save_words(positional, named)
    if command in ("check", "skill", "tool"):
        return _check_words(positional, named)
    if command == "attack":
        bonus = named.get("formula") or next((p for p in positional if p[:1] in "+-"), "")
        return f"{bonus} to hit" if bonus else ""
    if command == "item":
        target = positional[0] if positional else ""
        found = resolve(target) if resolve and target else None
        return found or ""
    return ""


def split_args(rest: str) -> tuple[list[str], dict[str, str]]:
    """``"dex dc=15 format=long"`` -> (``["dex"]``, ``{"dc": "15", "format": "long"}``)."""
    positional: list[str] = []
    named: dict[str, str] = {}
    for token in rest.split():
        if "=" in token:
            key, _, value = token.partition("=")
            named[key.lower()] = value
        else:
            positional.append(token)
    return positional, named


def _dc(positional: list[str], named: dict[str, str]) -> str:
    dc = named.get("dc") or next((p for p in positional if p.isdigit()), "")
    return f"DC {dc} " if dc else ""


def _names(values: list[str], table: dict[str, str]) -> list[str]:
    out = []
    for value in values:
        for part in re.split(r"[/|,]", value):
            key = part.strip().lower()
            if key in table:
                out.append(table[key])
            elif key in (v.lower() for v in table.values()):
                out.append(next(v for v in table.values() if v.lower() == key))
    return out


def _save_words(positional: list[str], named: dict[str, str]) -> str:
    abilities = _names([named.get("ability", ""), *positional], ABILITIES)
    if not abilities:
        return ""
    return f"{_dc(positional, named)}{' or '.join(abilities)} saving throw"


def _check_words(positional: list[str], named: dict[str, str]) -> str:
    wanted = [named.get("skill", ""), named.get("ability", ""), named.get("tool", ""), *positional]
    found = _names(wanted, SKILLS) + _names(wanted, ABILITIES)
    if not found and named.get("tool"):
        found = [named["tool"]]
    if not found:
        return ""
    return f"{_dc(positional, named)}{' or '.join(found)} check"


# ---------------------------------------------------------------------- pf2e


def _pf2e_params(arg: str) -> tuple[str, dict[str, str], list[str]]:
    parts = [p.strip() for p in arg.split("|")]
    first, params, flags = "", {}, []
    for i, part in enumerate(parts):
        if ":" in part:
            key, _, value = part.partition(":")
            params[key.strip().lower()] = value.strip()
        elif i == 0:
            first = part
        elif part:
            flags.append(part.lower())
    return params.get("type", first), params, flags


def _pf2e_check(arg: str) -> str:
    kind, params, flags = _pf2e_params(arg)
    kind = kind.lower()
    dc = f"DC {params['dc']} " if params.get("dc", "").lstrip("-").isdigit() else ""
    basic = "basic " if "basic" in flags or params.get("basic") == "true" else ""
    if kind in ("fortitude", "reflex", "will"):
        return _esc(f"{dc}{basic}{kind.capitalize()} save")
    if kind == "flat":
        return _esc(f"{dc}flat check")
    if not kind or not _WORD_ARG.match(kind):
        return ""
    return _esc(f"{dc}{kind.replace('-', ' ').title()} check")


def _pf2e_damage(arg: str) -> str:
    formula = arg.split("|")[0]
    instances = _split_top(formula)
    words = [w for w in (_damage_instance(i) for i in instances) if w]
    return _esc(" plus ".join(words))


def _split_top(formula: str) -> list[str]:
    parts, depth, current = [], 0, []
    for c in formula:
        if c in "[(":
            depth += 1
        elif c in "])":
            depth -= 1
        if c == "," and depth == 0:
            parts.append("".join(current))
            current = []
        else:
            current.append(c)
    parts.append("".join(current))
    return [p.strip() for p in parts if p.strip()]


def _damage_instance(instance: str) -> str:
    match = re.match(r"^(.*?)\[([^\[\]]*)\]\s*$", instance)
    if not match:
        return instance.strip("() ")
    dice = match.group(1).strip()
    if dice.startswith("(") and dice.endswith(")"):
        dice = dice[1:-1]
    types = [t.strip() for t in match.group(2).split(",") if t.strip() and t.strip() != "untyped"]
    return f"{dice} {' '.join(types)}".strip()


def _pf2e_template(arg: str) -> str:
    kind, params, _ = _pf2e_params(arg)
    distance = params.get("distance", "")
    if not kind:
        return ""
    return _esc(f"{distance}-foot {kind}" if distance else kind)
