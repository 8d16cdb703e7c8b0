"""The d20 system, one rule at a time, with the dice scripted.

The hero fixture: STR 17 (+3), DEX 14 (+2), CON 14 (+2), proficiency +2,
proficient in Athletics, Perception and STR/CON saves; longsword, chain mail
and shield (AC 18); 12 HP; one d10 hit die. The goblin: AC 15, 7 HP, resists
fire, vulnerable to radiant, immune to poison.
"""

from __future__ import annotations

import pytest
from rules_worlds import D20_SCORES

from storyai.core.domain.dice import ScriptedDice
from storyai.core.domain.errors import RuleError
from storyai.core.domain.sheet import XP_THRESHOLDS, Sheet, level_for_xp, new_player_sheet
from storyai.core.domain.world import D20Options, World
from storyai.core.rules.base import Advantage
from storyai.core.rules.d20 import D20System, double_dice

# ----------------------------------------------------------------- checks


def test_skill_check_adds_ability_and_proficiency(d20: D20System, hero: Sheet) -> None:
    result = d20.check(hero, "athletics", 15, ScriptedDice([10]))
    assert result.roll.breakdown == "1d20 (10) + 5 = 15"
    assert (result.success, result.degree, result.margin) == (True, "success", 0)
    expected = "Aria makes an Athletics check: 1d20 (10) + 5 = 15 vs DC 15 — success by 0."
    assert result.text == expected


def test_unproficient_skill_uses_the_ability_alone(d20: D20System, hero: Sheet) -> None:
    assert d20.check(hero, "Stealth", 10, ScriptedDice([9])).roll.total == 11
    assert d20.check(hero, "climb", 10, ScriptedDice([9])).skill == "Athletics check"


def test_unknown_skill_is_refused(d20: D20System, hero: Sheet) -> None:
    with pytest.raises(RuleError, match="isn't a skill"):
        d20.check(hero, "basket weaving", 10, ScriptedDice([]))


def test_difficulty_words(d20: D20System) -> None:
    assert d20.dc("hard") == 20
    assert d20.dc("Very Easy") == 5
    assert d20.dc("DC 12") == 12
    assert d20.dc(None) == 15
    with pytest.raises(RuleError):
        d20.dc("trivial-ish")


def test_advantage_keeps_the_higher_die(d20: D20System, hero: Sheet) -> None:
    result = d20.check(hero, "str", 10, ScriptedDice([7, 14]), advantage=Advantage.ADVANTAGE)
    assert result.roll.natural == 14
    assert result.roll.total == 14 + 3
    assert result.advantage is Advantage.ADVANTAGE


def test_disadvantage_keeps_the_lower_die(d20: D20System, hero: Sheet) -> None:
    result = d20.check(hero, "str", 11, ScriptedDice([7, 14]), advantage=Advantage.DISADVANTAGE)
    assert result.roll.natural == 7
    assert result.roll.total == 7 + 3
    assert not result.success


def test_poisoned_gives_disadvantage_and_cancels_advantage(d20: D20System, hero: Sheet) -> None:
    poisoned = d20.add_condition(hero, "poisoned")
    assert d20.check(poisoned, "str", 10, ScriptedDice([15, 4])).roll.natural == 4
    # advantage and disadvantage cancel: one die is rolled
    dice = ScriptedDice([15, 4])
    result = d20.check(poisoned, "str", 10, dice, advantage=Advantage.ADVANTAGE)
    assert (result.roll.natural, dice.remaining) == (15, (4,))


def test_saving_throws_use_save_proficiency(d20: D20System, hero: Sheet) -> None:
    assert d20.check(hero, "str_save", 10, ScriptedDice([10])).roll.total == 15
    assert d20.check(hero, "Dexterity save", 10, ScriptedDice([10])).roll.total == 12
    assert d20.saving_throw(hero, "con", 10, ScriptedDice([10])).roll.total == 14


def test_paralysed_fails_dex_saves_without_rolling(d20: D20System, hero: Sheet) -> None:
    result = d20.check(d20.add_condition(hero, "paralyzed"), "dex save", 5, ScriptedDice([]))
    assert not result.success
    assert "automatic failure" in result.text


