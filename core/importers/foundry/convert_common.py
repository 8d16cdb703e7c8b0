"""What every Foundry converter shares: the import context and small value helpers."""

from __future__ import annotations

import math
import os
import re
from dataclasses import dataclass, field
from typing import Any

import d20
from pydantic import ValidationError

from storyai.core.domain.stats import D20Attack, D20StatBlock
from storyai.core.importers.foundry.documents import FoundryDoc, FoundrySource
from storyai.core.importers.foundry.enrichers import Rolls
from storyai.core.importers.html_text import HtmlText, html_to_markdown, plain_text
from storyai.core.importers.plan import IdAllocator, ImportPlan, Section, slug

TEXT_LIMIT = 20_000
NAME_LIMIT = 120
_NUMBER = re.compile(r"-?\d+(?:\.\d+)?")


# ------------------------------------------------------------------- values


_KEYS: dict[str, list[str]] = {}
"""``"attributes.hp.max"`` -> its keys: the converters ask for a few hundred paths,
hundreds of thousands of times in a big pack."""


def path(data: Any, dotted: str, default: Any = None) -> Any:
    """``path(d, "attributes.hp.max")``: nested lookup that never raises."""
    keys = _KEYS.get(dotted)
    if keys is None:
        keys = dotted.split(".")
        if len(_KEYS) < 10_000:  # paths are the converters' own; bounded all the same
            _KEYS[dotted] = keys
    current = data
    for key in keys:
        if type(current) is not dict and not isinstance(current, dict):
            return default
        current = current.get(key, _MISSING)
        if current is _MISSING:
            return default
    return current


_MISSING = object()


def num(value: Any, default: float | None = None) -> float | None:
    """A number from ``12``, ``12.5``, ``"30"``, ``"30 ft."`` or ``"40'"``; else ``default``."""
    kind = type(value)
    if kind is int or kind is float:
        return float(value) if math.isfinite(value) else default
    if isinstance(value, bool):
        return default
    if isinstance(value, int | float):
        return float(value) if math.isfinite(value) else default
    if isinstance(value, str):
        match = _NUMBER.search(value)
        if match:
            try:
                return float(match.group())
            except ValueError:  # pragma: no cover - the pattern only matches numbers
                return default
    return default


def whole(value: Any, default: int | None = None) -> int | None:
    found = num(value)
    return default if found is None else int(found)


def clamp(value: int, low: int, high: int) -> int:
    return max(low, min(high, value))


def system_data(doc: dict[str, Any]) -> dict[str, Any]:
    """The document's system data: ``system`` (v10+) or ``data`` (before v10)."""
    found = doc.get("system")
    if not isinstance(found, dict):
        found = doc.get("data")
    return found if isinstance(found, dict) else {}


def embedded(doc: dict[str, Any], key: str) -> list[dict[str, Any]]:
    """An embedded collection's documents (``items``, ``pages`` ...), skipping ids and junk."""
    found = doc.get(key)
    return [d for d in found if isinstance(d, dict)] if isinstance(found, list) else []


def clip(text: str, limit: int = TEXT_LIMIT) -> str:
    """Text cut to ``limit`` characters with a note when it had to be cut."""
    if len(text) <= limit:
        return text
    note = "\n\n(…cut: the original is longer)"
    return text[: limit - len(note)].rstrip() + note


def plain_name(name: Any) -> str:
    """A name or title without HTML tags or entities, on one line."""
    text = str(name) if isinstance(name, str | int | float) else ""
    if "<" in text or "&" in text:
        text = plain_text(text)
    return " ".join(text.split())


def clip_name(name: Any, fallback: str) -> str:
    text = plain_name(name)
    text = text or fallback
    return text if len(text) <= NAME_LIMIT else text[: NAME_LIMIT - 1].rstrip() + "…"


# ------------------------------------------------------------ descriptions

SHORTENED_NOTE = (
    "(Some texts above were shortened to fit the 20,000-character limit; "
    "the full text is kept in this entry's source.)"
)
_HEADING = re.compile(r"^#{1,6} +(.+)$", re.MULTILINE)
_BLOCK_START = re.compile(r"^(?:[-*+] |> |\||```|\d+\. )")


@dataclass
class TextSection:
    """A titled list of named texts in a description: features, actions, abilities."""

    title: str
    entries: list[tuple[str, str]] = field(default_factory=list)
    """(name, Markdown text) pairs; the text may be empty."""


