"""/character create (a modal), /powers and /legacy through the real discord.py client
and the fake Discord: what a player sees."""

from __future__ import annotations

import pytest
from fakes.discord.harness import FakeInteraction, running_bot
from test_bot_game import TOLD_MARK, Time, new_bot, start_story, text_of

from storyai.core import services
from storyai.core.worlds.bundled import bundled_world_paths
from storyai.core.worlds.validate import load_world

WORLD = load_world(bundled_world_paths()["ember_hollow"])
REMEMBERED = next(t for t in WORLD.playtests if t.expect.ending == "the_long_thaw_remembered")


@pytest.fixture
async def installed(uow_factory):
    await services.install_world(uow_factory, WORLD, source="bundled")
    return uow_factory


def submit(fake, modal: dict, *, user: str, channel: str, values: dict[str, str]):
    """Fill in and submit the modal the bot opened, as a player does."""
    rows = []
    for row in modal["components"]:
        (field,) = row["components"]
        rows.append(
            {
                "type": 1,
                "components": [
                    {
                        "type": 4,
                        "custom_id": field["custom_id"],
                        "value": values.get(field["label"], ""),
                    }
                ],
            }
        )
    ix = FakeInteraction(
        fake,
        type=5,
        user=fake.user(user),
        channel=fake.channel(channel),
        name=modal["custom_id"],
        data={"custom_id": modal["custom_id"], "components": rows},
    )
    return fake.send_interaction(ix)


async def test_character_create_opens_a_form_and_joins_as_that_character(installed):
    async with running_bot(new_bot(installed, Time())) as fake:
        await start_story(fake)
        opened = await fake.slash("character create", user="bob", channel="adventures")
        assert opened.modal is not None and opened.modal["title"] == "Create your character"
        labels = [row["components"][0]["label"] for row in opened.modal["components"]]
        assert labels == ["Name", "Title", "Origin", "Appearance (one line)", "Backstory"]
        joined = await submit(
            fake,
            opened.modal,
            user="bob",
            channel="adventures",
            values={"Name": "Bryn", "Title": "the Lamplighter", "Origin": "the lower terraces"},
        )
        await fake.wait_until(lambda: "**Bryn** joins the story." in text_of(joined))
        await fake.wait_until(lambda: "Reeve Hesta" in text_of(joined))  # told arriving
        sheet = await fake.slash("sheet", user="bob", channel="adventures")
        await sheet.wait_reply()
        embed = sheet.reply.embeds[0]
        shown = str(embed)
        assert "Bryn" in shown
        state_sheet = await installed_sheet(fake, installed, "bob")
        assert state_sheet.identity.title == "the Lamplighter"
        assert state_sheet.identity.origin == "the lower terraces"
        assert fake.violations == []


async def installed_sheet(fake, uow, user: str):
    from storyai.core.play import Play

    play = Play(uow)
    story = await play.here(str(fake.channel("adventures").id))
    player, state, _ = await play.character(story.id, user_ref=str(fake.user(user).id))
    return state.players[player.id].sheet


async def test_powers_shows_each_power_privately_with_its_cost_and_readiness(installed):
    async with running_bot(new_bot(installed, Time())) as fake:
        await start_story(fake)
        shown = await fake.slash("powers", user="alice", channel="adventures")
        await shown.wait_reply()
        reply = shown.reply
        assert reply.ephemeral
        assert "Powers · 4/4 PP" in reply.content
        assert "Ember Touch (elemental, 1 PP · cooldown 1 turn · not undead)" in reply.content
        assert "Combo Hearthfire (Ember Touch + Hearth Ward, 3 PP)" in reply.content
        assert fake.violations == []


async def test_legacy_shows_what_finished_stories_earned_this_discord_user(installed):
    bot = new_bot(installed, Time())
    async with running_bot(bot) as fake:
        before = await fake.slash("legacy", user="alice", channel="adventures")
        await before.wait_reply()
        assert before.reply.ephemeral
        assert before.reply.content.startswith("Legacy: no finished stories yet.")
        channel, alice = fake.channel("adventures"), fake.user("alice")
        started = await bot.play.start_in_channel(  # the seed the playtest plays with
            str(channel.id),
            "ember_hollow",
            user_ref=str(alice.id),
            player_name="Mira",
            seed=REMEMBERED.seed,
        )
        for text in REMEMBERED.inputs:
            result = await bot.play.act(started.session_id, text)
        assert result.ended == "the_long_thaw_remembered"
        after = await fake.slash("legacy", user="alice", channel="adventures")
        await after.wait_reply()
        content = after.reply.content
        assert "1 finished story · 30 legend points · Friend of the Hollow" in content
        assert "First Ending: a story finished (+5)" in content
        assert "Everwarm Coal" in content
        other = await fake.slash("legacy", user="bob", channel="adventures")
        await other.wait_reply()
        assert other.reply.content.startswith("Legacy: no finished stories yet.")
        assert fake.violations == []


