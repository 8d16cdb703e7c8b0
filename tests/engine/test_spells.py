"""Spellcasting as players meet it: the Hedge-Wizard's spells, slots, rests, casters."""

from __future__ import annotations

import re

import playing
import pytest
from walkthrough import bundled, hero

from storyai.core import services
from storyai.core.domain.dice import SeededDice
from storyai.core.domain.ops import Move, SetSheet, apply_ops
from storyai.core.domain.sheet import new_player_sheet
from storyai.core.domain.spells import Concentration, Spell
from storyai.core.domain.world import World
from storyai.core.engine.intent import parse
from storyai.core.engine.turn import initial_state, join, play_turn
from storyai.core.rules import rule_system_for
from storyai.core.views import player_view

EMBER = bundled("ember_hollow")


def fresh(world: World = EMBER, archetype: str = "hedge_wizard", seed: int = 1):
    state = initial_state(world)
    sheet = new_player_sheet("Ash", archetype, world, None, SeededDice(seed), sheet_id="p")
    rules = rule_system_for(world)
    apply_ops(state, join(state, world, rules, SeededDice(seed), "p", sheet, opening=True).ops)
    return state


def turn(state, text, seed=1, world: World = EMBER):
    outcome = play_turn(state, world, rule_system_for(world), SeededDice(seed), "p", text)
    apply_ops(state, outcome.ops)
    return "\n".join(line.text for line in outcome.lines), outcome


def edit_sheet(state, **update):
    """Give the hero something the story has not (yet): a level, spells, spent slots."""
    sheet = state.players["p"].sheet
    casting = update.pop("casting", None)
    if casting is not None:
        update["spellcasting"] = sheet.spellcasting.model_copy(update=casting)
    apply_ops(state, [SetSheet(who="p", sheet=sheet.model_copy(update=update))])


def at_wolf(seed: int = 1):
    """The Hedge-Wizard on the mine road, the wolf facing them, with HP to spare."""
    state = fresh(seed=seed)
    edit_sheet(state, hp=40, max_hp=40)
    turn(state, "go north")
    assert state.combat is not None
    return state


def wolf(state):
    return state.npcs["wolf"]


def without_turn(json: dict) -> dict:
    """The state but its turn counter and the choices offered (recomputed every turn)."""
    return {k: v for k, v in json.items() if k not in ("turn", "choices")}


@pytest.mark.parametrize(
    ("typed", "spell", "target"),
    [
        ("cast magic missile at wolf", "magic missile", "wolf"),
        ("cast fire bolt on the wolf", "fire bolt", "wolf"),
        ("cast sleep", "sleep", ""),
        ("cast", "", ""),
    ],
)
def test_cast_is_parsed_as_a_spell_and_a_target(typed, spell, target):
    intent = parse(typed)
    assert (intent.verb, intent.object, intent.target) == ("cast", spell, target)


def test_magic_missile_strikes_the_wolf_and_spends_a_slot():
    state = at_wolf()
    told, outcome = turn(state, "cast magic missile at wolf")
    assert "You cast Magic Missile." in told
    assert "quarterstaff" not in told.lower()
    rolled = [r.text for r in outcome.rolls if "Magic Missile" in r.text]
    assert len(rolled) == 1
    found = re.search(r"3d4 \(.*\) \+ 3 = (\d+) force damage", rolled[0])
    assert found, rolled  # no attack roll: the darts always strike
    dealt = int(found.group(1))
    if dealt >= 7:  # the wolf's hit points
        assert wolf(state).defeated and "wolf_slain" in state.flags
    else:
        assert wolf(state).sheet.hp == 7 - dealt
    assert "1st-level slots left: 1." in told


def test_a_target_without_at_is_still_understood():
    state = at_wolf()
    told, _ = turn(state, "cast magic missile wolf")
    assert "Ash casts Magic Missile at Wolf" in told
    assert state.players["p"].sheet.spellcasting.spent == {1: 1}


def test_a_bare_cast_lists_spells_and_slots_and_costs_no_time():
    state = at_wolf()
    before = state.to_json()
    told, outcome = turn(state, "cast")
    assert "Cast which spell?" in told
    for name in ("Fire Bolt", "Mage Hand", "Light", "Sleep", "Magic Missile"):
        assert name in told
    assert "1st-level slots 2/2" in told
    assert not outcome.rolls  # the wolf did not get a free bite
    assert without_turn(state.to_json()) == without_turn(before)