def test_stat_block_skill_bonus_is_used_as_written(d20: D20System, goblin: Sheet) -> None:
    sneaky = goblin.model_copy(update={"skills": {"stealth": 6}})
    assert d20.check(sneaky, "stealth", 10, ScriptedDice([5])).roll.total == 11


def test_natural_20_and_1_are_marked(d20: D20System, hero: Sheet) -> None:
    assert d20.check(hero, "str", 10, ScriptedDice([20])).degree == "critical_success"
    assert d20.check(hero, "str", 10, ScriptedDice([1])).degree == "critical_failure"


# ---------------------------------------------------------------- attacks


def test_attack_hits_at_ac_and_rolls_typed_damage(
    d20: D20System, hero: Sheet, goblin: Sheet, d20_world: World
) -> None:
    result = d20.attack(hero, goblin, None, ScriptedDice([10, 3]), d20_world)
    assert result.hit and not result.critical
    assert result.roll.total == 15
    assert result.damage_roll is not None and result.damage_roll.breakdown == "1d8 (3) + 3 = 6"
    assert (result.damage, result.damage_type) == (6, "slashing")
    assert result.defender.hp == 1
    assert goblin.hp == 7  # the input sheet is untouched
    assert result.text.startswith("Aria attacks Goblin (Longsword): 1d20 (10) + 5 = 15 vs AC 15")


def test_attack_below_ac_misses(
    d20: D20System, hero: Sheet, goblin: Sheet, d20_world: World
) -> None:
    dice = ScriptedDice([9])
    result = d20.attack(hero, goblin, "longsword", dice, d20_world)
    assert not result.hit
    assert result.defender == goblin
    assert result.damage_roll is None


def test_natural_1_always_misses(
    d20: D20System, hero: Sheet, goblin: Sheet, d20_world: World
) -> None:
    easy = goblin.model_copy(update={"ac": 0})
    result = d20.attack(hero, easy, None, ScriptedDice([1]), d20_world)
    assert not result.hit and result.fumble


def test_natural_20_crits_and_doubles_the_dice(
    d20: D20System, hero: Sheet, goblin: Sheet, d20_world: World
) -> None:
    armored = goblin.model_copy(update={"ac": 30, "hp": 50, "max_hp": 50})
    result = d20.attack(hero, armored, None, ScriptedDice([20, 3, 5]), d20_world)
    assert result.hit and result.critical
    assert result.damage_roll is not None
    assert result.damage_roll.expression == "2d8+3"
    assert result.damage == 3 + 5 + 3
    assert "critical hit!" in result.text


def test_double_dice_doubles_dice_not_modifiers() -> None:
    assert double_dice("1d8+3") == "2d8+3"
    assert double_dice("2d6 [fire] + d4 - 1") == "4d6 [fire] + 2d4 - 1"
    assert double_dice("7") == "7"


def test_finesse_uses_the_better_of_str_and_dex(
    d20: D20System, d20_world: World, goblin: Sheet
) -> None:
    nimble = new_player_sheet(
        "Nim", "fighter", d20_world, {**D20_SCORES, "str": 6, "dex": 18}
    ).model_copy(update={"inventory": {"rapier": 1, "longsword": 1, "shortbow": 1}})
    # STR 8 (-1), DEX 18 (+4), proficiency +2
    assert d20.attack(nimble, goblin, "rapier", ScriptedDice([10, 1]), d20_world).roll.total == 16
    assert d20.attack(nimble, goblin, "longsword", ScriptedDice([10]), d20_world).roll.total == 11
    ranged = d20.attack(nimble, goblin, "shortbow", ScriptedDice([10, 1]), d20_world)
    assert ranged.roll.total == 16


def test_listed_attacks_are_used_by_name(
    d20: D20System, hero: Sheet, goblin: Sheet, d20_world: World
) -> None:
    result = d20.attack(goblin, hero, "shortbow", ScriptedDice([14, 4]), d20_world)
    assert result.attack == "Shortbow"
    assert result.roll.total == 18
    assert result.damage == 6 and result.damage_type == "piercing"


def test_unknown_or_uncarried_weapon_is_refused(
    d20: D20System, hero: Sheet, goblin: Sheet, d20_world: World
) -> None:
    with pytest.raises(RuleError, match="isn't carrying the Rapier"):
        d20.attack(hero, goblin, "rapier", ScriptedDice([10]), d20_world)
    with pytest.raises(RuleError, match="no weapon or attack called 'laser'"):
        d20.attack(hero, goblin, "laser", ScriptedDice([10]), d20_world)


