"""What an importer produces: a plan of world entries, not yet written anywhere.

Every importer (Foundry, character cards, lorebooks) reads its files and
returns an :class:`ImportPlan`. Nothing is written while reading. The import
service then merges the plan into a world (renaming ids that collide,
replacing entries that an earlier import of the same source made), validates
the result as a whole, and writes it in one transaction, or, with
``--dry-run``, only reports it.

``Entry.data`` is a mapping in the world format of its section (see
``storyai.core.domain.world``): a ``Character``, ``Item``, ``LoreEntry`` or
``Location``. Entries refer to each other by the ids the importer gave them
(``Location.characters``, ``Location.items``, ``Character.inventory``,
``Exit.to``); the merge rewrites those references when it renames an id.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Literal

Section = Literal["characters", "items", "lore", "maps", "locations"]
SECTIONS: tuple[Section, ...] = ("characters", "items", "lore", "maps", "locations")


@dataclass
class Entry:
    """One thing to add to a world."""

    section: Section
    id: str
    """A world id (``[a-z][a-z0-9_]*``, at most 64 characters); see :func:`slug`."""
    data: dict[str, Any]
    """The entry in the world format, including its ``source`` (see ``Source``)."""
    origin: str
    """Where it came from, for the report: ``packs/monsters.db: Goblin (Actor npc)``."""
    kind: str = ""
    """A finer kind for the report table, e.g. ``npc``, ``spell``, ``journal page``."""


@dataclass(frozen=True)
class Skipped:
    """Something in the source that was not imported, and why."""

    origin: str
    reason: str


@dataclass
class ImportPlan:
    """Everything one import would add, plus what it left out and why."""

    source: str
    """The path or file the user gave."""
    kind: str
    """What it turned out to be: ``Foundry world``, ``NeDB pack``, ``Character Card V3 (PNG)``."""
    title: str = ""
    """A title for a new world made from this import (a Foundry world's title, a card's name)."""
    system: str = ""
    """The game system, when known (``dnd5e``, ``pf2e``, ``wwn``)."""
    entries: list[Entry] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    start_text: str = ""
    """Opening narration for a new world made from this import (a card's first message)."""
    description: str = ""
    """A description for a new world made from this import (a Foundry world's own)."""
    raws_finite: bool = False
    """Every entry's raw document was read from JSON text by orjson: none holds NaN or
    infinity, so storing them need not look for any (``worlds.rawdocs``)."""

    def add(self, entry: Entry) -> Entry:
        self.entries.append(entry)
        return entry

    def skip(self, origin: str, reason: str) -> None:
        self.skipped.append(Skipped(origin, reason))

    def warn(self, message: str) -> None:
        if message not in self.warnings:
            self.warnings.append(message)

    def counts(self) -> Counter[tuple[str, str]]:
        """(section, kind) -> how many, for the report table."""
        return Counter((e.section, e.kind or e.section) for e in self.entries)


_NOT_ID = re.compile(r"[^a-z0-9]+")


def slug(name: str, *, fallback: str = "entry", max_length: int = 48) -> str:
    """A world id from any name: ``"Goblin Boss (2)"`` -> ``goblin_boss_2``.

    Accents are folded (``"Éowyn"`` -> ``eowyn``); an id must start with a
    letter, so ``"3 Rats"`` becomes ``n3_rats``. Empty results use ``fallback``.
    """
    folded = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    text = _NOT_ID.sub("_", folded.lower()).strip("_")
    if not text:
        text = fallback
    if not text[0].isalpha():
        text = "n" + text
    return text[:max_length].rstrip("_")


class IdAllocator:
    """Hands out unique ids per section: ``goblin``, ``goblin_2``, ``goblin_3``."""

    def __init__(self) -> None:
        self._taken: dict[str, set[str]] = {}

    def take(self, section: str, name: str, *, fallback: str = "entry") -> str:
        taken = self._taken.setdefault(section, set())
        base = slug(name, fallback=fallback)
        candidate, n = base, 1
        while candidate in taken:
            n += 1
            candidate = f"{base}_{n}"
        taken.add(candidate)
        return candidate
