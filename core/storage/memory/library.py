"""Installed content libraries (the SRD), in memory."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from storyai.core.domain.errors import StorageError
from storyai.core.domain.records import LibraryInfo, LibraryRecord
from storyai.core.storage import behaviour
from storyai.core.storage.memory.store import json_copy
from storyai.core.storage.ports import LibraryRepository

if TYPE_CHECKING:
    from storyai.core.storage.memory.unit_of_work import InMemoryUnitOfWork


def _fresh(record: LibraryRecord) -> LibraryRecord:
    return replace(record, data=json_copy(record.data))


class InMemoryLibraryRepository(LibraryRepository):
    def __init__(self, uow: InMemoryUnitOfWork) -> None:
        self._uow = uow

    def _installed(self, library: str) -> tuple[LibraryInfo, tuple[LibraryRecord, ...]] | None:
        return self._uow.pending.libraries.get(library) or self._uow.committed.libraries.get(
            library
        )

    async def replace(self, info: LibraryInfo, records: list[LibraryRecord]) -> None:
        stored = tuple(_fresh(r) for r in records)
        keys = [(r.edition, r.kind, r.key) for r in stored]
        if len(set(keys)) != len(keys):
            raise StorageError(f"library '{info.library}': two entries share a key")
        info = replace(info, installed_at=behaviour.utc(info.installed_at))
        self._uow.pending.libraries[info.library] = (info, stored)

    async def info(self, library: str) -> LibraryInfo | None:
        found = self._installed(library)
        return None if found is None else found[0]

    def _entries(self, library: str, kind: str | None, edition: str | None) -> list[LibraryRecord]:
        found = self._installed(library)
        return [
            r
            for r in (found[1] if found else ())
            if (kind is None or r.kind == kind) and (edition is None or r.edition == edition)
        ]

    async def find(
        self, library: str, key: str, *, kind: str | None = None, edition: str | None = None
    ) -> list[LibraryRecord]:
        hits = [r for r in self._entries(library, kind, edition) if r.key == key]
        return [_fresh(r) for r in behaviour.library_order(hits)]

    async def search(
        self,
        library: str,
        text: str,
        *,
        kind: str | None = None,
        edition: str | None = None,
        limit: int = 20,
    ) -> list[LibraryRecord]:
        words = behaviour.library_words(text)
        hits = [
            r
            for r in self._entries(library, kind, edition)
            if behaviour.library_matches(words, r.name, r.summary)
        ]
        return [_fresh(r) for r in behaviour.rank_library(hits, text)[:limit]]

    async def keys(self, library: str, kind: str) -> set[str]:
        return {r.key for r in self._entries(library, kind, None)}
