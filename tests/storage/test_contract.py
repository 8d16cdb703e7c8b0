"""One contract, three adapters: the in-memory fake, SQLite and PostgreSQL behave alike.

Unit tests elsewhere use ``InMemoryStore``; this suite is what makes that honest.
The ``uow_factory`` fixture (conftest.py) runs each test once per adapter; the
session engine's repositories (events, branches, ...) are in test_contract_play.py.
"""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone

import pytest

from storyai.core.domain.errors import (
    SessionNotFound,
    StorageError,
    WorldConflict,
    WorldNotFound,
)
from storyai.core.domain.records import SessionRecord, WorldSummary, WorldVersionRecord
from storyai.core.storage.ports import UnitOfWorkFactory

T0 = datetime(2026, 1, 2, 3, 4, 5, 678901, tzinfo=UTC)


def version(world_id: str = "harbour", number: str = "1.0.0", **changes) -> WorldVersionRecord:
    record = WorldVersionRecord(
        world_id=world_id,
        version=number,
        title=f"{world_id.title()} {number}",
        content={
            "world": {"id": world_id, "version": number},
            "locations": {"quay": {"name": "The Quay — «ünïcode»", "exits": {"north": "hill"}}},
            "numbers": [1, 2.5, None, True],
        },
        content_hash=f"sha256-{world_id}-{number}",
        installed_at=T0,
        source=f"/worlds/{world_id}",
    )
    return replace(record, **changes)


def session(
    session_id: str = "s1", world_id: str = "harbour", number: str = "1.0.0", **changes
) -> SessionRecord:
    record = SessionRecord(
        id=session_id,
        world_id=world_id,
        world_version=number,
        title="A night at the harbour",
        status="active",
        active_branch="main",
        created_at=T0,
        updated_at=T0,
        settings={"mode": "solo", "narrator": {"name": "offline"}},
    )
    return replace(record, **changes)


async def install(uow_factory: UnitOfWorkFactory, *records: WorldVersionRecord) -> None:
    async with uow_factory() as uow:
        for record in records:
            await uow.worlds.add_version(record)
        await uow.commit()


# ----------------------------------------------------------------------------- worlds


async def test_add_then_get_round_trips_every_field(uow_factory: UnitOfWorkFactory) -> None:
    record = version(forked_from="ocean@2.0.0")
    await install(uow_factory, record)
    async with uow_factory() as uow:
        assert await uow.worlds.get_version("harbour", "1.0.0") == record
        assert await uow.worlds.find_version("harbour", "1.0.0") == record
        assert await uow.worlds.exists("harbour")
        assert not await uow.worlds.exists("ocean")


async def test_times_come_back_in_utc(uow_factory: UnitOfWorkFactory) -> None:
    local = T0.astimezone(timezone(timedelta(hours=2)))
    await install(uow_factory, version(installed_at=local))
    async with uow_factory() as uow:
        stored = (await uow.worlds.get_version("harbour")).installed_at
    assert stored == T0 and stored.utcoffset() == timedelta(0)


async def test_newest_version_is_the_latest_installed(uow_factory: UnitOfWorkFactory) -> None:
    # Install order, not version order, decides: "newest" means installed last.
    await install(uow_factory, version(number="1.0.0"), version(number="2.0.0"))
    await install(uow_factory, version(number="1.5.0"))
    async with uow_factory() as uow:
        assert (await uow.worlds.get_version("harbour")).version == "1.5.0"
        assert (await uow.worlds.get_version("harbour", None)).title == "Harbour 1.5.0"
        assert (await uow.worlds.get_version("harbour", "2.0.0")).version == "2.0.0"


async def test_a_world_id_gives_its_newest_release_before_working_copies(
    uow_factory: UnitOfWorkFactory,
) -> None:
    draft = version(number="1.0.0+dev.1", source="working copy: /worlds/harbour")
    await install(uow_factory, draft)
    async with uow_factory() as uow:  # only a working copy: that one
        assert (await uow.worlds.get_version("harbour")).version == "1.0.0+dev.1"
        assert (await uow.worlds.get_version("harbour")).working_copy
    await install(
        uow_factory,
        version(number="1.0.0"),
        version(number="1.0.0+dev.2", source="working copy: /worlds/harbour"),
    )
    async with uow_factory() as uow:
        newest = await uow.worlds.get_version("harbour")
        assert (newest.version, newest.working_copy) == ("1.0.0", False)
        [summary] = await uow.worlds.list()
        assert summary.versions == ("1.0.0+dev.2", "1.0.0", "1.0.0+dev.1")
        assert summary.latest == "1.0.0"


async def test_duplicate_version_is_a_conflict(uow_factory: UnitOfWorkFactory) -> None:
    await install(uow_factory, version())
    async with uow_factory() as uow:
        with pytest.raises(WorldConflict, match="already installed"):
            await uow.worlds.add_version(version(title="Changed"))
    async with uow_factory() as uow:
        assert (await uow.worlds.get_version("harbour")).title == "Harbour 1.0.0"


async def test_duplicate_within_one_unit_of_work_is_a_conflict(
    uow_factory: UnitOfWorkFactory,
) -> None:
    async with uow_factory() as uow:
        await uow.worlds.add_version(version())
        with pytest.raises(WorldConflict):
            await uow.worlds.add_version(version())


async def test_missing_world_and_missing_version(uow_factory: UnitOfWorkFactory) -> None:
    await install(uow_factory, version())
    async with uow_factory() as uow:
        with pytest.raises(WorldNotFound, match="No installed world has the id 'ocean'"):
            await uow.worlds.get_version("ocean")
        with pytest.raises(
            WorldNotFound, match=re.escape("no installed version '9.9.9'")
        ) as caught:
            await uow.worlds.get_version("harbour", "9.9.9")
        assert (caught.value.world_id, caught.value.version) == ("harbour", "9.9.9")
        assert await uow.worlds.find_version("harbour", "9.9.9") is None
        assert await uow.worlds.find_version("ocean", "1.0.0") is None


