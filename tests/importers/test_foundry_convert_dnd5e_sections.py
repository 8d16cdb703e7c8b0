"""dnd5e details found in held-out data: legendary weapons, custom languages, natural
weapons a character carries. The actors are synthetic, written for these tests."""

from __future__ import annotations

import re
from typing import Any

import pytest
from foundry_convert_helpers import assert_all_valid, convert, entry, stats

from storyai.core.importers.foundry.documents import FoundryDoc


def weapon(name: str, activation: str, text: str, *, style: str = "5.x") -> dict[str, Any]:
    system: dict[str, Any] = {
        "description": {"value": f"<p>{text}</p>"},
        "type": {"value": "natural"},
        "damage": {"base": {"number": 2, "denomination": 8, "types": ["bludgeoning"]}},
    }
    if style == "5.x":
        system["activities"] = {
            "a1": {"type": "attack", "activation": {"type": activation}, "attack": {}}
        }
    else:  # 3.x keeps the activation on the item
        system |= {
            "activation": {"type": activation, "cost": 1},
            "actionType": "mwak",
            "damage": {"parts": [["2d8 + @mod", "bludgeoning"]]},
            "weaponType": "natural",
        }
        del system["type"]
    return {
        "_id": f"{name[:4].lower()}000000000000",
        "name": name,
        "type": "weapon",
        "system": system,
    }


def dragon(style: str) -> dict[str, Any]:
    return {
        "_id": "blackDragon00001",
        "name": "Adult Black Dragon",
        "type": "npc",
        "system": {
            "abilities": {"str": {"value": 23}, "dex": {"value": 14}},
            "attributes": {"ac": {"flat": 19, "calc": "natural"}, "hp": {"value": 195, "max": 195}},
            "details": {"cr": 14},
            "traits": {
                "languages": {"value": ["common", "draconic", "custom"], "custom": ""},
            },
        },
        "items": [
            weapon("Bite", "action", "Melee Weapon Attack: +11 to hit.", style=style),
            weapon("Tail", "legendary", "The dragon makes a tail attack.", style=style),
            weapon("Wing Attack", "legendary", "The dragon beats its wings.", style=style),
        ],
    }


def section(description: str, title: str) -> str:
    """The text of one ``## title`` section of a description."""
    found = re.search(rf"^#+ {title}\n(.*?)(?=^#+ |\Z)", description, re.S | re.M)
    assert found, f"no {title!r} section in:\n{description}"
    return found.group(1)


@pytest.mark.parametrize("style", ["5.x", "3.x"])
def test_legendary_weapons_are_listed_as_legendary_actions(style: str) -> None:
    plan = convert([FoundryDoc("Actor", dragon(style), "dragons.db:1")], system_id="dnd5e")
    description = entry(plan, "Adult Black Dragon").data["description"]
    actions = section(description, "Actions")
    legendary = section(description, "Legendary Actions")
    assert "Bite" in actions
    assert "Tail" not in actions and "Wing Attack" not in actions
    assert "Tail" in legendary and "The dragon beats its wings." in legendary
    assert_all_valid(plan)


def test_custom_languages_are_kept_and_the_custom_marker_is_not_a_language() -> None:
    raw = dragon("5.x")
    raw["system"]["traits"]["languages"] = {
        "value": ["common", "deep", "custom"],
        "custom": "Understands Infernal but can't speak; telepathy 60 ft.",
    }
    plan = convert([FoundryDoc("Actor", raw, "dragons.db:1")], system_id="dnd5e")
    description = entry(plan, "Adult Black Dragon").data["description"]
    assert (
        "Languages: Common, Deep Speech, Understands Infernal but can't speak, telepathy 60 ft."
        in description
    )
    assert "custom" not in description.lower()


def hero_with_fists() -> dict[str, Any]:
    fists = weapon("Unarmed Strike", "action", "You punch.")
    sword = weapon("Longsword", "action", "A fine blade.")
    sword["system"]["type"] = {"value": "martialM"}
    return {
        "_id": "monkHero00000001",
        "name": "Perrin",
        "type": "character",
        "system": {
            "abilities": {"str": {"value": 10}, "dex": {"value": 16}},
            "attributes": {"ac": {"flat": 15, "calc": "flat"}, "hp": {"value": 20, "max": 20}},
            "details": {"level": 3},
        },
        "items": [fists, sword],
    }


def test_a_characters_natural_weapon_is_reported_never_dropped_silently() -> None:
    plan = convert([FoundryDoc("Actor", hero_with_fists(), "heroes.db:1")], system_id="dnd5e")
    hero = entry(plan, "Perrin").data
    carried = [entry(plan, "Longsword", "items").id]
    assert hero["inventory"] == carried
    assert "Unarmed Strike" in [a.name for a in stats(plan, "Perrin").attacks]
    skipped = [s for s in plan.skipped if "Unarmed Strike" in s.origin]
    assert [s.reason for s in skipped] == [
        "a natural weapon, not gear to carry: it is an attack in the stat block"
    ]
    # Every weapon the character had is accounted for: carried, or skipped with a reason.
    weapons = len(hero_with_fists()["items"])
    assert len(carried) + len(skipped) == weapons
