"""What a player sees of a story, read from the state and the world (core/views).

Both bundled worlds: Ember Hollow plays with the d20 rules, Halvard Relay with
the percentile rules. The views are what the TUI, the bot and the CLI draw.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from storyai.core.domain.dice import SeededDice
from storyai.core.domain.errors import StoryError
from storyai.core.domain.sheet import new_player_sheet, roll_characteristics
from storyai.core.domain.state import GameState, NpcState, PlayerState, QuestState
from storyai.core.domain.world import Exit, World
from storyai.core.views import creation_view, player_view, sheet_view
from storyai.core.views.text import sheet_text
from storyai.core.worlds.bundled import bundled_world_paths
from storyai.core.worlds.validate import load_world

EMBER = load_world(bundled_world_paths()["ember_hollow"])
HALVARD = load_world(bundled_world_paths()["halvard_relay"])
ABILITY_SCORES = {"str": 15, "dex": 14, "con": 13, "int": 12, "wis": 10, "cha": 8}
CHARACTERISTICS = {
    "str": 50,
    "con": 60,
    "siz": 55,
    "dex": 70,
    "app": 40,
    "int": 75,
    "pow": 65,
    "edu": 80,
}


def with_options(world: World, **options: Any) -> World:
    rules = world.rules.model_copy(update={"options": {**world.rules.options, **options}})
    return world.model_copy(update={"rules": rules})


def story(
    world: World,
    archetype: str,
    *,
    location: str | None = None,
    inventory: dict[str, int] | None = None,
    sheet_changes: dict[str, Any] | None = None,
    **fields: Any,
) -> GameState:
    """A story with one player ``p`` and the world's characters where the author put them."""
    scores = ABILITY_SCORES if world.rules.system == "d20" else CHARACTERISTICS
    sheet = new_player_sheet("Ash", archetype, world, scores=scores, sheet_id="p")
    changes = dict(sheet_changes or {})
    if inventory is not None:
        changes["inventory"] = {**sheet.inventory, **inventory}
    sheet = sheet.model_copy(update=changes)
    placed = {c: lid for lid, loc in world.locations.items() for c in loc.characters}
    player = PlayerState(id="p", name="Ash", location=location or world.start.location, sheet=sheet)
    base: dict[str, Any] = {
        "world_id": world.id,
        "world_version": world.version,
        "system": world.rules.system,
        "players": {"p": player},
        "npcs": {cid: NpcState(location=placed.get(cid)) for cid in world.characters},
        "location_items": {
            lid: {i: loc.items.count(i) for i in loc.items}
            for lid, loc in world.locations.items()
            if loc.items
        },
        "discovered": [world.start.location],
    }
    return GameState(**{**base, **fields})


# ------------------------------------------------------------------ the sheet


def test_a_d20_hero_shows_level_ac_hp_and_ability_modifiers() -> None:
    state = story(EMBER, "sellsword", sheet_changes={"hp": 6})
    sheet = player_view(state, EMBER).sheet
    assert (sheet.name, sheet.archetype, sheet.level) == ("Ash", "Sellsword", 1)
    assert (sheet.defence.label, sheet.defence.value) == ("AC", "15")  # chain shirt 13 + DEX +2
    assert (sheet.hp.label, sheet.hp.amount) == ("HP", "6/12")  # d10 + CON +2
    assert sheet.score_label == "Abilities"
    shown = [(s.label, s.value, s.modifier) for s in sheet.scores]
    assert shown[:3] == [("STR", 17, 3), ("DEX", 14, 2), ("CON", 14, 2)]  # +2 STR, +1 CON
    assert len(shown) == 6
    assert [(r.label, r.amount, r.note) for r in sheet.other_resources] == [
        ("Hit dice", "1/1", "d10")
    ]
    assert [(s.label, s.value) for s in sheet.stats] == [("XP", "0")]
    assert [(k.label, k.text) for k in sheet.skills] == [
        ("Athletics", "+5"),  # STR +3, proficient +2
        ("Intimidation", "+1"),
        ("Perception", "+2"),
    ]
    [attack] = sheet.attacks
    assert (attack.name, attack.chance, attack.damage) == (
        "Longsword",
        "+5 to hit",
        "1d8+3 slashing",
    )
    assert [(e.label, e.value) for e in sheet.equipped] == [
        ("Weapon", "Longsword"),
        ("Armor", "Chain Shirt"),
    ]


def test_a_dying_d20_hero_shows_death_saves_and_conditions_as_words() -> None:
    state = story(
        EMBER,
        "scout",
        sheet_changes={"hp": 0, "conditions": frozenset({"unconscious", "prone"})},
    )
    sheet = player_view(state, EMBER).sheet
    assert sheet.down and not sheet.dead
    assert sheet.conditions == ("prone", "unconscious")
    assert ("Death saves", "0✓ 0✗") in [(s.label, s.value) for s in sheet.stats]


