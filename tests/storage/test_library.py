"""The content library (SRD entries) behaves the same in memory, SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime

from storyai.core.domain.records import LibraryInfo, LibraryRecord

WHEN = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)


def entry(edition: str, kind: str, key: str, name: str, summary: str = "") -> LibraryRecord:
    return LibraryRecord(
        library="srd",
        edition=edition,
        kind=kind,
        key=key,
        name=name,
        summary=summary or f"{name}, a {kind}",
        text=f"# {name}",
        data={"name": name, "nested": {"list": [1, 2]}},
    )


ENTRIES = [
    entry("5.1", "monster", "goblin", "Goblin", "Small humanoid (goblinoid), CR 1/4"),
    entry("5.2", "monster", "goblin", "Goblin", "Small fey (goblinoid), CR 1/4"),
    entry("5.1", "monster", "hobgoblin", "Hobgoblin", "Medium humanoid (goblinoid), CR 1/2"),
    entry("5.1", "monster", "goblin_boss", "Goblin Boss", "Small humanoid (goblinoid), CR 1"),
    entry("5.1", "spell", "fireball", "Fireball", "3rd-level evocation"),
    entry("5.1", "monster", "fire_elemental", "Fire Elemental", "Large elemental, CR 5"),
    entry("5.1", "equipment", "silk_rope_50", "Rope, silk (50 feet)", "Adventuring gear 100%"),
]


async def install(uow_factory, records=ENTRIES, origin="test folder") -> None:
    counts: dict[str, int] = {}
    for r in records:
        counts[f"{r.edition} {r.kind}"] = counts.get(f"{r.edition} {r.kind}", 0) + 1
    async with uow_factory() as uow:
        await uow.library.replace(LibraryInfo("srd", WHEN, origin, counts), list(records))
        await uow.commit()


async def test_nothing_is_installed_at_first(uow_factory) -> None:
    async with uow_factory() as uow:
        assert await uow.library.info("srd") is None
        assert await uow.library.search("srd", "goblin") == []
        assert await uow.library.find("srd", "goblin") == []


async def test_an_installed_library_is_found_by_key_and_keeps_its_data(uow_factory) -> None:
    await install(uow_factory)
    async with uow_factory() as uow:
        info = await uow.library.info("srd")
        assert info is not None and info.origin == "test folder"
        assert info.counts["5.1 monster"] == 4
        assert info.installed_at == WHEN
        found = await uow.library.find("srd", "goblin")
        assert [(r.edition, r.summary) for r in found] == [
            ("5.1", "Small humanoid (goblinoid), CR 1/4"),
            ("5.2", "Small fey (goblinoid), CR 1/4"),
        ]
        assert found[0].data == {"name": "Goblin", "nested": {"list": [1, 2]}}
        assert [r.edition for r in await uow.library.find("srd", "goblin", edition="5.2")] == [
            "5.2"
        ]
        assert await uow.library.find("srd", "goblin", kind="spell") == []
        assert await uow.library.keys("srd", "monster") == {
            "goblin",
            "hobgoblin",
            "goblin_boss",
            "fire_elemental",
        }


async def test_search_ranks_the_exact_name_first_and_filters_by_kind(uow_factory) -> None:
    await install(uow_factory)
    async with uow_factory() as uow:
        names = [(r.name, r.edition) for r in await uow.library.search("srd", "goblin")]
        assert names == [
            ("Goblin", "5.1"),
            ("Goblin", "5.2"),
            ("Goblin Boss", "5.1"),
            ("Hobgoblin", "5.1"),
        ]
        fire = await uow.library.search("srd", "FIRE", kind="monster")
        assert [r.name for r in fire] == ["Fire Elemental"]
        both = await uow.library.search("srd", "fire")
        assert {r.name for r in both} == {"Fire Elemental", "Fireball"}
        assert [r.name for r in await uow.library.search("srd", "goblinoid cr 1/2")] == [
            "Hobgoblin"
        ]
        assert len(await uow.library.search("srd", "goblin", limit=2)) == 2


async def test_search_text_is_not_a_pattern(uow_factory) -> None:
    await install(uow_factory)
    async with uow_factory() as uow:
        assert [r.key for r in await uow.library.search("srd", "100%")] == ["silk_rope_50"]
        assert [r.key for r in await uow.library.search("srd", "%")] == ["silk_rope_50"]
        assert await uow.library.search("srd", "_") == []


async def test_reinstalling_replaces_the_whole_library(uow_factory) -> None:
    await install(uow_factory)
    await install(uow_factory, [entry("5.2", "spell", "shield", "Shield")], origin="again")
    async with uow_factory() as uow:
        info = await uow.library.info("srd")
        assert info is not None and info.origin == "again"
        assert await uow.library.find("srd", "goblin") == []
        assert [r.key for r in await uow.library.search("srd", "")] == ["shield"]


async def test_an_install_that_is_not_committed_leaves_the_old_library(uow_factory) -> None:
    await install(uow_factory)
    async with uow_factory() as uow:
        await uow.library.replace(LibraryInfo("srd", WHEN, "half", {}), [])
        # leaving without commit rolls back
    async with uow_factory() as uow:
        info = await uow.library.info("srd")
        assert info is not None and info.origin == "test folder"
        assert len(await uow.library.find("srd", "goblin")) == 2
