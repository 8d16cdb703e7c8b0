"""Installed worlds: a ``worlds`` row per id, a ``world_versions`` row per version."""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from storyai.core.domain.errors import WorldNotFound
from storyai.core.domain.records import WORKING_COPY, WorldSummary, WorldVersionRecord
from storyai.core.storage import behaviour
from storyai.core.storage.ports import WorldRepository
from storyai.core.storage.sql.link import Link
from storyai.core.storage.sql.rows import (
    SESSIONS,
    WORLD_VERSIONS,
    WORLDS,
    rows_of,
    world_version_record,
    world_version_values,
)

W, V = WORLDS.c, WORLD_VERSIONS.c


class SqlWorldRepository(WorldRepository):
    def __init__(self, link: Link) -> None:
        self._link = link

    async def add_version(self, record: WorldVersionRecord) -> None:
        link = self._link
        await link.begin_write()
        if await self.find_version(record.world_id, record.version) is not None:
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
            await link.write(insert(WORLD_VERSIONS).values(**values))
        except IntegrityError as exc:
            # Another unit of work installed the same version since we looked.
            await link.rollback()
            raise behaviour.version_conflict(record.world_id, record.version) from exc

    async def get_version(self, world_id: str, version: str | None = None) -> WorldVersionRecord:
        query = select(WORLD_VERSIONS).where(V.world_id == world_id)
        if version is None:  # the newest release; a working copy only without one
            query = query.order_by(V.source.startswith(WORKING_COPY, autoescape=True), V.seq.desc())
            query = query.limit(1)
        else:
            query = query.where(V.version == version)
        row = (await self._link.run(query)).first()
        if row is not None:
            return world_version_record(row._mapping)
        if version is not None and await self.exists(world_id):
            raise WorldNotFound(world_id, version)
        raise WorldNotFound(world_id)

    async def find_version(self, world_id: str, version: str) -> WorldVersionRecord | None:
        query = select(WORLD_VERSIONS).where(V.world_id == world_id, V.version == version)
        row = (await self._link.run(query)).first()
        return None if row is None else world_version_record(row._mapping)

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
        await self.get_version(world_id, version)  # WorldNotFound names what is there
        await link.write(delete(WORLD_VERSIONS).where(V.world_id == world_id, V.version == version))
        left = await link.run(select(V.version).where(V.world_id == world_id).limit(1))
        if left.first() is None:
            await link.write(delete(WORLDS).where(W.id == world_id))
            return
        newest = await self.get_version(world_id)  # the newest version names the world
        await link.write(update(WORLDS).where(W.id == world_id).values(title=newest.title))