def test_a_percentile_investigator_shows_characteristics_armor_hp_and_sanity() -> None:
    world = with_options(HALVARD, sanity=True)
    sheet = player_view(story(world, "inspector"), world).sheet
    assert (sheet.archetype, sheet.level) == ("Combine Inspector", None)  # no levels
    assert sheet.score_label == "Characteristics"
    assert [(s.label, s.value) for s in sheet.scores] == [
        (k.upper(), v) for k, v in CHARACTERISTICS.items()
    ]
    assert all(s.modifier is None for s in sheet.scores)
    assert (sheet.defence.label, sheet.defence.value) == ("Armor", "0")
    assert [(r.label, r.amount) for r in sheet.resources] == [("HP", "11/11"), ("Sanity", "65")]
    assert sheet.stats == ()  # no XP shown where it buys nothing
    skills = [(k.label, k.text) for k in sheet.skills]
    assert skills[:3] == [("Own language", "80%"), ("Spot Hidden", "60%"), ("Psychology", "55%")]
    labels = [label for label, _ in skills]
    assert labels.count("Spot Hidden") == 1 and "Spot hidden" not in labels  # one spelling
    assert "Brawl" in labels and "Fighting" not in labels  # the same skill to the rules
    assert [(a.name, a.chance) for a in sheet.attacks] == [("Unarmed strike", "50%")]


def test_without_the_sanity_option_there_is_no_sanity() -> None:
    sheet = player_view(story(HALVARD, "inspector"), HALVARD).sheet
    assert [r.label for r in sheet.resources] == ["HP"]


def test_percentile_skills_are_listed_once_each_best_first() -> None:
    sheet = new_player_sheet("Ash", "inspector", HALVARD, scores=CHARACTERISTICS)
    sheet = sheet.model_copy(
        update={
            "skills": {
                "spot_hidden": 25,
                "Spot Hidden": 60,
                "dodge": 37,
                "Dodge": 35,
                "own_language": 75,
            }
        }
    )
    view = sheet_view(sheet, HALVARD)
    assert [(k.label, k.text) for k in view.skills] == [
        ("Own language", "75%"),
        ("Spot Hidden", "60%"),
        ("Dodge", "37%"),
    ]


def test_the_sheet_as_text_says_level_only_where_there_are_levels() -> None:
    d20 = sheet_text(player_view(story(EMBER, "hedge_wizard"), EMBER).sheet)
    assert d20.splitlines()[0] == "Ash — level 1 Hedge-Wizard"
    assert "AC 12" in d20 and "INT 14 (+2)" in d20
    percentile = sheet_text(player_view(story(HALVARD, "inspector"), HALVARD).sheet)
    assert percentile.splitlines()[0] == "Ash — Combine Inspector"
    assert "level" not in percentile and "Armor 0" in percentile and "POW 65" in percentile


def test_views_are_frozen() -> None:
    view = player_view(story(EMBER, "sellsword"), EMBER)
    with pytest.raises(dataclasses.FrozenInstanceError):
        view.turn = 3  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        view.sheet.hp.current = 0  # type: ignore[misc]


def test_someone_not_in_the_story_has_no_view() -> None:
    with pytest.raises(StoryError, match="Nobody called 'ghost'"):
        player_view(story(EMBER, "sellsword"), EMBER, "ghost")


# --------------------------------------------------------------- the pack


def test_the_pack_shows_names_counts_equipped_gold_and_load() -> None:
    state = story(EMBER, "sellsword", inventory={"healing_draught": 2})
    pack = player_view(state, EMBER).inventory
    shown = [(i.name, i.count, i.equipped) for i in pack.items]
    assert ("Longsword", 1, True) in shown and ("Healing Draught", 2, False) in shown
    assert pack.gold == 12
    assert pack.load.endswith(" lb")


# ------------------------------------------------------------- the place


def test_the_square_shows_exits_people_topics_items_and_the_map() -> None:
    state = story(EMBER, "sellsword", topics_heard=["hesta:mine"])
    view = player_view(state, EMBER)
    place = view.location
    assert place.name == "Village Square"
    assert [(e.direction, e.name, e.locked) for e in place.exits] == [
        ("north", "Mine Road", False),
        ("west", "The Banked Coal", False),
        ("east", "Brannock's Forge", False),
        ("south", "Hearth Chapel", False),
    ]
    [hesta] = place.people
    assert hesta.name == "Reeve Hesta"
    topics = {t.label: t.heard for t in hesta.topics}
    assert topics["mine"] is True and topics["goblins"] is False
    assert "pact" not in topics  # needs the goblin_pact flag
    assert [(i.name, i.count) for i in place.items] == [("Emberstone", 1)]
    assert "*Village" in view.map_text  # here, marked
    assert (view.turn, view.ending, view.in_combat) == (0, None, False)


