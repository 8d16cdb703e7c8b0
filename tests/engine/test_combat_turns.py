"""Fights as a player meets them: who acts first, in which order each round, and
what is left to do at 0 HP. Dice are scripted, so every roll a turn makes is
named here (a turn rolling one die more than expected fails the test)."""

from __future__ import annotations

import playing
from ai_helpers import gm
from walkthrough import bundled, hero

from storyai.core import services
from storyai.core.domain.dice import ScriptedDice, SeededDice
from storyai.core.domain.ops import ChangeNpc, SetSheet, apply_ops
from storyai.core.domain.sheet import new_player_sheet
from storyai.core.domain.state import Choice, GameState
from storyai.core.engine.turn import Outcome, initial_state, join, play_turn
from storyai.core.rules import rule_system_for
from storyai.core.views.player import player_view

EMBER = bundled("ember_hollow")
HALVARD = bundled("halvard_relay")


def fresh(world=EMBER, archetype=None) -> GameState:
    state = initial_state(world)
    archetype = archetype or next(iter(world.archetypes))
    sheet = new_player_sheet("Ash", archetype, world, None, SeededDice(1), sheet_id="p")
    rules = rule_system_for(world)
    apply_ops(state, join(state, world, rules, SeededDice(1), "p", sheet, opening=True).ops)
    return state


def turn(state: GameState, text: str, *faces: int, world=EMBER) -> Outcome:
    """Play ``text`` with dice showing exactly ``faces``, all of which must be used."""
    dice = ScriptedDice(faces)
    outcome = play_turn(state, world, rule_system_for(world), dice, "p", text)
    apply_ops(state, outcome.ops)
    assert dice.remaining == (), f"the turn left dice unrolled: {dice.remaining}"
    return outcome


def told(outcome: Outcome) -> list[str]:
    return [line.text for line in outcome.lines]


def first(outcome: Outcome, fragment: str) -> int:
    """Where ``fragment`` is first told in the turn (fails if it never is)."""
    lines = told(outcome)
    found = [i for i, text in enumerate(lines) if fragment in text]
    assert found, f"{fragment!r} was not told: {lines}"
    return found[0]


def attacks(outcome: Outcome) -> list[str]:
    """Who attacked whom this turn, in order: ["Wolf>Ash", "Ash>Wolf"]."""
    out = []
    for text in told(outcome):
        if " attacks " in text:
            attacker, _, rest = text.partition(" attacks ")
            out.append(f"{attacker}>{rest.split(' (')[0]}")
    return out


def set_sheet(state: GameState, **update) -> None:
    SetSheet(who="p", sheet=state.players["p"].sheet.model_copy(update=update)).apply(state)


# ------------------------------------------------------------------ initiative
# Ash (sellsword) rolls d20+1, the wolf d20+2. A face of 2 misses for either side.


def test_a_quicker_foe_strikes_before_your_first_action():
    state = fresh()
    ambushed = turn(state, "go north", 5, 18, 2)  # Ash 6, Wolf 20; the bite misses
    assert "Initiative: Wolf 20, Ash 6" in told(ambushed)
    assert "Wolf is quicker than you." in told(ambushed)
    assert attacks(ambushed) == ["Wolf>Ash"]
    assert state.combat is not None and state.combat.order == ["wolf", "p"]
    # your action ends the first round; the wolf's slot opens the second
    fight = turn(state, "attack wolf", 2, 2)
    assert attacks(fight) == ["Ash>Wolf", "Wolf>Ash"]
    assert state.combat.round == 2


def test_the_turn_order_is_shown_to_the_player():
    state = fresh()
    turn(state, "go north", 5, 18, 2)
    assert "Round 1 · turn order: Wolf 20, you 6. Next: you." in told(turn(state, "look"))
    view = player_view(state, EMBER, "p")
    assert [(s.name, s.initiative, s.you, s.next) for s in view.turn_order] == [
        ("Wolf", 20, False, False),
        ("Ash", 6, True, True),
    ]
    turn(state, "attack wolf", 2, 2)
    assert "Round 2 · turn order: Wolf 20, you 6. Next: you." in told(turn(state, "look"))
    assert player_view(state, EMBER, "p").combat_round == 2


