"""The bot's /sheet embed shows a caster's spells and slots, within Discord's limits."""

from __future__ import annotations

from test_output_embeds import assert_within_limits, make_world, view_of

from storyai.bots.output.embeds import sheet_embed
from storyai.core.domain.sheet import new_player_sheet
from storyai.core.domain.state import PlayerState

SCORES = {"str": 8, "dex": 14, "con": 13, "int": 15, "wis": 12, "cha": 10}


def wizard_world():
    return make_world(
        archetypes={
            "wizard": {
                "name": "Wizard",
                "stats": {"hit_die": 6, "spells": ["fire bolt", "sleep", "Fireball", "bolt"]},
            }
        },
        spells={
            "bolt": {
                "name": "Bolt of *Doom*",
                "level": 2,
                "attack": "ranged",
                "damage": "3d6",
                "damage_type": "lightning",
                "description": "@everyone " * 300,
            }
        },
    )


def test_the_sheet_embed_lists_spells_and_slots() -> None:
    world = wizard_world()
    sheet = new_player_sheet("Ann", "wizard", world, scores=SCORES)
    sheet = sheet.model_copy(update={"level": 5, "proficiency_bonus": 3})
    spent = sheet.spellcasting.model_copy(update={"spent": {1: 3}})
    player = PlayerState(
        id="p1", name="Ann", location="hall", sheet=sheet.model_copy(update={"spellcasting": spent})
    )
    data = assert_within_limits(sheet_embed(view_of(player, world)))
    fields = {f["name"]: f["value"] for f in data["fields"]}
    assert fields["1st-level slots"] == "1/4"
    assert fields["3rd-level slots"] == "2/2"
    spells = fields["Spells"].splitlines()
    assert spells[0] == r"**Fire Bolt** *cantrip*: \+5 to hit, 2d10 fire"  # \+ shows as +
    assert "**Fireball** *3rd*: DC 13 Dex save, 8d6 fire, 20-foot radius" in spells
    assert any(line.startswith(r"**Bolt of \*Doom\*** *2nd*") for line in spells)
    assert "@everyone" not in fields["Spells"]
