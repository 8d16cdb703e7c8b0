"""What a GM needs survives conversion: whole texts, secrets kept apart, gear, traits.

Each test reads the fixtures as a user would (``read_foundry`` then
``plan_from_foundry``) unless it needs a synthetic document, which says so.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path
from typing import Any

import pytest
from foundry_convert_helpers import assert_all_valid, convert, entry, stats

from storyai.core.importers.foundry.convert import plan_from_foundry
from storyai.core.importers.foundry.convert_common import TEXT_LIMIT
from storyai.core.importers.foundry.documents import FoundryDoc
from storyai.core.importers.foundry.read import read_foundry
from storyai.core.importers.html_text import html_to_markdown
from storyai.core.importers.plan import ImportPlan

V5 = "dnd5e-5.3.3-source-yaml"
V3 = "dnd5e-3.3.1-source-json"
HEROES = "dnd5e-2.4.1-nedb"
WWN = "wwn-leveldb/ose-monsters"


def _plan(path: Path) -> ImportPlan:
    plan = plan_from_foundry(read_foundry(path))
    assert_all_valid(plan)
    return plan


@pytest.fixture(scope="module")
def v5(foundry_fixtures: Path) -> ImportPlan:
    return _plan(foundry_fixtures / V5)


@pytest.fixture(scope="module")
def heroes(foundry_fixtures: Path) -> ImportPlan:
    return _plan(foundry_fixtures / HEROES)


@pytest.fixture(scope="module")
def wwn(foundry_fixtures: Path) -> ImportPlan:
    return _plan(foundry_fixtures / WWN)


def _characters(plan: ImportPlan) -> list:
    return [e for e in plan.entries if e.section == "characters"]


# ------------------------------------------------ 1. pf2e source files are actors


def test_the_pf2e_source_folder_is_twelve_creatures_with_stat_blocks(srd_data):
    folder = srd_data / "other" / "pf2e"
    plan = _plan(folder)

    assert {e.section for e in plan.entries} == {"characters"}  # no "items │ misc │ 12"
    assert len(_characters(plan)) == 12
    for path in sorted(folder.glob("*.json")):
        raw = json.loads(path.read_text(encoding="utf-8"))
        block = stats(plan, raw["name"])
        system = raw["system"]
        assert block.level == max(1, system["details"]["level"]["value"])
        assert block.ac == system["attributes"]["ac"]["value"]
        assert block.hp == system["attributes"]["hp"]["max"]
        strikes = [i["name"] for i in raw["items"] if i["type"] == "melee"]
        assert [a.name for a in block.attacks] == strikes


def test_one_pf2e_source_file_is_one_creature(srd_data):
    plan = _plan(srd_data / "other" / "pf2e" / "boar.json")

    [boar] = plan.entries
    assert (boar.section, boar.data["name"]) == ("characters", "Boar")
    block = stats(plan, "Boar")
    assert (block.level, block.ac, block.hp) == (2, 15, 40)
    assert [(a.name, a.damage, a.damage_type) for a in block.attacks] == [
        ("Tusk", "2d6+4", "piercing")
    ]


def test_shape_tells_an_actor_from_an_item_of_the_same_type_name(tmp_path):
    """SYNTHETIC: a dnd5e loot item and a pf2e loot actor, neither with a _key."""
    item = {"name": "Silk", "type": "loot", "system": {"price": {"value": 5}, "weight": 1}}
    pile = {
        "name": "Dragon Hoard",
        "type": "loot",
        "system": {"details": {"description": ""}},
        "items": [{"name": "Gold Cup", "type": "treasure", "system": {"price": {"value": 9}}}],
    }
    party = {"name": "Heroes", "type": "party", "system": {"details": {"members": []}}}
    for name, doc in (("silk", item), ("hoard", pile), ("party", party)):
        (tmp_path / f"{name}.json").write_text(json.dumps(doc), encoding="utf-8")

    kinds = {d.data["name"]: d.document for d in read_foundry(tmp_path).docs}

    assert kinds == {"Silk": "Item", "Dragon Hoard": "Actor", "Heroes": "Actor"}


# ------------------------------------------------------ 2. features in full


def test_monster_features_keep_their_whole_text_with_rolls_as_words(v5):
    dragon = entry(v5, "Young Red Dragon").data["description"]
    assert (
        "**Fire Breath (Recharge 5–6).** The dragon exhales fire in a 30-foot cone. Each "
        "creature in that area must make a DC 17 Dexterity saving throw, taking 56 (16d6) "
        "fire damage on a failed save, or half as much damage on a successful one."
    ) in dragon
    mage = entry(v5, "Mage").data["description"]
    assert "(spell save DC 14, +6 to hit with spell attacks)" in mage
    assert "5th level (1 slots): cone of cold" in mage
    spider = entry(v5, "Giant Spider").data["description"]
    assert (
        "**Bite.** Melee Weapon Attack: +5 to hit, reach 5 ft. 7 (1d8 + 3) piercing damage."
    ) in spider
    assert "must make a DC 11 Constitution saving throw, taking 9 (2d8) poison damage" in spider


def test_heroes_features_are_not_cut_mid_word(heroes):
    for found in _characters(heroes):
        assert "…" not in found.data["description"], found.data["name"]
    perrin = entry(heroes, "Perrin (Halfling Monk)").data["description"]
    assert "(called a nunchaku)" in perrin  # the last paragraph of Martial Arts


def test_a_description_over_the_limit_is_shortened_and_says_so():
    """SYNTHETIC: a monster with 40 long features (about 60,000 characters of text)."""
    features = [
        {
            "_id": f"feat{n:012d}",
            "name": f"Trait {n}",
            "type": "feat",
            "system": {"description": {"value": f"<p>Start {n}. " + "word " * 300 + "</p>"}},
        }
        for n in range(40)
    ]
    actor = _dnd5e_npc("Verbose Horror", features)
    plan = convert([FoundryDoc("Actor", actor, "synthetic.json")], system_id="dnd5e")

    text = entry(plan, "Verbose Horror").data["description"]
    assert len(text) <= TEXT_LIMIT
    assert all(f"**Trait {n}.** Start {n}." in text for n in range(40))
    assert text.endswith("the full text is kept in this entry's source.)")
    assert_all_valid(plan)


# --------------------------------------------------------------- 3. secrets


def test_gm_only_text_of_a_feature_goes_to_the_characters_secrets(foundry_fixtures):
    plan = _plan(foundry_fixtures / V3)
    troll = entry(plan, "Troll").data

    assert any(
        s.startswith("Regeneration:") and "**acid**" in s and "fire damage" in s
        for s in troll["secrets"]
    )
    assert "acid" not in troll["description"]
    assert "**Regeneration.** The troll regains **10 hit points**" in troll["description"]


def test_gm_only_text_of_an_item_becomes_gm_only_lore():
    """SYNTHETIC: an item and a spell whose descriptions hold a secret section."""
    secret = '<p>Looks plain.</p><section class="secret"><p>It is cursed.</p></section>'
    sword = {"_id": "swordsword000001", "name": "Old Sword", "type": "weapon"}
    sword["system"] = {"description": {"value": secret}}
    spell = {"_id": "spellspell000001", "name": "Whisper", "type": "spell"}
    spell["system"] = {"description": {"value": secret}, "level": 1}
    plan = convert(
        [FoundryDoc("Item", sword, "items.db:1"), FoundryDoc("Item", spell, "items.db:2")],
        system_id="dnd5e",
    )

    assert entry(plan, "Old Sword", "items").data["description"] == "Looks plain."
    assert "cursed" not in entry(plan, "Whisper", "lore").data["text"]
    for name in ("Old Sword", "Whisper"):
        notes = entry(plan, f"{name} (GM notes)", "lore").data
        assert (notes["text"], notes["visibility"]) == ("It is cursed.", "gm-only")
    assert_all_valid(plan)


# ------------------------------------------- 4. no enricher and no stray marks


FIXTURES = [V5, V3, HEROES, WWN, "cyphersystem-2.4.0-nedb", "dcc-world-template"]
LEFTOVERS = ("&Reference[", "&amp;Reference[", "@UUID[", "[[/", "@Check[")


def _texts(value: Any):
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _texts(item)
    elif isinstance(value, list):
        for item in value:
            yield from _texts(item)


@pytest.mark.parametrize("folder", [*FIXTURES, "pf2e"])
def test_no_converted_text_keeps_an_enricher_or_a_stray_mark(foundry_fixtures, srd_data, folder):
    path = srd_data / "other" / "pf2e" if folder == "pf2e" else foundry_fixtures / folder
    plan = _plan(path)
    for found in plan.entries:
        shown = {k: v for k, v in found.data.items() if k != "source"}
        for text in _texts(shown):
            assert not [m for m in LEFTOVERS if m in text], (found.id, text)
            assert not re.search(r"(?m)^\. ", text), (found.id, text)


def test_the_giant_spiders_web_reads_as_the_book_does(v5):
    text = entry(v5, "Giant Spider").data["description"]
    assert (
        "**Web (Recharge 5–6).** Ranged Weapon Attack: +5 to hit, range 30 ft. *Hit:* The "
        "target is restrained by webbing."
    ) in text
    assert "DC 12 Strength check, bursting the webbing" in text
    assert (
        "it must succeed on a DC 11 Strength saving throw or be knocked prone"
        in (entry(v5, "Wolf").data["description"])
    )


def test_escaped_references_and_empty_rolls_leave_clean_text():
    html = "<p>[[/attack extended]]. <em>Hit:</em> knocked &amp;Reference[prone].</p>"
    assert html_to_markdown(html).text == "*Hit:* knocked prone."


# --------------------------------------------------- 5. player characters' gear


def test_player_characters_carry_their_gear_as_world_items(heroes):
    items = {e.id: e for e in heroes.entries if e.section == "items"}
    perrin = entry(heroes, "Perrin (Halfling Monk)")
    inventory = perrin.data["inventory"]

    assert "perrin_halfling_monk_hempen_rope_50_ft" in inventory
    assert all(i in items for i in inventory)
    names = [items[i].data["name"] for i in inventory]
    assert {"Shortsword", "Backpack", "Hempen Rope (50 ft.)", "Rations"} <= set(names)
    assert "Unarmed Strike (Monk)" not in names  # fists are not carried
    rope = items["perrin_halfling_monk_hempen_rope_50_ft"].data
    assert re.fullmatch(
        r"Compendium\.heroes\.Actor\.125qFnXvT9z0iOic\.Item\.\w+", rope["source"]["ref"]
    )
    assert rope["source"]["raw"] is None
    assert "Carried: 10." in items["perrin_halfling_monk_rations"].data["description"]
    for hero in _characters(heroes):
        assert hero.data["inventory"], hero.data["name"]


def test_monsters_keep_their_weapons_as_attacks_not_items(v5):
    assert all(not e.data.get("inventory") for e in _characters(v5))
    assert not [
        e
        for e in v5.entries
        if ".Actor." in e.data["source"]["ref"] and ".Item." in e.data["source"]["ref"]
    ]


# ---------------------------------------------------------- 6. free-text traits


def test_free_text_traits_go_to_the_description_not_the_immunities(heroes):
    perrin = entry(heroes, "Perrin (Halfling Monk)").data
    assert perrin["stats"]["condition_immunities"] == []
    assert (
        "Traits: Condition immunities: Advantage against being frightenned."
        in (perrin["description"])
    )
    sefris = entry(heroes, "Sefris (Half-Elf Warlock)").data
    assert sefris["stats"]["condition_immunities"] == []
    assert "Magical Sleep" in sefris["description"]


def test_known_names_in_custom_traits_are_kept_and_exceptions_are_told():
    """SYNTHETIC: traits as dnd5e 3.x stores them."""
    actor = _dnd5e_npc("Golem", [])
    actor["system"]["traits"] = {
        "ci": {"value": ["poisoned"], "custom": "Charmed; only by its maker"},
        "dr": {"value": ["slashing", "piercing", "bludgeoning", "cold"], "bypasses": ["mgc"]},
        "di": {"value": ["fire", "tickles"], "custom": ""},
    }
    plan = convert([FoundryDoc("Actor", actor, "synthetic.json")], system_id="dnd5e")

    golem = stats(plan, "Golem")
    assert golem.condition_immunities == ["poisoned", "charmed"]
    assert golem.immunities == ["fire"]
    assert set(golem.resistances) == {"slashing", "piercing", "bludgeoning", "cold"}
    text = entry(plan, "Golem").data["description"]
    assert "Damage immunities: tickles." in text
    assert "Damage resistances: cold; slashing, piercing, bludgeoning from nonmagical attacks." in (
        text
    )
    assert "Condition immunities: only by its maker." in text


# ------------------------------------------------- 7. extra damage, speeds, senses


def test_extra_damage_and_other_speeds_and_senses_are_told(v5, srd_data):
    dragon = stats(v5, "Young Red Dragon")
    bite = next(a for a in dragon.attacks if a.name.startswith("Bite"))
    assert (bite.name, bite.damage, bite.damage_type) == (
        "Bite (+1d6 fire)",
        "2d10+6+1d6",
        "piercing",
    )
    text = entry(v5, "Young Red Dragon").data["description"]
    assert (
        "Speed 40 ft., climb 40 ft., fly 80 ft. Senses: blindsight 30 ft., darkvision 120 ft."
        in (text)
    )
    assert "17 (2d10 + 6) piercing plus 3 (1d6) fire damage" in text
    eagle = _plan(srd_data / "other" / "pf2e" / "eagle.json")
    assert (
        "Speed 10 feet, fly 60 feet. Senses: low light vision."
        in (entry(eagle, "Eagle").data["description"])
    )


# ------------------------------------------------- 8. damage types of generic systems


def test_wwn_attacks_take_the_damage_type_their_weapon_name_tells(wwn):
    found: dict[str, str] = {}
    for character in _characters(wwn):
        for attack in (character.data.get("stats") or {}).get("attacks", []):
            found.setdefault(attack["name"], attack["damage_type"])
    assert found["Sword, Short"] == "piercing"
    assert found["Bow, Small"] == "piercing"
    assert found["Sword, Long"] == "slashing"
    assert found["Axe, War"] == "slashing"
    assert found["Mace"] == "bludgeoning"
    assert found["Claw"] == "slashing"
    assert found["Bite"] == "piercing"
    assert found["Touch"] == "bludgeoning"  # nothing to go on: the default, and said so
    [warning] = [w for w in wwn.warnings if w.startswith("wwn:")]
    assert "bludgeoning by default: Touch" in warning


# ------------------------------------------------------- 9. damaged LevelDB data


def test_items_of_actors_lost_to_damaged_data_are_reported(foundry_fixtures, tmp_path):
    pack = tmp_path / "ose-monsters"
    shutil.copytree(foundry_fixtures / WWN, pack)
    table = pack / "002543.ldb"
    table.chmod(0o644)
    data = bytearray(table.read_bytes())
    at = len(data) // 20  # in the actors' part of the table (keys sort !actors! first)
    data[at : at + 64] = b"\xff" * 64
    table.write_bytes(bytes(data))

    plan = plan_from_foundry(read_foundry(pack))

    lost = [s for s in plan.skipped if s.origin == "ose-monsters"]
    assert len(lost) == 1
    match = re.fullmatch(
        r"(\d+) embedded items of (\d+) actors? whose records? could not be read "
        r"\(damaged data\); not imported",
        lost[0].reason,
    )
    assert match, lost[0].reason
    assert len(_characters(plan)) + int(match.group(2)) == 147  # every actor accounted for
    assert any("unreadable block" in w for w in plan.warnings)  # the reader's own words


# ----------------------------------------------------------------- helpers


def _dnd5e_npc(name: str, items: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "_id": "synthNpc00000001",
        "name": name,
        "type": "npc",
        "system": {
            "abilities": {k: {"value": 12} for k in ("str", "dex", "con", "int", "wis", "cha")},
            "attributes": {"hp": {"value": 30, "max": 30}, "ac": {"flat": 14, "calc": "flat"}},
            "details": {"cr": 2},
        },
        "items": items,
    }
