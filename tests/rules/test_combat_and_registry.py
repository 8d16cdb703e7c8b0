"""Turn order, NPC tactics, and finding a rule system by name."""

from __future__ import annotations

import pytest

from storyai.core.domain.dice import ScriptedDice
from storyai.core.domain.errors import RuleError
from storyai.core.domain.sheet import Sheet
from storyai.core.domain.world import World
from storyai.core.rules import available_systems, get_rule_system, rule_system_for
from storyai.core.rules.combat import NpcAction, best_attack, npc_action, roll_initiative
from storyai.core.rules.d20 import D20System
from storyai.core.rules.percentile import PercentileSystem

# ------------------------------------------------------------- initiative


def test_initiative_order_highest_first(hero: Sheet, goblin: Sheet) -> None:
    order = roll_initiative([hero, goblin], ScriptedDice([5, 12]))
    assert [(e.sheet_id, e.score) for e in order] == [("goblin", 14), ("player", 7)]


def test_initiative_ties_go_to_dex_then_players_then_id(hero: Sheet, goblin: Sheet) -> None:
    twin = goblin.model_copy(update={"id": "goblin_b"})
    slow = goblin.model_copy(update={"id": "a_slow", "abilities": {**goblin.abilities, "dex": 13}})
    # hero: 12 + 2; goblins: 12 + 2; slow: 13 + 1
    order = roll_initiative([twin, slow, hero, goblin], ScriptedDice([12, 13, 12, 12]))
    assert [e.sheet_id for e in order] == ["player", "goblin", "goblin_b", "a_slow"]


def test_initiative_needs_distinct_ids(goblin: Sheet) -> None:
    with pytest.raises(ValueError):
        roll_initiative([goblin, goblin], ScriptedDice([1, 1]))


def test_percentile_initiative_is_dex(investigator: Sheet, cultist: Sheet) -> None:
    order = roll_initiative([investigator, cultist], ScriptedDice([]))
    assert [e.score for e in order] == [70, 50]


# ------------------------------------------------------------- NPC tactics


def test_aggressive_attacks_the_weakest_with_its_best_attack(goblin: Sheet, hero: Sheet) -> None:
    weak = hero.model_copy(update={"id": "weak", "hp": 3})
    brute = goblin.model_copy(update={"tactics": "aggressive"})
    action = npc_action(brute, enemies=[hero, weak])
    assert action == NpcAction(
        "attack", "goblin", target_id="weak", attack="Scimitar", reason=action.reason
    )


def test_best_attack_prefers_damage(goblin: Sheet) -> None:
    big = goblin.attacks[0].model_copy(update={"name": "Club", "damage": "2d6"})
    assert best_attack([*goblin.attacks, big]).name == "Club"
    assert best_attack([]) is None


def test_cowardly_flees_below_half(goblin: Sheet, hero: Sheet) -> None:
    assert npc_action(goblin, enemies=[hero]).kind == "attack"
    hurt = goblin.model_copy(update={"hp": 3})
    assert npc_action(hurt, enemies=[hero]).kind == "flee"


def test_cautious_defends_with_friends_and_flees_alone(goblin: Sheet, hero: Sheet) -> None:
    hurt = goblin.model_copy(update={"hp": 3, "tactics": "cautious"})
    friend = goblin.model_copy(update={"id": "goblin_b"})
    assert npc_action(hurt, allies=[hurt, friend], enemies=[hero]).kind == "dodge"
    assert npc_action(hurt, allies=[hurt], enemies=[hero]).kind == "flee"


def test_defensive_dodges_once_hurt(goblin: Sheet, hero: Sheet) -> None:
    assert npc_action(goblin, "defensive", enemies=[hero]).kind == "attack"
    scratched = goblin.model_copy(update={"hp": 6})
    assert npc_action(scratched, "defensive", enemies=[hero]).kind == "dodge"


def test_nothing_to_do(d20: D20System, goblin: Sheet, hero: Sheet) -> None:
    down, _ = d20.apply_damage(hero, 12)
    assert npc_action(goblin, enemies=[down]).kind == "wait"
    dead, _ = d20.apply_damage(goblin, 7)
    assert npc_action(dead, enemies=[hero]).reason == "cannot act"


def test_dice_pick_between_equal_targets(goblin: Sheet, hero: Sheet) -> None:
    other = hero.model_copy(update={"id": "other"})
    assert npc_action(goblin, "aggressive", enemies=[hero, other]).target_id == "other"
    picked = npc_action(goblin, "aggressive", enemies=[hero, other], dice=ScriptedDice([2]))
    assert picked.target_id == "player"


def test_chosen_attack_can_be_carried_out(
    d20: D20System, goblin: Sheet, hero: Sheet, d20_world: World
) -> None:
    action = npc_action(goblin.model_copy(update={"tactics": "aggressive"}), enemies=[hero])
    result = d20.attack(goblin, hero, action.attack, ScriptedDice([19, 3]), d20_world)
    assert result.hit and result.defender.hp == hero.hp - 5


# ---------------------------------------------------------------- registry


def test_registry_knows_both_systems() -> None:
    assert available_systems() == ("d20", "percentile")
    assert isinstance(get_rule_system("d20"), D20System)
    assert isinstance(get_rule_system("percentile"), PercentileSystem)


def test_registry_applies_options() -> None:
    system = get_rule_system("percentile", {"fumble_on": 97})
    assert isinstance(system, PercentileSystem) and system.options.fumble_on == 97
    with pytest.raises(RuleError, match="not valid"):
        get_rule_system("percentile", {"fumble_on": 3})


def test_unknown_system() -> None:
    with pytest.raises(RuleError, match="no rule system called 'pf2e'"):
        get_rule_system("pf2e")


def test_rule_system_for_world(d20_world: World, pct_world: World) -> None:
    assert rule_system_for(d20_world).name == "d20"
    assert rule_system_for(pct_world).name == "percentile"