def test_unarmed_strike(d20: D20System, hero: Sheet, goblin: Sheet, d20_world: World) -> None:
    result = d20.attack(hero, goblin, "fists", ScriptedDice([12]), d20_world)
    assert result.attack == "Unarmed strike"
    assert result.damage == 4  # 1 + STR modifier


def test_prone_defender_melee_advantage_ranged_disadvantage(
    d20: D20System, hero: Sheet, goblin: Sheet
) -> None:
    prone = d20.add_condition(hero, "prone")
    assert d20.attack_advantage(goblin, prone, ranged=False) is Advantage.ADVANTAGE
    assert d20.attack_advantage(goblin, prone, ranged=True) is Advantage.DISADVANTAGE
    assert (
        d20.attack_advantage(d20.add_condition(goblin, "poisoned"), hero, False) == "disadvantage"
    )


def test_the_fallen_cannot_attack_and_the_dead_cannot_be_attacked(
    d20: D20System, hero: Sheet, goblin: Sheet, d20_world: World
) -> None:
    down, _ = d20.apply_damage(hero, 12)
    with pytest.raises(RuleError, match="unconscious"):
        d20.attack(down, goblin, None, ScriptedDice([10]), d20_world)
    dead, _ = d20.apply_damage(goblin, 7)
    with pytest.raises(RuleError, match="already dead"):
        d20.attack(hero, dead, None, ScriptedDice([10]), d20_world)


# ----------------------------------------------------------------- damage


def test_resistance_halves_vulnerability_doubles_immunity_ignores(
    d20: D20System, goblin: Sheet
) -> None:
    big = goblin.model_copy(update={"hp": 40, "max_hp": 40})
    assert d20.apply_damage(big, 7, "fire")[0].hp == 40 - 3
    assert d20.apply_damage(big, 7, "Radiant")[0].hp == 40 - 14
    immune, notes = d20.apply_damage(big, 7, "poison")
    assert immune.hp == 40 and "immune" in notes[0]
    assert d20.apply_damage(big, 7, "slashing")[0].hp == 33


def test_temporary_hit_points_soak_first(d20: D20System, hero: Sheet) -> None:
    buffered = hero.model_copy(update={"temp_hp": 5})
    after, _ = d20.apply_damage(buffered, 8)
    assert (after.temp_hp, after.hp) == (0, 9)


def test_creatures_die_at_zero(d20: D20System, goblin: Sheet) -> None:
    dead, notes = d20.apply_damage(goblin, 7)
    assert dead.is_dead and dead.hp == 0
    assert notes == ("Goblin dies.",)


def test_player_at_zero_falls_unconscious_and_is_dying(d20: D20System, hero: Sheet) -> None:
    down, _ = d20.apply_damage(hero, 15)
    assert down.hp == 0
    assert {"unconscious", "prone"} <= down.conditions
    assert d20.is_dying(down) and not down.is_dead


def test_massive_damage_kills_outright(d20: D20System, hero: Sheet) -> None:
    # 12 HP; 12 left over after reaching 0 equals max HP
    dead, notes = d20.apply_damage(hero, 24)
    assert dead.is_dead
    assert "killed outright" in notes[0]
    assert not d20.apply_damage(hero, 23)[0].is_dead


def test_death_saves_three_successes_make_stable(d20: D20System, hero: Sheet) -> None:
    down, _ = d20.apply_damage(hero, 12)
    dice = ScriptedDice([10, 15, 19])
    for _ in range(3):
        down, result = d20.death_save(down, dice)
        assert result.success
    assert "stable" in down.conditions
    assert down.death_saves.successes == 0
    assert not d20.is_dying(down)
    with pytest.raises(RuleError, match="isn't dying"):
        d20.death_save(down, ScriptedDice([10]))


def test_death_saves_three_failures_kill(d20: D20System, hero: Sheet) -> None:
    down, _ = d20.apply_damage(hero, 12)
    down, _ = d20.death_save(down, ScriptedDice([9]))
    down, _ = d20.death_save(down, ScriptedDice([2]))
    assert down.death_saves.failures == 2 and not down.is_dead
    down, result = d20.death_save(down, ScriptedDice([5]))
    assert down.is_dead and not result.success


