"""Sheets: built from world content, immutable, and stable as JSON."""

from __future__ import annotations

import pytest
from pydantic import ValidationError
from rules_worlds import D20_SCORES, PERCENTILE_SCORES, make_world

from storyai.core.domain.dice import ScriptedDice
from storyai.core.domain.errors import RuleError
from storyai.core.domain.sheet import (
    Sheet,
    ability_modifier,
    has_property,
    new_player_sheet,
    proficiency_for_level,
    sheet_from_stat_block,
    tag,
)
from storyai.core.domain.world import Character, World


def test_d20_player_from_archetype(hero: Sheet) -> None:
    assert hero.abilities == {"str": 17, "dex": 14, "con": 14, "int": 10, "wis": 12, "cha": 8}
    assert (hero.hp, hero.max_hp, hero.hit_die, hero.hit_dice) == (12, 12, 10, 1)
    assert hero.proficiency_bonus == 2
    assert hero.skill_proficiencies == {"athletics", "perception"}
    assert hero.save_proficiencies == {"str", "con"}
    assert hero.inventory == {"longsword": 1, "chain_mail": 1, "shield": 1, "torch": 2}
    assert (hero.equipped.weapon, hero.equipped.armor, hero.equipped.shield) == (
        "longsword",
        "chain_mail",
        "shield",
    )
    assert (hero.ac, hero.natural_ac, hero.gold) == (18, 12, 15)


def test_starting_level_from_world_options() -> None:
    world = make_world("d20", rules={"system": "d20", "options": {"starting_level": 5}})
    sheet = new_player_sheet("Vet", "fighter", world, D20_SCORES)
    assert (sheet.level, sheet.xp, sheet.proficiency_bonus) == (5, 6500, 3)
    assert sheet.max_hp == (10 + 2) + 4 * (6 + 2)


def test_scores_can_be_rolled(d20_world: World) -> None:
    faces = [6, 6, 6, 1] * 6  # 18 in every ability
    sheet = new_player_sheet("Lucky", "fighter", d20_world, dice=ScriptedDice(faces))
    assert sheet.abilities["int"] == 18 and sheet.abilities["str"] == 20


def test_bad_player_input_is_refused(d20_world: World) -> None:
    with pytest.raises(RuleError, match="no archetype called 'wizard'"):
        new_player_sheet("A", "wizard", d20_world, D20_SCORES)
    with pytest.raises(RuleError, match="missing"):
        new_player_sheet("A", "fighter", d20_world, {"str": 10})
    with pytest.raises(RuleError, match="between 3 and 18"):
        new_player_sheet("A", "fighter", d20_world, {**D20_SCORES, "cha": 25})
    with pytest.raises(RuleError, match="needs a name"):
        new_player_sheet("  ", "fighter", d20_world, D20_SCORES)


def test_two_handed_starting_weapon_leaves_the_shield(d20_world: World) -> None:
    world = d20_world.model_copy(
        update={
            "archetypes": {
                "barbarian": d20_world.archetypes["fighter"].model_copy(
                    update={"starting_items": ["greataxe", "longsword", "shield", "leather"]}
                )
            }
        }
    )
    sheet = new_player_sheet("Grog", "barbarian", world, D20_SCORES)
    assert sheet.equipped.weapon == "greataxe"
    assert sheet.equipped.shield is None
    assert sheet.ac == 11 + 2


def test_percentile_player(investigator: Sheet) -> None:
    assert investigator.hp == (55 + 65) // 10
    assert investigator.skills["fighting"] == 60
    assert investigator.skills["dodge"] == 40  # the archetype beats DEX / 2
    assert investigator.skills["own_language"] == 75
    assert investigator.sanity is None  # sanity is off in this world


def test_percentile_sanity_when_the_world_uses_it() -> None:
    world = make_world("percentile", rules={"system": "percentile", "options": {"sanity": True}})
    assert new_player_sheet("Ada", "fighter", world, PERCENTILE_SCORES).sanity == 60


def test_creature_from_stat_block(goblin: Sheet) -> None:
    assert (goblin.kind, goblin.hp, goblin.ac, goblin.xp_value) == ("creature", 7, 15, 50)
    assert [a.name for a in goblin.attacks] == ["Scimitar", "Shortbow"]
    assert goblin.attacks[1].ranged and not goblin.attacks[0].ranged
    assert goblin.resistances == {"fire"} and goblin.tactics == "cowardly"


def test_percentile_creature(cultist: Sheet) -> None:
    assert (cultist.hp, cultist.armor, cultist.attacks[0].skill) == (10, 1, 40)


def test_a_character_without_stats_cannot_fight() -> None:
    with pytest.raises(RuleError, match="no stat block"):
        sheet_from_stat_block("tam", Character(name="Old Tam"), "d20")


def test_sheets_are_frozen(hero: Sheet) -> None:
    with pytest.raises(ValidationError):
        hero.hp = 1  # type: ignore[misc]
    with pytest.raises(ValidationError):
        Sheet.model_validate({**hero.model_dump(), "mana": 3})


def test_json_round_trip_is_exact_and_sorted(hero: Sheet) -> None:
    text = hero.model_dump_json()
    assert Sheet.model_validate_json(text) == hero
    assert '"save_proficiencies":["con","str"]' in text


@pytest.mark.parametrize(("score", "mod"), [(1, -5), (7, -2), (10, 0), (11, 0), (14, 2), (30, 10)])
def test_ability_modifier(score: int, mod: int) -> None:
    assert ability_modifier(score) == mod


@pytest.mark.parametrize(("level", "bonus"), [(1, 2), (4, 2), (5, 3), (9, 4), (13, 5), (17, 6)])
def test_proficiency_by_level(level: int, bonus: int) -> None:
    assert proficiency_for_level(level) == bonus


def test_property_spellings_are_equivalent() -> None:
    world = make_world("d20")
    item = world.items["greataxe"].model_copy(update={"properties": ["Two Handed", "HEAVY"]})
    assert has_property(item, "two-handed") and has_property(item, "heavy")
    assert tag(" Sleight-of  Hand ") == "sleight_of_hand"
