"""Journal pages and roll tables become lore, keeping who may read them."""

from __future__ import annotations

from pathlib import Path

import pytest
from foundry_convert_helpers import assert_all_valid, convert, entry, file_doc

from storyai.core.importers.foundry.documents import FoundryDoc

JOURNAL = "dnd5e-5.3.3-source-yaml/journal"


@pytest.fixture(scope="module")
def rules(foundry_fixtures: Path):
    paths = sorted((foundry_fixtures / JOURNAL).glob("*.yml"))
    return convert([file_doc(p, "JournalEntry", pack="dnd5e.rules") for p in paths])


def test_every_text_page_becomes_lore_without_html_or_enrichers(rules):
    lore = [e for e in rules.entries if e.section == "lore"]
    assert len(lore) == 27  # 29 pages, 2 of which only embed other pages
    for found in lore:
        text = found.data["text"]
        assert "<" not in text.replace("&lt;", "") and "@UUID[" not in text
        assert "&Reference[" not in text and "[[" not in text and "@Embed[" not in text
        assert found.data["visibility"] == "public"  # a compendium with no pack rules
        assert found.kind == "journal page"
    prone = entry(rules, "Appendix A: Conditions: Prone").data
    assert prone["keywords"] == ["prone", "appendix a: conditions"]
    assert prone["text"].startswith("- A prone creature")
    grappled = entry(rules, "Appendix A: Conditions: Grappled").data["text"]
    assert "Incapacitated" in grappled  # @UUID[.TpkZgLfxCmSndmpb]{Incapacitated}
    assert_all_valid(rules)


def test_pages_that_only_embed_other_pages_are_reported(rules):
    skipped = {(s.origin.split("page ")[-1], s.reason) for s in rules.skipped}
    assert skipped == {("'Time'", "empty page"), ("'Resting'", "empty page")}


def test_pack_ownership_can_make_a_compendium_gm_only(foundry_fixtures):
    doc = file_doc(
        foundry_fixtures / JOURNAL / "appendix-d-senses-and-speeds.yml",
        "JournalEntry",
        pack="rules",
    )
    plan = convert([doc], pack_ownership={"rules": {"PLAYER": "NONE", "ASSISTANT": "OWNER"}})
    assert {e.data["visibility"] for e in plan.entries} == {"gm-only"}
    plan = convert([doc], pack_ownership={"rules": {"PLAYER": "OBSERVER"}})
    assert {e.data["visibility"] for e in plan.entries} == {"public"}


def _world_journal() -> dict:
    """SYNTHETIC: a v11 world journal with a secret, a GM-only page and an image."""
    secret = '<section class="secret"><p>The mayor is the cultist.</p></section>'
    return {
        "_id": "worldJournal0001",
        "name": "Saltmarsh",
        "ownership": {"default": 2},
        "pages": [
            {
                "_id": "pagePublic000001",
                "name": "The Town",
                "type": "text",
                "sort": 100,
                "ownership": {"default": -1},
                "text": {"format": 1, "content": f"<h2>Town</h2><p>Fishing folk.</p>{secret}"},
            },
            {
                "_id": "pageGmOnly000001",
                "name": "Cult Plans",
                "type": "text",
                "sort": 200,
                "ownership": {"default": 0},
                "text": {"format": 1, "content": "<p>They meet at [[/r 1d4]] bells.</p>"},
            },
            {"_id": "pageImage0000001", "name": "Map", "type": "image", "src": "map.webp"},
            {
                "_id": "pageMarkdown0001",
                "name": "Notes",
                "type": "text",
                "sort": 300,
                "text": {
                    "format": 2,
                    "content": "",
                    "markdown": "# Notes\n\n- see @UUID[JournalEntry.worldJournal0001"
                    ".JournalEntryPage.pageGmOnly000001]",
                },
            },
        ],
    }