def test_a_locked_exit_is_marked_until_the_key_is_carried() -> None:
    locked = player_view(story(EMBER, "sellsword", location="mine_mouth"), EMBER)
    gate = next(e for e in locked.location.exits if e.direction == "north")
    assert (gate.name, gate.locked) == ("Upper Workings", True)
    keyed = story(EMBER, "sellsword", location="mine_mouth", inventory={"iron_key": 1})
    gate = next(e for e in player_view(keyed, EMBER).location.exits if e.direction == "north")
    assert not gate.locked


def _with_hidden_exit(world: World) -> World:
    """The square gets a hidden way down, open once the flag ``found_cellar`` is set."""
    square = world.locations["village_square"]
    down = Exit.model_validate(
        {"to": "chapel", "hidden": True, "requires": {"flag": "found_cellar"}}
    )
    exits = {**square.exits, "down": down}
    locations = {**world.locations, "village_square": square.model_copy(update={"exits": exits})}
    return world.model_copy(update={"locations": locations})


def test_a_hidden_exit_is_not_shown_until_its_condition_holds() -> None:
    world = _with_hidden_exit(EMBER)
    before = player_view(story(world, "sellsword"), world)
    assert "down" not in [e.direction for e in before.location.exits]
    after = player_view(story(world, "sellsword", flags=["found_cellar"]), world)
    down = next(e for e in after.location.exits if e.direction == "down")
    assert (down.name, down.locked) == ("Hearth Chapel", False)


def test_the_halvard_airlock_is_locked_until_unsealed() -> None:
    here = next(
        lid
        for lid, loc in HALVARD.locations.items()
        if any(e.requires is not None and e.requires.flag for e in loc.exits.values())
    )
    sealed = player_view(story(HALVARD, "inspector", location=here), HALVARD)
    assert any(e.locked for e in sealed.location.exits)
    flag = next(
        e.requires.flag
        for e in HALVARD.locations[here].exits.values()
        if e.requires is not None and e.requires.flag
    )
    open_ = player_view(story(HALVARD, "inspector", location=here, flags=[flag]), HALVARD)
    assert not any(e.locked for e in open_.location.exits)


# ------------------------------------------------------------- the quests


def test_quests_show_the_current_stage_its_objectives_and_finished_ones() -> None:
    quests = {
        "squatters": QuestState(status="done"),
        "cold_hearths": QuestState(status="active", stage=2, done_objectives=[1]),
        "gone": QuestState(status="active"),  # a quest the world no longer has
    }
    view = player_view(story(EMBER, "sellsword", quests=quests), EMBER)
    main = view.quests[0]
    assert (main.title, main.status, main.main) == ("The Cold Hearths", "active", True)
    assert main.stage.startswith("Goblins are camped in the upper workings, and somewhere")
    assert "\n" not in main.stage
    assert [(o.description, o.done, o.optional) for o in main.objectives] == [
        ("Find the founders' ledger.", False, False),
        ("Ask the goblins why the deep went hot.", True, True),
    ]
    [done] = view.quests[1:]  # finished ones last; the unknown one left out
    assert (done.title, done.status, done.stage) == ("Squatters in the Mine", "done", "Complete.")


def test_a_quest_not_yet_begun_is_not_shown() -> None:
    quests = {"squatters": QuestState(status="inactive")}
    assert player_view(story(EMBER, "sellsword", quests=quests), EMBER).quests == ()


def test_no_quests_yet() -> None:
    assert player_view(story(EMBER, "sellsword"), EMBER).quests == ()


# ------------------------------------------------------------- creation


def test_creation_offers_what_each_rule_system_makes_scores_with() -> None:
    d20 = creation_view(EMBER)
    assert d20.score_label == "Ability scores"
    assert d20.score_keys == ("str", "dex", "con", "int", "wis", "cha")
    assert all(m.arrangeable for m in d20.methods)
    standard = next(m for m in d20.methods if m.id == "standard_array")
    assert sorted(standard.values(SeededDice(1)), reverse=True) == [15, 14, 13, 12, 10, 8]
    sellsword = d20.archetype("sellsword")
    assert sellsword.bonus_for("str") == 2 and "hit die d10" in sellsword.facts
    assert "features Second Wind, Action Surge (level 2)" in sellsword.facts

    percentile = creation_view(HALVARD)
    assert percentile.score_label == "Characteristics"
    [roll] = percentile.methods
    assert not roll.arrangeable and roll.rerollable
    values = roll.values(SeededDice(1))
    assert len(values) == len(percentile.score_keys) == 8
    assert all(15 <= v <= 90 for v in values)
    assert values == list(roll_characteristics(SeededDice(1)).values())  # one roll each
    assert "HP 11" in percentile.archetype("inspector").facts
    assert "features Combine Warrant" in percentile.archetype("inspector").facts
