"""Embeds stay within every Discord limit, whatever the world and the players wrote."""

from __future__ import annotations

from datetime import UTC, datetime

import discord
import pytest

from storyai.bots.output.embeds import (
    SeatLine,
    StatusSummary,
    embed_messages,
    fit_embed,
    hp_bar,
    inventory_embed,
    quests_embed,
    sheet_embed,
    status_embed,
)
from storyai.core.domain.sheet import Equipped, new_player_sheet
from storyai.core.domain.state import GameState, PlayerState, QuestState
from storyai.core.domain.world import World
from storyai.core.play.results import Seat, TableView
from storyai.core.views import PlayerView, player_view, quest_log

HUGE = 10_000


def assert_within_limits(embed: discord.Embed) -> dict:
    data = embed.to_dict()
    assert len(data.get("title", "")) <= 256
    assert len(data.get("description", "")) <= 4096
    fields = data.get("fields", [])
    assert len(fields) <= 25
    for f in fields:
        assert 1 <= len(f["name"]) <= 256, f["name"][:50]
        assert 1 <= len(f["value"]) <= 1024, f["value"][:50]
    footer = data.get("footer", {}).get("text", "")
    author = data.get("author", {}).get("name", "")
    assert len(footer) <= 2048 and len(author) <= 256
    total = len(data.get("title", "")) + len(data.get("description", "")) + len(footer)
    total += len(author) + sum(len(f["name"]) + len(f["value"]) for f in fields)
    assert total <= 6000
    return data


def make_world(**extra) -> World:
    return World.model_validate(
        {
            "world": {"id": "test_world", "title": "The Lamp", "version": "1.0.0"},
            "rules": {"system": "d20"},
            "start": {"location": "hall", "text": "You wake."},
            "locations": {"hall": {"name": "Great Hall", "description": "A hall."}},
            "archetypes": {
                "fighter": {
                    "name": "Fighter",
                    "stats": {"hit_die": 10},
                    "starting_items": ["sword", "rope"],
                }
            },
            "items": {
                "sword": {"name": "Sword", "kind": "weapon", "damage": "1d8"},
                "rope": {"name": "Rope"},
            },
            "quests": {
                "lamp": {
                    "title": "Light the Lamp",
                    "main": True,
                    "stages": [
                        {
                            "id": "climb",
                            "description": "Climb the tower.",
                            "objectives": [
                                {"description": "Find the key", "trigger": {"flag": "key"}},
                                {"description": "Open the door", "trigger": {"flag": "door"}},
                            ],
                        }
                    ],
                },
                "cat": {
                    "title": "Find the Cat",
                    "stages": [{"id": "look", "description": "Look around."}],
                },
            },
            **extra,
        }
    )


SCORES = {"str": 15, "dex": 14, "con": 13, "int": 12, "wis": 10, "cha": 8}


def make_player(world: World, name: str = "Ann", **sheet_changes) -> PlayerState:
    sheet = new_player_sheet(name, "fighter", world, scores=SCORES)
    sheet = sheet.model_copy(update=sheet_changes)
    return PlayerState(id="p1", name=name, location="hall", sheet=sheet)


def view_of(player: PlayerState, world: World) -> PlayerView:
    state = GameState(
        world_id="test_world", world_version="1.0.0", system="d20", players={player.id: player}
    )
    return player_view(state, world, player.id)


def quests_of(world: World, **quests: QuestState):
    state = GameState(world_id="test_world", world_version="1.0.0", system="d20", quests=quests)
    return quest_log(state, world)


# ------------------------------------------------------------------- sheet


def test_a_sheet_shows_hp_defence_gold_scores_and_gear() -> None:
    world = make_world()
    data = assert_within_limits(sheet_embed(view_of(make_player(world, hp=5), world)))
    fields = {f["name"]: f["value"] for f in data["fields"]}
    assert data["title"] == "Ann"
    assert data["description"] == "Fighter · Level 1 · 📍 Great Hall"
    assert fields["HP"] == "▰▰▰▰▰▱▱▱▱▱ 5/11"
    assert fields["AC"] == "12"
    assert fields["Gold"] == "10"
    assert fields["XP"] == "0"
    assert fields["Hit dice"] == "1/1 (d10)"
    assert fields["Conditions"] == "none"
    assert fields["Abilities"].startswith("**STR** 15 (+2) · **DEX** 14 (+2) · **CON** 13 (+1)")
    assert fields["Attacks"] == "**Sword** +4 to hit, 1d8+2 bludgeoning"
    assert fields["Equipped"] == "Weapon: Sword"
    assert data["color"] == discord.Colour.gold().value  # hurt: between a quarter and a half


