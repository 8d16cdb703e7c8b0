"""A Discord table as players see it (issue 15): play by message that feels like RP,
dice on par with Avrae, a tidy channel, words in Discord's terms. Real discord.py
client, local fake Discord (tests/fakes/discord); every test ends with no violation."""

from __future__ import annotations

import json

import pytest
from fakes.discord.harness import running_bot
from test_bot_game import TOLD_MARK, Time, buttons, new_bot

from storyai.bots.client import StoryBot
from storyai.core import services
from storyai.core.domain.dice import ScriptedDice
from storyai.core.llm.fake import ScriptedModel
from storyai.core.llm.router import RouteEntry, Router
from storyai.core.narrators.ai import AINarrator
from storyai.core.play import Play
from storyai.core.worlds.bundled import bundled_world_paths
from storyai.core.worlds.validate import load_world

WORLD = load_world(bundled_world_paths()["ember_hollow"])
TOLD = "Snow hisses on the emberstone; somewhere a door bangs shut."


@pytest.fixture
async def installed(uow_factory):
    await services.install_world(uow_factory, WORLD, source="bundled")
    return uow_factory


def ai(text: str = TOLD) -> AINarrator:
    reply = json.dumps(
        {
            "narrative": text,
            "choices": [{"id": "a", "text": "Follow the tracks"}, {"id": "b", "text": "Wait"}],
        }
    )
    return AINarrator(Router({"narration": [RouteEntry(ScriptedModel(default=reply))]}))


async def seat_three(fake) -> None:
    started = await fake.slash(
        "story start", user="alice", channel="adventures", world="ember_hollow"
    )
    await started.wait_text(TOLD_MARK)
    for name in ("bob", "carol"):
        joined = await fake.slash("story join", user=name, channel="adventures")
        await joined.wait_text(TOLD_MARK)


def channel_log(fake, channel: str = "adventures") -> str:
    """The channel as a reader sees it: who wrote what, buttons (live or disabled),
    reactions; DMs after it."""
    out = []
    for m in fake.history(channel):
        line = f"{m.author.name}: {m.text}".replace("\n", "\n    ")
        if buttons(m):
            state = "disabled" if all(b.get("disabled") for b in buttons(m)) else "live"
            labels = " | ".join(b["label"] for b in buttons(m))
            line += f"\n    [buttons, {state}: {labels}]"
        if m.reactions:
            line += f"\n    [reacted {' '.join(e for e, _ in m.reactions)}]"
        out.append(line)
    for who, dms in fake.dms.items():
        out += [f"(DM to {who}) {m.content}" for m in dms]
    return "\n".join(out)


def bot_messages_after(fake, message, channel: str = "adventures"):
    return [m for m in fake.history(channel) if m.id > message.id and m.author.bot]


