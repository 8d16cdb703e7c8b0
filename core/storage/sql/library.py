"""Installed content libraries (the SRD): ``libraries`` and ``library_entries``.

A reinstall deletes and inserts in one transaction, so readers see the old library
or the new one, never a mix.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, delete, func, insert, literal, select

from storyai.core.domain.errors import StorageError
from storyai.core.domain.records import LibraryInfo, LibraryRecord
from storyai.core.storage import behaviour
from storyai.core.storage.ports import LibraryRepository
from storyai.core.storage.sql.link import Link
from storyai.core.storage.sql.rows import (
    LIBRARIES,
    LIBRARY_ENTRIES,
    library_info,
    library_record,
    library_values,
    rows_of,
)

_LIBRARY = LIBRARY_ENTRIES.c
_LIBRARY_BATCH = 500


class SqlLibraryRepository(LibraryRepository):
    def __init__(self, link: Link) -> None:
        self._link = link

    async def replace(self, info: LibraryInfo, records: list[LibraryRecord]) -> None:
        keys = {(r.edition, r.kind, r.key) for r in records}
        if len(keys) != len(records):
            raise StorageError(f"library '{info.library}': two entries share a key")
        link = self._link
        await link.write(delete(LIBRARIES).where(LIBRARIES.c.library == info.library))
        await link.write(delete(LIBRARY_ENTRIES).where(_LIBRARY.library == info.library))
        await link.write(
            insert(LIBRARIES).values(
                library=info.library,
                installed_at=info.installed_at,
                origin=info.origin,
                counts=dict(info.counts),
            )
        )
        rows = [library_values(info.library, r) for r in records]
        for start in range(0, len(rows), _LIBRARY_BATCH):
            await link.write(insert(LIBRARY_ENTRIES), rows[start : start + _LIBRARY_BATCH])

    async def info(self, library: str) -> LibraryInfo | None:
        query = select(LIBRARIES).where(LIBRARIES.c.library == library)
        row = (await self._link.run(query)).first()
        return None if row is None else library_info(row._mapping)

    async def find(
        self, library: str, key: str, *, kind: str | None = None, edition: str | None = None
    ) -> list[LibraryRecord]:
        query = select(LIBRARY_ENTRIES).where(
            _LIBRARY.library == library, _LIBRARY.key == key, *self._filters(kind, edition)
        )
        rows = rows_of(await self._link.run(query))
        return behaviour.library_order(library_record(r) for r in rows)

    async def search(
        self,
        library: str,
        text: str,
        *,
        kind: str | None = None,
        edition: str | None = None,
        limit: int = 20,
    ) -> list[LibraryRecord]:
        haystack = func.lower(_LIBRARY.name + literal(" ") + _LIBRARY.summary)
        words = [
            haystack.like(f"%{_like_escape(w)}%", escape="\\")
            for w in behaviour.library_words(text)
        ]
        query = (
            select(LIBRARY_ENTRIES)
            .where(_LIBRARY.library == library, *self._filters(kind, edition), *words)
            .order_by(func.length(_LIBRARY.name), _LIBRARY.name)
            .limit(behaviour.LIBRARY_CANDIDATES)
        )
        records = [library_record(r) for r in rows_of(await self._link.run(query))]
        return behaviour.rank_library(records, text)[:limit]

    async def keys(self, library: str, kind: str) -> set[str]:
        query = select(_LIBRARY.key).where(_LIBRARY.library == library, _LIBRARY.kind == kind)
        return set((await self._link.run(query)).scalars())

    @staticmethod
    def _filters(kind: str | None, edition: str | None) -> list[ColumnElement[bool]]:
        found: list[ColumnElement[bool]] = []
        if kind is not None:
            found.append(_LIBRARY.kind == kind)
        if edition is not None:
            found.append(_LIBRARY.edition == edition)
        return found


def _like_escape(word: str) -> str:
    return word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
