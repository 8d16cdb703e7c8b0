"""Small worlds for the rules tests (a module with a unique name, so tests can import it)."""

from __future__ import annotations

from typing import Any

from storyai.core.domain.world import World

ITEMS: dict[str, Any] = {
    "longsword": {
        "name": "Longsword",
        "kind": "weapon",
        "damage": "1d8",
        "damage_type": "slashing",
        "weight": 3,
    },
    "rapier": {
        "name": "Rapier",
        "kind": "weapon",
        "damage": "1d8",
        "damage_type": "piercing",
        "properties": ["finesse"],
        "weight": 2,
    },
    "shortbow": {
        "name": "Shortbow",
        "kind": "weapon",
        "damage": "1d6",
        "damage_type": "piercing",
        "properties": ["ranged", "two-handed"],
        "weight": 2,
    },
    "greataxe": {
        "name": "Greataxe",
        "kind": "weapon",
        "damage": "1d12",
        "damage_type": "slashing",
        "properties": ["heavy", "two-handed"],
        "weight": 7,
    },
    "dagger": {
        "name": "Dagger",
        "kind": "weapon",
        "damage": "1d4",
        "damage_type": "piercing",
        "properties": ["finesse"],
        "weight": 1,
    },
    "chain_mail": {
        "name": "Chain Mail",
        "kind": "armor",
        "armor_class": 16,
        "properties": ["heavy"],
        "weight": 55,
    },
    "leather": {"name": "Leather Armor", "kind": "armor", "armor_class": 11, "weight": 10},
    "shield": {"name": "Shield", "kind": "shield", "ac_bonus": 2, "weight": 6},
    "torch": {"name": "Torch", "kind": "tool", "weight": 1},
    "anvil": {"name": "Anvil", "kind": "misc", "weight": 300},
    "statue": {"name": "Statue", "kind": "misc", "weight": 50, "portable": False},
    "feather": {"name": "Feather", "kind": "misc", "weight": 0},
}


def make_world(system: str, **sections: Any) -> World:
    data: dict[str, Any] = {
        "world": {"id": "testland", "title": "Testland"},
        "rules": {"system": system},
        "start": {"location": "yard", "text": "You stand in a yard."},
        "locations": {"yard": {"name": "Yard", "description": "A yard."}},
        "items": ITEMS,
        "archetypes": {
            "fighter": {
                "name": "Fighter",
                "stats": (
                    {
                        "hit_die": 10,
                        "ability_bonus": {"str": 2, "con": 1},
                        "saves": ["str", "con"],
                        "skills": ["athletics", "perception"],
                    }
                    if system == "d20"
                    else {"skills": {"fighting": 60, "dodge": 40}, "hp": None}
                ),
                "starting_items": ["longsword", "chain_mail", "shield", "torch", "torch"],
                "starting_gold": 15,
            },
        },
        "characters": {
            "goblin": {
                "name": "Goblin",
                "kind": "creature",
                "stats": (
                    {
                        "abilities": {"str": 8, "dex": 14, "con": 10},
                        "ac": 15,
                        "hp": 7,
                        "xp": 50,
                        "attacks": [
                            {
                                "name": "Scimitar",
                                "to_hit": 4,
                                "damage": "1d6+2",
                                "damage_type": "slashing",
                            },
                            {
                                "name": "Shortbow",
                                "to_hit": 4,
                                "damage": "1d6+2",
                                "damage_type": "piercing",
                                "range": "80/320",
                            },
                        ],
                        "resistances": ["fire"],
                        "vulnerabilities": ["radiant"],
                        "immunities": ["poison"],
                        "condition_immunities": ["charmed"],
                        "tactics": "cowardly",
                    }
                    if system == "d20"
                    else {
                        "characteristics": {"str": 40, "con": 50, "siz": 40, "dex": 70},
                        "hp": 10,
                        "armor": 1,
                        "skills": {"dodge": 35},
                        "attacks": [{"name": "Knife", "skill": 40, "damage": "1d4"}],
                    }
                ),
            },
        },
    }
    if system == "percentile":
        # Percentile armor counts points soaked, not armor class.
        data["items"] = {
            **ITEMS,
            "chain_mail": {**ITEMS["chain_mail"], "armor_class": 5},
            "leather": {**ITEMS["leather"], "armor_class": 1},
        }
    data.update(sections)
    return World.model_validate(data)


D20_SCORES = {"str": 15, "dex": 14, "con": 13, "int": 10, "wis": 12, "cha": 8}
PERCENTILE_SCORES = {
    "str": 60,
    "con": 55,
    "siz": 65,
    "dex": 50,
    "app": 45,
    "int": 70,
    "pow": 60,
    "edu": 75,
}
