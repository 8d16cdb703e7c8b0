"""Players at the same instant, through the real discord.py client and the fake Discord,
with a model the test holds (``ScriptedModel(hold=...)``): while an AI telling is
really under way, others start, join, read and click. The tests wait on conditions
(the model reached, a reply arrived), never on fixed sleeps; a read that waited for
the held telling would never be answered, and its wait would fail."""

from __future__ import annotations

import asyncio
import json

import pytest
from fakes.discord.harness import running_bot
from test_bot_game import TOLD_MARK, Time, buttons, new_bot, text_of

from storyai.core import services
from storyai.core.domain.events import Narration, PlayerAction, PlayerJoined
from storyai.core.llm.fake import ScriptedModel
from storyai.core.llm.port import ModelRequest
from storyai.core.llm.router import RouteEntry, Router
from storyai.core.narrators.ai import AINarrator
from storyai.core.play import Play
from storyai.core.quotas import QuotaPolicy
from storyai.core.worlds.bundled import bundled_world_paths
from storyai.core.worlds.validate import load_world

WORLD = load_world(bundled_world_paths()["ember_hollow"])
SAFETY_NET = 60.0
"""Only bounds a test that would otherwise hang."""
AI = "The AI tells"


def reply(narrative: str) -> str:
    return json.dumps(
        {
            "narrative": narrative,
            "dialogue": [],
            "choices": [{"id": "a", "text": "Look around"}, {"id": "b", "text": "Go north"}],
            "state_changes": {},
            "check": None,
            "media_hints": {"image_prompt": "", "ambient_audio": ""},
        }
    )


def said(request: ModelRequest) -> str:
    text = next((s.text for s in request.sections if s.name == "input"), "")
    return text.rsplit("says: ", 1)[-1].strip().strip('"') or "arrives"


class Held:
    """A model that tells a narration only once the test lets go: ``reached`` is set when
    a narration request arrives, ``go`` lets every held request through."""

    def __init__(self) -> None:
        self.reached = asyncio.Event()
        self.go = asyncio.Event()
        self.model = ScriptedModel(
            name="held",
            default=lambda r: reply(f"{AI}: {said(r)}."),
            hold=self._hold,
            chunk_size=8,
        )

    async def _hold(self, request: ModelRequest) -> None:
        if request.task == "narration":
            self.reached.set()
            await self.go.wait()

    def narrator(self) -> AINarrator:
        route = [RouteEntry(self.model)]
        return AINarrator(Router({"narration": route, "summary": route}), name="held/fake-1")

    def hold_next(self) -> None:
        self.go.clear()
        self.reached.clear()


@pytest.fixture
async def installed(uow_factory):
    await services.install_world(uow_factory, WORLD, source="bundled")
    return uow_factory


async def story_events(uow) -> list:
    play = Play(uow)
    story = await play.here(str(await channel_id(uow)))
    return await play.history(story.id)


async def channel_id(uow) -> str:
    async with uow() as u:
        (session,) = await u.sessions.list()
    return session.channel


async def test_two_starts_at_once_make_one_story_and_the_other_host_is_told_privately(
    installed,
):
    held = Held()
    async with running_bot(new_bot(installed, Time(), narrator=held.narrator())) as fake:
        async with asyncio.timeout(SAFETY_NET):
            both = await asyncio.gather(
                fake.slash("story start", user="alice", channel="adventures", world="ember_hollow"),
                fake.slash("story start", user="bob", channel="adventures", world="ember_hollow"),
            )
            await held.reached.wait()  # one opening is being told...
            await fake.wait_until(lambda: any(ix.replies for ix in both), SAFETY_NET, "a reply")
            (refused,) = [ix for ix in both if ix.replies]  # ...and the other start refused
            (winner,) = [ix for ix in both if ix is not refused]
            assert all(m.ephemeral for m in refused.replies)
            assert "A story is already being told here" in text_of(refused)
            held.go.set()
            await winner.wait_text(TOLD_MARK)
        assert AI in text_of(winner) and not winner.reply.ephemeral
        assert buttons(winner.reply), "the opening offers its choices"
        async with installed() as uow:
            assert len(await uow.sessions.list()) == 1
        public = [m.text for m in fake.history("adventures")]
        assert not any("already being told" in text for text in public)
        assert fake.violations == []


