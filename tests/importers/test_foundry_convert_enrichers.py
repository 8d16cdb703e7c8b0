"""Foundry enrichers read as the words a player would see on the page."""

from __future__ import annotations

import pytest

from storyai.core.importers.html_text import html_to_markdown

NAMES = {"ab12CD34ef56GH78": "Goblin Boss"}


def resolve(ref: str) -> str | None:
    """Like the converter's: a document's name by the id at the end of a reference."""
    return NAMES.get(ref.split(".")[-1])


def words(html: str, name: str | None = None) -> str:
    return html_to_markdown(f"<p>{html}</p>", resolve=resolve, name=name).text


@pytest.mark.parametrize(
    ("html", "expected"),
    [
        ("@UUID[Compendium.dnd5e.spells.Item.41JIhpDyM9Anm7cs]{magic missile}", "magic missile"),
        ("@UUID[Actor.ab12CD34ef56GH78]", "Goblin Boss"),  # resolved by the converter
        ("@UUID[.ab12CD34ef56GH78]", "Goblin Boss"),  # relative reference
        ("@UUID[Compendium.pf2e.conditionitems.Item.Off-Guard]", "Off-Guard"),
        ("@UUID[Compendium.x.y.Item.flat-footed]", "Flat footed"),
        ("see @UUID[Compendium.dnd5e.spells.Item.41JIhpDyM9Anm7cs].", "see ."),  # no label
        ("@Compendium[dnd5e.classfeatures.ID]{Extra Attack}", "Extra Attack"),
        ("&Reference[condition=prone]{Prone}", "Prone"),
        ("&Reference[prone]", "prone"),
        ("&Reference[blinded apply=false]", "blinded"),
        ("[[/r 1d20+2]]", "1d20+2"),
        ("[[/roll 2d6 # fire]]", "2d6"),
        ("[[/damage 2d6 fire]]", "2d6 fire"),
        ("[[/damage formula=3d8 type=cold average]]", "3d8 cold"),
        ("hit: [[/damage extended]].", "hit: ."),
        ("[[/damage average]]", ""),
        ("[[/save dex dc=15]]", "DC 15 Dexterity saving throw"),
        ("[[/save ability=con dc=12]] saving throw", "DC 12 Constitution saving throw"),
        ("[[/check skill=ath dc=12]]", "DC 12 Athletics check"),
        ("[[/skill acrobatics 15]]", "DC 15 Acrobatics check"),
        ("[[/check int]]", "Intelligence check"),
        ("[[/item .ab12CD34ef56GH78]]{shield}", "shield"),
        ("[[/item .ab12CD34ef56GH78]]", "Goblin Boss"),
        ("[[1d6]] damage", "1d6 damage"),
        ("[[lookup @name lowercase]]{monster}", "monster"),
        ("@Check[reflex|dc:20|basic]", "DC 20 basic Reflex save"),
        ("@Check[fortitude|dc:22] save", "DC 22 Fortitude save"),
        ("@Check[flat|dc:5]", "DC 5 flat check"),
        ("@Check[athletics|dc:18]", "DC 18 Athletics check"),
        ("@Damage[2d6[fire]]", "2d6 fire"),
        ("@Damage[(1d10+2)[piercing]]", "1d10+2 piercing"),
        ("@Damage[3d6[persistent,piercing]|options:area-damage]", "3d6 persistent piercing"),
        ("@Damage[2d6[fire],1d4[cold]]", "2d6 fire plus 1d4 cold"),
        ("@Template[emanation|distance:30]", "30-foot emanation"),
        ("@Template[type:burst|distance:20]", "20-foot burst"),
        ("@Localize[PF2E.NPC.Abilities.Glossary.Grab] grab", "grab"),
        ("@Embed[Compendium.dnd5e.rules.JournalEntry.x inline] text", "text"),
        ("@Widget[anything]{Shown}", "Shown"),
        ("@Widget[anything] gone", "gone"),
        ("mail me @ home [not an enricher]", "mail me @ home [not an enricher]"),
        ("@UUID[unclosed", "@UUID[unclosed"),
    ],
)
def test_enrichers_become_words(html, expected):
    assert words(html) == expected


def test_lookup_uses_the_documents_own_name():
    assert (
        words("the [[lookup @name lowercase]]{monster} hides", name="Goblin") == "the goblin hides"
    )
    assert words("[[lookup @name]]", name="Goblin") == "Goblin"


def test_resolved_names_are_text_not_markup():
    result = html_to_markdown("<p>@UUID[Actor.z]</p>", resolve=lambda ref: "<script>x</script>")
    assert "<script" not in result.text


def test_a_journal_page_that_documents_enricher_syntax_keeps_it_in_code() -> None:
    from foundry_convert_helpers import convert, entry

    from storyai.core.importers.foundry.documents import FoundryDoc

    html = (
        "<p>Link an actor with <code>@UUID[Actor.ab12CD34ef56GH78]{Boss}</code>, like "
        "@UUID[Actor.ab12CD34ef56GH78]{this one}. Roll [[/r 1d20]].</p>"
        "<pre><code>[[/save dex dc=15]]\n&amp;Reference[prone]</code></pre>"
    )
    markdown = "Write `[[/r 1d6]]` for a roll: [[/r 1d6]].\n\n```\n@Check[dex|dc:12]\n```"
    journal = {  # synthetic, written for this test
        "_id": "syntaxGuide00001",
        "name": "Enricher Guide",
        "ownership": {"default": 2},
        "pages": [
            {"_id": "page1", "name": "HTML", "type": "text", "text": {"content": html}},
            {"_id": "page2", "name": "Markdown", "type": "text", "text": {"markdown": markdown}},
        ],
    }
    plan = convert([FoundryDoc("JournalEntry", journal, "journal.db:1")])
    page = entry(plan, "Enricher Guide: HTML").data["text"]
    assert "`@UUID[Actor.ab12CD34ef56GH78]{Boss}`" in page
    assert "like this one. Roll 1d20." in page
    assert "```\n[[/save dex dc=15]]\n&Reference[prone]\n```" in page
    written = entry(plan, "Enricher Guide: Markdown").data["text"]
    assert written.startswith("Write `[[/r 1d6]]` for a roll: 1d6.")
    assert "```\n@Check[dex|dc:12]\n```" in written


def test_a_text_many_documents_share_says_each_documents_own_words() -> None:
    """A description read once for many documents (a spell every caster embeds) still
    names each document, rolls with each one's numbers and links what each one resolves."""
    text = (
        "<p>The [[lookup @name lowercase]] casts it: [[/attack extended]]. "
        "See @UUID[Compendium.x.Item.abc]. <code>[[/save]]</code></p>"
    )
    rolled = {"Goblin": "+4 to hit", "Lich": "+12 to hit"}
    seen = []
    for name in ("Goblin", "Lich", "Goblin"):
        found = html_to_markdown(
            text,
            name=name,
            rolls=lambda command, rest, name=name: rolled[name] if command == "attack" else None,
            resolve=lambda ref, name=name: f"{name}'s tome",
        ).text
        seen.append(found)
    assert seen[0] == ("The goblin casts it: +4 to hit. See Goblin's tome. `[[/save]]`"), seen[0]
    assert seen[1] == "The lich casts it: +12 to hit. See Lich's tome. `[[/save]]`"
    assert seen[2] == seen[0]