async def test_three_players_play_by_message_one_message_per_turn(installed):
    bot = new_bot(installed, Time(), narrator=ai(), stream_interval=0.01)
    async with running_bot(bot) as fake:
        await seat_three(fake)
        channel = fake.channel("adventures")

        # Alice plays by a plain message: typing at once, then one streamed message
        # with the narration, the choices as buttons and whose turn it is.
        calls = len(fake.calls)
        said = await fake.say("I look around the square", user="alice", channel="adventures")
        told = await fake.wait_message("adventures", after=said, contains="It is Bob's turn.")
        await fake.wait_until(lambda: buttons(fake.message(told.id)), what="the buttons")
        posts = [
            i
            for i, c in enumerate(fake.calls[calls:])
            if c.path == f"/channels/{channel.id}/messages" and c.method == "POST"
        ]
        typing = [i for i, c in enumerate(fake.calls[calls:]) if c.path.endswith("/typing")]
        assert typing and typing[0] < posts[0], "typing shows before the first word"
        assert TOLD in told.content and told.content.endswith("-# It is Bob's turn.")
        assert len(told.history) >= 1, "streamed: the message was edited as it was told"
        assert bot_messages_after(fake, said) == [told], "one message for the turn"
        earlier = [m for m in fake.history("adventures") if buttons(m) and m.id < told.id]
        assert earlier
        await fake.wait_until(
            lambda: all(b.get("disabled") for m in earlier for b in buttons(m)),
            what="the earlier turns' buttons disabled",
        )

        # Carol speaks out of turn: a reaction on her message and one word in private,
        # never a public scolding.
        early = await fake.say("I sneak off to the mine", user="carol", channel="adventures")
        await fake.wait_until(lambda: ("⏳", fake.bot_user.id) in early.reactions)
        await fake.wait_until(lambda: fake.dms["carol"], what="a DM to carol")
        assert "It is Bob's turn" in fake.dms["carol"][0].content
        again = await fake.say("hello?", user="carol", channel="adventures")
        await fake.wait_until(lambda: ("⏳", fake.bot_user.id) in again.reactions)

        # Bob plays a choice: the new turn's message retires the buttons under Alice's.
        clicked = await fake.click(fake.message(told.id), buttons(told)[0]["custom_id"], user="bob")
        bobs = await clicked.wait_text("It is Carol's turn.")
        await fake.wait_until(
            lambda: all(b.get("disabled") for b in buttons(fake.message(told.id)))
        )
        assert len(clicked.replies) == 1 and buttons(bobs)
        assert len(fake.dms["carol"]) == 1, "told once in private"
        public = [m for m in fake.history("adventures") if m.author.bot]
        assert not any(m.reference_id in (early.id, again.id) for m in public)
        assert not any("hint:" in m.content for m in public)
        print("\n--- channel log ---\n" + channel_log(fake))
        assert fake.violations == []


async def test_a_table_chooses_which_messages_are_actions_and_pings_only_the_next_player(
    installed,
):
    bot = new_bot(installed, Time(), stream_interval=0.01)
    async with running_bot(bot) as fake:
        started = await fake.slash(
            "story start", user="alice", channel="adventures", world="ember_hollow"
        )
        await started.wait_text(TOLD_MARK)
        joined = await fake.slash("story join", user="bob", channel="adventures")
        await joined.wait_text(TOLD_MARK)

        refused = await fake.slash("story settings", user="bob", channel="adventures", ping=True)
        await refused.wait_reply()
        assert refused.reply.ephemeral and "Only the host (Alice)" in refused.reply.content
        assert "hint:" not in refused.reply.content

        settings = await fake.slash(
            "story settings", user="alice", channel="adventures", actions="prefix", ping=True
        )
        await settings.wait_reply()
        assert "only messages starting with `>`" in settings.reply.content

        chat = await fake.say("lol that innkeeper", user="alice", channel="adventures")
        act = await fake.say("> look around", user="alice", channel="adventures")
        told = await fake.wait_message("adventures", after=act, contains="It is Bob's turn.")
        ping = await fake.wait_message("adventures", after=told, contains="your turn")
        bob = fake.user("bob")
        assert ping.pings.users == {bob.id} and not ping.pings.roles and not ping.pings.everyone
        assert [m for m in fake.history("adventures") if m.author.bot and m.pings] == [ping]
        assert not chat.reactions, "talk is not refused: it is not an action at all"

        async with installed() as uow:
            sid = next(iter(await uow.sessions.list())).id
            actions = [
                e.event.text for e in await uow.events.list(sid) if e.kind == "player_action"
            ]
        assert actions == ["look around"]
        assert fake.violations == []


