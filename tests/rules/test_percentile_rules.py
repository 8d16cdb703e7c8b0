"""The percentile system with scripted dice.

The investigator fixture: STR 60, CON 55, SIZ 65, DEX 50; Fighting 60%, Dodge
40%; longsword (1d8, +1d4 damage bonus), chain mail (5 points of armor); 12 HP.
The cultist: 10 HP, armor 1, Dodge 35%, Knife 40% for 1d4.
"""

from __future__ import annotations

import pytest

from storyai.core.domain.dice import ScriptedDice
from storyai.core.domain.errors import RuleError
from storyai.core.domain.sheet import Sheet
from storyai.core.domain.world import PercentileOptions, World
from storyai.core.rules.base import Advantage
from storyai.core.rules.percentile import PercentileSystem, damage_bonus


@pytest.mark.parametrize(
    ("roll", "degree"),
    [
        (1, "critical"),
        (2, "extreme"),
        (12, "extreme"),  # 60 / 5
        (13, "hard"),
        (30, "hard"),  # 60 / 2
        (31, "regular"),
        (60, "regular"),
        (61, "failure"),
        (99, "failure"),
        (100, "fumble"),
    ],
)
def test_degrees_at_exact_boundaries(pct: PercentileSystem, roll: int, degree: str) -> None:
    assert pct.degree(roll, 60) == degree


def test_odd_skills_round_thresholds_down(pct: PercentileSystem) -> None:
    assert pct.degree(9, 49) == "extreme" and pct.degree(10, 49) == "hard"
    assert pct.degree(24, 49) == "hard" and pct.degree(25, 49) == "regular"


def test_low_skills_fumble_from_96(pct: PercentileSystem) -> None:
    assert pct.degree(95, 49) == "failure"
    assert pct.degree(96, 49) == "fumble"
    assert pct.degree(96, 50) == "failure"


def test_world_fumble_option() -> None:
    strict = PercentileSystem(PercentileOptions(fumble_on=98))
    assert strict.degree(97, 60) == "failure"
    assert strict.degree(98, 60) == "fumble"
    assert strict.degree(96, 30) == "fumble"


def test_harder_checks_need_better_degrees(pct: PercentileSystem, investigator: Sheet) -> None:
    regular = pct.check(investigator, "fighting", "regular", ScriptedDice([40]))
    hard = pct.check(investigator, "fighting", "hard", ScriptedDice([40]))
    extreme = pct.check(investigator, "fighting", "extreme", ScriptedDice([12]))
    assert regular.success and regular.degree == "regular"
    assert not hard.success and hard.target == 30 and hard.margin == -10
    assert "not enough for hard" in hard.text
    assert extreme.success and extreme.target == 12


def test_difficulty_must_be_a_level(pct: PercentileSystem, investigator: Sheet) -> None:
    with pytest.raises(RuleError, match="regular, hard or extreme"):
        pct.check(investigator, "fighting", 15, ScriptedDice([10]))


def test_bonus_die_keeps_the_lower_roll(pct: PercentileSystem, investigator: Sheet) -> None:
    dice = ScriptedDice([80, 25])
    result = pct.check(investigator, "fighting", None, dice, advantage=Advantage.ADVANTAGE)
    assert result.roll.total == 25 and result.success
    penalty = pct.check(
        investigator, "fighting", None, ScriptedDice([80, 25]), advantage=Advantage.DISADVANTAGE
    )
    assert penalty.roll.total == 80 and not penalty.success


def test_characteristics_and_base_skills(pct: PercentileSystem, investigator: Sheet) -> None:
    assert pct.skill_value(investigator, "Strength") == ("STR", 60)
    assert pct.skill_value(investigator, "spot") == ("Spot hidden", 25)
    assert pct.skill_value(investigator, "underwater basket weaving")[1] == 5


def test_attack_armor_soaks_damage(
    pct: PercentileSystem, investigator: Sheet, cultist: Sheet, pct_world: World
) -> None:
    result = pct.attack(investigator, cultist, None, ScriptedDice([45, 6, 3]), pct_world)
    assert result.hit and not result.critical
    assert result.damage_roll is not None and result.damage_roll.total == 9  # 1d8 + 1d4
    assert result.damage == 8  # armor 1
    assert result.defender.hp == 2


def test_extreme_success_deals_maximum_damage(
    pct: PercentileSystem, investigator: Sheet, cultist: Sheet, pct_world: World
) -> None:
    tough = cultist.model_copy(update={"hp": 30, "max_hp": 30})
    result = pct.attack(investigator, tough, None, ScriptedDice([5]), pct_world)
    assert result.critical
    assert result.damage_roll is not None and result.damage_roll.total == 8 + 4
    assert result.damage == 11


