"""SRD casters (the lich, the priest) keep their Spellcasting and cast it in play."""

from __future__ import annotations

from pathlib import Path

import pytest

from storyai.core.domain.dice import SeededDice
from storyai.core.domain.ops import SetSheet, apply_ops
from storyai.core.domain.records import LibraryRecord
from storyai.core.domain.sheet import new_player_sheet, sheet_from_stat_block
from storyai.core.domain.spells import Spell
from storyai.core.domain.world import Character, World
from storyai.core.engine.turn import initial_state, join, play_turn
from storyai.core.importers.srd import SrdRead, read_srd
from storyai.core.rules import rule_system_for
from storyai.core.rules.spell_lines import spell_lines
from storyai.core.rules.spells import slots_left
from storyai.core.worlds.bundled import bundled_world_paths
from storyai.core.worlds.library_spells import spell_fields
from storyai.core.worlds.validate import load_world


@pytest.fixture(scope="module")
def srd(srd_data: Path) -> SrdRead:
    return read_srd(srd_data)


def monster(srd: SrdRead, key: str) -> Character:
    found = [e for e in srd.entries if (e.edition, e.kind, e.key) == ("5.1", "monster", key)]
    assert len(found) == 1
    return Character.model_validate(found[0].data["character"])


def on_the_mine_road(srd: SrdRead, key: str) -> World:
    """Ember Hollow with an SRD creature waiting where the wolf was."""
    ember = load_world(bundled_world_paths()["ember_hollow"])
    foe = monster(srd, key).model_copy(update={"attitude": "hostile"})
    return ember.model_copy(update={"characters": {**ember.characters, "wolf": foe}})


def test_the_lich_keeps_its_slots_dc_and_scaled_cantrips(srd: SrdRead) -> None:
    lich = sheet_from_stat_block("lich", monster(srd, "lich"), "d20")
    assert lich.spellcasting is not None
    assert slots_left(lich) == {1: 4, 2: 3, 3: 3, 4: 3, 5: 3, 6: 1, 7: 1, 8: 1, 9: 1}
    world = load_world(bundled_world_paths()["ember_hollow"])
    lines = {line.name: line.effect for line in spell_lines(lich, world)}
    assert lines["Ray of Frost"] == "+12 to hit, 4d8 cold"  # an 18th-level caster
    assert lines["Fireball"].startswith("DC 20 Dex save, 8d6 fire")


def test_a_priest_casts_on_its_turn_and_spends_its_slots(srd: SrdRead) -> None:
    world = on_the_mine_road(srd, "priest")
    rules = rule_system_for(world)
    state = initial_state(world)
    hero = new_player_sheet("Ash", "sellsword", world, None, SeededDice(1), sheet_id="p")
    apply_ops(state, join(state, world, rules, SeededDice(1), "p", hero, opening=True).ops)
    tough = state.players["p"].sheet.model_copy(update={"hp": 200, "max_hp": 200})
    apply_ops(state, [SetSheet(who="p", sheet=tough)])
    told: list[str] = []
    for seed in range(1, 12):
        text = "go north" if state.players["p"].location != "mine_road" else "wait"
        outcome = play_turn(state, world, rules, SeededDice(seed), "p", text)
        apply_ops(state, outcome.ops)
        told += [line.text for line in outcome.lines]
    assert any(t.startswith("Priest casts Guiding Bolt") for t in told), told
    priest = state.npcs["wolf"].sheet
    assert priest is not None and priest.spellcasting is not None
    assert sum(priest.spellcasting.spent.values()) >= 1
    assert not any("Priest attacks" in t for t in told[:8])  # spells first, the mace later


def test_every_srd_spell_can_be_a_worlds_spell(srd: SrdRead) -> None:
    spells = [e for e in srd.entries if e.kind == "spell"]
    assert len(spells) == 319 + 339
    for e in spells:
        record = LibraryRecord("srd", e.edition, e.kind, e.key, e.name, e.summary, e.text, e.data)
        Spell.model_validate(spell_fields(record))
    fireball = next(e for e in spells if (e.edition, e.key) == ("5.1", "fireball"))
    record = LibraryRecord(
        "srd", "5.1", "spell", "fireball", "Fireball", "", fireball.text, fireball.data
    )
    made = Spell.model_validate(spell_fields(record))
    assert (made.level, made.damage, made.save, made.half_on_save, made.upcast) == (
        3,
        "8d6",
        "dex",
        True,
        "1d6",
    )