def describe_with_sections(head: list[str], sections: list[TextSection], tail: list[str]) -> str:
    """``head`` paragraphs, each section's entries in full, then ``tail``.

    When the whole is longer than a description holds, the longest entry texts
    are cut (at a word, marked with …) until it fits, and a note says so at the end.
    """
    head = [p for p in head if p]
    tail = [p for p in tail if p]
    sections = [s for s in sections if s.entries]
    texts = [_demote(text) for s in sections for _, text in s.entries]
    whole_text = _assemble(head, sections, texts, tail)
    if len(whole_text) <= TEXT_LIMIT:
        return whole_text
    room = TEXT_LIMIT - len(SHORTENED_NOTE) - 2
    fixed = len(_assemble(head, sections, [""] * len(texts), tail))
    budget = room - fixed - 2 * len(texts)  # each cut text gains an ellipsis
    if budget <= 0:
        return clip(whole_text)
    cap = _cap(sorted(len(t) for t in texts), budget)
    cut = [t if len(t) <= cap else _cut_at_word(t, cap) for t in texts]
    return _assemble(head, sections, cut, tail) + "\n\n" + SHORTENED_NOTE


def _assemble(
    head: list[str], sections: list[TextSection], texts: list[str], tail: list[str]
) -> str:
    parts = list(head)
    index = 0
    for section in sections:
        lines = []
        for name, _ in section.entries:
            lines.append(_entry(name, texts[index]))
            index += 1
        parts.append(f"## {section.title}\n\n" + "\n\n".join(lines))
    parts += tail
    return "\n\n".join(parts)


def _entry(name: str, text: str) -> str:
    label = " ".join(name.split()) or "Unnamed"
    label = f"**{label}" + ("**" if label[-1] in ".!?:" else ".**")
    if not text:
        return label
    if name.strip() and re.match(rf"\*\*\s*{re.escape(name.strip())}(?!\w)", text, re.I):
        return text  # the text starts with its own name already
    if _BLOCK_START.match(text):
        return f"{label}\n\n{text}"
    return f"{label} {text}"


def _demote(text: str) -> str:
    """Headings inside an entry's text become bold lines under the section's heading."""
    return _HEADING.sub(lambda m: f"**{m.group(1).strip().strip('*')}**", text.strip())


def _cap(lengths: list[int], budget: int) -> int:
    """The largest length L with sum(min(len, L)) <= budget (lengths sorted)."""
    remaining, count = budget, len(lengths)
    for i, length in enumerate(lengths):
        share = remaining // (count - i)
        if length > share:
            return share
        remaining -= length
    return lengths[-1] if lengths else 0


def _cut_at_word(text: str, limit: int) -> str:
    if limit <= 0:
        return "…"
    cut = text[:limit]
    space = cut.rfind(" ")
    if space > limit // 2:
        cut = cut[:space]
    return cut.rstrip(" ,;:") + "…"


# ------------------------------------------------------------ stat blocks

STAT_WORDS = {"hp": "hit points", "ac": "armor class"}
_TERM_REF = re.compile(r"@[A-Za-z_][\w.\-]*")


def dice(formula: Any, refs: dict[str, int] | None = None) -> str | None:
    """Foundry damage as plain dice: ``"1d6 + @mod"`` -> ``"1d6+2"``; ``None`` if not dice.

    ``refs`` gives values for ``@mod``, ``@prof`` ...; other references count as 0.
    A formula with the same values is worked out once (``1d6+@mod`` with a +2 modifier
    recurs across a pack's monsters and each of their texts).
    """
    if type(formula) is not str or (refs and any(type(v) is not int for v in refs.values())):
        return _dice(formula, refs)  # only whole numbers as values: 2 and 2.0 write apart
    key = (formula, tuple(refs.items())) if refs else (formula, ())
    found = _DICE.get(key, _MISSING)
    if found is not _MISSING:
        return found  # type: ignore[return-value]
    found = _dice(formula, refs)
    if len(_DICE) >= 4096:
        _DICE.clear()
    _DICE[key] = found
    return found


_DICE: dict[tuple[str, tuple[tuple[str, int], ...]], str | None] = {}
"""Formula and values -> plain dice, bounded (cleared when full)."""


def _dice(formula: Any, refs: dict[str, int] | None) -> str | None:
    if isinstance(formula, int | float) and not isinstance(formula, bool):
        formula = str(int(formula))
    if not isinstance(formula, str) or not formula.strip():
        return None
    refs = refs or {}
    text = re.sub(r"\[[^\]]*\]", "", formula)  # flavour such as 1d6[fire]
    text = _TERM_REF.sub(lambda m: str(refs.get(m.group()[1:], 0)), text)
    text = re.sub(r"\s+", "", text)
    for _ in range(3):
        text = text.replace("+-", "-").replace("--", "+").replace("-+", "-").replace("++", "+")
    text = re.sub(r"[+-]0(?![\d.d])", "", text).strip("+")
    if not text or len(text) > 64 or "d" not in text:
        return None
    try:
        d20.parse(text)
    except Exception:  # d20 raises several error types on junk; any of them means "not dice"
        return None
    return text