async def test_sheet_shows_the_reputation_a_turn_earned(installed):
    async with running_bot(new_bot(installed, Time())) as fake:
        await start_story(fake)
        said = await fake.say("talk to hesta about mine", user="alice", channel="adventures")
        told = await fake.wait_message("adventures", after=said, contains=TOLD_MARK)
        assert "Reputation with The Hollowfolk: +10 (10)." in told.content
        sheet = await fake.slash("sheet", user="alice", channel="adventures")
        await sheet.wait_reply()
        fields = {f["name"]: f["value"] for f in sheet.reply.embeds[0]["fields"]}
        assert fields["Reputation"] == "The Hollowfolk +10, The Sootfoot Goblins +0"
        assert "Titles" not in fields and "Exhaustion" not in fields
        assert fake.violations == []


LEVEL_UP = next(t for t in WORLD.playtests if "Deep Warden" in t.name)


def _components(message) -> list[dict]:
    return [c for row in message.components for c in row.get("components", [])]


async def test_levelup_is_a_select_and_buttons_that_play_the_choice(installed):
    bot = new_bot(installed, Time())
    async with running_bot(bot) as fake:
        channel, alice = fake.channel("adventures"), fake.user("alice")
        started = await bot.play.start_in_channel(
            str(channel.id),
            "ember_hollow",
            user_ref=str(alice.id),
            player_name="Mira",
            seed=LEVEL_UP.seed,
        )
        waiting = await fake.slash("levelup", user="alice", channel="adventures")
        await waiting.wait_reply()
        assert waiting.reply.content == "No level-up choice is waiting."
        for text in LEVEL_UP.inputs:
            await bot.play.act(started.session_id, text)
        shown = await fake.slash("levelup", user="alice", channel="adventures")
        await shown.wait_reply()
        picker = shown.reply
        assert picker.ephemeral and "reached level 2" in picker.content
        assert "New: **Action Surge** (power: Action Surge) Once between" in picker.content
        assert "**Ember Adept**: needs level 4, Deep Warden" in picker.content
        parts = _components(picker)
        select = next(c for c in parts if c["type"] == 3)
        assert [o["value"] for o in select["options"]] == ["str", "dex", "con", "int", "wis", "cha"]
        assert select["max_values"] == 2
        labels = [c["label"] for c in parts if c["type"] == 2]
        assert labels == ["Deep Warden", "Hearth-Sworn"]  # the open ones only
        strength = (await installed_sheet(fake, installed, "alice")).abilities
        picked = await fake.click(picker, select["custom_id"], user="alice", values=["dex", "con"])
        await fake.wait_until(lambda: TOLD_MARK in text_of(picked))  # the turn's footer
        assert "You grow stronger: DEX" in text_of(picked)
        after = await installed_sheet(fake, installed, "alice")
        assert after.abilities["dex"] == strength["dex"] + 1
        assert after.abilities["con"] == strength["con"] + 1 and after.improvements == 0
        stale = next(c for c in parts if c.get("label") == "Deep Warden")
        again = await fake.click(picker, stale["custom_id"], user="alice")
        await fake.wait_until(lambda: TOLD_MARK in text_of(again))
        assert "no level-up choice" in text_of(again)
        assert (await installed_sheet(fake, installed, "alice")).specializations == ()
        sheet = await fake.slash("sheet", user="alice", channel="adventures")
        await sheet.wait_reply()
        fields = {f["name"]: f["value"] for f in sheet.reply.embeds[0]["fields"]}
        assert fields["Features"] == (
            "**Second Wind** *(level 1)*: Once between long rests, catch your breath in "
            "the thick of a fight.\n**Action Surge** *(level 2)*: Once between long rests, "
            "one more blow before the foe can answer."
        )
        assert fake.violations == []


async def test_character_create_spends_legend_points_on_what_the_world_sells(installed):
    from storyai.core.domain.legacy import profile_key

    bot = new_bot(installed, Time())
    async with running_bot(bot) as fake:
        channel, alice = fake.channel("adventures"), fake.user("alice")
        started = await bot.play.start_in_channel(
            str(channel.id),
            "ember_hollow",
            user_ref=str(alice.id),
            player_name="Mira",
            seed=REMEMBERED.seed,
        )
        for text in REMEMBERED.inputs:
            await bot.play.act(started.session_id, text)
        await start_story(fake, channel="general")  # alice hosts it; bob joins buying
        broke = await fake.slash("character create", user="bob", channel="general", buy="seasoned")
        refused = await submit(
            fake, broke.modal, user="bob", channel="general", values={"Name": "Bryn"}
        )
        await fake.wait_until(lambda: "legend points" in text_of(refused))
        assert "costs 15 legend points; your legacy has 0" in text_of(refused)
        carol = fake.user("carol")
        await bot.play.import_profile(
            await bot.play.export_profile(profile_key(str(alice.id))), profile_key(str(carol.id))
        )
        opened = await fake.slash(
            "character create", user="carol", channel="general", buy="seasoned"
        )
        joined = await submit(
            fake, opened.modal, user="carol", channel="general", values={"Name": "Cass"}
        )
        await fake.wait_until(lambda: "**Cass** joins the story." in text_of(joined))
        await fake.wait_until(lambda: TOLD_MARK in text_of(joined))
        story = await bot.play.here(str(fake.channel("general").id))
        player, state, _ = await bot.play.character(story.id, user_ref=str(carol.id))
        cass = state.players[player.id].sheet
        assert cass.level == 1 and cass.max_hp == cass.hit_die + cass.mod("con") + 3  # seasoned
        assert (await bot.play.profile(profile_key(str(carol.id)))).spent == 15
        assert (await bot.play.profile(profile_key(str(alice.id)))).spent == 0
        assert fake.violations == []