def test_when_you_are_quicker_the_foe_waits_for_your_first_action():
    state = fresh()
    ambushed = turn(state, "go north", 18, 5)  # Ash 19, Wolf 7: no bite yet
    assert "Initiative: Ash 19, Wolf 7" in told(ambushed)
    assert "You act first." in told(ambushed)
    assert attacks(ambushed) == []
    assert [c.text for c in state.choices][:1] == ["Attack Wolf"]
    fight = turn(state, "attack wolf", 2, 2)
    assert attacks(fight) == ["Ash>Wolf", "Wolf>Ash"]
    again = turn(state, "attack wolf", 2, 2)
    assert attacks(again) == ["Ash>Wolf", "Wolf>Ash"]


def test_a_tie_goes_to_the_higher_dexterity():
    state = fresh()  # Ash DEX 12, the wolf DEX 15
    ambushed = turn(state, "go north", 10, 9, 2)  # both 11
    assert state.combat.order == ["wolf", "p"]
    assert attacks(ambushed) == ["Wolf>Ash"]


def test_a_tie_at_equal_dexterity_goes_to_the_player():
    state = fresh()
    abilities = {**state.players["p"].sheet.abilities, "dex": 15}
    set_sheet(state, abilities=abilities)  # now +2, like the wolf
    ambushed = turn(state, "go north", 9, 9)  # both 11
    assert state.combat.order == ["p", "wolf"]
    assert attacks(ambushed) == []


def test_each_foe_takes_its_own_slot_every_round():
    state = fresh()
    ChangeNpc(who="skeleton", location="mine_road").apply(state)
    # Ash 11, Wolf 20, Skeleton 3 (d20+2): wolf, Ash, skeleton
    ambushed = turn(state, "go north", 10, 18, 1, 2)
    assert state.combat.order == ["wolf", "p", "skeleton"]
    assert attacks(ambushed) == ["Wolf>Ash"]
    fight = turn(state, "attack wolf", 2, 2, 2)
    assert attacks(fight) == ["Ash>Wolf", "Skeleton>Ash", "Wolf>Ash"]
    fight = turn(state, "attack skeleton", 2, 2, 2)
    assert attacks(fight) == ["Ash>Skeleton", "Skeleton>Ash", "Wolf>Ash"]


def test_someone_you_attack_in_peace_may_still_be_quicker():
    state = fresh()
    turn(state, "go east")  # the forge, where Brannock works
    opened = turn(state, "attack brannock", 1, 19, 2, 2, 2)
    assert first(opened, "Brannock turns hostile") < first(opened, "Initiative:")
    # he wins the roll, so his blow lands before yours; the round then wraps to him
    assert attacks(opened) == ["Brannock>Ash", "Ash>Brannock", "Brannock>Ash"]


async def test_the_turn_order_is_saved_and_a_rewind_takes_it_back(storage):
    uow = storage.uow_factory
    wolf = EMBER.characters["wolf"]  # tough enough to stand after a blow or two
    tough = wolf.model_copy(update={"stats": {**wolf.stats, "hp": 200}})
    await services.install_world(
        uow, EMBER.model_copy(update={"characters": {**EMBER.characters, "wolf": tough}})
    )
    sid = (await playing.start_session(uow, "ember_hollow", player_name="Ash", seed=5)).session_id
    await playing.take_turn(uow, sid, "talk to hesta about mine")
    ambushed = await playing.take_turn(uow, sid, "go north")
    combat = ambushed.state.combat
    me = hero(ambushed).id
    assert combat is not None and sorted(combat.order) == sorted(["wolf", me])
    assert set(combat.scores) == {"wolf", me}
    resumed = await playing.resume(uow, sid)
    assert resumed.state.combat == combat
    fight = await playing.take_turn(uow, sid, "attack wolf")
    assert fight.state.combat is not None
    assert fight.state.combat.order == combat.order
    assert fight.state.combat.round == combat.round + 1
    await playing.rewind(uow, sid, 1)
    assert (await playing.resume(uow, sid)).state.combat is None
    again = await playing.take_turn(uow, sid, "go north")
    assert again.state.combat == combat, "the same seed and turn roll the same initiative"


# ------------------------------------------------------------------ at 0 HP


def downed_in_a_fight() -> GameState:
    state = fresh()
    turn(state, "go north", 18, 5)
    set_sheet(state, hp=0, conditions=frozenset({"unconscious", "prone"}))
    turn(state, "sheet")  # looking costs nothing and brings the choices up to date
    return state


def test_at_zero_hp_the_only_choice_is_the_death_save():
    state = downed_in_a_fight()
    assert state.choices == [Choice(text="Make a death saving throw", command="death save")]