def test_an_unknown_spell_is_named_and_costs_no_time():
    state = at_wolf()
    before = state.to_json()
    told, outcome = turn(state, "cast fireball at wolf")
    assert "You don't know Fireball" in told and "Magic Missile" in told
    told, _ = turn(state, "cast wibble at wolf")
    assert "no spell called 'wibble'" in told
    assert not outcome.rolls
    assert without_turn(state.to_json()) == without_turn(before)


def test_no_slot_left_is_explained_and_a_long_rest_restores_them():
    state = at_wolf()
    edit_sheet(state, casting={"spent": {1: 2}})
    before = state.to_json()
    told, outcome = turn(state, "cast magic missile at wolf")
    assert "no 1st-level spell slots left (0 of 2)" in told and "long rest" in told
    assert not outcome.rolls
    assert without_turn(state.to_json()) == without_turn(before)
    # cantrips still work without slots
    told, _ = turn(state, "cast fire bolt at wolf", seed=4)
    assert "Ash casts Fire Bolt at Wolf" in told
    while not wolf(state).defeated:
        turn(state, "cast fire bolt at wolf", seed=len(state.to_json()["flags"]) + 7)
    told, _ = turn(state, "long rest")
    assert "Your spell slots are restored." in told
    told, _ = turn(state, "sheet")
    assert "1st-level slots 2/2" in told


def test_sleep_puts_the_wolf_down_until_it_is_hurt():
    state = at_wolf()
    told, outcome = turn(state, "cast sleep")
    assert "Wolf is unconscious." in told
    assert "unconscious" in wolf(state).sheet.conditions
    assert not any("Wolf attacks" in r.text for r in outcome.rolls)  # asleep, it does not bite
    hp = wolf(state).sheet.hp
    for seed in range(1, 40):
        told, _ = turn(state, "attack wolf", seed=seed)
        if wolf(state).defeated or wolf(state).sheet.hp < hp:
            break
    assert wolf(state).defeated or "unconscious" not in wolf(state).sheet.conditions


def test_cantrips_grow_with_the_casters_level():
    state = at_wolf()
    told, _ = turn(state, "sheet")
    assert "Fire Bolt (cantrip): +4 to hit, 1d10 fire" in told
    edit_sheet(state, level=5, proficiency_bonus=3)
    told, _ = turn(state, "sheet")
    assert "Fire Bolt (cantrip): +5 to hit, 2d10 fire" in told
    assert "1st-level slots 4/4" in told and "3rd-level slots 2/2" in told
    for seed in range(1, 40):
        told, outcome = turn(state, "cast fire bolt at wolf", seed=seed)
        hits = [r.text for r in outcome.rolls if "Fire Bolt" in r.text and "fire damage" in r.text]
        if hits:
            assert "2d10" in hits[0] or "4d10" in hits[0]  # 4d10 on a critical hit
            break
    else:
        pytest.fail("forty fire bolts all missed")


def test_an_upcast_magic_missile_adds_a_dart():
    state = at_wolf()
    edit_sheet(state, level=3)
    told, outcome = turn(state, "cast magic missile at wolf with a 2nd-level slot")
    assert "with a 2nd-level slot" in told
    assert any(re.search(r"3d4 \(.*\) \+ 3 \+ 1d4 \(\d\) \+ 1 = ", r.text) for r in outcome.rolls)
    assert "2nd-level slots left: 1." in told
    told, _ = turn(state, "cast magic missile at the wolf at level 5")
    assert "no 5th-level spell slots yet" in told