def test_secrets_and_gm_only_pages_stay_gm_only():
    plan = convert([FoundryDoc("JournalEntry", _world_journal(), "journal.db:1")])
    town = entry(plan, "Saltmarsh: The Town").data
    assert town["visibility"] == "public"
    assert "mayor" not in town["text"] and town["text"] == "## Town\n\nFishing folk."
    notes = entry(plan, "Saltmarsh: The Town (GM notes)").data
    assert (notes["visibility"], notes["text"]) == ("gm-only", "The mayor is the cultist.")
    plans = entry(plan, "Saltmarsh: Cult Plans").data
    assert (plans["visibility"], plans["text"]) == ("gm-only", "They meet at 1d4 bells.")
    markdown = entry(plan, "Saltmarsh: Notes").data["text"]
    assert markdown == "# Notes\n\n- see Cult Plans"
    assert [(s.origin.endswith("page 'Map'"), s.reason) for s in plan.skipped] == [
        (True, "image page: no text")
    ]
    assert_all_valid(plan)


def test_one_document_many_entries_share_one_raw_copy():
    raw = _world_journal()
    plan = convert([FoundryDoc("JournalEntry", raw, "journal.db:1")])
    sources = [e.data["source"] for e in plan.entries]
    assert sources[0]["raw"] == raw
    assert all(s["raw"] is None for s in sources[1:])
    refs = [s["ref"] for s in sources]
    assert refs[0] == "JournalEntry.worldJournal0001.JournalEntryPage.pagePublic000001"
    assert len(set(refs)) == len(refs)


def test_world_journals_default_to_gm_only_and_old_journals_use_permission():
    hidden = {
        "_id": "hiddenJournal001",
        "name": "Plot",
        "ownership": {"default": 0},
        "pages": [
            {"_id": "p1", "name": "Plot", "type": "text", "text": {"content": "<p>Twist.</p>"}}
        ],
    }
    old = {
        "_id": "oldJournal000001",
        "name": "Legends",
        "permission": {"default": 2},
        "content": "<p>Long ago&hellip;</p>",
    }
    plan = convert([FoundryDoc("JournalEntry", hidden, "a"), FoundryDoc("JournalEntry", old, "b")])
    plot = entry(plan, "Plot").data  # one page named like its entry: the entry's name alone
    assert (plot["visibility"], plot["text"]) == ("gm-only", "Twist.")
    legends = entry(plan, "Legends")
    assert (legends.data["visibility"], legends.data["text"]) == ("public", "Long ago…")
    assert legends.kind == "journal entry"


def test_long_pages_are_split_into_numbered_parts():
    paragraphs = "".join(f"<p>{'word ' * 300}{n}</p>" for n in range(30))  # ~45,000 chars
    doc = {
        "_id": "bigJournal000001",
        "name": "Gazetteer",
        "ownership": {"default": 2},
        "pages": [
            {
                "_id": "bigPage000000001",
                "name": "Gazetteer",
                "type": "text",
                "text": {"content": paragraphs},
            }
        ],
    }
    plan = convert([FoundryDoc("JournalEntry", doc, "a")])
    titles = [e.data["title"] for e in plan.entries]
    assert titles == ["Gazetteer (part 1)", "Gazetteer (part 2)", "Gazetteer (part 3)"]
    assert all(len(e.data["text"]) <= 20_000 for e in plan.entries)
    assert "29" in plan.entries[-1].data["text"]
    assert_all_valid(plan)


def test_a_roll_table_lists_its_results_with_ranges():
    table = {
        "_id": "tableRandom00001",
        "name": "Tavern Rumours",
        "formula": "1d6",
        "ownership": {"default": 2},
        "results": [
            {"_id": "r2", "range": [4, 6], "text": "The well is <b>haunted</b>."},
            {"_id": "r1", "range": [1, 3], "text": "The mayor hides a secret."},
            {"_id": "r3", "range": [7, 7], "name": "Nothing"},
        ],
    }
    plan = convert([FoundryDoc("RollTable", table, "tables.db:1")])
    lore = entry(plan, "Tavern Rumours")
    assert lore.kind == "table"
    assert lore.data["text"] == (
        "Roll 1d6.\n\n- 1–3: The mayor hides a secret.\n- 4–6: The well is **haunted**.\n"
        "- 7: Nothing"
    )
    assert_all_valid(plan)