async def test_list_sorted_by_id_versions_newest_first(uow_factory: UnitOfWorkFactory) -> None:
    await install(
        uow_factory,
        version("ocean", "1.0.0"),
        version("harbour", "1.0.0"),
        version("harbour", "1.1.0"),
        version("storm", "0.1.0", forked_from="harbour@1.1.0"),
    )
    async with uow_factory() as uow:
        await uow.sessions.add(session("s1", "harbour", "1.0.0"))
        await uow.sessions.add(session("s2", "harbour", "1.1.0"))
        await uow.commit()
    async with uow_factory() as uow:
        assert await uow.worlds.list() == [
            WorldSummary("harbour", "Harbour 1.1.0", ("1.1.0", "1.0.0"), "1.1.0", None, 2),
            WorldSummary("ocean", "Ocean 1.0.0", ("1.0.0",), "1.0.0", None, 0),
            WorldSummary("storm", "Storm 0.1.0", ("0.1.0",), "0.1.0", "harbour@1.1.0", 0),
        ]


async def test_empty_store_lists_nothing(uow_factory: UnitOfWorkFactory) -> None:
    async with uow_factory() as uow:
        assert await uow.worlds.list() == []
        assert await uow.sessions.list() == []


# ------------------------------------------------------------------------ transactions


async def test_leaving_without_commit_discards(uow_factory: UnitOfWorkFactory) -> None:
    async with uow_factory() as uow:
        await uow.worlds.add_version(version())
        assert await uow.worlds.exists("harbour")  # visible inside
    async with uow_factory() as uow:
        assert not await uow.worlds.exists("harbour")


async def test_rollback_discards_and_the_unit_of_work_goes_on(
    uow_factory: UnitOfWorkFactory,
) -> None:
    async with uow_factory() as uow:
        await uow.worlds.add_version(version(number="1.0.0"))
        await uow.commit()
        await uow.worlds.add_version(version(number="2.0.0"))
        await uow.rollback()
        assert (await uow.worlds.get_version("harbour")).version == "1.0.0"
        await uow.worlds.add_version(version(number="3.0.0"))
        await uow.commit()
    async with uow_factory() as uow:
        assert (await uow.worlds.list())[0].versions == ("3.0.0", "1.0.0")


async def test_an_exception_rolls_back(uow_factory: UnitOfWorkFactory) -> None:
    with pytest.raises(RuntimeError):
        async with uow_factory() as uow:
            await uow.worlds.add_version(version())
            raise RuntimeError("the narrator failed")
    async with uow_factory() as uow:
        assert await uow.worlds.list() == []


async def test_uncommitted_changes_are_invisible_to_others(
    uow_factory: UnitOfWorkFactory,
) -> None:
    async with uow_factory() as writer:
        await writer.worlds.add_version(version())
        async with uow_factory() as reader:
            assert not await reader.worlds.exists("harbour")
        await writer.commit()
    async with uow_factory() as reader:
        assert await reader.worlds.exists("harbour")


async def test_returned_content_is_a_copy(uow_factory: UnitOfWorkFactory) -> None:
    record = version()
    await install(uow_factory, record)
    record.content["world"]["id"] = "changed after install"
    async with uow_factory() as uow:
        got = await uow.worlds.get_version("harbour")
        got.content["locations"].clear()
        again = await uow.worlds.get_version("harbour")
    assert again.content["world"]["id"] == "harbour"
    assert again.content["locations"]


# ---------------------------------------------------------------------------- sessions


async def test_sessions_add_get_list_count(uow_factory: UnitOfWorkFactory) -> None:
    await install(uow_factory, version(number="1.0.0"), version(number="2.0.0"))
    await install(uow_factory, version("ocean"))
    early = session("a", number="1.0.0", channel="123456789012345678")
    late = session("b", number="2.0.0", updated_at=T0 + timedelta(hours=1))
    other = session("c", world_id="ocean", updated_at=T0 + timedelta(hours=2))
    async with uow_factory() as uow:
        for record in (early, late, other):
            await uow.sessions.add(record)
        await uow.commit()
    async with uow_factory() as uow:
        assert await uow.sessions.get("a") == early
        assert [s.id for s in await uow.sessions.list()] == ["c", "b", "a"]
        assert [s.id for s in await uow.sessions.list("harbour")] == ["b", "a"]
        assert await uow.sessions.count_for_world_version("harbour", "1.0.0") == 1
        assert await uow.sessions.count_for_world_version("harbour", "3.0.0") == 0


async def test_unknown_session_is_not_found(uow_factory: UnitOfWorkFactory) -> None:
    async with uow_factory() as uow:
        with pytest.raises(SessionNotFound, match="No session has the id 'nope'"):
            await uow.sessions.get("nope")


async def test_session_needs_an_installed_world_version(uow_factory: UnitOfWorkFactory) -> None:
    await install(uow_factory, version())
    async with uow_factory() as uow:
        with pytest.raises(WorldNotFound, match=re.escape("no installed version '9.0.0'")):
            await uow.sessions.add(session(number="9.0.0"))


async def test_duplicate_session_id_is_refused(uow_factory: UnitOfWorkFactory) -> None:
    await install(uow_factory, version())
    async with uow_factory() as uow:
        await uow.sessions.add(session())
        await uow.commit()
        with pytest.raises(StorageError, match="already exists"):
            await uow.sessions.add(session(title="again"))
