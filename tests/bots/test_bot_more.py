"""Streaming, quotas, free rounds, idle turns and two bot processes, through the fake Discord."""

from __future__ import annotations

import asyncio
import json

import pytest
from fakes.discord.harness import running_bot, running_fake
from test_bot_game import TOLD_MARK, Time, new_bot, text_of

from storyai.core import services
from storyai.core.llm.fake import ScriptedModel
from storyai.core.llm.router import RouteEntry, Router
from storyai.core.narrators.ai import AINarrator
from storyai.core.quotas import QuotaPolicy
from storyai.core.storage.database import Database, upgrade
from storyai.core.storage.sql import sql_uow_factory
from storyai.core.worlds.bundled import bundled_world_paths
from storyai.core.worlds.validate import load_world

WORLD = load_world(bundled_world_paths()["ember_hollow"])
LONG = "The wind drags snow across the square in long grey ropes. " * 12


@pytest.fixture
async def installed(uow_factory):
    await services.install_world(uow_factory, WORLD, source="bundled")
    return uow_factory


def ai(text: str = LONG) -> tuple[AINarrator, ScriptedModel]:
    reply = json.dumps({"narrative": text, "choices": [{"id": "a", "text": "Follow the tracks"}]})
    model = ScriptedModel(default=reply, chunk_size=16)
    return AINarrator(Router({"narration": [RouteEntry(model)]})), model


async def start(fake, channel="adventures", **options):
    started = await fake.slash(
        "story start", user="alice", channel=channel, world="ember_hollow", **options
    )
    await started.wait_text(TOLD_MARK)
    return started


async def test_narration_streams_by_editing_one_message_within_limits(installed):
    narrator, _ = ai()
    bot = new_bot(installed, Time(), narrator=narrator, stream_interval=0.01)
    async with running_bot(bot) as fake:
        await start(fake)
        played = await fake.slash("act", user="alice", channel="adventures", text="look")
        await played.wait_text(TOLD_MARK)
        told = played.replies[0]
        assert len(told.history) >= 2, "the message was edited as the narration arrived"
        assert LONG.strip()[:40] in told.content and told.content.count("The wind") == 12
        assert fake.violations == []


async def test_the_daily_quota_is_enforced_before_the_model_is_called(installed):
    narrator, model = ai("Fine.")
    policy = QuotaPolicy(user_turns=2)
    bot = new_bot(installed, Time(), narrator=narrator, quota=policy)
    async with running_bot(bot) as fake:
        await start(fake)
        for _ in range(2):
            ok = await fake.slash("act", user="alice", channel="adventures", text="look")
            await ok.wait_text(TOLD_MARK)
        calls = len(model.requests)
        refused = await fake.slash("act", user="alice", channel="adventures", text="look")
        await refused.wait_reply()
        assert refused.reply.ephemeral and "used your 2 turns for today" in refused.reply.content
        assert len(model.requests) == calls  # no model was called
        usage = await fake.slash("usage", user="alice", channel="adventures")
        await usage.wait_reply()
        assert usage.reply.ephemeral and "2" in usage.reply.content
        assert fake.violations == []


async def test_free_mode_rounds_are_told_together_by_the_table_keeper(installed):
    t = Time()
    async with running_bot(new_bot(installed, t)) as fake:
        await start(fake, mode="free")
        await (await fake.slash("story join", user="bob", channel="adventures")).wait_reply()
        for user, said in (("bob", "go east"), ("alice", "look")):
            queued = await fake.slash("act", user=user, channel="adventures", text=said)
            await queued.wait_reply()
            assert "Queued" in queued.reply.content
        t.pass_(30)  # the gathering window closes; the bot's ticker resolves the round
        told = await fake.wait_message("adventures", contains="Bob: go east")
        assert "Alice: look" in told.content
        assert told.content.index("Bob: go east") < told.content.index("Alice: look")
        assert fake.violations == []


async def test_an_idle_player_is_skipped_with_a_notice_in_the_channel(installed):
    t = Time()
    async with running_bot(new_bot(installed, t)) as fake:
        await start(fake)
        await (await fake.slash("story join", user="bob", channel="adventures")).wait_reply()
        t.pass_(400)
        notice = await fake.wait_message("adventures", contains="took too long")
        assert "Alice took too long and was skipped. It is Bob's turn." in notice.content
        assert fake.violations == []


async def test_sheets_are_embeds_only_the_player_sees(installed):
    async with running_bot(new_bot(installed, Time())) as fake:
        await start(fake)
        sheet = await fake.slash("sheet", user="alice", channel="adventures")
        await sheet.wait_reply()
        assert sheet.reply.ephemeral and sheet.reply.embeds
        assert "Alice" in sheet.reply.embeds[0]["title"]
        for command, expect in (("inventory", "Healing Draught"), ("quests", "Quests")):
            shown = await fake.slash(command, user="alice", channel="adventures")
            await shown.wait_reply()
            assert shown.reply.ephemeral and expect in str(shown.reply.embeds[0])
        stranger = await fake.slash("sheet", user="carol", channel="adventures")
        await stranger.wait_reply()
        assert stranger.reply.ephemeral and "not playing" in stranger.reply.content
        assert fake.violations == []


@pytest.mark.postgres
async def test_two_bot_processes_on_one_database_never_play_a_turn_twice(database_url_factory):
    async with (
        database_url_factory("postgres") as url,
        Database(url) as first_db,
        Database(url) as second_db,
    ):
        await upgrade(first_db)
        first, second = sql_uow_factory(first_db), sql_uow_factory(second_db)
        await services.install_world(first, WORLD, source="bundled")
        t = Time()
        async with running_fake() as fake:
            await fake.start_bot(new_bot(first, t))  # two processes: own engines, one database
            await fake.start_bot(new_bot(second, t))
            await start(fake)
            await (await fake.slash("story join", user="bob", channel="adventures")).wait_reply()
            both = await asyncio.gather(
                fake.slash("act", user="alice", channel="adventures", text="look", to=0),
                fake.slash("act", user="alice", channel="adventures", text="look", to=1),
            )
            for ix in both:
                await ix.wait_reply()
            texts = [text_of(ix) for ix in both]
            assert sum("It is Bob's turn" in x and "Alice** ›" not in x for x in texts) == 1, texts
            async with first() as uow:
                sid = next(iter(await uow.sessions.list())).id
                actions = [e for e in await uow.events.list(sid) if e.kind == "player_action"]
            assert len(actions) == 1
            assert fake.violations == []