def test_fighting_or_fleeing_at_zero_hp_is_answered_and_costs_nothing():
    state = downed_in_a_fight()
    before = state.to_json()
    for typed in ("attack wolf", "flee", "drink healing draught"):
        outcome = turn(state, typed)  # no dice: nothing may be rolled
        assert told(outcome) == [
            f'You are unconscious and dying: you can\'t "{typed}" now. '
            "All you can do is: Make a death saving throw."
        ]
        assert outcome.rolls == []
    unchanged = {k: v for k, v in state.to_json().items() if k != "turn"}
    assert unchanged == {k: v for k, v in before.items() if k != "turn"}


def test_a_death_save_is_rolled_and_the_foe_stands_over_you():
    state = downed_in_a_fight()
    outcome = turn(state, "1", 12)  # the only choice; 12 succeeds
    assert "Ash makes a death save: 1d20 (12) = 12 — success (1 of 3)." in told(outcome)
    assert "Wolf stands over you." in told(outcome)
    assert attacks(outcome) == []
    assert state.players["p"].sheet.death_saves.successes == 1


def test_a_natural_20_puts_you_back_in_the_fight():
    state = downed_in_a_fight()
    outcome = turn(state, "death save", 20, 2)  # back up, and the wolf's turn comes
    assert "You are back on your feet." in told(outcome)
    assert attacks(outcome) == ["Wolf>Ash"]
    assert state.players["p"].sheet.hp == 1
    assert "Attack Wolf" in [c.text for c in state.choices]


def test_three_failed_death_saves_end_the_story():
    state = downed_in_a_fight()
    turn(state, "death save", 1)  # a natural 1: two failures
    assert state.players["p"].sheet.death_saves.failures == 2 and not state.ending
    last = turn(state, "death save", 7)
    assert "You have died." in told(last)
    assert state.ending == "__death" and state.choices == []


def test_three_successes_leave_you_stable_then_you_come_round():
    state = downed_in_a_fight()
    for _ in range(3):
        turn(state, "death save", 15)
    stable = state.players["p"].sheet
    assert "stable" in stable.conditions and stable.hp == 0
    assert [c.text for c in state.choices] == ["Lie still and come round"]
    woke = turn(state, "1", 2)  # you come to; then the wolf's turn
    assert "You are back on your feet." in told(woke)
    assert state.players["p"].sheet.hp == 1


def test_percentile_unconsciousness_is_a_con_roll_to_come_round():
    state = fresh(HALVARD)  # the inspector's CON is 40
    set_sheet(state, hp=0, conditions=frozenset({"unconscious", "prone"}))
    turn(state, "look", world=HALVARD)
    assert [c.text for c in state.choices] == ["Try to come round (CON roll)"]
    out_cold = turn(state, "1", 85, world=HALVARD)
    assert "stays out cold" in told(out_cold)[0]
    assert state.players["p"].sheet.hp == 0
    woke = turn(state, "come round", 30, world=HALVARD)
    assert "comes round with 1 HP" in told(woke)[0]
    assert state.players["p"].sheet.hp == 1 and "prone" not in state.players["p"].sheet.conditions


def test_percentile_dying_is_a_fight_for_life():
    state = fresh(HALVARD)
    set_sheet(state, hp=0, conditions=frozenset({"unconscious", "prone", "dying"}))
    turn(state, "look", world=HALVARD)
    assert [c.text for c in state.choices] == ["Fight for life (CON roll)"]
    refused = turn(state, "go north", world=HALVARD)
    assert "All you can do is: Fight for life (CON roll)." in told(refused)[0]
    lost = turn(state, "1", 90, world=HALVARD)
    assert "dies" in told(lost)[0] and state.ending == "__death"


def test_recovering_on_your_feet_is_only_a_reminder():
    state = fresh()
    outcome = turn(state, "death save")
    assert told(outcome) == ["You are on your feet; there is nothing to recover from."]


# ------------------------------------------------------------------ naming


def test_the_sheet_and_the_fight_name_a_skill_alike():
    """The inspector's archetype writes "Brawl"; the rules roll it as fighting."""
    state = fresh(HALVARD)
    rules = rule_system_for(HALVARD)
    sheet = play_turn(state, HALVARD, rules, SeededDice(3), "p", "sheet")
    assert "Brawl 50%" in told(sheet)[0] and "Fighting" not in told(sheet)[0]
    fight = play_turn(state, HALVARD, rules, SeededDice(3), "p", "attack rook")
    mine = [text for text in told(fight) if text.startswith("Ash attacks Rook")]
    assert mine and "Brawl 50%" in mine[0] and "Fighting" not in mine[0]