def test_a_percentile_sheet_shows_characteristics_armor_sanity_and_skills() -> None:
    world = make_world(
        rules={"system": "percentile", "options": {"sanity": True}},
        archetypes={"fighter": {"name": "Medic", "stats": {"hp": 12, "skills": {"First Aid": 70}}}},
    )
    scores = {
        "str": 50,
        "con": 60,
        "siz": 55,
        "dex": 70,
        "app": 40,
        "int": 75,
        "pow": 65,
        "edu": 80,
    }
    sheet = new_player_sheet("Ann", "fighter", world, scores=scores)
    player = PlayerState(id="p1", name="Ann", location="hall", sheet=sheet)
    data = assert_within_limits(sheet_embed(view_of(player, world)))
    fields = {f["name"]: f["value"] for f in data["fields"]}
    assert data["description"] == "Medic · 📍 Great Hall"  # no levels in percentile
    assert fields["HP"] == "▰▰▰▰▰▰▰▰▰▰ 12/12"
    assert fields["Armor"] == "0" and fields["Sanity"] == "65"
    assert "AC" not in fields and "XP" not in fields
    assert fields["Characteristics"].startswith("**STR** 50 · **CON** 60 · **SIZ** 55")
    assert "(+" not in fields["Characteristics"]  # characteristics have no modifiers
    assert fields["Skills"].startswith("Own language 80% · First Aid 70%")


def test_hp_bar_is_never_empty_while_alive() -> None:
    assert hp_bar(0, 10) == "▱" * 10
    assert hp_bar(1, 100) == "▰" + "▱" * 9
    assert hp_bar(10, 10) == "▰" * 10
    assert hp_bar(5, 0) == "▰" * 10  # a broken max never divides by zero


def test_a_sheet_with_absurd_content_stays_within_limits() -> None:
    world = make_world()
    hostile = "**@everyone** <@&1> " + "N" * HUGE
    conditions = frozenset(f"cursed_{i}_" + "x" * 500 for i in range(200))
    player = make_player(world, name=hostile, conditions=conditions, temp_hp=5)
    player = player.model_copy(update={"location": "nowhere_" + "y" * HUGE})
    data = assert_within_limits(sheet_embed(view_of(player, world)))
    assert data["title"].startswith("\\*\\*@\u200beveryone\\*\\* \\<@&1> NNN")
    assert data["title"].endswith("…")
    conditions_field = next(f for f in data["fields"] if f["name"] == "Conditions")
    assert conditions_field["value"].endswith("more")
    assert any(f["value"].endswith("(+5 temp)") for f in data["fields"])


# --------------------------------------------------------------- inventory


def test_inventory_lists_items_by_name_with_counts_and_equipped_marked() -> None:
    world = make_world()
    player = make_player(world, inventory={"sword": 1, "rope": 3, "lost_thing": 1})
    data = assert_within_limits(inventory_embed(view_of(player, world)))
    assert data["title"] == "Inventory · Ann"
    assert data["description"] == (
        "💰 10 gold · 🎒 0/225 lb\n\n• lost\\_thing\n• Rope ×3\n• Sword *(equipped)*"
    )


def test_an_empty_inventory_says_so() -> None:
    world = make_world()
    player = make_player(world, inventory={}, equipped=Equipped())
    data = inventory_embed(view_of(player, world)).to_dict()
    assert data["description"] == "💰 10 gold · 🎒 0/225 lb\n\n*Nothing carried.*"


def test_two_hundred_absurd_items_stay_within_limits() -> None:
    world = make_world()
    inventory = {f"item_{i:03d}_" + "z" * HUGE: i + 1 for i in range(200)}
    player = make_player(world, name="Q" * HUGE, inventory=inventory, equipped=Equipped())
    data = assert_within_limits(inventory_embed(view_of(player, world)))
    lines = data["description"].split("\n")
    assert lines[-1].startswith("…and ") and lines[-1].endswith(" more")
    shown = sum(1 for line in lines if line.startswith("• "))
    assert shown + int(lines[-1].split()[1]) == 200


# ------------------------------------------------------------------ quests


