"""What each rule system says a player at 0 HP can do, and what their turn does."""

from __future__ import annotations

import pytest

from storyai.core.domain.dice import ScriptedDice
from storyai.core.domain.errors import RuleError
from storyai.core.domain.sheet import Sheet
from storyai.core.domain.world import D20Options
from storyai.core.rules.d20 import D20System
from storyai.core.rules.percentile import PercentileSystem


def knocked_down(rules, sheet: Sheet) -> Sheet:
    """Exactly enough damage to reach 0 HP."""
    down, _ = rules.apply_damage(sheet, sheet.hp)
    assert down.hp == 0 and not down.is_dead
    return down


def test_standing_and_dead_characters_are_not_downed(d20: D20System, hero: Sheet) -> None:
    assert d20.downed(hero) is None
    dead = hero.model_copy(update={"hp": 0, "conditions": frozenset({"dead"})})
    assert d20.downed(dead) is None
    with pytest.raises(RuleError, match="nothing to recover from"):
        d20.downed_turn(hero, ScriptedDice([]))


def test_d20_dying_means_a_death_save(d20: D20System, hero: Sheet) -> None:
    down = knocked_down(d20, hero)
    downed = d20.downed(down)
    assert downed is not None
    assert (downed.state, downed.action) == ("unconscious and dying", "Make a death saving throw")
    after, result, _ = d20.downed_turn(down, ScriptedDice([9]))
    assert result is not None and not result.success
    assert after.death_saves.failures == 1


def test_d20_natural_20_stands_you_up(d20: D20System, hero: Sheet) -> None:
    after, _, _ = d20.downed_turn(knocked_down(d20, hero), ScriptedDice([20]))
    assert after.hp == 1 and not after.conditions & {"prone", "unconscious"}


def test_d20_without_death_saves_you_lie_still_and_come_round(hero: Sheet) -> None:
    gentle = D20System(D20Options(death_saves=False))
    down = knocked_down(gentle, hero)
    downed = gentle.downed(down)
    assert downed is not None and downed.action == "Lie still and come round"
    after, result, notes = gentle.downed_turn(down, ScriptedDice([]))  # no roll
    assert result is None and after.hp == 1 and "comes to" in notes[0]


def test_percentile_unconscious_rolls_con_to_come_round(
    pct: PercentileSystem, investigator: Sheet
) -> None:
    worn = investigator.model_copy(update={"hp": 1})
    down, _ = pct.apply_damage(worn, 1)  # a small blow: no major wound, so not dying
    downed = pct.downed(down)
    assert downed is not None
    assert (downed.state, downed.action) == ("unconscious", "Try to come round (CON roll)")
    con = investigator.score("con")
    stays, missed, _ = pct.downed_turn(down, ScriptedDice([con + 1]))
    assert missed is not None and not missed.success and stays == down
    up, made, _ = pct.downed_turn(down, ScriptedDice([con]))
    assert made is not None and made.success and up.hp == 1 and "prone" not in up.conditions


def test_percentile_dying_fights_for_life(pct: PercentileSystem, investigator: Sheet) -> None:
    dying = investigator.model_copy(
        update={"hp": 0, "conditions": frozenset({"unconscious", "prone", "dying"})}
    )
    downed = pct.downed(dying)
    assert downed is not None and downed.action == "Fight for life (CON roll)"
    dead, _, _ = pct.downed_turn(dying, ScriptedDice([99]))
    assert dead.is_dead
