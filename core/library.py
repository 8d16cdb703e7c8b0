"""The content library use cases: install the SRD, search it, show an entry, and
fetch what a world's ``base: srd:...`` references need.

The SRD readers (``storyai.core.importers.srd``) turn the upstream JSON into
entries; this module stores them, replacing the whole library in one
transaction, so an install that fails half-way leaves the previous one.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from storyai.core.domain.errors import StoryError
from storyai.core.domain.records import LibraryInfo, LibraryRecord

if TYPE_CHECKING:  # cheap to import: `storyai srd --help` reads KINDS
    from storyai.core.storage.ports import UnitOfWorkFactory
    from storyai.core.worlds import bases

SRD = "srd"
KINDS = ("monster", "spell", "equipment", "magic-item", "class", "race", "condition")
EDITIONS = ("5.1", "5.2")


class LibraryNotInstalled(StoryError):
    def __init__(self) -> None:
        from storyai.core.worlds.bases import INSTALL_HINT

        super().__init__("The SRD is not installed.", hint=INSTALL_HINT)


class LibraryEntryNotFound(StoryError):
    """Nothing in the library has that name or key."""


async def install(
    uow_factory: UnitOfWorkFactory,
    records: Iterable[LibraryRecord],
    *,
    origin: str,
    now: datetime | None = None,
) -> LibraryInfo:
    """Replace the installed SRD with ``records``, all or nothing."""
    records = list(records)
    counts: dict[str, int] = {}
    for r in records:
        counts[f"{r.edition} {r.kind}"] = counts.get(f"{r.edition} {r.kind}", 0) + 1
    info = LibraryInfo(SRD, now or datetime.now(UTC), origin, counts)
    async with uow_factory() as uow:
        await uow.library.replace(info, records)
        await uow.commit()
    return info


@dataclass(frozen=True)
class SrdInstall:
    info: LibraryInfo
    warnings: list[str]


async def install_srd(
    uow_factory: UnitOfWorkFactory,
    root: Path,
    *,
    origin: str,
    progress: Callable[[str, int, int], None] | None = None,
    now: datetime | None = None,
) -> SrdInstall:
    """Read the SRD files under ``root`` (see ``importers.srd.read_srd``) and install them
    as the library, replacing the old one; a file that cannot be read changes nothing."""
    from storyai.core.importers.srd import read_srd

    read = read_srd(root, progress=progress)
    records = [
        LibraryRecord(SRD, e.edition, e.kind, e.key, e.name, e.summary, e.text, e.data)
        for e in read.entries
    ]
    info = await install(uow_factory, records, origin=origin, now=now)
    return SrdInstall(info, list(read.warnings))


async def installed(uow_factory: UnitOfWorkFactory) -> LibraryInfo | None:
    async with uow_factory() as uow:
        return await uow.library.info(SRD)


async def search(
    uow_factory: UnitOfWorkFactory,
    text: str,
    *,
    kind: str | None = None,
    edition: str | None = None,
    limit: int = 20,
) -> list[LibraryRecord]:
    async with uow_factory() as uow:
        if await uow.library.info(SRD) is None:
            raise LibraryNotInstalled()
        return await uow.library.search(SRD, text, kind=kind, edition=edition, limit=limit)


async def show(
    uow_factory: UnitOfWorkFactory,
    name: str,
    *,
    kind: str | None = None,
    edition: str | None = None,
) -> list[LibraryRecord]:
    """Entries for ``name``: its key (``goblin``, ``potion_of_healing``) or its exact name.

    Every edition and kind with that key comes back (5.1 first); the caller shows
    the first and mentions the others.
    """
    from storyai.core.worlds.bases import key_of

    key = key_of(name)
    if not key:
        raise LibraryEntryNotFound(
            "Say which entry to show.", hint="e.g. `storyai srd show goblin`"
        )
    async with uow_factory() as uow:
        if await uow.library.info(SRD) is None:
            raise LibraryNotInstalled()
        found = await uow.library.find(SRD, key, kind=kind, edition=edition)
        if found:
            return found
        near = await uow.library.search(SRD, name, kind=kind, edition=edition, limit=5)
        exact = [r for r in near if r.name.lower() == name.strip().lower()]
        if exact:
            return exact
        keys: set[str] = set()
        for each in [kind] if kind else KINDS:
            keys |= await uow.library.keys(SRD, each)
    close = difflib.get_close_matches(key, sorted(keys), n=3, cutoff=0.75)
    names = list(dict.fromkeys([*(r.key for r in near), *close]))[:5]
    hint = (
        "did you mean " + ", ".join(names) + "?"
        if names
        else f"`storyai srd search {name}` finds entries by part of their name"
    )
    what = f"{kind} " if kind else ""
    raise LibraryEntryNotFound(f"The SRD has no {what}'{name}'.", hint=hint)


async def lookup(
    uow_factory: UnitOfWorkFactory, refs: Iterable[bases.BaseRef]
) -> bases.LibraryLookup:
    """What resolving these ``base:`` references needs, in one read."""
    from storyai.core.worlds import bases

    refs = list(refs)
    async with uow_factory() as uow:
        if await uow.library.info(SRD) is None:
            return bases.LibraryLookup(installed=False)
        found = bases.LibraryLookup(installed=True)
        for key in sorted({r.key for r in refs}):
            found.entries[key] = await uow.library.find(SRD, key)
        wanted = {kind for r in refs for kind in bases.KINDS_FOR[r.section]}
        if any(not found.entries[r.key] for r in refs):
            for kind in sorted(wanted):
                found.keys[kind] = await uow.library.keys(SRD, kind)
        return found
