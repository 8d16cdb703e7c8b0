"""Properties that hold for any sequence of actions, in both rule systems."""

from __future__ import annotations

import contextlib
from typing import Any

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from rules_worlds import D20_SCORES, ITEMS, PERCENTILE_SCORES, make_world

from storyai.core.domain.dice import SeededDice
from storyai.core.domain.errors import RuleError
from storyai.core.domain.sheet import Sheet, new_player_sheet, sheet_from_stat_block
from storyai.core.rules.base import RuleSystem
from storyai.core.rules.registry import get_rule_system

WORLDS = {system: make_world(system) for system in ("d20", "percentile")}
SCORES = {"d20": D20_SCORES, "percentile": PERCENTILE_SCORES}


def _sheets(system: str) -> list[Sheet]:
    world = WORLDS[system]
    return [
        new_player_sheet("Hero", "fighter", world, SCORES[system]),
        sheet_from_stat_block("goblin", world.characters["goblin"], system),  # type: ignore[arg-type]
    ]


SHEETS = {system: _sheets(system) for system in WORLDS}

DAMAGE_TYPES = st.sampled_from([None, "fire", "poison", "radiant", "slashing"])
ACTIONS = st.one_of(
    st.tuples(st.just("damage"), st.integers(0, 40), DAMAGE_TYPES, st.booleans()),
    st.tuples(st.just("heal"), st.integers(0, 40)),
    st.tuples(st.just("temp"), st.integers(0, 10)),
    st.tuples(st.just("rest"), st.sampled_from(["short", "long"])),
    st.tuples(st.just("death_save")),
)


def _act(rules: RuleSystem, sheet: Sheet, action: tuple[Any, ...], dice: SeededDice) -> Sheet:
    match action:
        case ("damage", amount, kind, critical):
            return rules.apply_damage(sheet, amount, kind, critical=critical)[0]
        case ("heal", amount):
            return rules.heal(sheet, amount)
        case ("temp", amount):
            return sheet.model_copy(update={"temp_hp": max(sheet.temp_hp, amount)})
        case ("rest", kind):
            return rules.rest(sheet, kind, dice)[0]
        case ("death_save",):
            return rules.death_save(sheet, dice)[0]
    raise AssertionError(action)


@settings(max_examples=150)
@given(
    system=st.sampled_from(sorted(WORLDS)),
    which=st.integers(0, 1),
    actions=st.lists(ACTIONS, max_size=25),
    seed=st.integers(0, 2**16),
)
def test_hp_stays_between_zero_and_max(
    system: str, which: int, actions: list[tuple[Any, ...]], seed: int
) -> None:
    rules = get_rule_system(system)
    sheet = SHEETS[system][which]
    dice = SeededDice(seed)
    for action in actions:
        # healing the dead, resting while dying, ...: refused, and nothing changes
        with contextlib.suppress(RuleError):
            sheet = _act(rules, sheet, action, dice)
        assert 0 <= sheet.hp <= sheet.max_hp
        assert sheet.temp_hp >= 0
        assert not sheet.is_dead or sheet.hp == 0
        # every intermediate sheet is still a valid, serialisable sheet
        assert Sheet.model_validate_json(sheet.model_dump_json()) == sheet


REJECTED = st.one_of(
    st.tuples(st.just("equip"), st.sampled_from(sorted(ITEMS))),
    st.tuples(st.just("give"), st.sampled_from(["anvil", "statue"]), st.integers(1, 5)),
    st.tuples(st.just("take"), st.sampled_from(sorted(ITEMS)), st.integers(1, 5)),
    st.tuples(st.just("gold"), st.integers(1, 1000)),
    st.tuples(st.just("attack"), st.sampled_from(["rapier", "dagger", "laser"])),
    st.tuples(st.just("condition"), st.just("charmed")),
)


def _reject(
    rules: RuleSystem, sheet: Sheet, other: Sheet, action: tuple[Any, ...], system: str
) -> None:
    world = WORLDS[system]
    match action:
        case ("equip", item_id):
            rules.equip(sheet, item_id, world)
        case ("give", item_id, qty):
            rules.give_item(sheet, item_id, world, qty)
        case ("take", item_id, extra):
            rules.take_item(sheet, item_id, world, sheet.count(item_id) + extra)
        case ("gold", extra):
            rules.adjust_gold(sheet, -(sheet.gold + extra))
        case ("attack", weapon):
            rules.attack(sheet, other, weapon, SeededDice(0), world)
        case ("condition", name):
            rules.add_condition(other, name)


@settings(max_examples=150)
@given(
    system=st.sampled_from(sorted(WORLDS)),
    action=REJECTED,
    strength=st.integers(1, 10),
    carried=st.lists(st.sampled_from(["torch", "dagger", "leather"]), max_size=3),
)
def test_rejected_actions_raise_and_change_nothing(
    system: str, action: tuple[Any, ...], strength: int, carried: list[str]
) -> None:
    rules = get_rule_system(system)
    hero, goblin = SHEETS[system]
    scores = {"str": strength} if system == "d20" else {"str": strength, "siz": strength}
    inventory = {item: 1 for item in carried}
    sheet = hero.model_copy(
        update={
            "inventory": inventory,
            "equipped": hero.equipped.model_copy(update={"weapon": None, "armor": None}),
            "abilities": {**hero.abilities, **scores} if system == "d20" else {},
            "characteristics": {**hero.characteristics, **scores} if system != "d20" else {},
        }
    )
    # equipping or attacking with a carried item is allowed (see the example tests)
    assume(not (action[0] in ("equip", "attack") and action[1] in inventory))
    target = goblin.model_copy(update={"condition_immunities": frozenset({"charmed"})})
    before = (sheet.model_copy(deep=True), sheet.model_dump_json())
    before_target = (target.model_copy(deep=True), target.model_dump_json())
    with pytest.raises(RuleError) as caught:
        _reject(rules, sheet, target, action, system)
    assert caught.value.message
    assert (sheet, sheet.model_dump_json()) == before
    assert (target, target.model_dump_json()) == before_target


@settings(max_examples=100)
@given(awards=st.lists(st.integers(0, 50_000), max_size=10))
def test_levels_and_max_hp_only_go_up(awards: list[int]) -> None:
    rules = get_rule_system("d20")
    sheet = SHEETS["d20"][0]
    for xp in awards:
        after, levelled = rules.award_xp(sheet, xp)
        assert after.xp == sheet.xp + xp
        assert levelled == (after.level > sheet.level)
        assert after.level >= sheet.level and after.max_hp >= sheet.max_hp
        assert after.level <= 20 and after.hit_dice <= after.level
        sheet = after
