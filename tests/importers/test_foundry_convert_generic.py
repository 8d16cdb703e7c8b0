"""Actors of unknown systems (here Worlds Without Number) come through generically."""

from __future__ import annotations

import pytest
from foundry_convert_helpers import assert_all_valid, convert, entry, leveldb_actors, stats

from storyai.core.importers.foundry.documents import FoundryDoc


@pytest.fixture(scope="module")
def wwn(foundry_fixtures, tmp_path_factory):
    folder = foundry_fixtures / "wwn-leveldb" / "ose-monsters"
    docs = leveldb_actors(folder, tmp_path_factory.mktemp("wwn"), "ose-monsters")
    return convert(docs, system_id="wwn")


def test_wwn_actors_get_hit_points_armor_class_and_attacks(wwn):
    characters = [e for e in wwn.entries if e.section == "characters"]
    assert len(characters) == 147
    dog = stats(wwn, "Blink Dog")
    assert (dog.hp, dog.ac, dog.speed, dog.level, dog.xp) == (25, 14, 40, 4, 125)
    bite = dog.attacks[0]
    assert (bite.name, bite.damage, bite.to_hit, bite.range) == ("Bite", "1d6", 3, "melee")
    crossbow = next(a for a in stats(wwn, "Buccaneer (Leather)").attacks if a.name == "Crossbow")
    assert (crossbow.damage, crossbow.range) == ("1d10", "100/300")
    text = entry(wwn, "Blink Dog").data["description"]
    assert "dingo-like dogs" in text and "**Blink:** In combat, teleport" in text
    assert_all_valid(wwn)


def test_one_warning_names_the_system_and_what_was_not_understood(wwn):
    about = [w for w in wwn.warnings if w.startswith("wwn:")]
    assert len(about) == 1
    assert "147 actors imported generically (system not recognised)" in about[0]
    assert "fields not understood:" in about[0] and "system.saves" in about[0]


def test_an_actor_with_nothing_recognisable_is_kept_as_text():
    odd = {
        "_id": "oddActor00000001",
        "name": "Odd",
        "type": "thing",
        "system": {"mood": "<p>calm</p>"},
    }
    plan = convert([FoundryDoc("Actor", odd, "x.db:1")], system_id="weird")
    data = entry(plan, "Odd").data
    assert "stats" not in data and data["kind"] == "creature"
    assert (
        len(plan.warnings) == 1 and "Odd" in plan.warnings[0] and "system.mood" in plan.warnings[0]
    )
    assert_all_valid(plan)
