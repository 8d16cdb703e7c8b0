"""Installed worlds: a ``worlds`` row per id, a ``world_versions`` row per version."""

from __future__ import annotations

import json
from collections import defaultdict
from typing import Any

from sqlalchemy import Text, cast, delete, func, insert, literal, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError

from storyai.core.domain.errors import StorageError, WorldNotFound
from storyai.core.domain.records import WORKING_COPY, WorldSummary, WorldVersionRecord
from storyai.core.storage import behaviour
from storyai.core.storage.ports import WorldRepository
from storyai.core.storage.sql.link import Link
from storyai.core.storage.sql.rows import (
    RAW_DOCUMENTS,
    SESSIONS,
    WORLD_VERSIONS,
    WORLDS,
    rows_of,
    world_version_record,
    world_version_values,
)
from storyai.core.worlds import rawdocs

W, V, R = WORLDS.c, WORLD_VERSIONS.c, RAW_DOCUMENTS.c
CHUNK = 500
RAW_DOCUMENTS_LOCK = 0x5707_0001
"""The advisory lock (PostgreSQL) under which raw documents are stored or dropped."""
"""Hashes per ``IN (...)`` query (PostgreSQL and SQLite both take far more)."""


class SqlWorldRepository(WorldRepository):
    def __init__(self, link: Link) -> None:
        self._link = link

    async def add_version(self, record: WorldVersionRecord) -> None:
        link = self._link
        await link.begin_write()
        if await self.find_version(record.world_id, record.version, raw=False) is not None:
            raise behaviour.version_conflict(record.world_id, record.version)
        title = (await link.run(select(W.title).where(W.id == record.world_id))).first()
        try:
            if title is None:
                await link.write(
                    insert(WORLDS).values(
                        id=record.world_id,
                        title=record.title,
                        forked_from=record.forked_from,
                        created_at=record.installed_at,
                    )
                )
            else:  # the newest version names the world
                await link.write(
                    update(WORLDS).where(W.id == record.world_id).values(title=record.title)
                )
            seq = await link.run(select(func.max(V.seq)).where(V.world_id == record.world_id))
            values = world_version_values(record, (seq.scalar() or 0) + 1)
            values["content"] = await self._store_raw_documents(record)
            await link.write(insert(WORLD_VERSIONS).values(**values))
        except IntegrityError as exc:
            # Another unit of work installed the same version since we looked.
            await link.rollback()
            raise behaviour.version_conflict(record.world_id, record.version) from exc

    async def get_version(
        self, world_id: str, version: str | None = None, *, raw: bool = True
    ) -> WorldVersionRecord:
        query = select(WORLD_VERSIONS).where(V.world_id == world_id)
        if version is None:  # the newest release; a working copy only without one
            query = query.order_by(V.source.startswith(WORKING_COPY, autoescape=True), V.seq.desc())
            query = query.limit(1)
        else:
            query = query.where(V.version == version)
        row = (await self._link.run(query)).first()
        if row is not None:
            record = world_version_record(row._mapping)
            return await self._inflated(record) if raw else record
        if version is not None and await self.exists(world_id):
            raise WorldNotFound(world_id, version)
        raise WorldNotFound(world_id)

    async def find_version(
        self, world_id: str, version: str, *, raw: bool = True
    ) -> WorldVersionRecord | None:
        query = select(WORLD_VERSIONS).where(V.world_id == world_id, V.version == version)
        row = (await self._link.run(query)).first()
        if row is None:
            return None
        record = world_version_record(row._mapping)
        return await self._inflated(record) if raw else record

    async def list(self) -> list[WorldSummary]:
        link = self._link
        worlds = rows_of(await link.run(select(WORLDS).order_by(W.id)))
        versions: dict[str, list[str]] = defaultdict(list)
        drafts: dict[str, list[str]] = defaultdict(list)
        # Only the columns we need: content can be large.
        found = await link.run(
            select(V.world_id, V.version, V.source).order_by(V.world_id, V.seq.desc())
        )
        for row in found:
            versions[row[0]].append(row[1])
            if row[2].startswith(WORKING_COPY):
                drafts[row[0]].append(row[1])
        counted = await link.run(
            select(SESSIONS.c.world_id, func.count()).group_by(SESSIONS.c.world_id)
        )
        counts = {row[0]: row[1] for row in counted}
        return [
            behaviour.summary(
                w[W.id],
                w[W.title],
                w[W.forked_from],
                versions[w[W.id]],
                counts.get(w[W.id], 0),
                drafts[w[W.id]],
            )
            for w in worlds
            if versions[w[W.id]]
        ]

    async def exists(self, world_id: str) -> bool:
        found = await self._link.run(select(W.id).where(W.id == world_id))
        return found.first() is not None

    async def remove_version(self, world_id: str, version: str) -> None:
        link = self._link
        await link.begin_write()
        removed = await self.get_version(world_id, version, raw=False)  # or WorldNotFound
        await link.write(delete(WORLD_VERSIONS).where(V.world_id == world_id, V.version == version))
        await self._drop_unreferenced(removed)
        left = await link.run(select(V.version).where(V.world_id == world_id).limit(1))
        if left.first() is None:
            await link.write(delete(WORLDS).where(W.id == world_id))
            return
        newest = await self.get_version(world_id)  # the newest version names the world
        await link.write(update(WORLDS).where(W.id == world_id).values(title=newest.title))

    async def _lock_raw_documents(self) -> None:
        """Storing documents and dropping unreferenced ones take turns (until commit):
        else an uninstall could drop a document an import found stored a moment ago.
        SQLite's writers take turns already."""
        if self._link.url.get_backend_name() == "postgresql":
            await self._link.run(select(func.pg_advisory_xact_lock(RAW_DOCUMENTS_LOCK)))

    async def _drop_unreferenced(self, removed: WorldVersionRecord) -> None:
        """The raw documents only ``removed`` (now deleted) referred to are deleted too."""
        hashes = {
            found
            for source in rawdocs.sources(removed.content)
            if (found := rawdocs.stored_hash(source["raw"])) is not None
        }
        if not hashes:
            return
        await self._lock_raw_documents()
        for (content,) in await self._link.run(select(V.content)):
            for source in rawdocs.sources(content):
                hashes.discard(rawdocs.stored_hash(source["raw"]) or "")
            if not hashes:
                return
        wanted = sorted(hashes)
        for start in range(0, len(wanted), CHUNK):
            await self._link.write(
                delete(RAW_DOCUMENTS).where(R.hash.in_(wanted[start : start + CHUNK]))
            )

    async def _store_raw_documents(self, record: WorldVersionRecord) -> Any:
        """The content to store: each raw document replaced by its hash, the documents
        not stored yet written once to ``raw_documents``. When the record carries that
        content serialized already (made with its hash), it is written as it is."""
        texts = record.raw_texts
        stored_text = record.stored_text
        if texts is None or any(id(s["raw"]) not in texts for s in rawdocs.sources(record.content)):
            texts, stored_text = rawdocs.serialize_raws(record.content), None
        if not texts:
            return record.content
        documents = dict(texts.values())
        await self._lock_raw_documents()
        wanted = list(documents)
        stored: set[str] = set()
        for start in range(0, len(wanted), CHUNK):
            chunk = wanted[start : start + CHUNK]
            found = await self._link.run(select(R.hash).where(R.hash.in_(chunk)))
            stored.update(row[0] for row in found)
        new = [{"hash": h, "text": t} for h, t in documents.items() if h not in stored]
        if new:  # another import may store the same document meanwhile: it is the same
            dialect = postgresql if self._link.url.get_backend_name() == "postgresql" else sqlite
            await self._link.write(dialect.insert(RAW_DOCUMENTS).on_conflict_do_nothing(), new)
        if stored_text is not None:
            return self._serialized_json(stored_text)
        known = texts
        return rawdocs.replace_raws(record.content, lambda raw: {rawdocs.STORED: known[id(raw)][0]})

    def _serialized_json(self, text: str) -> Any:
        """A JSON column's value from JSON text as it is (PostgreSQL: cast to json)."""
        value = literal(text, Text)
        if self._link.url.get_backend_name() == "postgresql":
            return cast(value, postgresql.JSON)
        return value

    async def _inflated(self, record: WorldVersionRecord) -> WorldVersionRecord:
        """The record with its raw documents read back in place of their hashes."""
        slots = [
            (source, found)
            for source in rawdocs.sources(record.content)
            if (found := rawdocs.stored_hash(source["raw"])) is not None
        ]
        if not slots:
            return record
        wanted = list({found for _, found in slots})
        texts: dict[str, str] = {}
        for start in range(0, len(wanted), CHUNK):
            chunk = wanted[start : start + CHUNK]
            rows = await self._link.run(select(R.hash, R.text).where(R.hash.in_(chunk)))
            texts.update((row[0], row[1]) for row in rows)
        for source, found in slots:
            if found not in texts:
                raise StorageError(
                    f"World '{record.world_id}' {record.version}: an imported document "
                    f"({found[:12]}) is missing from the database.",
                    hint="import the source again with `storyai import ... --into "
                    f"{record.world_id}`, or restore the database from a backup",
                )
            source["raw"] = json.loads(texts[found])  # a fresh object per entry, as stored
        return record
