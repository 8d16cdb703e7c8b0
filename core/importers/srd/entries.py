"""What reading the SRD gives: library entries, ready for search and for worlds."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from storyai.core.importers.plan import slug

KINDS = ("monster", "spell", "equipment", "magic-item", "class", "race", "condition")
EDITIONS = ("5.1", "5.2")


@dataclass(frozen=True)
class LibraryEntry:
    """One SRD entry: a monster, spell, item, class, race (species) or condition."""

    edition: str
    """``"5.1"`` or ``"5.2"``."""
    kind: str
    """One of :data:`KINDS`; SRD 5.2 species are ``"race"``."""
    key: str
    """A world id, unique per (edition, kind): ``goblin``, ``potion_of_healing``."""
    name: str
    summary: str
    """One line for search results: ``Small humanoid (goblinoid), CR 1/4, AC 15, HP 7``."""
    text: str
    """The whole entry as Markdown (a stat block, a spell, an item)."""
    data: dict[str, Any]
    """Normalized fields; ``character`` / ``item`` validate with the world models."""


@dataclass
class SrdRead:
    """Everything :func:`read_srd` found, plus what the user should know about it."""

    entries: list[LibraryEntry] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    counts: dict[tuple[str, str], int] = field(default_factory=dict)
    """(edition, kind) -> how many entries."""

    def warn(self, message: str) -> None:
        if message not in self.warnings:
            self.warnings.append(message)


@dataclass
class Draft:
    """An entry before its key is given out (keys are unique per edition and kind)."""

    kind: str
    name: str
    summary: str
    text: str
    data: dict[str, Any]


class Keys:
    """Hands out keys per (edition, kind); a clash gets a suffix and a warning."""

    def __init__(self, result: SrdRead) -> None:
        self._result = result
        self._taken: dict[tuple[str, str], set[str]] = {}

    def take(self, edition: str, kind: str, name: str) -> str:
        taken = self._taken.setdefault((edition, kind), set())
        base = slug(name, fallback=kind.replace("-", "_"), max_length=60)
        key, n = base, 1
        while key in taken:
            n += 1
            key = f"{base}_{n}"
        if key != base:
            self._result.warn(
                f"SRD {edition} {kind}: the key '{base}' was taken, so this '{name}' is '{key}'"
            )
        taken.add(key)
        return key


def finish(result: SrdRead, edition: str, drafts: list[Draft]) -> None:
    """Give each draft its key, put the source reference in, and count them."""
    keys = Keys(result)
    counts: Counter[tuple[str, str]] = Counter()
    for draft in drafts:
        key = keys.take(edition, draft.kind, draft.name)
        for model in ("character", "item"):
            source = draft.data.get(model, {}).get("source")
            if isinstance(source, dict):
                source["ref"] = f"srd {edition} {draft.kind} {key}"
        result.entries.append(
            LibraryEntry(
                edition, draft.kind, key, draft.name, draft.summary, draft.text, draft.data
            )
        )
        counts[(edition, draft.kind)] += 1
    for kind in KINDS:
        result.counts[(edition, kind)] = counts[(edition, kind)]


def source(edition: str, file: str, version: str) -> dict[str, Any]:
    """The ``source`` block of a world entry made from the SRD (``ref`` is set by finish)."""
    return {"format": "srd", "ref": "", "file": file, "system": "dnd5e", "version": version}