async def test_roll_reads_advantage_comments_and_logs_rolls_made_in_a_story(installed):
    dice = ScriptedDice()
    bot = StoryBot(Play(installed, clock=Time().clock), tick=0.05, dice=lambda: dice)
    async with running_bot(bot) as fake:
        started = await fake.slash(
            "story start", user="alice", channel="adventures", world="ember_hollow"
        )
        await started.wait_text(TOLD_MARK)

        dice.push(3, 20)
        adv = await fake.slash(
            "roll", user="alice", channel="adventures", expression="1d20+5 adv sneak attack"
        )
        shown = (await adv.wait_reply()).content
        assert "**Alice** rolls 2d20kh1 (kept 20, dropped 3) + 5 = **25**" in shown
        assert "with advantage" in shown and "*sneak attack*" in shown
        assert "natural 20" in shown

        dice.push(1, 12)
        dis = await fake.slash("roll", user="alice", channel="adventures", expression="1d20 dis")
        assert "natural 1" in (await dis.wait_reply()).content

        dice.push(6, 2, 5, 4)
        keep = await fake.slash("roll", user="bob", channel="general", expression="4d6kh3 stats")
        assert "= **15**" in (await keep.wait_reply()).content

        for bad, said in (("0d6", "rolls no dice"), ("1d5000", "too big"), ("adv", "which dice")):
            refused = await fake.slash("roll", user="bob", channel="general", expression=bad)
            reply = await refused.wait_reply()
            assert reply.ephemeral and said in reply.content, reply.content

        async with installed() as uow:
            sid = next(iter(await uow.sessions.list())).id
            rolls = [e for e in await uow.events.list(sid) if e.kind == "dice_rolled"]
        logged = [r.event.rolls[0].text for r in rolls[-2:]]
        assert logged[0].startswith("Alice rolls 2d20kh1") and "(sneak attack)" in logged[0]
        assert "at disadvantage" in logged[1]
        assert fake.violations == []


async def test_a_tidy_channel_join_twice_long_actions_rewind_and_threads(installed):
    bot = new_bot(installed, Time(), stream_interval=0.01)
    async with running_bot(bot) as fake:
        bad = await fake.slash(
            "story start", user="alice", channel="general", world="ember_holow", thread=True
        )
        reply = await bad.wait_reply()
        assert reply.ephemeral and not fake.threads, "no empty thread for a typo"
        assert "storyai" not in reply.content and "/story start" in reply.content

        started = await fake.slash(
            "story start", user="alice", channel="adventures", world="ember_hollow"
        )
        await started.wait_text(TOLD_MARK)
        joined = await fake.slash("story join", user="bob", channel="adventures")
        await joined.wait_text(TOLD_MARK)
        before = len(fake.history("adventures"))
        again = await fake.slash("story join", user="bob", channel="adventures")
        reply = await again.wait_reply()
        assert reply.ephemeral and "already at the table" in reply.content
        assert len(fake.history("adventures")) == before, "nothing announced again"

        with pytest.raises(AssertionError, match="outside the command's limits"):
            await fake.slash("act", user="alice", channel="adventures", text="x" * 5000)
        looked = await fake.slash("act", user="alice", channel="adventures", text="look")
        await looked.wait_text(TOLD_MARK)
        long = await fake.slash("act", user="bob", channel="adventures", text="look " * 200)
        told = await long.wait_text(TOLD_MARK)
        assert len(long.replies) == 1 and told.content.count("look") < 100

        offered = await fake.autocomplete("rewind", "turn", "", user="alice", channel="adventures")
        assert [o["value"] for o in offered] == [1, 0] and "look" in offered[0]["name"]
        old = fake.message(told.id)
        rewound = await fake.slash("rewind", user="alice", channel="adventures", turn=0)
        back = await rewound.wait_text("Rewound to turn 0")
        assert buttons(back) and "-# It is " in back.content
        await fake.wait_until(lambda: all(b.get("disabled") for b in buttons(old)))
        names = await fake.autocomplete("branch", "name", "", user="alice", channel="adventures")
        assert len(names) == 2 and any("active" in n["name"] for n in names)
        main = next(n["value"] for n in names if "active" not in n["name"])
        switched = await fake.slash("branch", user="alice", channel="adventures", name=main)
        assert buttons(await switched.wait_text("Now playing on branch"))

        threaded = await fake.slash(
            "story start", user="carol", channel="general", world="ember_hollow", thread=True
        )
        await threaded.wait_reply()
        (thread,) = fake.threads.values()
        assert thread.name == WORLD.world.title
        assert fake.violations == []


