"""Library references in worlds: ``base: srd:goblin`` fills in what an entry leaves out.

A character (``base: srd:goblin``, a monster) or an item (``base: srd:longsword``,
equipment or a magic item) takes every field it does not give itself from the
installed library entry: a goblin needs no stat block of its own, and may still
override its name or hit points. ``srd:5.2/goblin`` asks for an edition; plain
``srd:goblin`` prefers SRD 5.1, then 5.2.

Resolution runs on the raw data, before the schema pass, against a
:class:`LibraryLookup` the caller filled from the database (the world format
itself never touches storage). A stored world keeps the resolved fields and its
``base``, so a session never needs the library.
"""

from __future__ import annotations

import copy
import difflib
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from storyai.core.domain.records import LibraryRecord
from storyai.core.worlds.crossref import Issue
from storyai.core.worlds.library_spells import spell_fields

BASE_PATTERN = r"^srd:(5\.[12]/)?[a-z][a-z0-9_]*$"
BASE_RE = re.compile(BASE_PATTERN)
BASE_HINT = "write it like srd:goblin or srd:5.2/goblin_warrior (`storyai srd search` finds keys)"

KINDS_FOR = {
    "characters": ("monster",),
    "items": ("equipment", "magic-item"),
    "spells": ("spell",),
}
"""Which library kinds each world section may take its base from."""
DATA_KEY = {"monster": "character", "equipment": "item", "magic-item": "item"}
"""Where in a library entry's ``data`` the world-format mapping is kept."""

INSTALL_HINT = "install it with `storyai srd install` (or `storyai srd install --from PATH`)"


@dataclass(frozen=True)
class BaseRef:
    section: str
    entry_id: str
    ref: str
    edition: str | None
    key: str


@dataclass
class LibraryLookup:
    """Library entries a world's ``base:`` references may use, fetched beforehand.

    ``installed`` is False when no library is installed at all; ``entries`` maps a
    key to its entries (any edition, any kind); ``keys`` lists every key of the
    wanted kinds, for "did you mean" hints.
    """

    installed: bool
    entries: dict[str, list[LibraryRecord]] = field(default_factory=dict)
    keys: dict[str, set[str]] = field(default_factory=dict)
    """kind -> every key of that kind (filled when some reference was not found)."""


def references(data: Mapping[str, Any]) -> Iterator[BaseRef]:
    """Every ``base:`` reference in raw world data, keys folded to lower case
    (``srd:Longsword`` is ``srd:longsword``); malformed ones come out with key ``""``."""
    for section in KINDS_FOR:
        entries = data.get(section)
        if not isinstance(entries, Mapping):
            continue
        for entry_id, entry in entries.items():
            base = entry.get("base") if isinstance(entry, Mapping) else None
            if base is None:
                continue
            text = str(base).strip()
            folded = text.lower()
            if not BASE_RE.match(folded):
                yield BaseRef(section, str(entry_id), text, None, "")
                continue
            edition, _, key = folded.removeprefix("srd:").rpartition("/")
            yield BaseRef(section, str(entry_id), text, edition or None, key)


def resolve(
    data: dict[str, Any], lookup: LibraryLookup | None
) -> tuple[dict[str, Any], list[Issue]]:
    """``data`` with every ``base:`` filled in, and the problems with the references."""
    refs = list(references(data))
    if not refs:
        return data, []
    issues: list[Issue] = [
        Issue((r.section, r.entry_id, "base"), f"'{r.ref}' is not a library reference", BASE_HINT)
        for r in refs
        if not r.key
    ]
    malformed = [r for r in refs if not r.key]
    refs = [r for r in refs if r.key]
    if not refs:
        return _placeholders(data, malformed), issues
    if lookup is None or not lookup.installed:
        first = refs[0]
        issues.append(
            Issue(
                (first.section, first.entry_id, "base"),
                f"'{first.ref}' refers to the SRD, which is not installed"
                + (f" ({len(refs)} references in this world)" if len(refs) > 1 else ""),
                INSTALL_HINT,
            )
        )
        return _placeholders(data, refs + malformed), issues
    resolved = copy.copy(data)
    unresolved: list[BaseRef] = list(malformed)
    for ref in refs:
        path = (ref.section, ref.entry_id, "base")
        record = _pick(lookup, ref)
        if record is None:
            issues.append(Issue(path, _missing(lookup, ref), _suggestion(lookup, ref)))
            unresolved.append(ref)
            continue
        section = dict(resolved[ref.section])
        section[ref.entry_id] = fill(record, section[ref.entry_id])
        resolved[ref.section] = section
    return _placeholders(resolved, unresolved), issues


