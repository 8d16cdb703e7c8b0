"""pf2e NPCs keep level, AC, HP and strikes; their text loses pf2e's enrichers."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from foundry_convert_helpers import assert_all_valid, convert, entry, file_doc, stats

from storyai.core.importers.foundry.documents import FoundryDoc

CREATURES = sorted(
    p.name
    for p in (
        Path(__file__).resolve().parents[2].parent / "shared" / "srd_data" / "other" / "pf2e"
    ).glob("*.json")
)


@pytest.mark.parametrize("name", CREATURES)
def test_every_pf2e_creature_converts(srd_data, name):
    path = srd_data / "other" / "pf2e" / name
    raw = json.loads(path.read_text(encoding="utf-8"))
    plan = convert([file_doc(path, pack="pf2e.pathfinder-monster-core")], system_id="pf2e")
    block = stats(plan, raw["name"])
    system = raw["system"]
    assert block.level == max(1, system["details"]["level"]["value"])
    assert block.ac == system["attributes"]["ac"]["value"]
    assert block.hp == system["attributes"]["hp"]["max"]
    strikes = [i for i in raw["items"] if i["type"] == "melee"]
    assert [a.name for a in block.attacks] == [s["name"] for s in strikes]
    for attack, strike in zip(block.attacks, strikes, strict=True):
        assert attack.to_hit == strike["system"]["bonus"]["value"]
    data = entry(plan, raw["name"]).data
    text = json.dumps({k: v for k, v in data.items() if k != "source"})
    for leftover in ("@Check[", "@Damage[", "@UUID[", "@Localize[", "<p>", "[["):
        assert leftover not in text
    assert "ORC license" in data["description"]
    assert_all_valid(plan)


def test_a_strike_and_the_actions_read_as_the_book_does(srd_data):
    plan = convert(
        [
            file_doc(srd_data / "other/pf2e/boar.json"),
            file_doc(srd_data / "other/pf2e/army-ant-swarm.json"),
        ],
        system_id="pf2e",
    )
    boar = stats(plan, "Boar")
    tusk = boar.attacks[0]
    assert (tusk.name, tusk.to_hit, tusk.damage, tusk.damage_type) == (
        "Tusk",
        10,
        "2d6+4",
        "piercing",
    )
    assert boar.saves == {"con": 10, "dex": 5, "wis": 8}
    assert boar.skills["perception"] == 8
    assert boar.abilities.str == 18  # modifier +4
    ants = entry(plan, "Army Ant Swarm").data
    assert "3d6 piercing damage (DC 21 basic Fortitude save)" in ants["description"]
    swarm = stats(plan, "Army Ant Swarm")
    assert swarm.attacks == []  # a swarm has no strikes; its actions are in the text
    assert "slashing" in swarm.resistances and "area-damage" in swarm.vulnerabilities


def test_low_level_and_swimming_creatures_fit_the_stat_block(srd_data):
    plan = convert(
        [
            file_doc(srd_data / "other/pf2e/eagle.json"),
            file_doc(srd_data / "other/pf2e/bottlenose-dolphin.json"),
        ],
        system_id="pf2e",
    )
    assert stats(plan, "Eagle").level == 1  # level -1 clamps to 1
    assert stats(plan, "Bottlenose Dolphin").speed == 60  # swim speed when it has no land speed


def test_a_pf2e_character_is_summarised_and_named_in_a_warning():
    hero = {
        "_id": "pf2eHeroActor001",
        "name": "Valeros",
        "type": "character",
        "system": {"details": {"level": {"value": 3}}, "abilities": {"str": {"mod": 4}}},
        "items": [
            {"name": "Human", "type": "ancestry", "system": {}},
            {"name": "Fighter", "type": "class", "system": {}},
        ],
    }
    plan = convert([FoundryDoc("Actor", hero, "actors.db:1")], system_id="pf2e")
    data = entry(plan, "Valeros").data
    assert data["description"].startswith("Level 3 character (Human, Fighter).")
    assert "stats" not in data
    assert any("Valeros" in w for w in plan.warnings)
    assert_all_valid(plan)
