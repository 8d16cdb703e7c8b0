"""dnd5e actors across system versions become characters with d20 stat blocks."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
from foundry_convert_helpers import (
    assert_all_valid,
    convert,
    entry,
    file_doc,
    nedb_docs,
    stats,
)

V5 = "dnd5e-5.3.3-source-yaml"
V3 = "dnd5e-3.3.1-source-json"


@pytest.fixture(scope="module")
def monsters(foundry_fixtures: Path):
    docs = [
        file_doc(p, pack="dnd5e.monsters")
        for p in sorted((foundry_fixtures / V5).glob("monsters*/[!_]*.yml"))
    ]
    return convert(docs, system_id="dnd5e")


@pytest.mark.parametrize("version", [V5, V3])
def test_the_goblin_has_the_same_stat_block_in_5_3_3_and_3_3_1(foundry_fixtures, version):
    suffix = ".yml" if version == V5 else ".json"
    doc = file_doc(foundry_fixtures / version / "monsters" / f"goblin{suffix}", pack="monsters")
    plan = convert([doc], system_id="dnd5e")

    goblin = stats(plan, "Goblin")
    assert (goblin.ac, goblin.hp, goblin.cr, goblin.xp, goblin.speed) == (15, 7, "1/4", 50, 30)
    assert goblin.abilities.dex == 14
    assert goblin.skills == {"stealth": 6}
    attacks = {a.name: a for a in goblin.attacks}
    scimitar, shortbow = attacks["Scimitar"], attacks["Shortbow"]
    assert (scimitar.to_hit, scimitar.damage, scimitar.damage_type, scimitar.range) == (
        4,
        "1d6+2",
        "slashing",
        "melee",
    )
    assert (shortbow.to_hit, shortbow.damage, shortbow.damage_type, shortbow.range) == (
        4,
        "1d6+2",
        "piercing",
        "80/320",
    )
    character = entry(plan, "Goblin").data
    assert character["kind"] == "creature"
    assert character["attitude"] == "hostile"
    assert "Nimble Escape" in character["description"]
    assert_all_valid(plan)


def test_young_red_dragon_is_immune_to_fire_and_bites_with_extra_fire(monsters):
    dragon = stats(monsters, "Young Red Dragon")
    assert "fire" in dragon.immunities
    assert (dragon.ac, dragon.hp, dragon.cr, dragon.proficiency_bonus) == (18, 178, "10", 4)
    assert dragon.saves == {"dex": 4, "con": 9, "wis": 4, "cha": 8}
    bite = next(a for a in dragon.attacks if a.name.startswith("Bite"))
    assert (bite.to_hit, bite.damage, bite.damage_type) == (10, "2d10+6+1d6", "piercing")
    assert bite.name == "Bite (+1d6 fire)"  # the one damage type a stat block holds is not all


def test_armor_class_follows_the_calculation_mode(monsters):
    assert stats(monsters, "Guard").ac == 16  # chain shirt 13 + dex 1 + shield 2
    assert stats(monsters, "Ogre").ac == 11  # hide (medium) 12 + dex -1
    assert stats(monsters, "Zombie").ac == 8  # natural armor uses the flat value
    assert stats(monsters, "Mage").ac == 12


def test_a_spellcaster_keeps_spell_attacks_and_lists_its_spells(monsters):
    mage = stats(monsters, "Mage")
    fire_bolt = next(a for a in mage.attacks if a.name == "Fire Bolt")
    # a 9th-level caster: the cantrip rolls twice its dice (SRD: 5th level and up)
    assert (fire_bolt.to_hit, fire_bolt.damage, fire_bolt.damage_type) == (6, "2d10", "fire")
    text = entry(monsters, "Mage").data["description"]
    assert "## Spells" in text and "Fireball" in text and "Cantrips: Fire Bolt" in text


def test_2024_monsters_and_every_fixture_monster_validate(monsters):
    assert stats(monsters, "Grimlock").cr == "1/4"
    assert stats(monsters, "Black Bear").skills == {"perception": 5}
    assert len([e for e in monsters.entries if e.section == "characters"]) == 14
    assert monsters.warnings == []
    assert_all_valid(monsters)


def test_folders_become_tags(foundry_fixtures):
    folder = file_doc(foundry_fixtures / V5 / "monsters" / "_folder-humanoid.yml", "Folder")
    goblin = file_doc(foundry_fixtures / V5 / "monsters" / "goblin.yml", pack="monsters")
    plan = convert([goblin, folder], system_id="dnd5e")
    assert entry(plan, "Goblin").data["tags"] == ["humanoid", "monsters"]
    assert [e.section for e in plan.entries] == ["characters"]


def test_2_4_1_heroes_take_hit_points_from_value_when_max_is_null(foundry_fixtures):
    docs = nedb_docs(foundry_fixtures / "dnd5e-2.4.1-nedb" / "heroes.db", "Actor", "heroes")
    assert docs[1].data["system"]["attributes"]["hp"]["max"] is None  # the fixture's shape
    plan = convert(docs, system_id="dnd5e")

    randal = stats(plan, "Randal (Human Fighter)")
    assert (randal.hp, randal.ac, randal.level, randal.speed) == (12, 18, 1, 30)
    assert randal.saves == {"str": 5, "con": 4}
    longbow = next(a for a in randal.attacks if a.name == "Longbow")
    assert (longbow.to_hit, longbow.damage, longbow.range) == (4, "1d8+2", "150/600")
    assert stats(plan, "Perrin (Halfling Monk)").ac == 15  # 10 + dex 3 + wis 2
    assert stats(plan, "Perrin (Halfling Monk)").speed == 25  # from the halfling race item
    hero = entry(plan, "Randal (Human Fighter)")
    assert hero.kind == "character" and hero.data["kind"] == "npc"
    assert hero.data["description"].startswith("Fighter 1 (")
    assert len([e for e in plan.entries if e.section == "characters"]) == 12
    carried = [e for e in plan.entries if e.section == "items"]
    assert carried and all(".Actor." in e.data["source"]["ref"] for e in carried)  # their gear
    assert_all_valid(plan)


def _synthetic_1x_actor() -> dict:
    """SYNTHETIC: a dnd5e 1.x-era actor (``data``, ``permission``, ``token``, AC ``{value}``)."""
    return {
        "_id": "oldOgreActor0001",
        "name": "Old Ogre",
        "type": "npc",
        "permission": {"default": 0},
        "token": {"name": "Big Guy", "disposition": -1},
        "data": {
            "abilities": {
                "str": {"value": 19, "mod": 4, "proficient": 0},
                "dex": {"value": 8, "mod": -1, "proficient": 0},
                "con": {"value": 16, "mod": 3, "proficient": 1},
                "int": {"value": 5},
                "wis": {"value": 7},
                "cha": {"value": 7},
            },
            "attributes": {
                "ac": {"value": 11},
                "hp": {"value": 59, "max": 59},
                "movement": {"walk": 40},
            },
            "details": {"cr": 2, "biography": {"value": "<p>A <b>hungry</b> brute.</p>"}},
            "traits": {"dr": {"value": [], "custom": "Cold; Thunder"}},
            "skills": {},
        },
        "items": [
            {
                "_id": "oldClubItem00001",
                "name": "Greatclub",
                "type": "weapon",
                "data": {
                    "actionType": "mwak",
                    "attackBonus": 0,
                    "ability": "",
                    "damage": {"parts": [["2d8 + @mod", "bludgeoning"]]},
                    "properties": {"two": True, "fin": False},
                    "weaponType": "simpleM",
                    "range": {"value": 5, "units": "ft"},
                },
            }
        ],
    }


@pytest.mark.parametrize("system_id", ["dnd5e", ""])
def test_a_synthetic_1x_actor_converts(system_id):
    from storyai.core.importers.foundry.documents import FoundryDoc

    raw = _synthetic_1x_actor()
    before = copy.deepcopy(raw)
    plan = convert([FoundryDoc("Actor", raw, "actors.db:1")], system_id=system_id)
    ogre = stats(plan, "Old Ogre")
    assert (ogre.ac, ogre.hp, ogre.cr, ogre.xp, ogre.speed) == (11, 59, "2", 450, 40)
    assert ogre.saves == {"con": 5}
    assert ogre.resistances == ["cold", "thunder"]
    club = ogre.attacks[0]
    assert (club.name, club.to_hit, club.damage) == ("Greatclub", 6, "2d8+4")
    data = entry(plan, "Old Ogre").data
    assert data["name"] == "Old Ogre"  # the actor's name, not the token's
    assert data["description"].endswith("A **hungry** brute.")
    assert data["source"]["ref"] == "Actor.oldOgreActor0001"
    assert data["source"]["raw"] == before and raw == before
    assert_all_valid(plan)


def test_odd_values_are_clamped_instead_of_failing():
    from storyai.core.importers.foundry.documents import FoundryDoc

    raw = _synthetic_1x_actor()
    raw["data"]["details"]["cr"] = 0.3
    raw["data"]["attributes"]["ac"] = {"value": 99}
    raw["data"]["attributes"]["movement"] = {"walk": "35 ft."}
    raw["data"]["abilities"]["str"]["value"] = 45
    plan = convert([FoundryDoc("Actor", raw, "actors.db:1")], system_id="dnd5e")
    ogre = stats(plan, "Old Ogre")
    assert (ogre.cr, ogre.ac, ogre.speed, ogre.abilities.str) == ("1/4", 40, 35, 30)


def test_an_actor_without_hit_points_is_kept_without_stats_and_named_in_a_warning():
    from storyai.core.importers.foundry.documents import FoundryDoc

    raw = _synthetic_1x_actor()
    raw["data"]["attributes"]["hp"] = {"value": 0, "max": None}
    plan = convert([FoundryDoc("Actor", raw, "actors.db:1")], system_id="dnd5e")
    assert "stats" not in entry(plan, "Old Ogre").data
    assert any("Old Ogre" in w for w in plan.warnings)
    assert_all_valid(plan)


def test_the_same_weapon_formula_hits_as_hard_as_each_owner_is_strong():
    """Two ogres with the same club in one pack: each one's damage adds its own modifier
    (a formula worked out once is not handed to an owner with other numbers)."""
    from storyai.core.importers.foundry.documents import FoundryDoc

    strong, weak = _synthetic_1x_actor(), _synthetic_1x_actor()
    weak["_id"], weak["name"] = "weakOgreActor001", "Weak Ogre"
    weak["data"]["abilities"]["str"]["value"] = 10
    docs = [FoundryDoc("Actor", strong, "a.db:1"), FoundryDoc("Actor", weak, "a.db:2")]
    for _ in range(2):  # and again, in a second import of the same pack
        plan = convert(docs, system_id="dnd5e")
        assert stats(plan, "Old Ogre").attacks[0].damage == "2d8+4"
        assert stats(plan, "Weak Ogre").attacks[0].damage == "2d8"