def _placeholders(data: dict[str, Any], refs: list[BaseRef]) -> dict[str, Any]:
    """Unresolved entries get a name, so the one real problem is not buried under
    "'name' is missing" from the schema pass."""
    if not refs:
        return data
    data = copy.copy(data)
    for ref in refs:
        section = dict(data[ref.section])
        entry = dict(section[ref.entry_id])
        entry.setdefault("name", (ref.key or ref.entry_id).replace("_", " ").title())
        section[ref.entry_id] = entry
        data[ref.section] = section
    return data


def fill(record: LibraryRecord, entry: Mapping[str, Any]) -> dict[str, Any]:
    """The library entry's fields, overridden by the entry's own. A stat block is merged
    stat by stat, so ``stats: {hp: 100}`` changes the hit points and keeps the rest."""
    if record.kind == "spell":
        base = spell_fields(record)
    else:
        base = copy.deepcopy(record.data.get(DATA_KEY.get(record.kind, ""), {}))
    base.pop("source", None)
    merged = {**base, **entry, "base": _normal(entry.get("base"))}
    if isinstance(base.get("stats"), Mapping) and isinstance(entry.get("stats"), Mapping):
        merged["stats"] = {**base["stats"], **entry["stats"]}
    return merged


def _normal(base: Any) -> Any:
    return str(base).strip().lower() if isinstance(base, str) else base


def _pick(lookup: LibraryLookup, ref: BaseRef) -> LibraryRecord | None:
    kinds = KINDS_FOR[ref.section]
    for record in lookup.entries.get(ref.key, []):
        if record.kind in kinds and (ref.edition is None or record.edition == ref.edition):
            return record
    return None


def _missing(lookup: LibraryLookup, ref: BaseRef) -> str:
    what = " or ".join(KINDS_FOR[ref.section])
    edition = f" {ref.edition}" if ref.edition else ""
    other = [r for r in lookup.entries.get(ref.key, []) if r.kind in KINDS_FOR[ref.section]]
    if other and ref.edition:
        have = ", ".join(sorted({r.edition for r in other}))
        return f"'{ref.ref}': SRD{edition} has no {what} '{ref.key}' (it is in SRD {have})"
    wrong = [r for r in lookup.entries.get(ref.key, []) if r.kind not in KINDS_FOR[ref.section]]
    if wrong:
        kind = wrong[0].kind
        article = "an" if kind[0] in "aeiou" else "a"
        return (
            f"'{ref.ref}' is {article} {kind} in the SRD; "
            f"{ref.section} can only be based on a {what}"
        )
    return f"'{ref.ref}': the installed SRD{edition} has no {what} '{ref.key}'"


def _suggestion(lookup: LibraryLookup, ref: BaseRef) -> str:
    wrong = [r for r in lookup.entries.get(ref.key, []) if r.kind not in KINDS_FOR[ref.section]]
    if wrong:
        where = {
            "equipment": "an item",
            "magic-item": "an item",
            "monster": "a character",
            "spell": "a spell (under `spells:`)",
        }
        target = where.get(wrong[0].kind)
        if target:
            return f"use it as the base of {target} instead"
        return f"a {wrong[0].kind} cannot be the base of a world entry"
    keys: set[str] = set()
    for kind in KINDS_FOR[ref.section]:
        keys |= lookup.keys.get(kind, set())
    close = difflib.get_close_matches(ref.key, sorted(keys), n=3, cutoff=0.7)
    if close:
        return "did you mean " + " or ".join(f"srd:{k}" for k in close) + "?"
    return f"`storyai srd search {ref.key.replace('_', ' ')}` lists what the SRD has"


def key_of(name: str) -> str:
    """The library key for a name as a user types it: ``"Potion of Healing"`` ->
    ``potion_of_healing``; ``srd:goblin`` -> ``goblin``."""
    text = name.strip().lower().removeprefix("srd:").rpartition("/")[2]
    return re.sub(r"[^a-z0-9]+", "_", text).strip("_")