async def test_every_option_is_described_and_help_has_an_embed_per_topic(installed):
    bot = new_bot(installed, Time())
    async with running_bot(bot) as fake:

        def options(node):
            for option in node.get("options") or []:
                yield node["name"], option
                yield from options(option)

        undescribed = [
            f"/{cmd} {parent}.{o['name']}"
            for cmd, command in fake.commands.items()
            for parent, o in options(command)
            if o.get("description", "…") in ("…", "", "...")
        ]
        assert undescribed == []
        texts = [o for _, c in fake.commands.items() for _, o in options(c) if o["type"] == 3]
        free_text = {o["name"] for o in texts if "choices" not in o and not o.get("autocomplete")}
        assert all(o.get("max_length") for o in texts if o["name"] in free_text)
        for topic in ("start", "play", "dice", "host"):
            helped = await fake.slash("help", user="bob", channel="general", topic=topic)
            reply = await helped.wait_reply()
            assert reply.ephemeral and len(reply.embeds) == 1 and reply.embeds[0]["title"]
        assert fake.violations == []


async def test_check_and_save_roll_from_the_players_sheet_and_are_logged(installed):
    dice = ScriptedDice()
    bot = StoryBot(Play(installed, clock=Time().clock), tick=0.05, dice=lambda: dice)
    async with running_bot(bot) as fake:
        started = await fake.slash(
            "story start", user="alice", channel="adventures", world="ember_hollow"
        )
        await started.wait_text(TOLD_MARK)
        async with installed() as uow:
            sid = next(iter(await uow.sessions.list())).id
        _, state, _ = await bot.play.character(sid, user_ref=str(fake.user("alice").id))
        sheet = next(iter(state.players.values())).sheet
        wis = sheet.mod("wis")

        dice.push(20)
        checked = await fake.slash(
            "check", user="alice", channel="adventures", skill="wis", comment="the tracks"
        )
        shown = (await checked.wait_reply()).content
        assert f"Alice makes a Wisdom check: 1d20 (20) + {wis} = **{20 + wis}**" in shown, shown
        assert "*the tracks*" in shown and "natural 20" in shown

        dice.push(4, 9)
        saved = await fake.slash(
            "save", user="alice", channel="adventures", ability="con", advantage="adv"
        )
        shown = (await saved.wait_reply()).content
        assert "(kept 9" in shown and "save" in shown.lower(), shown

        unknown = await fake.slash("check", user="alice", channel="adventures", skill="knitting")
        reply = await unknown.wait_reply()
        assert reply.ephemeral and "isn't a skill or ability" in reply.content

        stranger = await fake.slash("check", user="bob", channel="adventures", skill="dex")
        reply = await stranger.wait_reply()
        assert reply.ephemeral and "not playing in this story" in reply.content

        async with installed() as uow:
            rolls = [e for e in await uow.events.list(sid) if e.kind == "dice_rolled"]
        logged = [r.event.rolls[0].text for r in rolls[-2:]]
        assert logged[0].startswith("Alice makes a Wisdom check: 1d20 (20)")
        assert logged[0].endswith("(the tracks)")
        assert "Constitution" in logged[1]
        assert fake.violations == []


async def test_a_table_may_take_actions_only_from_a_thread_and_talk_in_the_channel(installed):
    bot = new_bot(installed, Time(), stream_interval=0.01)
    async with running_bot(bot) as fake:
        started = await fake.slash(
            "story start", user="alice", channel="adventures", world="ember_hollow"
        )
        await started.wait_text(TOLD_MARK)
        settings = await fake.slash(
            "story settings", user="alice", channel="adventures", actions="thread"
        )
        assert "only messages in a thread" in (await settings.wait_reply()).content
        thread = await fake.open_thread("adventures", "actions", user="alice")
        talk = await fake.say("what a gloomy village", user="alice", channel="adventures")
        act = await fake.say("look", user="alice", channel=thread.id)
        told = await fake.wait_message("adventures", after=talk, contains=TOLD_MARK)
        assert told.content.startswith("**Alice** › look") and buttons(told)
        assert fake.history(thread.id) == [act], "the story is told in the channel"
        async with installed() as uow:
            sid = next(iter(await uow.sessions.list())).id
            actions = [
                e.event.text for e in await uow.events.list(sid) if e.kind == "player_action"
            ]
        assert actions == ["look"]
        assert fake.violations == []
