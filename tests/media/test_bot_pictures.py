"""Pictures in Discord, through the real discord.py client against the fake Discord: a
new character's portrait and a turn's scene are posted as attachments shown in embeds,
after the turn and never in its way; a failed picture posts nothing and the story goes
on; the host opts the table in to a picture of each new place."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from fakes.discord.harness import running_bot

from storyai.bots.client import StoryBot
from storyai.core import services
from storyai.core.domain.clock import Clock
from storyai.core.domain.errors import ProviderUnavailable
from storyai.core.media.fake import FakeImages
from storyai.core.media.router import MediaRouter
from storyai.core.media.service import MediaService
from storyai.core.media.store import InMemoryMediaStore
from storyai.core.narrators.offline import OfflineNarrator
from storyai.core.narrators.port import Narrator, NarratorReply
from storyai.core.play import Play
from storyai.core.quotas import QuotaPolicy
from storyai.core.worlds.bundled import bundled_world_paths
from storyai.core.worlds.validate import load_world

TOLD_MARK = "\n-# "
"""A told turn's footer line (whose turn it is): the turn's one message is complete."""

WORLD = load_world(bundled_world_paths()["ember_hollow"])
NOW = datetime(2026, 12, 7, 20, 0, tzinfo=UTC)


class HintingNarrator(OfflineNarrator):
    """The offline narrator, asking for a picture of every turn as a model would."""

    async def stream(self, request):  # type: ignore[override]
        async for chunk in super().stream(request):
            if isinstance(chunk, NarratorReply):
                chunk.media_hints = {"image_prompt": f"Snow in the square, turn {request.turn}"}
            yield chunk


async def _no_sleep(_: float) -> None:
    return None


@pytest.fixture
async def setup(uow_factory):
    await services.install_world(uow_factory, WORLD, source="bundled")
    clock = Clock(now=lambda: NOW, new_seed=lambda: 4)
    narrator: Narrator = HintingNarrator()
    play = Play(uow_factory, clock=clock, narrator=narrator)
    images = FakeImages()
    media = MediaService(
        play,
        MediaRouter(images=[images], sleep=_no_sleep),
        InMemoryMediaStore(),
        policy=QuotaPolicy(),
        clock=clock,
    )
    bot = StoryBot(play, tick=0.05, stream_interval=0.05, media=media)
    return bot, images


def pictures(fake, channel: str = "adventures") -> list:
    return [m for m in fake.history(channel) if m.attachments]


async def settled(fake, bot, images, requests: int) -> None:
    """Once ``requests`` pictures were asked for, until each was posted or failed."""
    await fake.wait_until(lambda: len(images.requests) >= requests, what="picture requests")
    await bot.media_settled()


async def test_a_portrait_at_creation_and_a_scene_after_a_turn_come_as_embeds(setup):
    bot, images = setup
    async with running_bot(bot) as fake:
        started = await fake.slash(
            "story start", user="alice", channel="adventures", world="ember_hollow"
        )
        await started.wait_text(TOLD_MARK)
        await settled(fake, bot, images, 1)
        posted = pictures(fake)
        assert len(posted) == 1
        portrait = posted[0]
        assert portrait.attachments[0]["filename"] == "portrait.png"
        assert portrait.embeds[0]["title"] == "Portrait: Alice"
        assert portrait.embeds[0]["image"]["url"] == "attachment://portrait.png"
        assert images.requests[0].prompt.startswith("Character: Alice.")

        played = await fake.slash("act", user="alice", channel="adventures", text="look")
        await played.wait_text(TOLD_MARK)
        await settled(fake, bot, images, 2)
        scene = pictures(fake)[-1]
        assert scene.embeds[0]["title"] == "The scene" and len(pictures(fake)) == 2
        assert "Snow in the square, turn 1" in images.requests[-1].prompt
        assert "Reeve Hesta" in images.requests[-1].prompt  # she is there: her spec is in it

        usage = await fake.slash("usage", user="alice", channel="adventures")
        await usage.wait_reply()
        assert "40 of 100 credits" in usage.reply.content
        assert "A picture costs 10-20 credits" in usage.reply.content
        assert fake.violations == []


async def test_a_failed_picture_posts_nothing_and_the_table_can_opt_in_to_places(setup):
    bot, images = setup
    async with running_bot(bot) as fake:
        images.fail_next(ProviderUnavailable("down"), ProviderUnavailable("down"))
        started = await fake.slash(
            "story start", user="alice", channel="adventures", world="ember_hollow"
        )
        await started.wait_text(TOLD_MARK)
        await settled(fake, bot, images, 2)  # tried twice, failed: nothing posted
        assert pictures(fake) == []
        joined = await fake.slash("story join", user="bob", channel="adventures")
        await joined.wait_reply()
        await settled(fake, bot, images, 3)
        assert [m.embeds[0]["title"] for m in pictures(fake)] == ["Portrait: Bob"]

        refused = await fake.slash("story pictures", user="bob", channel="adventures", places=True)
        await refused.wait_reply()
        assert refused.reply.ephemeral and "Only the host" in refused.reply.content
        chosen = await fake.slash("story pictures", user="alice", channel="adventures", places=True)
        await chosen.wait_reply()
        assert "Each new place: on" in chosen.reply.content

        played = await fake.slash("act", user="alice", channel="adventures", text="go north")
        await played.wait_text(TOLD_MARK)
        await settled(fake, bot, images, 5)
        titles = [m.embeds[0]["title"] for m in pictures(fake)]
        assert titles == ["Portrait: Bob", "A new place", "The scene"]

        off = await fake.slash("story pictures", user="bob", channel="adventures", mine=False)
        await off.wait_reply()
        assert "For you: off" in off.reply.content
        played = await fake.slash("act", user="bob", channel="adventures", text="look")
        await played.wait_text(TOLD_MARK)
        await bot.media_settled()
        played = await fake.slash("act", user="alice", channel="adventures", text="look")
        await played.wait_text(TOLD_MARK)
        await settled(fake, bot, images, 6)
        # 2 failed tries, Bob's portrait, the new place, Alice's two scenes: none for Bob
        assert len(images.requests) == 6, "nothing is made for Bob, who said no"
        assert len(pictures(fake)) == 4
        assert fake.violations == []