def test_quests_show_the_current_stage_and_objectives() -> None:
    world = make_world()
    quests = quests_of(
        world,
        cat=QuestState(status="done"),
        lamp=QuestState(status="active", stage=0, done_objectives=[1]),
        gone=QuestState(status="active"),  # no longer in the world
    )
    data = assert_within_limits(quests_embed(quests))
    assert [f["name"] for f in data["fields"]] == ["⭐ Light the Lamp", "✅ Find the Cat"]
    assert data["fields"][0]["value"] == "Climb the tower.\n☐ Find the key\n☑ Open the door"


def test_no_quests_yet() -> None:
    assert quests_embed(quests_of(make_world())).description == "*No quests yet.*"


def test_two_hundred_long_quests_stay_within_limits() -> None:
    long_title = "T" * 200
    quests = {
        f"q{i}": {
            "title": long_title,
            "description": "d",
            "stages": [
                {
                    "id": "s",
                    "description": "Do " * 2000,
                    "objectives": [
                        {"description": "o" * 200, "trigger": {"flag": "f"}} for _ in range(40)
                    ],
                }
            ],
        }
        for i in range(200)
    }
    world = make_world().model_copy(update={"quests": make_world(quests=quests).quests})
    active = {f"q{i}": QuestState(status="active") for i in range(200)}
    data = assert_within_limits(quests_embed(quests_of(world, **active)))
    assert 1 <= len(data["fields"]) < 200
    assert data["footer"]["text"] == f"…and {200 - len(data['fields'])} more quests"


# ------------------------------------------------------------------ status


def test_status_shows_world_turn_mode_players_and_whose_turn() -> None:
    summary = StatusSummary(
        world_title="The Lamp",
        turn=12,
        mode="turn",
        players=[SeatLine("Ann", "joined", "host"), SeatLine("Bo", "idle"), SeatLine("Cy", "left")],
        whose_turn="Bo",
        deadline=datetime(2030, 1, 1, tzinfo=UTC),
    )
    data = assert_within_limits(status_embed(summary))
    assert data["title"] == "The Lamp"
    assert data["description"] == "🟢 **Ann** 👑\n🟡 **Bo** *(idle)*\n⚫ **Cy** *(left)*"
    fields = {f["name"]: f["value"] for f in data["fields"]}
    assert fields == {
        "Turn": "12",
        "Mode": "Turn order",
        "Whose turn": "Bo",
        "Next": "<t:1893456000:R>",
    }


def test_status_from_a_table_view_in_free_mode() -> None:
    view = TableView(
        session_id="s1",
        mode="free",
        seats=[Seat("p1", "u1", "**Ann**", "host", "joined")],
        whose_turn=None,
        queued=2,
        ended=False,
        deadline=None,
    )
    summary = StatusSummary.from_table(view, world_title="W", turn=3)
    data = assert_within_limits(status_embed(summary))
    assert data["description"] == "🟢 **\\*\\*Ann\\*\\*** 👑"
    fields = {f["name"]: f["value"] for f in data["fields"]}
    assert fields == {"Turn": "3", "Mode": "Free for all", "Queued": "2"}


def test_status_with_absurd_players_stays_within_limits() -> None:
    summary = StatusSummary(
        world_title="W" * HUGE,
        turn=1,
        mode="turn",
        players=[SeatLine("P" * HUGE, "who knows " * 100) for _ in range(200)],
        whose_turn="P" * HUGE,
    )
    data = assert_within_limits(status_embed(summary))
    assert data["description"].split("\n")[-1].startswith("…and ")


# ------------------------------------------------------------- the guards


def test_fit_embed_brings_any_embed_within_limits() -> None:
    embed = discord.Embed(title="T" * HUGE, description="word " * HUGE)
    for i in range(40):
        embed.add_field(name=f"n{i}" + "n" * HUGE, value="v" * HUGE)
    embed.add_field(name="", value="")
    embed.set_footer(text="f" * HUGE)
    embed.set_author(name="a" * HUGE)
    data = assert_within_limits(fit_embed(embed))
    assert data["title"].endswith("…") and data["footer"]["text"].endswith("…")
    assert data["fields"] and data["fields"][0]["name"].startswith("n0")


@pytest.mark.parametrize("count", [1, 10, 11, 25])
def test_embeds_are_grouped_into_messages(count: int) -> None:
    embeds = [discord.Embed(description="x" * 1000) for _ in range(count)]
    messages = embed_messages(embeds)
    assert sum(len(m) for m in messages) == count
    for message in messages:
        assert len(message) <= 10
        assert sum(len(e) for e in message) <= 6000
    assert len(messages) == -(-count // 6)  # six of 1,000 characters fit in 6,000