async def test_a_join_while_the_opening_is_told_is_seated_after_it(installed):
    held = Held()
    async with running_bot(new_bot(installed, Time(), narrator=held.narrator())) as fake:
        async with asyncio.timeout(SAFETY_NET):
            started = await fake.slash(
                "story start", user="alice", channel="adventures", world="ember_hollow"
            )
            await held.reached.wait()  # the story is stored; its opening is being told
            joined = await fake.slash("story join", user="bob", channel="adventures")
            held.go.set()
            await started.wait_text(TOLD_MARK)
            await joined.wait_text(TOLD_MARK)
        assert not any(m.ephemeral for m in joined.replies), text_of(joined)
        assert "**Bob** joins the story" in text_of(joined) and AI in text_of(joined)
        events = await story_events(installed)
        opening = next(i for i, e in enumerate(events) if isinstance(e.event, Narration))
        arrival = next(
            i
            for i, e in enumerate(events)
            if isinstance(e.event, PlayerJoined) and e.event.name == "Bob"
        )
        assert opening < arrival
        assert fake.violations == []


async def test_a_join_during_another_players_ai_turn_is_seated_after_it(installed):
    held = Held()
    held.go.set()
    async with running_bot(new_bot(installed, Time(), narrator=held.narrator())) as fake:
        async with asyncio.timeout(SAFETY_NET):
            started = await fake.slash(
                "story start", user="alice", channel="adventures", world="ember_hollow"
            )
            await started.wait_text(TOLD_MARK)
            held.hold_next()
            played = await fake.slash("act", user="alice", channel="adventures", text="look")
            await held.reached.wait()  # Alice's action is stored and being told
            joined = await fake.slash("story join", user="bob", channel="adventures")
            held.go.set()
            await played.wait_text(TOLD_MARK)
            await joined.wait_text(TOLD_MARK)
        assert f"{AI}: look." in text_of(played)
        assert "**Bob** joins the story" in text_of(joined) and not joined.reply.ephemeral
        events = await story_events(installed)
        look = next(i for i, e in enumerate(events) if isinstance(e.event, PlayerAction))
        told = next(i for i, e in enumerate(events) if i > look and isinstance(e.event, Narration))
        arrival = next(
            i
            for i, e in enumerate(events)
            if isinstance(e.event, PlayerJoined) and e.event.name == "Bob"
        )
        assert look < told < arrival
        assert fake.violations == []


async def test_reading_and_a_choice_during_an_ai_turn_never_tell_it_or_charge_twice(installed):
    held = Held()
    held.go.set()
    policy = QuotaPolicy(user_turns=10, user_credits=10, guild_turns=None, guild_credits=None)
    bot = new_bot(installed, Time(), narrator=held.narrator(), quota=policy)
    async with running_bot(bot) as fake:
        async with asyncio.timeout(SAFETY_NET):
            started = await fake.slash(
                "story start", user="alice", channel="adventures", world="ember_hollow"
            )
            await started.wait_text(TOLD_MARK)
            offered = next(m for m in started.replies if buttons(m))
            held.hold_next()
            played = await fake.slash(
                "act", user="alice", channel="adventures", text="examine emberstone"
            )
            await held.reached.wait()  # the turn is being told: now everyone reads and clicks

            status = await fake.slash("story status", user="alice", channel="adventures")
            assert "being told right now" in (await status.wait_reply()).content
            sheet = await fake.slash("sheet", user="alice", channel="adventures")
            shown = await sheet.wait_reply()
            assert shown.ephemeral and "Alice" in shown.embeds[0]["title"]
            clicked = await fake.click(offered, buttons(offered)[0]["custom_id"], user="alice")
            refused = await clicked.wait_reply()
            assert refused.ephemeral and "That choice has expired" in refused.content
            usage = await fake.slash("usage", user="alice", channel="adventures")
            assert "1 of 10 turns" in (await usage.wait_reply()).content
            assert not played.replies, "nothing was told in the held turn's place"

            held.go.set()
            await played.wait_text(TOLD_MARK)
        assert f"{AI}: examine emberstone." in played.replies[0].content
        everything = [m.text for m in fake.history("adventures")] + [
            m.text for ix in (status, sheet, clicked, usage) for m in ix.replies
        ]
        assert not any("nothing special" in text for text in everything)
        narrations = [e.event for e in await story_events(installed) if e.kind == "narration"]
        assert [n.narrator for n in narrations] == ["held/fake-1"] * 2
        assert [r.task for r in held.model.requests] == ["narration"] * 2  # each told once
        report = await bot.play.quota_report(user=str(fake.user("alice").id))
        assert report.user.turns == 1 and report.user.credits == 1
        again = await fake.slash("usage", user="alice", channel="adventures")
        assert "1 of 10 turns" in (await again.wait_reply()).content
        assert fake.violations == []
