"""Item documents become world items; spells, features and classes become lore."""

from __future__ import annotations

from pathlib import Path

import pytest
from foundry_convert_helpers import assert_all_valid, convert, entry, file_doc, nedb_docs

from storyai.core.importers.foundry.documents import FoundryDoc

V5 = "dnd5e-5.3.3-source-yaml"


@pytest.fixture(scope="module")
def items_plan(foundry_fixtures: Path):
    root = foundry_fixtures / V5
    paths = [*sorted((root / "items").glob("*.yml")), *sorted((root / "spells").glob("*.yml"))]
    paths += sorted((root / "features").glob("*.yml"))
    return convert([file_doc(p, "Item", pack="dnd5e.items") for p in paths], system_id="dnd5e")


def test_physical_items_get_their_kind_price_weight_and_numbers(items_plan):
    kinds = {e.data["name"]: e.data["kind"] for e in items_plan.entries if e.section == "items"}
    assert kinds == {
        "Backpack": "container",
        "Bedroll": "treasure",
        "Canvas": "treasure",
        "Chain Mail": "armor",
        "Leather Armor": "armor",
        "Longsword": "weapon",
        "Potion of Healing": "consumable",
        "Thieves' Tools": "tool",
    }
    sword = entry(items_plan, "Longsword").data
    assert (sword["damage"], sword["damage_type"], sword["properties"]) == (
        "1d8",
        "slashing",
        ["versatile"],
    )
    assert (sword["value"], sword["weight"]) == (15, 3)
    assert entry(items_plan, "Chain Mail").data["armor_class"] == 16
    assert entry(items_plan, "Canvas").data["value"] == 0  # 1 sp rounds down to 0 gp
    potion = entry(items_plan, "Potion of Healing").data
    assert potion["effects"] == [{"type": "heal", "amount": "2d4+2"}]
    assert potion["consumed_on_use"] is True
    assert_all_valid(items_plan)


def test_spells_and_features_become_lore_for_the_narrator(items_plan):
    fireball = entry(items_plan, "Fireball", "lore")
    assert fireball.kind == "spell"
    assert {"spell", "level_3", "evocation"} <= set(fireball.data["tags"])
    assert fireball.data["keywords"] == ["fireball"]
    text = fireball.data["text"]
    assert text.startswith("Level 3 evocation spell.")
    assert "Range: 150 feet" in text and "8d6 fire (Dexterity save)" in text
    assert "bat guano" in text
    shield = entry(items_plan, "Shield", "lore").data["text"]
    assert "no damage from magic missile" in shield  # @UUID[...]{magic missile}
    tactics = entry(items_plan, "Pack Tactics", "lore").data["text"]
    assert "the monster has **advantage**" in tactics  # [[lookup @name]]{monster}
    assert entry(items_plan, "Rage", "lore").kind == "feat"


def test_3_3_1_and_5_3_3_weapons_agree(foundry_fixtures):
    old = file_doc(foundry_fixtures / "dnd5e-3.3.1-source-json/items/longsword.json", "Item")
    new = file_doc(foundry_fixtures / V5 / "items/longsword.yml", "Item")
    plan = convert([old, new], system_id="dnd5e")
    first, second = (e.data for e in plan.entries)
    keys = ("kind", "damage", "damage_type", "properties", "value", "weight")
    assert {k: first[k] for k in keys} == {k: second[k] for k in keys}
    assert [e.id for e in plan.entries] == ["longsword", "longsword_2"]


def test_2_4_1_trade_goods_are_treasure_priced_in_gold(foundry_fixtures):
    docs = nedb_docs(foundry_fixtures / "dnd5e-2.4.1-nedb/tradegoods.db", "Item", "tradegoods")
    plan = convert(docs, system_id="dnd5e")
    assert len(plan.entries) == 23
    assert {e.data["kind"] for e in plan.entries} == {"treasure"}
    assert entry(plan, "Platinum").data["value"] == 500
    assert entry(plan, "Flour").data["value"] == 0  # 2 cp
    assert_all_valid(plan)


def test_shields_and_prices_in_other_coins():
    shield = {
        "_id": "shieldItem000001",
        "name": "Tower Shield",
        "type": "equipment",
        "system": {
            "type": {"value": "shield"},
            "armor": {"value": 2},
            "price": {"value": 30, "denomination": "pp"},
            "weight": {"value": 6, "units": "lb"},
        },
    }
    plan = convert([FoundryDoc("Item", shield, "items.db:1")], system_id="dnd5e")
    data = entry(plan, "Tower Shield").data
    assert (data["kind"], data["ac_bonus"], data["value"]) == ("shield", 2, 300)


def _twodsix_skill(name: str, value: int, text: str = "") -> dict:
    return {  # synthetic, shaped like twodsix's template.json "skills" item
        "_id": f"{name[:6].lower():0<16}",
        "name": name,
        "type": "skills",
        "system": {
            "value": value,
            "characteristic": "DEX",
            "difficulty": "Average",
            "description": text,
            "shortdescr": f"Short: {name}.",
        },
    }


def test_twodsix_skills_are_rules_text_not_misc_items() -> None:
    from foundry_convert_helpers import convert, entry

    from storyai.core.importers.foundry.documents import FoundryDoc

    docs = [
        FoundryDoc("Item", _twodsix_skill("Pilot", -3, "<p>Fly small craft.</p>"), "skills.db:1"),
        FoundryDoc("Item", _twodsix_skill("Gun Combat", -3), "skills.db:2"),
    ]
    plan = convert(docs, system_id="twodsix")
    assert [e.section for e in plan.entries] == ["lore", "lore"]
    pilot = entry(plan, "Pilot", "lore")
    assert pilot.kind == "skill" and "skill" in pilot.data["tags"]
    assert (
        pilot.data["text"] == "Skill (characteristic DEX, difficulty Average).\n\nFly small craft."
    )
    assert "Short: Gun Combat." in entry(plan, "Gun Combat", "lore").data["text"]
    assert plan.counts() == {("lore", "skill"): 2}


def test_a_twodsix_travellers_skills_are_a_line_of_levels() -> None:
    from foundry_convert_helpers import convert, entry

    from storyai.core.importers.foundry.documents import FoundryDoc

    traveller = {
        "_id": "traveller0000001",
        "name": "Marc Hasslett",
        "type": "traveller",
        "system": {"hits": {"value": 21, "max": 21}},
        "items": [_twodsix_skill("Pilot", 2, "<p>Fly.</p>"), _twodsix_skill("Admin", 0)],
    }
    plan = convert([FoundryDoc("Actor", traveller, "travellers.db:1")], system_id="twodsix")
    description = entry(plan, "Marc Hasslett").data["description"]
    assert "Skills: Pilot 2, Admin 0." in description
    assert "Fly." not in description