def test_natural_1_is_two_failures_and_natural_20_revives(d20: D20System, hero: Sheet) -> None:
    down, _ = d20.apply_damage(hero, 12)
    worse, _ = d20.death_save(down, ScriptedDice([1]))
    assert worse.death_saves.failures == 2
    up, result = d20.death_save(worse, ScriptedDice([20]))
    assert up.hp == 1 and "unconscious" not in up.conditions
    assert up.death_saves.failures == 0 and result.degree == "critical_success"


def test_damage_at_zero_is_a_failed_death_save(d20: D20System, hero: Sheet) -> None:
    down, _ = d20.apply_damage(hero, 12)
    once, _ = d20.apply_damage(down, 1)
    assert once.death_saves.failures == 1
    twice, _ = d20.apply_damage(once, 1, critical=True)
    assert twice.is_dead


def test_melee_hit_on_an_unconscious_player_is_a_critical(
    d20: D20System, hero: Sheet, goblin: Sheet, d20_world: World
) -> None:
    down, _ = d20.apply_damage(hero, 12)
    result = d20.attack(goblin, down, "scimitar", ScriptedDice([5, 6]), d20_world)
    # advantage against the unconscious: two d20s, the 6 is kept; 6 + 4 < AC 18 is a miss
    assert not result.hit
    result = d20.attack(goblin, down, "scimitar", ScriptedDice([15, 2, 1, 1]), d20_world)
    assert result.hit and result.critical
    assert result.defender.death_saves.failures == 2


def test_death_saves_off_means_unconscious_and_stable(hero: Sheet) -> None:
    lenient = D20System(D20Options(death_saves=False))
    down, _ = lenient.apply_damage(hero, 12)
    assert {"unconscious", "stable"} <= down.conditions
    assert not lenient.is_dying(down)


# ---------------------------------------------------------------- healing


def test_heal_never_exceeds_max_and_wakes_the_fallen(d20: D20System, hero: Sheet) -> None:
    down, _ = d20.apply_damage(hero, 12)
    down, _ = d20.death_save(down, ScriptedDice([3]))
    healed = d20.heal(down, 50)
    assert healed.hp == healed.max_hp == 12
    assert "unconscious" not in healed.conditions
    assert "prone" in healed.conditions  # still lying down
    assert healed.death_saves.failures == 0


def test_the_dead_cannot_be_healed(d20: D20System, goblin: Sheet) -> None:
    dead, _ = d20.apply_damage(goblin, 7)
    with pytest.raises(RuleError, match="dead"):
        d20.heal(dead, 5)


def test_long_rest_restores_hp_and_half_the_hit_dice(d20: D20System, hero: Sheet) -> None:
    veteran = hero.model_copy(
        update={"level": 4, "hit_dice": 0, "hp": 3, "max_hp": 36, "temp_hp": 4}
    )
    rested, notes = d20.rest(veteran, "long", ScriptedDice([]))
    assert (rested.hp, rested.temp_hp, rested.hit_dice) == (36, 0, 2)
    assert "36 HP" in notes[0]


def test_short_rest_spends_hit_dice(d20: D20System, hero: Sheet) -> None:
    hurt = hero.model_copy(update={"hp": 2})
    rested, _ = d20.rest(hurt, "short", ScriptedDice([6]))
    assert (rested.hp, rested.hit_dice) == (2 + 6 + 2, 0)
    again, notes = d20.rest(rested, "short", ScriptedDice([]))
    assert again.hp == rested.hp and "no hit dice left" in notes[0]


def test_the_dying_cannot_rest(d20: D20System, hero: Sheet) -> None:
    down, _ = d20.apply_damage(hero, 12)
    with pytest.raises(RuleError, match="dying"):
        d20.rest(down, "long", ScriptedDice([]))


# --------------------------------------------------------- XP and levels


def test_level_up_at_300_xp(d20: D20System, hero: Sheet) -> None:
    same, levelled = d20.award_xp(hero, 299)
    assert not levelled and same.level == 1 and same.xp == 299
    up, levelled = d20.award_xp(same, 1)
    assert levelled and up.level == 2
    assert up.max_hp == 12 + 6 + 2  # d10 average (6) + CON (+2)
    assert up.hp == up.max_hp and up.hit_dice == 2