# ------------------------------------------------------------------ dice typed


def test_dice_rolled_in_a_fight_take_no_turn_and_bad_dice_are_refused():
    state = fresh()
    turn(state, "go north", 5, 18, 2)
    rolled = turn(state, "roll 2d20kl1+1", 14, 8)  # no other die: the wolf does not act
    assert told(rolled) == ["Ash rolls 2d20kl1 (kept 8, dropped 14) + 1 = 9"]
    refused = turn(state, "roll 0d6")
    assert told(refused) == ["'0d6' rolls no dice; roll at least one, like 2d6+3."]
    assert turn(state, "roll").lines[0].text == "Roll which dice? For example: roll 2d6+3."


async def test_at_zero_hp_the_game_masters_choices_give_way_to_the_rules(uow_factory):
    """A language model narrating a fall still offers "Look around"; the player gets
    the death save, and typing an attack is answered, not played."""
    hp = new_player_sheet("Ash", "sellsword", EMBER, None, SeededDice(1), sheet_id="x").max_hp
    wolf = EMBER.characters["wolf"]
    bite = {"name": "Bite", "to_hit": 20, "damage": str(hp + 1), "damage_type": "piercing"}
    fierce = wolf.model_copy(update={"stats": {**wolf.stats, "attacks": [bite]}})
    world = EMBER.model_copy(update={"characters": {**EMBER.characters, "wolf": fierce}})
    await services.install_world(uow_factory, world, source="test")
    narrator, _ = gm()
    sid = (
        await playing.start_session(
            uow_factory, "ember_hollow", player_name="Ash", seed=7, narrator=narrator
        )
    ).session_id
    result = await playing.take_turn(uow_factory, sid, "go north", narrator=narrator)
    for _ in range(3):
        if hero(result).sheet.hp == 0:
            break
        result = await playing.take_turn(uow_factory, sid, "wait", narrator=narrator)
    assert hero(result).sheet.hp == 0 and not hero(result).sheet.is_dead
    assert [c.text for c in result.choices] == ["Make a death saving throw"]
    refused = await playing.take_turn(uow_factory, sid, "attack wolf", narrator=narrator)
    assert any("All you can do is: Make a death saving throw." in x.text for x in refused.lines)
    assert hero(refused).sheet == hero(result).sheet
    assert [c.text for c in refused.choices] == ["Make a death saving throw"]


def test_a_foe_turns_from_a_fallen_player_to_one_who_stands():
    state = downed_in_a_fight()
    rules = rule_system_for(EMBER)
    bea = new_player_sheet("Bea", "scout", EMBER, None, SeededDice(2), sheet_id="q")
    apply_ops(state, join(state, EMBER, rules, SeededDice(2), "q", bea, opening=False).ops)
    apply_ops(state, play_turn(state, EMBER, rules, SeededDice(3), "q", "go north").ops)
    assert state.players["q"].location == state.players["p"].location == "mine_road"
    outcome = turn(state, "death save", 12, 2)  # Ash's save, then the wolf's bite at Bea
    assert attacks(outcome) == ["Wolf>Bea"]
    assert "Wolf stands over you." not in told(outcome)
    assert [s.next for s in player_view(state, EMBER, "p").turn_order if s.you] == [True]
    # once Bea fights too, the order shows both; whose turn it is the table says
    state.combat = state.combat.model_copy(update={"order": [*state.combat.order, "q"]})
    order = player_view(state, EMBER, "q").turn_order
    assert [s.name for s in order if s.you] == ["Bea"] and len(order) == 3
    assert not any(s.next for s in order)


def test_a_player_elsewhere_does_not_end_or_move_anothers_fight():
    state = fresh()
    turn(state, "go north", 18, 5)
    fight = state.combat
    rules = rule_system_for(EMBER)
    bea = new_player_sheet("Bea", "scout", EMBER, None, SeededDice(2), sheet_id="q")
    apply_ops(state, join(state, EMBER, rules, SeededDice(2), "q", bea, opening=False).ops)
    apply_ops(state, play_turn(state, EMBER, rules, SeededDice(3), "q", "go west").ops)
    assert state.players["q"].location == "tavern"
    assert state.combat == fight
