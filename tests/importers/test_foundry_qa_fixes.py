"""HTML in names, monster actions and recharge, pf2e level 0, emphasis side by side."""

from __future__ import annotations

import json

from foundry_convert_helpers import convert, entry, file_doc

from storyai.core.importers.foundry.documents import FoundryDoc
from storyai.core.importers.html_text import html_to_markdown


def test_html_is_stripped_from_titles_names_and_folder_tags():
    folder = {"_id": "folderSub0000001", "name": "Sub <i>Folder</i>", "type": "JournalEntry"}
    journal = {
        "_id": "journalHtml00001",
        "name": "The <b>Old</b> Well",
        "folder": "folderSub0000001",
        "ownership": {"default": 2},
        "content": "<p>Deep and dark.</p>",
    }
    docs = [FoundryDoc("Folder", folder, "f:1"), FoundryDoc("JournalEntry", journal, "j:1")]
    plan = convert(docs, title="QA <b>Keep</b> of Shadows")
    assert plan.title == "QA Keep of Shadows"
    lore = entry(plan, "The Old Well", "lore")
    assert lore.id == "the_old_well"
    assert lore.data["tags"] == ["sub_folder"]


def test_monster_actions_are_under_actions_with_their_recharge(foundry_fixtures):
    base = foundry_fixtures / "dnd5e-5.3.3-source-yaml/monsters"
    plan = convert([file_doc(base / "young-red-dragon.yml")], system_id="dnd5e")
    text = entry(plan, "Young Red Dragon").data["description"]
    features, actions = text.split("## Actions")
    assert "**Fire Breath (Recharge 5–6).**" in actions
    assert "**Multiattack.**" in actions
    assert "Fire Breath" not in features


def test_a_3x_monster_keeps_passive_traits_as_features(foundry_fixtures):
    path = foundry_fixtures / "dnd5e-3.3.1-source-json/monsters/troll.json"
    plan = convert([file_doc(path)], system_id="dnd5e")
    character = entry(plan, "Troll").data
    features, actions = character["description"].split("## Actions")
    assert "**Keen Smell.**" in features and "**Regeneration.**" in features
    assert "**Multiattack.**" in actions
    # the GM-only attack lines are valid Markdown: no runs of three markers
    assert "*Melee Weapon Attack:* **+7 to hit,**" in character["secrets"][0]
    assert ":***" not in " ".join(character["secrets"])


def test_side_by_side_emphasis_stays_readable():
    text = html_to_markdown("<p><em>Hit:</em><strong>7 damage</strong></p>").text
    assert text == "*Hit:* **7 damage**"


def _pf2e(tmp_path, srd_data):
    data = json.loads((srd_data / "other/pf2e/cinder-rat.json").read_text(encoding="utf-8"))
    data["system"]["details"]["level"] = {"value": 0}
    data["items"] = [
        *[i for i in data.get("items", []) if i.get("type") != "action"],
        {"_id": "a1", "name": "Ferocity", "type": "action",
         "system": {"description": {"value": ""}, "actionType": {"value": "reaction"},
                    "traits": {"value": []}}},
        {"_id": "a2", "name": "Nothing Known", "type": "action", "system": {}},
    ]  # fmt: skip
    return convert([FoundryDoc("Actor", data, "pf2e:1")], system_id="pf2e")


def test_a_pf2e_level_0_creature_says_so(tmp_path, srd_data):
    plan = _pf2e(tmp_path, srd_data)
    found = next(e for e in plan.entries if e.section == "characters").data
    assert found["description"].startswith("Level 0 creature (its stat block says level 1")
    assert "Creature 0" not in found["description"]
    assert found["stats"]["level"] == 1
    assert "**Ferocity.** Reaction." in found["description"]
    assert "Nothing Known" not in found["description"]