def test_proficiency_rises_at_level_5(d20: D20System, hero: Sheet) -> None:
    up, levelled = d20.award_xp(hero, 6500)
    assert levelled and up.level == 5 and up.proficiency_bonus == 3
    assert up.max_hp == 12 + 4 * 8


@pytest.mark.parametrize(("level", "xp"), list(enumerate(XP_THRESHOLDS, start=1)))
def test_xp_table_boundaries(level: int, xp: int) -> None:
    assert level_for_xp(xp) == level
    if xp:
        assert level_for_xp(xp - 1) == level - 1


def test_initiative_adds_dex(d20: D20System, hero: Sheet) -> None:
    assert d20.initiative(hero, ScriptedDice([11])) == 13


# ---------------------------------------------------- carrying and gear


def test_capacity_is_str_times_15(d20: D20System, hero: Sheet, d20_world: World) -> None:
    assert d20.capacity(hero) == 17 * 15
    assert d20.carried_weight(hero, d20_world) == 3 + 55 + 6 + 2


def test_too_heavy_is_refused(d20: D20System, hero: Sheet, d20_world: World) -> None:
    assert not d20.can_carry(hero, "anvil", d20_world)
    with pytest.raises(RuleError, match="too heavy"):
        d20.give_item(hero, "anvil", d20_world)
    lighter = d20.give_item(hero, "torch", d20_world, qty=3)
    assert lighter.count("torch") == 5


def test_encumbrance_can_be_switched_off(hero: Sheet, d20_world: World) -> None:
    strong = D20System(D20Options(encumbrance=False))
    assert strong.give_item(hero, "anvil", d20_world).count("anvil") == 1


def test_fixed_items_cannot_be_taken(d20: D20System, hero: Sheet, d20_world: World) -> None:
    with pytest.raises(RuleError, match="can't be carried"):
        d20.give_item(hero, "statue", d20_world)


def test_equip_recomputes_armor_class(d20: D20System, hero: Sheet, d20_world: World) -> None:
    assert hero.ac == 16 + 2  # heavy armor: no DEX; shield +2
    light = d20.equip(d20.give_item(hero, "leather", d20_world), "leather", d20_world)
    assert light.ac == 11 + 2 + 2
    bare = d20.unequip(d20.unequip(light, "armor", d20_world), "shield", d20_world)
    assert bare.ac == bare.natural_ac == 12


def test_dropping_worn_armor_unequips_it(d20: D20System, hero: Sheet, d20_world: World) -> None:
    dropped = d20.take_item(hero, "chain_mail", d20_world)
    assert dropped.equipped.armor is None
    assert dropped.ac == 12 + 2
    with pytest.raises(RuleError, match="isn't carrying"):
        d20.take_item(dropped, "chain_mail", d20_world)


def test_two_handed_weapons_and_shields(d20: D20System, hero: Sheet, d20_world: World) -> None:
    axe = d20.equip(d20.give_item(hero, "greataxe", d20_world), "greataxe", d20_world)
    assert axe.equipped.shield is None and axe.ac == 16
    with pytest.raises(RuleError, match="both hands"):
        d20.equip(axe, "shield", d20_world)


def test_equipping_needs_the_item_and_a_slot(d20: D20System, hero: Sheet, d20_world: World) -> None:
    with pytest.raises(RuleError, match="isn't carrying"):
        d20.equip(hero, "rapier", d20_world)
    with pytest.raises(RuleError, match="wield or wear"):
        d20.equip(hero, "torch", d20_world)
    with pytest.raises(RuleError, match="no item called"):
        d20.equip(hero, "excalibur", d20_world)


def test_conditions_and_immunities(d20: D20System, goblin: Sheet) -> None:
    prone = d20.add_condition(goblin, "Prone")
    assert prone.has("prone")
    assert d20.remove_condition(prone, "prone") == goblin
    assert d20.remove_condition(goblin, "prone") is goblin
    with pytest.raises(RuleError, match="can't be charmed"):
        d20.add_condition(goblin, "charmed")


def test_gold(d20: D20System, hero: Sheet) -> None:
    assert d20.adjust_gold(hero, -15).gold == 0
    with pytest.raises(RuleError, match="only 15 gold"):
        d20.adjust_gold(hero, -16)
