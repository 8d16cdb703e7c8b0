"""dnd5e cantrips imported from Foundry grow with the caster's level (SRD: 5th, 11th, 17th)."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest
from foundry_convert_helpers import convert, file_doc, nedb_docs, stats

from storyai.core.importers.foundry.documents import FoundryDoc

MAGE = "dnd5e-5.3.3-source-yaml/monsters/mage.yml"


def with_level(doc: FoundryDoc, level: int) -> FoundryDoc:
    data = copy.deepcopy(doc.data)
    data["system"]["details"]["spellLevel"] = level
    return FoundryDoc(doc.document, data, doc.origin, pack=doc.pack)


@pytest.mark.parametrize(
    ("level", "dice"), [(1, "1d10"), (4, "1d10"), (5, "2d10"), (11, "3d10"), (18, "4d10")]
)
def test_activity_cantrip_damage_follows_the_caster_level(foundry_fixtures: Path, level, dice):
    mage = with_level(file_doc(foundry_fixtures / MAGE, pack="monsters"), level)
    fire_bolt = next(a for a in stats(convert([mage], system_id="dnd5e"), "Mage").attacks)
    assert fire_bolt.name == "Fire Bolt" and fire_bolt.damage == dice


def test_a_legacy_cantrip_scales_from_its_formula(foundry_fixtures: Path):
    heroes = foundry_fixtures / "dnd5e-2.4.1-nedb" / "heroes.db"
    docs = nedb_docs(heroes, "Actor", "heroes")
    zanna = next(d for d in docs if d.data["name"].startswith("Zanna"))
    data = copy.deepcopy(zanna.data)
    assert json.dumps(data).count('"cantrip"') >= 1
    plain = stats(convert([zanna], system_id="dnd5e"), data["name"]).attacks
    assert next(a for a in plain if a.name == "Fire Bolt").damage == "1d10"  # 1st level
    wizard = next(i for i in data["items"] if i["type"] == "class")
    wizard["system"]["levels"] = 11
    older = FoundryDoc(zanna.document, data, zanna.origin, pack=zanna.pack)
    scaled = stats(convert([older], system_id="dnd5e"), data["name"]).attacks
    assert next(a for a in scaled if a.name == "Fire Bolt").damage == "3d10"