def test_concentration_ends_the_old_spell_and_may_break_when_hurt():
    state = at_wolf()
    edit_sheet(state, level=3, casting={"spells": ("fire_bolt", "hold_person")})
    held = None
    for seed in range(1, 60):
        told, _ = turn(state, "cast hold person at wolf", seed=seed)
        if "Wolf is paralyzed." in told and "breaks free" not in told:
            held = seed
            break
        edit_sheet(state, casting={"spent": {}, "concentration": None})
    assert held is not None, "the wolf saved against hold person every time"
    assert state.players["p"].sheet.spellcasting.concentration.spell == "hold_person"
    told, _ = turn(state, "sheet")
    assert "[concentrating]" in told
    # held, the wolf loses its turns, saving again at the end of each until it breaks free
    for seed in range(1, 60):
        told, outcome = turn(state, "wait", seed=seed)
        assert "Wolf strains against Hold Person." in told
        assert not any(r.text.startswith("Wolf attacks") for r in outcome.rolls)
        if "Wolf breaks free of Hold Person." in told:
            assert "paralyzed" not in wolf(state).sheet.conditions
            assert state.players["p"].sheet.spellcasting.concentration is None
            break
    else:
        pytest.fail("the wolf never broke free")
    edit_sheet(state, casting={"spent": {}})
    for seed in range(1, 60):
        told, _ = turn(state, "cast hold person at wolf", seed=seed)
        if "Wolf is paralyzed." in told and "breaks free" not in told:
            break
        edit_sheet(state, casting={"spent": {}, "concentration": None})
    told, _ = turn(state, "cast hold person at wolf", seed=3)
    assert "no longer concentrating on Hold Person" in told

    # a concentrating caster who is hit makes a Constitution save
    edit_sheet(state, casting={"concentration": Concentration(spell="hold_person")})
    apply_ops(
        state,
        [SetSheet(who="wolf", sheet=wolf(state).sheet.model_copy(update={"conditions": set()}))],
    )
    for seed in range(1, 60):
        told, outcome = turn(state, "wait", seed=seed)
        if any("(concentration)" in r.text for r in outcome.rolls):
            assert re.search(r"Constitution save: .* vs DC 10", told)
            break
    else:
        pytest.fail("the wolf never hit the concentrating caster")


def test_the_sheet_and_its_views_list_spells_and_slots():
    state = fresh()
    told, _ = turn(state, "sheet")
    assert "1st-level slots 2/2" in told
    assert "Spells: Fire Bolt (cantrip): +4 to hit, 1d10 fire" in told
    assert "Sleep (1st): 5d8 HP of foes, unconscious" in told
    view = player_view(state, EMBER, "p")
    assert [s.name for s in view.sheet.spells][:3] == ["Fire Bolt", "Mage Hand", "Light"]
    assert any(r.label == "1st-level slots" and r.amount == "2/2" for r in view.sheet.resources)
    sellsword = fresh(archetype="sellsword")
    assert not player_view(sellsword, EMBER, "p").sheet.spells
    told, _ = turn(sellsword, "cast fire bolt")
    assert "You know no spells" in told


def caster_wolf_world() -> World:
    """Ember Hollow with a wolf that knows fire bolt as a 5th-level caster."""
    chars = dict(EMBER.characters)
    stats = dict(chars["wolf"].stats or {})
    stats["abilities"] = {**stats["abilities"], "int": 16}
    stats["attacks"] = [{"name": "Nip", "to_hit": 0, "damage": "1", "damage_type": "piercing"}]
    stats["spellcasting"] = {"ability": "int", "level": 5, "spells": ["Fire Bolt"]}
    chars["wolf"] = chars["wolf"].model_copy(update={"stats": stats})
    return EMBER.model_copy(update={"characters": chars})


def test_creatures_cast_through_the_same_engine():
    world = caster_wolf_world()
    state = fresh(world)
    edit_sheet(state, hp=60, max_hp=60)
    for seed in range(1, 30):
        told, outcome = turn(state, "wait" if state.combat else "go north", seed=seed, world=world)
        bolts = [r.text for r in outcome.rolls if r.text.startswith("Wolf casts Fire Bolt")]
        if any("fire damage" in b for b in bolts):
            assert "Wolf casts Fire Bolt." in told
            assert all("2d10" in b or "4d10" in b for b in bolts if "fire damage" in b)
            break
    else:
        pytest.fail("the wolf never hit with fire bolt")


def mystic_world() -> World:
    """Halvard Relay with a psychic among the archetypes and a power that costs MP."""
    relay = bundled("halvard_relay")
    stats = {"skills": {"Psi": 70}, "hp": 12, "spells": ["mind_spike"], "mp": 5}
    mystic = relay.archetypes["inspector"].model_copy(
        update={"name": "Relay Psychic", "stats": stats}
    )
    spike = {
        "name": "Mind Spike",
        "level": 2,
        "damage": "2d6",
        "damage_type": "psychic",
        "mp": 3,
        "skill": "Psi",
    }
    return relay.model_copy(
        update={
            "archetypes": {**relay.archetypes, "psychic": mystic},
            "spells": {"mind_spike": Spell.model_validate(spike)},
        }
    )


