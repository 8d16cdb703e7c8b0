"""Reading the real SRD data (../shared/srd_data, in place) into library entries."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from storyai.core.domain.dice import check_expression
from storyai.core.domain.stats import D20StatBlock
from storyai.core.domain.world import ID_RE, Character, Item
from storyai.core.importers.srd import ATTRIBUTION, KINDS, LibraryEntry, SrdRead, read_srd

EXPECTED_COUNTS = {
    ("5.1", "monster"): 334,
    ("5.1", "spell"): 319,
    ("5.1", "equipment"): 237,
    ("5.1", "magic-item"): 362,
    ("5.1", "class"): 12,
    ("5.1", "race"): 9,
    ("5.1", "condition"): 15,
    ("5.2", "monster"): 331,
    ("5.2", "spell"): 339,
    ("5.2", "equipment"): 203,
    ("5.2", "magic-item"): 757,
    ("5.2", "class"): 12,
    ("5.2", "race"): 9,
    ("5.2", "condition"): 15,
}
OPEN5E_2024 = "open5e-api/data/v2/wizards-of-the-coast/srd-2024"


@pytest.fixture(scope="module")
def srd(srd_data: Path) -> SrdRead:
    return read_srd(srd_data)


def entry(srd: SrdRead, edition: str, kind: str, key: str) -> LibraryEntry:
    found = [e for e in srd.entries if (e.edition, e.kind, e.key) == (edition, kind, key)]
    assert len(found) == 1, f"{edition} {kind} {key}: {len(found)} entries"
    return found[0]


def test_counts_per_edition_and_kind(srd: SrdRead) -> None:
    assert srd.counts == EXPECTED_COUNTS
    assert len(srd.entries) == sum(EXPECTED_COUNTS.values())
    assert {e.kind for e in srd.entries} == set(KINDS)


def test_the_only_warning_on_the_real_data_is_the_potion_name_clash(srd: SrdRead) -> None:
    assert len(srd.warnings) == 1
    assert "potion_of_healing" in srd.warnings[0]
    assert "potion_of_healing_2" in srd.warnings[0]
    common = entry(srd, "5.1", "magic-item", "potion_of_healing")
    generic = entry(srd, "5.1", "magic-item", "potion_of_healing_2")
    assert common.data["rarity"] == "common"
    assert common.data["item"]["effects"] == [{"type": "heal", "amount": "2d4+2"}]
    assert generic.data["rarity"] == "varies"


def test_goblin_51(srd: SrdRead) -> None:
    goblin = entry(srd, "5.1", "monster", "goblin")
    stats = goblin.data["stats"]
    assert (stats["ac"], stats["hp"], stats["cr"], stats["xp"]) == (15, 7, "1/4", 50)
    assert stats["attacks"] == [
        {
            "name": "Scimitar",
            "to_hit": 4,
            "damage": "1d6+2",
            "damage_type": "slashing",
            "range": "melee",
        },
        {
            "name": "Shortbow",
            "to_hit": 4,
            "damage": "1d6+2",
            "damage_type": "piercing",
            "range": "80/320",
        },
    ]
    assert stats["skills"] == {"stealth": 6}
    assert goblin.summary == "Small humanoid (goblinoid), CR 1/4, AC 15, HP 7"
    assert (goblin.data["size"], goblin.data["type"], goblin.data["cr"]) == (
        "small",
        "humanoid",
        0.25,
    )
    assert "**Armor Class** 15 (leather armor, shield)" in goblin.text
    assert "***Nimble Escape.*** The goblin can take the Disengage" in goblin.text
    character = goblin.data["character"]
    assert character["kind"] == "creature"
    assert character["stats"] == stats
    assert "darkvision 60 ft., passive Perception 9" in character["description"]


def test_thrown_weapons_give_a_melee_and_a_ranged_attack(srd: SrdRead) -> None:
    guard = entry(srd, "5.1", "monster", "guard").data["stats"]["attacks"]
    assert [(a["name"], a["damage"], a["range"]) for a in guard] == [
        ("Spear", "1d6+1", "melee"),
        ("Spear (ranged)", "1d6+1", "20/60"),
    ]
    lich = entry(srd, "5.1", "monster", "lich")
    assert "**Damage Resistances** cold, lightning, necrotic" in lich.text
    assert lich.data["stats"]["immunities"] == ["poison", "bludgeoning", "piercing", "slashing"]


def test_52_attack_damage_type_is_moved_out_of_extra_damage_type(
    srd: SrdRead, srd_data: Path
) -> None:
    raw = json.loads((srd_data / OPEN5E_2024 / "CreatureActionAttack.json").read_text())
    tentacle = next(r for r in raw if r["pk"] == "srd-2024_aboleth_tentacle_tentacle-attack")
    assert tentacle["fields"]["damage_type"] is None  # the upstream bug this test is about
    assert tentacle["fields"]["extra_damage_type"] == "bludgeoning"

    aboleth = entry(srd, "5.2", "monster", "aboleth")
    attack = next(a for a in aboleth.data["stats"]["attacks"] if a["name"] == "Tentacle")
    assert attack == {
        "name": "Tentacle",
        "to_hit": 9,
        "damage": "2d6+5",
        "damage_type": "bludgeoning",
        "range": "melee",
    }
    assert aboleth.data["stats"]["cr"] == "10"
    assert aboleth.data["stats"]["xp"] == 5900


def test_52_every_attack_with_the_type_in_extra_damage_type_has_it(
    srd: SrdRead, srd_data: Path
) -> None:
    folder = srd_data / OPEN5E_2024
    creatures = {
        r["pk"]: r["fields"]["name"] for r in json.loads((folder / "Creature.json").read_text())
    }
    actions = {
        r["pk"]: r["fields"] for r in json.loads((folder / "CreatureAction.json").read_text())
    }
    monsters = {e.name: e for e in srd.entries if e.edition == "5.2" and e.kind == "monster"}
    moved = 0
    for row in json.loads((folder / "CreatureActionAttack.json").read_text()):
        f = row["fields"]
        if f["damage_type"] is None and f["extra_damage_type"] and not f["extra_damage_die_count"]:
            action = actions[f["parent"]]
            monster = monsters[creatures[action["parent"]]]
            attack = next(
                a for a in monster.data["stats"]["attacks"] if a["name"] == action["name"]
            )
            assert attack["damage_type"] == f["extra_damage_type"], (monster.key, attack)
            moved += 1
    assert moved == 349


def test_52_attacks_missing_upstream_are_read_from_the_action_text(srd: SrdRead) -> None:
    badger = entry(srd, "5.2", "monster", "badger")
    assert badger.data["stats"]["attacks"] == [
        {"name": "Bite", "to_hit": 2, "damage": "1", "damage_type": "piercing", "range": "melee"}
    ]


@pytest.mark.parametrize("edition", ["5.1", "5.2"])
def test_fireball(srd: SrdRead, edition: str) -> None:
    fireball = entry(srd, edition, "spell", "fireball")
    data = fireball.data
    assert (data["level"], data["school"]) == (3, "evocation")
    assert data["damage"] == {"dice": "8d6", "type": "fire"}
    assert data["save"] == "dex"
    assert data["classes"] == ["sorcerer", "wizard"]
    assert data["components"] == ["V", "S", "M"]
    assert not data["concentration"] and not data["ritual"]
    assert data["range"] == "150 feet"
    assert fireball.summary.startswith("Level 3 evocation (Sorcerer, Wizard), 8d6 fire, DEX save")
    assert fireball.text.startswith("# Fireball\n")


@pytest.mark.parametrize("edition", ["5.1", "5.2"])
def test_longsword(srd: SrdRead, edition: str) -> None:
    longsword = entry(srd, edition, "equipment", "longsword")
    item = longsword.data["item"]
    Item.model_validate(item)
    assert (item["kind"], item["damage"], item["damage_type"]) == ("weapon", "1d8", "slashing")
    assert "versatile" in item["properties"]
    assert (item["value"], item["weight"]) == (15, 3.0)
    assert "**Properties** versatile (1d10)" in longsword.text


def test_armor_carries_what_the_rules_need_for_ac(srd: SrdRead) -> None:
    plate = entry(srd, "5.1", "equipment", "plate_armor").data["item"]
    assert (plate["kind"], plate["armor_class"], plate["properties"][0]) == ("armor", 18, "heavy")
    shield = entry(srd, "5.2", "equipment", "shield").data["item"]
    assert (shield["kind"], shield["ac_bonus"]) == ("shield", 2)


def test_every_monster_validates_and_every_dice_string_parses(srd: SrdRead) -> None:
    monsters = [e for e in srd.entries if e.kind == "monster"]
    assert len(monsters) == 334 + 331
    for m in monsters:
        character = Character.model_validate(m.data["character"])
        assert character.kind == "creature" and character.name == m.name
        assert len(character.description) <= 20_000
        stats = D20StatBlock.model_validate(m.data["stats"])
        assert m.data["character"]["stats"] == m.data["stats"]
        for attack in stats.attacks:
            check_expression(attack.damage)
            assert re.fullmatch(r"melee|\d+(/\d+)?", attack.range), (m.key, attack)
            assert attack.damage_type, (m.key, attack)
        assert isinstance(m.data["cr"], float)
    with_attacks = sum(1 for m in monsters if m.data["stats"]["attacks"])
    assert with_attacks >= len(monsters) - 10


def test_every_item_validates(srd: SrdRead) -> None:
    items = [e for e in srd.entries if e.kind in ("equipment", "magic-item")]
    assert len(items) == 237 + 362 + 203 + 757
    for e in items:
        item = Item.model_validate(e.data["item"])
        if item.damage:
            check_expression(item.damage)
        for effect in item.effects:
            check_expression(str(effect.amount))
    weapons = [e for e in items if e.data["item"]["kind"] == "weapon" and e.kind == "equipment"]
    assert len(weapons) == 37 + 38
    assert [e.name for e in weapons if not e.data["item"].get("damage")] == ["Net"]


def test_spell_dice_parse(srd: SrdRead) -> None:
    spells = [e for e in srd.entries if e.kind == "spell"]
    for s in spells:
        if s.data["damage"]:
            check_expression(s.data["damage"]["dice"])
        if s.data["heal"]:
            check_expression(s.data["heal"]["dice"])
        assert s.data["save"] in (None, "str", "dex", "con", "int", "wis", "cha")
    assert sum(1 for s in spells if s.data["damage"]) > 100


def test_keys_are_world_ids_unique_per_edition_and_kind(srd: SrdRead) -> None:
    seen = set()
    for e in srd.entries:
        assert ID_RE.match(e.key) and len(e.key) <= 64, e.key
        assert (e.edition, e.kind, e.key) not in seen
        seen.add((e.edition, e.kind, e.key))
    assert entry(srd, "5.1", "magic-item", "potion_of_healing").name == "Potion of Healing"


UNRESOLVED = re.compile(
    r"\{@|\[\[|@[A-Z]\w*\[|</?[a-zA-Z][a-zA-Z0-9]*(\s[^>]*)?>|&[a-z]+;|\{'|\['|\[\{|\\n|\r"
)


def test_text_is_readable_markdown(srd: SrdRead) -> None:
    for e in srd.entries:
        assert e.text.startswith(f"# {e.name}\n"), (e.edition, e.kind, e.key)
        assert not UNRESOLVED.search(e.text), (e.key, UNRESOLVED.search(e.text))
        assert e.summary and "\n" not in e.summary, e.key
        assert "None" not in e.summary, e.key


def test_attribution_is_the_wotc_statements(srd_data: Path) -> None:
    source = " ".join((srd_data / "5e-database" / "SOURCE.txt").read_text().split())
    for statement in ATTRIBUTION.strip().split("\n\n"):
        assert " ".join(statement.split()) in source
    assert "SRD 5.1" in ATTRIBUTION and "SRD 5.2" in ATTRIBUTION
    assert "Creative Commons Attribution 4.0" in ATTRIBUTION


def test_classes_races_and_conditions_have_their_fields(srd: SrdRead) -> None:
    wizard = entry(srd, "5.1", "class", "wizard").data
    assert (wizard["hit_die"], wizard["saving_throws"]) == (6, ["int", "wis"])
    assert {"level": 1, "name": "Arcane Recovery"} in wizard["features"]
    fighter = entry(srd, "5.2", "class", "fighter").data
    assert fighter["hit_die"] == 10 and fighter["subclasses"] == ["Champion"]
    dwarf = entry(srd, "5.1", "race", "dwarf").data
    assert dwarf["ability_bonuses"] == {"con": 2} and dwarf["subraces"] == ["Hill Dwarf"]
    assert entry(srd, "5.2", "race", "dwarf").data["speed"] == "30 feet"
    for edition in ("5.1", "5.2"):
        blinded = entry(srd, edition, "condition", "blinded")
        assert "see" in blinded.data["description"]
