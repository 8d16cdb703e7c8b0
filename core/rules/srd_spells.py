"""A small table of SRD 5.1 spells the engine knows without any world defining them.

Numbers follow the System Reference Document 5.1 (CC-BY-4.0, Wizards of the
Coast); the wording is our own. A world's own ``spells:`` section adds spells
and overrides these by id. Only what bundled worlds and common imported casters
(the lich, the priest, the mage) need is here; anything else a world defines.
"""

from __future__ import annotations

from typing import Any

from storyai.core.domain.spells import Spell

_TABLE: dict[str, dict[str, Any]] = {
    # ------------------------------------------------------------ cantrips
    "fire_bolt": {
        "name": "Fire Bolt", "school": "evocation", "range": "120 feet",
        "attack": "ranged", "damage": "1d10", "damage_type": "fire",
        "description": "A mote of fire hurled at a creature.",
    },
    "ray_of_frost": {
        "name": "Ray of Frost", "school": "evocation", "range": "60 feet",
        "attack": "ranged", "damage": "1d8", "damage_type": "cold",
        "description": "A frigid beam; the target's speed drops by 10 feet until your next turn.",
    },
    "shocking_grasp": {
        "name": "Shocking Grasp", "school": "evocation", "range": "touch",
        "attack": "melee", "damage": "1d8", "damage_type": "lightning",
        "description": "Lightning leaps from your hand to a creature you touch.",
    },
    "sacred_flame": {
        "name": "Sacred Flame", "school": "evocation", "range": "60 feet",
        "save": "dex", "damage": "1d8", "damage_type": "radiant",
        "description": "Flame-like radiance descends on a creature; cover does not help.",
    },
    "poison_spray": {
        "name": "Poison Spray", "school": "conjuration", "range": "10 feet",
        "save": "con", "damage": "1d12", "damage_type": "poison",
        "description": "A puff of noxious gas from your palm.",
    },
    "mage_hand": {
        "name": "Mage Hand", "school": "conjuration", "range": "30 feet", "duration": "1 minute",
        "affects": "object",
        "description": "A spectral, floating hand that can lift, push or pull up to 10 pounds.",
    },
    "light": {
        "name": "Light", "school": "evocation", "range": "touch", "duration": "1 hour",
        "affects": "object",
        "description": "An object you touch sheds bright light in a 20-foot radius.",
    },
    "prestidigitation": {
        "name": "Prestidigitation", "school": "transmutation", "range": "10 feet",
        "duration": "up to 1 hour", "affects": "object",
        "description": "A minor trick: a spark, a smell, a cleaned cloak, a warmed cup.",
    },
    "thaumaturgy": {
        "name": "Thaumaturgy", "school": "transmutation", "range": "30 feet",
        "duration": "up to 1 minute", "affects": "object",
        "description": "A small wonder: a booming voice, flickering flames, trembling ground.",
    },
    # ------------------------------------------------------------- 1st level
    "magic_missile": {
        "name": "Magic Missile", "level": 1, "school": "evocation", "range": "120 feet",
        "damage": "3d4+3", "damage_type": "force", "upcast": "1d4+1",
        "description": "Three glowing darts that always strike (1d4+1 each; one more dart "
        "per slot level above 1st).",
    },
    "sleep": {
        "name": "Sleep", "level": 1, "school": "enchantment", "range": "90 feet",
        "duration": "1 minute", "area": "20-foot radius", "targets": 20,
        "hp_pool": "5d8", "upcast": "2d8", "conditions": ["unconscious"],
        "unaffected": ["undead"],
        "description": "Creatures fall asleep, the weakest first, until 5d8 hit points' worth "
        "are sleeping. Damage wakes a sleeper.",
    },
    "burning_hands": {
        "name": "Burning Hands", "level": 1, "school": "evocation", "range": "self",
        "area": "15-foot cone", "targets": 20, "save": "dex", "half_on_save": True,
        "damage": "3d6", "damage_type": "fire", "upcast": "1d6",
        "description": "A thin sheet of flames from your fingertips.",
    },
    "thunderwave": {
        "name": "Thunderwave", "level": 1, "school": "evocation", "range": "self",
        "area": "15-foot cube", "targets": 20, "save": "con", "half_on_save": True,
        "damage": "2d8", "damage_type": "thunder", "upcast": "1d8",
        "description": "A wave of thunderous force sweeps out from you.",
    },
    "guiding_bolt": {
        "name": "Guiding Bolt", "level": 1, "school": "evocation", "range": "120 feet",
        "attack": "ranged", "damage": "4d6", "damage_type": "radiant", "upcast": "1d6",
        "description": "A flash of light streaks toward a creature.",
    },
    "cure_wounds": {
        "name": "Cure Wounds", "level": 1, "school": "evocation", "range": "touch",
        "affects": "ally", "heal": "1d8", "add_modifier": True, "upcast": "1d8",
        "description": "A creature you touch regains hit points.",
    },
    "healing_word": {
        "name": "Healing Word", "level": 1, "school": "evocation", "range": "60 feet",
        "casting_time": "1 bonus action", "affects": "ally", "heal": "1d4",
        "add_modifier": True, "upcast": "1d4",
        "description": "A word of power mends a creature you can see.",
    },
    # ------------------------------------------------------------ 2nd level
    "hold_person": {
        "name": "Hold Person", "level": 2, "school": "enchantment", "range": "60 feet",
        "duration": "up to 1 minute", "concentration": True, "save": "wis",
        "conditions": ["paralyzed"], "upcast_targets": 1,
        "description": "A humanoid is paralyzed while you hold your concentration.",
    },
    "acid_arrow": {
        "name": "Acid Arrow", "level": 2, "school": "evocation", "range": "90 feet",
        "attack": "ranged", "damage": "4d4", "damage_type": "acid", "upcast": "1d4",
        "description": "A shimmering green arrow bursts in a spray of acid.",
    },
    "scorching_ray": {
        "name": "Scorching Ray", "level": 2, "school": "evocation", "range": "120 feet",
        "attack": "ranged", "damage": "6d6", "damage_type": "fire", "upcast": "2d6",
        "description": "Three rays of fire (2d6 each), all at one target here.",
    },
    # ------------------------------------------------------------ 3rd level
    "fireball": {
        "name": "Fireball", "level": 3, "school": "evocation", "range": "150 feet",
        "area": "20-foot radius", "targets": 20, "save": "dex", "half_on_save": True,
        "damage": "8d6", "damage_type": "fire", "upcast": "1d6",
        "description": "A bright streak blossoms into an explosion of flame.",
    },
    "lightning_bolt": {
        "name": "Lightning Bolt", "level": 3, "school": "evocation", "range": "self",
        "area": "100-foot line", "targets": 20, "save": "dex", "half_on_save": True,
        "damage": "8d6", "damage_type": "lightning", "upcast": "1d6",
        "description": "A stroke of lightning a hundred feet long.",
    },
    # ------------------------------------------------------------ 4th-9th
    "blight": {
        "name": "Blight", "level": 4, "school": "necromancy", "range": "30 feet",
        "save": "con", "half_on_save": True, "damage": "8d8", "damage_type": "necrotic",
        "upcast": "1d8",
        "description": "Necromantic energy drains moisture and vitality from a creature.",
    },
    "cone_of_cold": {
        "name": "Cone of Cold", "level": 5, "school": "evocation", "range": "self",
        "area": "60-foot cone", "targets": 20, "save": "con", "half_on_save": True,
        "damage": "8d8", "damage_type": "cold", "upcast": "1d8",
        "description": "A blast of cold air.",
    },
    "disintegrate": {
        "name": "Disintegrate", "level": 6, "school": "transmutation", "range": "60 feet",
        "save": "dex", "damage": "10d6+40", "damage_type": "force", "upcast": "3d6",
        "description": "A thin green ray; a creature reduced to 0 hit points is dust.",
    },
    "finger_of_death": {
        "name": "Finger of Death", "level": 7, "school": "necromancy", "range": "60 feet",
        "save": "con", "half_on_save": True, "damage": "7d8+30", "damage_type": "necrotic",
        "description": "Negative energy tears through a creature.",
    },
}  # fmt: skip

SRD_SPELLS: dict[str, Spell] = {key: Spell.model_validate(value) for key, value in _TABLE.items()}
"""The built-in spells by id."""