def test_percentile_powers_cost_magic_points_and_a_skill_roll():
    world = mystic_world()
    state = fresh(world, archetype="psychic")
    told, _ = turn(state, "sheet", world=world)
    assert "MP 5/5" in told and "Mind Spike (2nd, 3 MP)" in told
    apply_ops(state, [Move(who="p", to="core_vault")])  # where the drone is
    told, outcome = turn(state, "cast mind spike at drone", seed=2, world=world)
    assert any("Psi" in r.text for r in outcome.rolls), told
    mp = state.players["p"].sheet.spellcasting.mp
    assert mp in (2, 4)  # 3 on a success, 1 when the power fizzles
    assert f"MP left: {mp}." in told
    if mp == 2:
        before = state.to_json()
        told, outcome = turn(state, "cast mind spike at drone", world=world)
        assert "costs 3 magic points and you have 2" in told
        assert without_turn(state.to_json()) == without_turn(before)
    turn(state, "flee", world=world)
    told, _ = turn(state, "long rest", world=world)
    assert state.players["p"].sheet.spellcasting.mp == 5


async def test_spent_slots_survive_loading_and_rewind(storage):
    uow = storage.uow_factory
    await services.install_world(uow, EMBER)
    start = await playing.start_session(
        uow, "ember_hollow", player_name="Ash", seed=3, archetype="hedge_wizard"
    )
    sid = start.session_id
    await playing.take_turn(uow, sid, "go north")
    cast = await playing.take_turn(uow, sid, "cast sleep")
    assert hero(cast).sheet.spellcasting.spent == {1: 1}
    loaded = await playing.resume(uow, sid)
    assert hero(loaded).sheet.spellcasting.spent == {1: 1}
    assert "unconscious" in loaded.state.npcs["wolf"].sheet.conditions
    await playing.rewind(uow, sid, cast.turn - 1)
    back = await playing.resume(uow, sid)
    assert hero(back).sheet.spellcasting.spent == {}
    assert "unconscious" not in back.state.npcs["wolf"].sheet.conditions


def test_a_hedge_wizard_saved_before_spells_existed_can_cast():
    state = at_wolf()
    edit_sheet(state, spellcasting=None)  # as an older release stored the sheet
    told, _ = turn(state, "sheet")
    assert "1st-level slots 2/2" in told and "Magic Missile (1st)" in told
    told, _ = turn(state, "cast magic missile at wolf")
    assert "Ash casts Magic Missile at Wolf" in told
    assert state.players["p"].sheet.spellcasting.spent == {1: 1}


def test_sleep_does_not_touch_the_undead():
    state = fresh()
    edit_sheet(state, hp=40, max_hp=40)
    apply_ops(state, [Move(who="p", to="deep_gallery")])
    told, _ = turn(state, "cast sleep at skeleton")
    assert "Skeleton is not affected by Sleep." in told
    assert "unconscious" not in state.npcs["skeleton"].sheet.conditions
    assert state.players["p"].sheet.spellcasting.spent == {1: 1}  # the spell was still cast


def two_wolves() -> World:
    """Ember Hollow with a second wolf, the Grey Bitch, on the mine road."""
    second = EMBER.characters["wolf"].model_copy(update={"name": "Grey Bitch", "on_defeat": []})
    road = EMBER.locations["mine_road"]
    road = road.model_copy(update={"characters": [*road.characters, "grey_bitch"]})
    return EMBER.model_copy(
        update={
            "characters": {**EMBER.characters, "grey_bitch": second},
            "locations": {**EMBER.locations, "mine_road": road},
        }
    )


def test_a_higher_slot_holds_more_creatures_named_by_the_player():
    world = two_wolves()
    state = fresh(world)
    edit_sheet(state, hp=60, max_hp=60, level=5, proficiency_bonus=3)
    edit_sheet(state, casting={"spells": ("hold_person",)})
    turn(state, "go north", world=world)
    before = state.to_json()
    told, _ = turn(state, "cast hold person at wolf and grey bitch", world=world)
    assert "Hold Person affects at most 1 with a 2nd-level slot; name fewer." in told
    assert without_turn(state.to_json()) == without_turn(before)
    told, outcome = turn(
        state, "cast hold person at wolf and grey bitch with a 3rd-level slot", world=world
    )
    saves = [r.text for r in outcome.rolls if "Wisdom save" in r.text]
    assert any(s.startswith("Wolf makes") for s in saves), told
    assert any(s.startswith("Grey Bitch makes") for s in saves), told
    assert state.players["p"].sheet.spellcasting.spent == {3: 1}
