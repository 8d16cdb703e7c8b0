"""Whole games through the real discord.py client, against a local fake Discord that
enforces Discord's limits and its 3-second rule (tests/fakes/discord)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from fakes.discord.harness import running_bot, running_fake

from storyai.bots.client import StoryBot
from storyai.core import services
from storyai.core.domain.clock import Clock
from storyai.core.play import Play
from storyai.core.worlds.bundled import bundled_world_paths
from storyai.core.worlds.validate import load_world

WORLD = load_world(bundled_world_paths()["ember_hollow"])
TOLD_MARK = "\n-# "
"""A told turn is finished when its message ends with the footer line (whose turn it is)."""


class Time:
    def __init__(self) -> None:
        self.now = datetime(2026, 11, 24, 20, 0, tzinfo=UTC)
        self.clock = Clock(now=lambda: self.now, new_seed=lambda: 4)

    def pass_(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@pytest.fixture
async def world_installed(uow_factory):
    await services.install_world(uow_factory, WORLD, source="bundled")
    return uow_factory


def new_bot(uow, t: Time, *, stream_interval: float = 0.05, **play) -> StoryBot:
    """A bot over its own play service (``narrator=``, ``quota=``), as one process has."""
    return StoryBot(Play(uow, clock=t.clock, **play), tick=0.05, stream_interval=stream_interval)


async def start_story(fake, channel: str = "adventures"):
    """Alice starts Ember Hollow; returns once the opening and its choices are told."""
    started = await fake.slash("story start", user="alice", channel=channel, world="ember_hollow")
    await started.wait_text(TOLD_MARK)
    return started


def buttons(message) -> list[dict]:
    return [c for row in message.components for c in row.get("components", [])]


def text_of(ix) -> str:
    return "\n".join(m.content for m in ix.replies)


async def test_three_players_take_turns_with_commands_and_buttons(world_installed):
    uow, t = world_installed, Time()
    async with running_bot(new_bot(uow, t)) as fake:
        started = await fake.slash(
            "story start", user="alice", channel="adventures", world="ember_hollow"
        )
        await started.wait_text(TOLD_MARK)
        assert "Village Square" in text_of(started)
        assert buttons(started.reply), "the opening offers its choices as buttons"
        for name in ("bob", "carol"):
            joined = await fake.slash("story join", user=name, channel="adventures")
            await joined.wait_reply()
            assert f"{name.capitalize()}** joins the story" in text_of(joined)

        status = await fake.slash("story status", user="carol", channel="adventures")
        await status.wait_reply()
        assert "It is Alice's turn" in text_of(status)

        played = await fake.slash("act", user="alice", channel="adventures", text="look")
        await played.wait_text(TOLD_MARK)
        assert "-# It is Bob's turn." in played.reply.content and buttons(played.reply)
        assert len(played.replies) == 1, "one message per turn"

        early = await fake.slash("act", user="carol", channel="adventures", text="look")
        await early.wait_reply()
        assert early.reply.ephemeral and "It is Bob's turn" in early.reply.content

        with_buttons = next(m for m in reversed(played.replies) if buttons(m))
        first = buttons(with_buttons)[0]
        clicked = await fake.click(with_buttons, first["custom_id"], user="bob")
        await clicked.wait_text(TOLD_MARK)
        assert "Bob" in text_of(clicked)  # the click acted for the one who clicked
        assert fake.violations == []


async def test_a_whisper_is_answered_privately(world_installed):
    uow, t = world_installed, Time()
    async with running_bot(new_bot(uow, t)) as fake:
        await start_story(fake)
        whispered = await fake.slash(
            "whisper", user="alice", channel="adventures", text="talk to hesta about mine"
        )
        await whispered.wait_reply()
        assert all(m.ephemeral for m in whispered.replies)
        assert "Hesta" in text_of(whispered)
        assert fake.violations == []


async def test_only_the_host_can_rewind(world_installed):
    uow, t = world_installed, Time()
    async with running_bot(new_bot(uow, t)) as fake:
        await start_story(fake)
        await (await fake.slash("story join", user="bob", channel="adventures")).wait_reply()
        await (await fake.slash("act", user="alice", channel="adventures", text="look")).wait_text(
            TOLD_MARK
        )
        refused = await fake.slash("rewind", user="bob", channel="adventures", turn=0)
        await refused.wait_reply()
        assert refused.reply.ephemeral and "Only the host (Alice)" in refused.reply.content
        done = await fake.slash("rewind", user="alice", channel="adventures", turn=0)
        await done.wait_reply()
        assert "Rewound to turn 0" in done.reply.content and not done.reply.ephemeral
        assert fake.violations == []


async def test_nothing_pings_and_player_text_is_inert(world_installed):
    uow, t = world_installed, Time()
    async with running_bot(new_bot(uow, t)) as fake:
        await start_story(fake)
        said = await fake.slash(
            "act", user="alice", channel="adventures", text="shout @everyone <@&1> **loud**"
        )
        await said.wait_text(TOLD_MARK)
        bot_messages = [m for m in fake.history("adventures") if m.author.bot]
        assert bot_messages and all(m.allowed_mentions is not None for m in bot_messages)
        assert not any(m.pings for m in bot_messages)  # nobody was notified
        told = text_of(said)
        assert "@\u200beveryone" in told or "\\@everyone" in told or "@everyone" not in told
        assert "\\*\\*loud\\*\\*" in told  # shown as typed, not as bold
        assert fake.violations == []


async def test_a_restarted_bot_resumes_and_old_buttons_still_answer(world_installed):
    uow, t = world_installed, Time()
    async with running_fake() as fake:
        first = await fake.start_bot(new_bot(uow, t))
        started = await fake.slash(
            "story start", user="alice", channel="adventures", world="ember_hollow"
        )
        await started.wait_text(TOLD_MARK)
        old = next(m for m in started.replies if buttons(m))
        await fake.stop_bot(first)
        await fake.start_bot(new_bot(uow, t))  # a new process: nothing in memory
        status = await fake.slash("story status", user="alice", channel="adventures")
        await status.wait_reply()
        assert "Alice" in text_of(status)
        clicked = await fake.click(old, buttons(old)[0]["custom_id"], user="alice")
        await clicked.wait_text(TOLD_MARK)
        assert "Alice" in text_of(clicked)
        again = await fake.click(old, buttons(old)[0]["custom_id"], user="alice")
        await again.wait_reply()
        assert "expired" in again.reply.content and again.reply.ephemeral
        assert fake.violations == []


async def test_out_of_character_messages_are_ignored_and_others_are_actions(world_installed):
    uow, t = world_installed, Time()
    async with running_bot(new_bot(uow, t)) as fake:
        await start_story(fake)
        before = len(fake.history("adventures"))
        aside = await fake.say("(( brb, pizza ))", user="alice", channel="adventures")
        question = await fake.say("// rules question", user="bob", channel="adventures")
        said = await fake.say("talk to hesta about mine", user="alice", channel="adventures")
        # The bot answers the action; it read the two lines before it first, so by now
        # an answer to them (or a turn played from them) would be there: none is.
        told = await fake.wait_message("adventures", after=said, contains=TOLD_MARK)
        assert told.author.bot
        assert fake.history("adventures")[before : before + 3] == [aside, question, said]
        async with uow() as u:
            sid = next(iter(await u.sessions.list())).id
            actions = [e for e in await u.events.list(sid) if e.kind == "player_action"]
        assert [a.event.text for a in actions] == ["talk to hesta about mine"]
        assert fake.violations == []


async def test_worlds_autocomplete_dice_roll_and_a_story_in_a_thread(world_installed):
    uow, t = world_installed, Time()
    async with running_bot(new_bot(uow, t)) as fake:
        offered = await fake.autocomplete("story start", "world", "emb")
        assert offered == [{"name": "The Cold Hearths of Ember Hollow", "value": "ember_hollow"}]
        rolled = await fake.slash("roll", user="bob", channel="general", expression="2d6+3")
        await rolled.wait_reply()
        assert "**Bob** rolls 2d6" in rolled.reply.content and "= **" in rolled.reply.content
        bad = await fake.slash("roll", user="bob", channel="general", expression="99999d6")
        await bad.wait_reply()
        assert bad.reply.ephemeral
        none = await fake.slash("roll", user="bob", channel="general", expression="0d6")
        await none.wait_reply()
        assert none.reply.ephemeral and "rolls no dice" in none.reply.content
        assert "= 0" not in none.reply.content
        started = await fake.slash(
            "story start", user="alice", channel="general", world="ember_hollow", thread=True
        )
        await started.wait_reply()
        assert fake.threads, "a thread was created for the story"
        thread = next(iter(fake.threads.values()))
        assert "begins in" in text_of(started)
        opening = await fake.wait_message(thread.name, contains=TOLD_MARK)
        assert buttons(opening) and any(
            "Village Square" in m.content for m in fake.history(thread.name)
        )
        joined = await fake.slash("story join", user="bob", channel=thread.name)
        await joined.wait_reply()
        assert "Bob** joins the story" in text_of(joined)
        kicked = await fake.slash("story remove", user="bob", channel=thread.name, member="alice")
        await kicked.wait_reply()
        assert kicked.reply.ephemeral and "Only the host" in kicked.reply.content
        assert fake.violations == []


async def test_a_fight_shows_its_round_and_turn_order_in_the_turn_footer(world_installed):
    uow, t = world_installed, Time()
    async with running_bot(new_bot(uow, t)) as fake:
        await start_story(fake)
        ambushed = await fake.slash("act", user="alice", channel="adventures", text="go north")
        await ambushed.wait_text(TOLD_MARK)
        last = ambushed.replies[-1].content
        footer = last[last.rindex(TOLD_MARK) + len(TOLD_MARK) :]
        assert "Wolf turns on you!" in text_of(ambushed)
        assert footer.startswith("It is Alice's turn. Round 1 · turn order: ")
        assert "Wolf" in footer and "Alice" in footer and "you" not in footer

        fled = await fake.slash("act", user="alice", channel="adventures", text="go south")
        await fled.wait_text(TOLD_MARK)
        assert "turn order" not in fled.replies[-1].content, "out of the fight: no order"

        back = await fake.slash("rewind", user="alice", channel="adventures", turn=1)
        await back.wait_text(TOLD_MARK)
        told = back.replies[-1].content
        assert "Rewound to turn 1" in text_of(back)
        assert "Round 1 · turn order: " in told[told.rindex(TOLD_MARK) :], (
            "back in the fight: its order shows again"
        )
        assert fake.violations == []
