"""Each fixture folder read by ``read_foundry`` and converted: what a user would import."""

from __future__ import annotations

from foundry_convert_helpers import assert_all_valid, entry, stats

from storyai.core.importers.foundry.convert import plan_from_foundry
from storyai.core.importers.foundry.read import read_foundry


def _plan(foundry_fixtures, folder):
    plan = plan_from_foundry(read_foundry(foundry_fixtures / folder))
    assert_all_valid(plan)
    return plan


def test_dnd5e_5_3_3_source_folder(foundry_fixtures):
    plan = _plan(foundry_fixtures, "dnd5e-5.3.3-source-yaml")
    assert plan.system == "dnd5e"
    counts = {kind: n for (_, kind), n in plan.counts().items()}
    assert counts == {
        "npc": 14,
        "armor": 2,
        "consumable": 1,
        "container": 1,
        "tool": 1,
        "treasure": 2,
        "weapon": 1,
        "feat": 2,
        "journal page": 27,
        "spell": 4,
    }
    goblin = stats(plan, "Goblin")
    assert (goblin.ac, goblin.hp, goblin.cr) == (15, 7, "1/4")
    assert "humanoid" in entry(plan, "Goblin").data["tags"]
    assert "fire" in stats(plan, "Young Red Dragon").immunities


def test_dnd5e_3_3_1_source_folder(foundry_fixtures):
    plan = _plan(foundry_fixtures, "dnd5e-3.3.1-source-json")
    goblin = stats(plan, "Goblin")
    scimitar = next(a for a in goblin.attacks if a.name == "Scimitar")
    assert (goblin.ac, goblin.hp, goblin.cr, scimitar.to_hit, scimitar.damage) == (
        15,
        7,
        "1/4",
        4,
        "1d6+2",
    )
    assert entry(plan, "Fireball", "lore").data["text"].startswith("Level 3 evocation spell.")


def test_dnd5e_2_4_1_nedb_packs(foundry_fixtures):
    plan = _plan(foundry_fixtures, "dnd5e-2.4.1-nedb")
    assert len([e for e in plan.entries if e.section == "characters"]) == 12
    items = [e for e in plan.entries if e.section == "items"]
    assert len([e for e in items if ".Actor." not in e.data["source"]["ref"]]) == 23  # trade goods
    assert stats(plan, "Randal (Human Fighter)").hp == 12


def test_cyphersystem_scenes(foundry_fixtures):
    plan = _plan(foundry_fixtures, "cyphersystem-2.4.0-nedb")
    places = [e for e in plan.entries if e.section == "locations"]
    assert sorted(e.data["name"] for e in places) == ["Tabletop", "Tabletop (dark)"]
    assert {e.section for e in plan.entries} == {"locations", "maps"}  # a map per scene


def test_wwn_leveldb_pack(foundry_fixtures):
    plan = _plan(foundry_fixtures, "wwn-leveldb")
    assert len(plan.entries) == 147
    generic = [w for w in plan.warnings if "imported generically" in w]
    assert len(generic) == 1 and generic[0].startswith("wwn: 147 actors")
    assert stats(plan, "Blink Dog").ac == 14


def test_dcc_world_manifest_without_data(foundry_fixtures):
    plan = _plan(foundry_fixtures, "dcc-world-template")
    assert (plan.title, plan.system, plan.entries) == ("DCC E2E", "dcc", [])
    assert plan.warnings  # the reader's note that the world holds no documents is passed on
