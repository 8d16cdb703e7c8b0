"""Scene tokens and map notes: who gets their own character, what players may read."""

from __future__ import annotations

import pytest
from foundry_convert_helpers import assert_all_valid, convert, entry, file_doc, stats

from storyai.core.importers.foundry.documents import FoundryDoc

GOBLIN = "TjWQOgI3A4UAl7lC"
OPEN = "openJournal00001"


def _hp(value: int) -> dict:
    return {"attributes": {"hp": {"value": value, "max": value}}}


def _token(token_id: str, name: str, **kw) -> dict:
    return {"_id": token_id, "name": name, "actorId": GOBLIN, "hidden": False, **kw}


def _scene() -> dict:
    """SYNTHETIC: a v12 scene with unlinked, linked and unknown tokens and secret notes."""
    return {
        "_id": "sceneLair0000001",
        "name": "Troll <b>Lair</b>",
        "tokens": [
            _token("tA1", "Goblin Archer", actorLink=False, delta={"system": _hp(5)}),
            _token("tA2", "Goblin Archer", actorLink=False, delta={"system": _hp(9)}),
            # a ≤v10 token: its changes are in actorData.data
            _token("tC1", "Goblin Chief", actorLink=False, actorData={"data": _hp(21)}),
            _token("tG1", "Goblin", actorLink=False, delta={"system": {}}),
            _token("tG2", "Goblin", actorLink=False),
            _token("tL1", "Goblin", actorLink=True),
            {"_id": "tX1", "name": "Ghost", "actorId": "missingActor0001", "hidden": False},
        ],
        "notes": [
            {"_id": "n1", "entryId": "secretJournal001", "text": "Troll lair"},
            {"_id": "n2", "entryId": OPEN, "pageId": "secretPage000001", "text": "Altar"},
            {"_id": "n3", "entryId": OPEN, "pageId": "openPage00000001", "text": "Well"},
        ],
    }  # fmt: skip


def _journals() -> list[FoundryDoc]:
    secret = {
        "_id": "secretJournal001",
        "name": "The Troll's Weakness",
        "ownership": {"default": 0},
        "pages": [
            {"_id": "p1", "name": "Fire", "type": "text", "text": {"content": "<p>Fire.</p>"}}
        ],
    }
    public = {
        "_id": "openJournal00001",
        "name": "Village Guide",
        "ownership": {"default": 2},
        "pages": [
            {"_id": "openPage00000001", "name": "The Well", "type": "text",
             "text": {"content": "<p>Deep.</p>"}},
            {"_id": "secretPage000001", "name": "Blood Altar", "type": "text",
             "ownership": {"default": 0}, "text": {"content": "<p>Cultists.</p>"}},
        ],
    }  # fmt: skip
    return [
        FoundryDoc("JournalEntry", secret, "journal.db:1"),
        FoundryDoc("JournalEntry", public, "journal.db:2"),
    ]


@pytest.fixture
def plan(foundry_fixtures):
    goblin = file_doc(foundry_fixtures / "dnd5e-5.3.3-source-yaml/monsters/goblin.yml")
    docs = [FoundryDoc("Scene", _scene(), "scenes.db:1"), *_journals(), goblin]
    return convert(docs, system_id="dnd5e")


def test_notes_pointing_to_gm_only_lore_stay_out_of_the_public_description(plan):
    lair = entry(plan, "Troll Lair", "locations").data["description"]
    assert "Notes on the map: Well (see Village Guide: The Well)." in lair
    assert "Troll" not in lair.replace("Troll Lair", "")
    assert "Weakness" not in lair and "Altar" not in lair
    gm = entry(plan, "Troll Lair (GM: map notes)", "lore").data
    assert gm["visibility"] == "gm-only"
    assert "Troll lair (see The Troll's Weakness)" in gm["text"]
    assert "Altar (see Village Guide: Blood Altar)" in gm["text"]


def test_a_hidden_note_is_gm_only_even_when_its_journal_is_public(foundry_fixtures):
    scene = _scene()
    scene["notes"] = [
        {"_id": "n9", "entryId": "openJournal00001", "text": "Ambush", "hidden": True}
    ]
    plan = convert([FoundryDoc("Scene", scene, "scenes.db:1"), *_journals()], system_id="dnd5e")
    assert "Ambush" not in entry(plan, "Troll Lair", "locations").data["description"]
    assert "Ambush" in entry(plan, "Troll Lair (GM: map notes)", "lore").data["text"]


def test_unlinked_tokens_that_differ_become_their_own_characters(plan):
    lair = entry(plan, "Troll Lair", "locations").data
    goblin = entry(plan, "Goblin", "characters")
    tokens = {e.id: e for e in plan.entries if e.section == "characters" and e is not goblin}
    assert sorted(tokens) == ["goblin_archer", "goblin_archer_2", "goblin_chief"]
    assert sorted(lair["characters"]) == sorted([*tokens, goblin.id])
    assert [stats(plan, "Goblin Archer").hp, tokens["goblin_archer_2"].data["stats"]["hp"]] == [
        5,
        9,
    ]
    assert stats(plan, "Goblin Chief").hp == 21
    assert stats(plan, "Goblin").hp == 7  # the actor itself is unchanged
    assert stats(plan, "Goblin Chief").ac == stats(plan, "Goblin").ac  # the rest is the actor's
    refs = [e.data["source"]["ref"] for e in tokens.values()]
    assert sorted(refs) == [f"Scene.sceneLair0000001.Token.{t}" for t in ("tA1", "tA2", "tC1")]
    assert all(e.data["source"]["raw"] is None for e in tokens.values())
    assert entry(plan, "Troll Lair", "locations").data["source"]["raw"]["tokens"]
    # two unlinked copies and one linked token share the actor's character
    assert "On the map: Goblin ×3." in lair["description"]
    assert_all_valid(plan)


def test_a_token_without_its_actor_is_named_and_reported(plan):
    assert "Also here: Ghost." in entry(plan, "Troll Lair", "locations").data["description"]
    rows = [s for s in plan.skipped if "Ghost" in s.origin]
    assert rows and "actor was not in the import" in rows[0].reason