async def legacy_for(bot, fake, user: str) -> None:
    """``user``'s profile: what alice's finished Ember Hollow story earned (30 legend
    points, the everwarm coal, Sister Wren, two titles), imported as a file."""
    from storyai.core.domain.legacy import profile_key

    alice = fake.user("alice")
    started = await bot.play.start_in_channel(
        str(fake.channel("adventures").id),  # finished before the test plays
        "ember_hollow",
        user_ref=str(alice.id),
        player_name="Mira",
        seed=REMEMBERED.seed,
    )
    for text in REMEMBERED.inputs:
        await bot.play.act(started.session_id, text)
    await bot.play.import_profile(
        await bot.play.export_profile(profile_key(str(alice.id))),
        profile_key(str(fake.user(user).id)),
    )


async def test_story_join_brings_the_follower_heirloom_and_title_picked(installed):
    bot = new_bot(installed, Time())
    async with running_bot(bot) as fake:
        await legacy_for(bot, fake, "carol")
        await start_story(fake, channel="general")
        joined = await fake.slash(
            "story join",
            user="carol",
            channel="general",
            name="Cass",
            follower="Sister Wren",
            heirloom="everwarm_coal",
            legacy_title="Little Warden",
        )
        await joined.wait_text(TOLD_MARK)
        story = await bot.play.here(str(fake.channel("general").id))
        player, state, _ = await bot.play.character(story.id, user_ref=str(fake.user("carol").id))
        cass = state.players[player.id].sheet
        assert cass.inventory["everwarm_coal"] == 1
        assert cass.identity is not None and cass.identity.title == "Little Warden"
        assert state.npcs["wren"].attitude == "friendly"
        assert state.npcs["wren"].location == WORLD.start.location
        refused = await fake.slash(
            "story join", user="bob", channel="general", follower="Sister Wren"
        )
        await fake.wait_until(lambda: "not a follower of yours" in text_of(refused))
        state, _ = await bot.play.state(story.id)
        assert sorted(p.name for p in state.players.values()) == ["Alice", "Cass"]
        assert fake.violations == []


async def test_character_create_brings_an_heirloom_through_the_form(installed):
    bot = new_bot(installed, Time())
    async with running_bot(bot) as fake:
        await legacy_for(bot, fake, "carol")
        await start_story(fake, channel="general")
        opened = await fake.slash(
            "character create", user="carol", channel="general", heirloom="everwarm_coal"
        )
        joined = await submit(
            fake, opened.modal, user="carol", channel="general", values={"Name": "Cass"}
        )
        await fake.wait_until(lambda: TOLD_MARK in text_of(joined))
        story = await bot.play.here(str(fake.channel("general").id))
        player, state, _ = await bot.play.character(story.id, user_ref=str(fake.user("carol").id))
        assert state.players[player.id].sheet.inventory["everwarm_coal"] == 1
        assert fake.violations == []


async def test_levelup_offers_a_percentile_character_its_specializations_alone(uow_factory):
    halvard = load_world(bundled_world_paths()["halvard_relay"])
    await services.install_world(uow_factory, halvard, source="bundled")
    grown = next(t for t in halvard.playtests if t.picks == ["forensic eye"])
    bot = new_bot(uow_factory, Time())
    async with running_bot(bot) as fake:
        channel, alice = fake.channel("adventures"), fake.user("alice")
        started = await bot.play.start_in_channel(
            str(channel.id),
            "halvard_relay",
            user_ref=str(alice.id),
            player_name="Tester",
            seed=grown.seed,
        )
        for text in grown.inputs[: grown.inputs.index("long rest") + 1]:
            await bot.play.act(started.session_id, text)
        shown = await fake.slash("levelup", user="alice", channel="adventures")
        await shown.wait_reply()
        picker = shown.reply
        assert picker.content.startswith("Tester has grown — choose a specialization.")
        assert "- **Station Rat**: needs Mechanical Repair 70%" in picker.content
        parts = _components(picker)
        assert not [c for c in parts if c["type"] == 3]  # no abilities to raise
        (button,) = [c for c in parts if c["type"] == 2]
        assert button["label"] == "Forensic Eye"
        taken = await fake.click(picker, button["custom_id"], user="alice")
        await fake.wait_until(lambda: TOLD_MARK in text_of(taken))
        assert "Tester becomes Forensic Eye (Spot Hidden +5%, Psychology +5%)." in text_of(taken)
        sheet = await installed_sheet(fake, uow_factory, "alice")
        assert sheet.specializations == ("forensic_eye",) and sheet.improvements == 0
        assert fake.violations == []