def flat_bonus(value: Any, refs: dict[str, int] | None = None) -> int:
    """The constant part of a bonus such as ``"2"``, ``"+1"``, ``"@prof"`` or ``"1 + 1d4"``."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return int(value) if math.isfinite(value) else 0
    if not isinstance(value, str):
        return 0
    refs = refs or {}
    text = _TERM_REF.sub(lambda m: str(refs.get(m.group()[1:], 0)), value.replace(" ", ""))
    total = 0
    for sign, term in re.findall(r"([+-]?)([^+-]+)", text):
        if term.isdigit():
            total += -int(term) if sign == "-" else int(term)
    return total


DAMAGE_TYPES = frozenset(
    {"acid", "bludgeoning", "cold", "fire", "force", "lightning", "necrotic", "piercing"}
    | {"poison", "psychic", "radiant", "slashing", "thunder"}
)
"""The d20 damage types (dnd5e's list)."""
_WEAPON_WORDS = {
    "piercing": (
        "bow", "arrow", "bolt", "crossbow", "spear", "dagger", "knife", "bite", "fang", "horn",
        "tusk", "gore", "antler", "beak", "sting", "stinger", "spike", "spine", "quill", "pike",
        "lance", "javelin", "dart", "rapier", "trident", "needle", "impale", "peck", "shortsword",
        "blowgun", "harpoon", "morningstar", "pick",
    ),
    "slashing": (
        "sword", "axe", "claw", "talon", "scimitar", "halberd", "glaive", "sickle", "scythe",
        "blade", "cutlass", "falchion", "katana", "longsword", "greatsword", "greataxe",
        "handaxe", "battleaxe", "whip", "rake", "slash", "razor",
    ),
    "bludgeoning": (
        "club", "mace", "hammer", "fist", "punch", "slam", "headbutt", "butt", "hoof",
        "stampede", "trample", "kick", "rock", "boulder", "stone", "sling", "staff",
        "quarterstaff", "flail", "maul", "greatclub", "crush", "constrict", "tail", "tentacle",
        "pincer", "pummel", "stomp", "ram", "wing", "buffet", "smash",
    ),
}  # fmt: skip
_WORD_TYPES = {w: kind for kind, words in _WEAPON_WORDS.items() for w in words}
_WORD_TYPES |= {kind: kind for kind in DAMAGE_TYPES}
_WORD_TYPES |= {"flame": "fire", "magma": "fire", "frost": "cold", "acidic": "acid"}


def damage_type_from_name(name: str) -> str | None:
    """The usual damage type of a weapon or natural attack, told from its name.

    ``Sword, Short`` -> piercing, ``Sword, Long`` -> slashing, ``Bow, Small`` ->
    piercing, ``Club`` -> bludgeoning, ``Bite`` -> piercing; ``None`` when no word fits.
    """
    words = re.findall(r"[a-z]+", name.lower())
    if "sword" in words and "short" in words:
        return "piercing"
    typed = [(word, kind) for word in words if (kind := _word_type(word))]
    strong = [kind for word, kind in typed if word not in _WEAK]
    return (strong or [kind for _, kind in typed] or [None])[0]


_WEAK = frozenset({"tail", "tails", "wing", "wings", "stone", "stones"})
"""Words that name the limb rather than what hits: ``Tail Spike`` pierces."""


def _word_type(word: str) -> str | None:
    singular = word[:-2] if word.endswith("es") else word[:-1] if word.endswith("s") else word
    for candidate in (word, word[:-1] if word.endswith("s") else word, singular):
        if candidate in _WORD_TYPES:
            return _WORD_TYPES[candidate]
    for suffix, kind in (("bite", "piercing"), ("bow", "piercing"), ("sword", "slashing")):
        if word.endswith((suffix, suffix + "s")):
            return kind
    return None


def checked_stats(stats: dict[str, Any], who: str, ctx: Context) -> dict[str, Any] | None:
    """``stats`` if it is a valid d20 stat block (dropping attacks that are not), else ``None``."""
    attacks = []
    for attack in stats.get("attacks", []):
        try:
            D20Attack.model_validate(attack)
        except ValidationError:
            continue
        attacks.append(attack)
    stats["attacks"] = attacks
    try:
        D20StatBlock.model_validate(stats)
    except ValidationError as err:
        problem = err.errors()[0]
        where = ".".join(str(p) for p in problem.get("loc", ()))
        if problem.get("type") == "missing":
            why = f"no {STAT_WORDS.get(where, where)} found"
        else:
            why = f"{where}: {problem.get('msg')}"
        ctx.plan.warn(f"{who}: imported without a stat block ({why})")
        return None
    return stats


# ------------------------------------------------------------------ context


@dataclass
class Made:
    """One world entry a converter made, before it gets an id, tags and a source."""

    section: Section
    data: dict[str, Any]
    kind: str
    ref_suffix: str = ""
    """Added to the document's UUID when one document makes several entries."""
    carried: bool = False
    """An item the document's character carries: listed in that character's inventory."""
    entry_id: str | None = None
    """An id taken already (a token's character, so its scene can list it)."""


@dataclass
class Context:
    """One conversion: the plan being filled and what converters need to know."""

    source: FoundrySource
    plan: ImportPlan
    ids: IdAllocator = field(default_factory=IdAllocator)
    folders: dict[str, tuple[str, str | None]] = field(default_factory=dict)
    names: dict[str, str] = field(default_factory=dict)
    """Foundry id or UUID -> the document's name, for links in text."""
    pages: dict[str, tuple[str, str]] = field(default_factory=dict)
    """Journal page id -> (entry name, page name)."""
    actor_ids: dict[str, str] = field(default_factory=dict)
    """Foundry actor id -> the character id given in this plan."""
    generic: dict[str, dict[str, Any]] = field(default_factory=dict)
    actor_docs: dict[str, FoundryDoc] = field(default_factory=dict)
    """Foundry actor id -> its document, for tokens that change their actor."""
    gm_only: set[str] = field(default_factory=set)
    """Ids and UUIDs of journal entries and pages players may not see."""
    """System id -> what the generic actor mapping saw (count, fields not understood)."""

    def resolve(self, ref: str) -> str | None:
        """A linked document's name by UUID, or by the id at the end of its reference."""
        ref = ref.strip()
        if ref in self.names:
            return self.names[ref]
        for part in reversed([p for p in ref.split(".") if p]):
            if part in self.names:
                return self.names[part]
        return None

    def markdown(self, html: Any, name: str | None = None, rolls: Rolls | None = None) -> HtmlText:
        """Markdown for rich text; ``rolls`` reads the document's own ``[[/save]]`` ..."""
        if isinstance(html, dict):  # {value: "<p>..."} description shapes
            html = html.get("value")
        return html_to_markdown(
            html if isinstance(html, str) else "", resolve=self.resolve, name=name, rolls=rolls
        )

    def folder_tags(self, doc: FoundryDoc) -> list[str]:
        """The folder's name and its parents', slugged, plus the pack's name."""
        tags: list[str] = []
        folder = doc.data.get("folder")
        seen: set[str] = set()
        while isinstance(folder, str) and folder in self.folders and folder not in seen:
            seen.add(folder)
            name, folder = self.folders[folder]
            tags.append(slug(plain_name(name), fallback="folder"))
        if doc.pack:
            tags.append(slug(doc.pack, fallback="pack"))
        return list(dict.fromkeys(tags))

    def system_of(self, doc: FoundryDoc) -> str:
        return (
            doc.system_id
            or str(path(doc.data, "_stats.systemId") or "")
            or str(path(doc.data, "flags.exportSource.system") or "")
            or self.source.system_id
        )

    def source_info(self, doc: FoundryDoc, *, raw: bool = True) -> dict[str, Any]:
        """The ``source`` of an entry: format, UUID, file, system, versions, raw document.

        ``raw=False`` for the second and later entries made from one document, so a
        long journal does not carry its whole text once per page.
        """
        system = self.system_of(doc)
        core = (
            doc.core_version
            or str(path(doc.data, "_stats.coreVersion") or "")
            or self.source.core_version
        )
        sys_version = (
            doc.system_version
            or str(path(doc.data, "_stats.systemVersion") or "")
            or (self.source.system_version if system == self.source.system_id else "")
        )
        version = ", ".join(
            p for p in (f"Foundry {core}" if core else "", f"{system} {sys_version}".strip()) if p
        )
        return {
            "format": "foundry",
            "ref": uuid_of(doc)[:500],
            "file": str(doc.origin)[:1000],
            "system": system[:80],
            "version": version[:200],
            # the document as read, by reference: converting never changes it (tested), and
            # a copy of every document cost half the conversion time
            "raw": doc.data if raw else None,
        }

    def origin(self, doc: FoundryDoc) -> str:
        kind = doc.data.get("type")
        what = f"{doc.document} {kind}" if isinstance(kind, str) and kind else doc.document
        return f"{doc.origin}: {clip_name(doc.data.get('name'), 'unnamed')} ({what})"


def uuid_of(doc: FoundryDoc) -> str:
    """``Compendium.<pack>.<Document>.<id>``, ``<Document>.<id>``, or the export's own UUID."""
    doc_id = doc.data.get("_id")
    if isinstance(doc_id, str) and doc_id:
        if doc.pack:
            return f"Compendium.{doc.pack}.{doc.document}.{doc_id}"
        return f"{doc.document}.{doc_id}"
    exported = path(doc.data, "_stats.exportSource.uuid")
    if isinstance(exported, str) and exported:
        return exported
    base = os.path.basename(re.sub(r":\d+$", "", str(doc.origin))) or "document"
    return f"export:{base}"