def test_fumbled_attack(
    pct: PercentileSystem, investigator: Sheet, cultist: Sheet, pct_world: World
) -> None:
    result = pct.attack(investigator, cultist, None, ScriptedDice([100]), pct_world)
    assert not result.hit and result.fumble
    assert result.defender == cultist


def test_a_dodge_must_be_beaten(
    pct: PercentileSystem, investigator: Sheet, cultist: Sheet, pct_world: World
) -> None:
    dodging = pct.add_condition(cultist, "dodging")
    # attack 40: regular success; dodge 10: hard success (35 / 2 = 17) -> avoided
    avoided = pct.attack(investigator, dodging, None, ScriptedDice([40, 10]), pct_world)
    assert not avoided.hit and "avoids the blow" in avoided.text
    # attack 20: hard success; dodge 30: regular -> the blow lands
    landed = pct.attack(investigator, dodging, None, ScriptedDice([20, 30, 1, 1]), pct_world)
    assert landed.hit


def test_major_wound_then_zero_hp_is_dying(pct: PercentileSystem, investigator: Sheet) -> None:
    wounded, notes = pct.apply_damage(investigator, 6)
    assert wounded.has("major_wound") and wounded.hp == 6
    assert "major wound" in notes[0]
    dying, _ = pct.apply_damage(wounded, 6)
    assert dying.hp == 0 and pct.is_dying(dying)


def test_zero_hp_without_major_wound_is_unconscious(
    pct: PercentileSystem, investigator: Sheet
) -> None:
    hp = investigator
    for _ in range(3):
        hp, _ = pct.apply_damage(hp, 4)
    assert hp.hp == 0 and hp.has("unconscious") and not pct.is_dying(hp)
    worse, _ = pct.apply_damage(hp, 1)
    assert pct.is_dying(worse)
    dead, _ = pct.apply_damage(worse, 1)
    assert dead.is_dead


def test_one_blow_of_max_hp_kills(pct: PercentileSystem, investigator: Sheet) -> None:
    assert pct.apply_damage(investigator, 12)[0].is_dead
    assert not pct.apply_damage(investigator, 11)[0].is_dead


def test_creatures_die_at_zero(pct: PercentileSystem, cultist: Sheet) -> None:
    hurt, _ = pct.apply_damage(cultist, 4)
    dead, _ = pct.apply_damage(hurt, 6)
    assert dead.is_dead


def test_dying_con_roll(pct: PercentileSystem, investigator: Sheet) -> None:
    dying, _ = pct.apply_damage(pct.apply_damage(investigator, 6)[0], 6)
    holding, result = pct.death_save(dying, ScriptedDice([40]))
    assert result.success and pct.is_dying(holding)
    stable, _ = pct.death_save(dying, ScriptedDice([5]))
    assert stable.has("stable") and not pct.is_dying(stable)
    dead, _ = pct.death_save(dying, ScriptedDice([70]))
    assert dead.is_dead


def test_rest_restores_some_hp(pct: PercentileSystem, investigator: Sheet) -> None:
    hurt, _ = pct.apply_damage(investigator, 4)
    short, _ = pct.rest(hurt, "short", ScriptedDice([]))
    assert short.hp == 9
    long, _ = pct.rest(hurt, "long", ScriptedDice([3]))
    assert long.hp == 8 + 4
    wounded, _ = pct.apply_damage(investigator, 7)
    assert pct.rest(wounded, "short", ScriptedDice([]))[0].hp == wounded.hp
    closed, notes = pct.rest(wounded, "long", ScriptedDice([2]))
    assert closed.hp == 8 and not closed.has("major_wound")
    assert "major wound has closed" in notes[-1]


def test_initiative_is_dex(pct: PercentileSystem, investigator: Sheet) -> None:
    assert pct.initiative(investigator, ScriptedDice([])) == 50


def test_no_levels_in_percentile(pct: PercentileSystem, investigator: Sheet) -> None:
    after, levelled = pct.award_xp(investigator, 5000)
    assert not levelled and after.xp == 5000 and after.level == 1


def test_capacity_and_damage_bonus(pct: PercentileSystem, investigator: Sheet) -> None:
    assert pct.capacity(investigator) == 60 + 65
    assert damage_bonus(investigator) == "+1d4"
    weak = investigator.model_copy(update={"characteristics": {"str": 20, "siz": 30}})
    assert damage_bonus(weak) == "-2"


def test_armor_from_gear(pct: PercentileSystem, investigator: Sheet, pct_world: World) -> None:
    assert investigator.armor == 5
    assert pct.unequip(investigator, "chain_mail", pct_world).armor == 0
