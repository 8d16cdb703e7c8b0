"""``StoryBot``: the discord.py client. It registers the commands and the choice buttons,
hears plain messages, and tends the stories in its channels.

State lives in the core's storage only: a restarted bot, or another bot process on
the same database, finds each story by its channel, and choice buttons carry the
story and the turn in their custom id.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import defaultdict
from collections.abc import Callable

import discord
from discord.ext import commands

from storyai.bots import messages, turns
from storyai.bots.commands import all_commands
from storyai.bots.components import ChoiceButton
from storyai.bots.output import NO_PINGS, escape_text
from storyai.bots.replies import post
from storyai.bots.sharding import Shards
from storyai.bots.voice import DiscordVoicePlayer, speak_later, voice_moved
from storyai.core.domain.dice import Dice, SeededDice
from storyai.core.media.service import MediaService
from storyai.core.media.voice_room import VoicePlayer, VoiceRooms
from storyai.core.play import Play
from storyai.core.play.results import Tended
from storyai.core.play.tableside import Shard

log = logging.getLogger("storyai.bot")

TICK = 2.0
"""Seconds between two looks for stories that need tending."""
STREAM_INTERVAL = 1.2
"""Seconds between two edits of a message that shows narration as it is written."""


class StoryBot(commands.Bot):
    """The bot, over one ``Play`` service (its storage, narrator, quota policy, clock).

    ``tick``: seconds between two calls of ``Play.tend`` (idle players, free-mode
    rounds, tellings whose teller stopped); ``stream_interval``: seconds between edits
    of a streamed narration; ``dice``: what ``/roll`` rolls."""

    def __init__(
        self,
        play: Play,
        *,
        tick: float = TICK,
        stream_interval: float = STREAM_INTERVAL,
        dice: Callable[[], Dice] = lambda: SeededDice(None),
        media: MediaService | None = None,
        voice_player: VoicePlayer | None = None,
        **options,
    ) -> None:
        intents = discord.Intents.default()
        intents.message_content = True  # out-of-character messages are told apart by content
        options.setdefault("max_messages", None)  # the bot never reads past messages:
        # discord.py's cache of 1,000 would be scanned on every edit event it receives
        super().__init__(
            command_prefix=commands.when_mentioned,
            intents=intents,
            allowed_mentions=NO_PINGS,
            **options,
        )
        self.play = play
        self.tick = tick
        self.stream_interval = stream_interval
        self.dice = dice
        self.explained: set[tuple[str, int, str]] = set()  # refusals told by DM (messages)
        self.media = media
        """Pictures (and, with voice, speech); None: no media."""
        self.voice: VoiceRooms | None = None
        """The voice channels the GM speaks in (``/story voice join``); None: no speech."""
        if media is not None and media.router.can_speak:
            self.voice = VoiceRooms(media, voice_player or DiscordVoicePlayer(self))
        self.media_tasks: set[asyncio.Future] = set()
        """Pictures being made and posted in the background (see ``bots.media``)."""
        self._tending: asyncio.Task | None = None

    async def setup_hook(self) -> None:
        self.add_dynamic_items(ChoiceButton)
        for command in all_commands():
            self.tree.add_command(command)
        await self.tree.sync()
        self._tending = asyncio.create_task(self._tend_forever(), name="storyai-tending")

    async def media_settled(self) -> None:
        """Wait until every picture being made has been posted (or failed)."""
        while self.media_tasks:
            await asyncio.gather(*list(self.media_tasks), return_exceptions=True)

    async def close(self) -> None:
        for task in list(self.media_tasks):
            task.cancel()
        if self.voice is not None:
            with contextlib.suppress(Exception):
                await self.voice.close()
        if self._tending is not None:  # stop tending before the database goes away
            self._tending.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._tending
            self._tending = None
        await super().close()

    async def on_message(self, message: discord.Message) -> None:
        await messages.heard(self, message)

    async def on_voice_state_update(
        self, member: discord.Member, before: discord.VoiceState, after: discord.VoiceState
    ) -> None:
        await voice_moved(self, member, before, after)

    # ------------------------------------------------------------ tending

    async def _tend_forever(self) -> None:
        await self.wait_until_ready()
        while not self.is_closed():
            try:
                await self.tend()
            except Exception:  # one bad story must not stop the others
                log.exception("tending the stories failed")
            await asyncio.sleep(self.tick)

    async def tend(self) -> None:
        """Post what tending the due stories did (the core decides, once, whichever bot
        process asks): each channel's notices and turns in order, channels side by side."""
        by_channel: defaultdict[str, list[Tended]] = defaultdict(list)
        for tended in await self.play.tend(shard=self.shard):
            if tended.channel is not None:
                by_channel[tended.channel].append(tended)
        posted = await asyncio.gather(
            *(self._post_tended(c, done) for c, done in by_channel.items()),
            return_exceptions=True,
        )
        for failed in posted:
            if isinstance(failed, Exception):
                log.error("posting what tending did failed", exc_info=failed)

    async def _post_tended(self, channel_id: str, done: list[Tended]) -> None:
        channel = await self.channel_of(channel_id)
        if channel is None:
            return
        for tended in done:
            if tended.notice:
                await post(channel, escape_text(tended.notice))
            if tended.result is not None:
                await turns.show_in(self, channel, tended.result)
                guild = getattr(getattr(channel, "guild", None), "id", None)
                speak_later(
                    self,
                    str(guild) if guild else None,
                    tended.result.session_id,
                    tended.result.lines,
                    user=None,
                )

    @property
    def shard(self) -> Shard | None:
        """The servers this process tends (None: all, when it is not sharded)."""
        count = self.shard_count or 1
        if count <= 1:
            return None
        if isinstance(self, discord.AutoShardedClient):
            ids = list(self.shards) or list(self.shard_ids or range(count))
        else:
            ids = [self.shard_id or 0]
        return Shard(frozenset(ids), count)

    async def channel_of(self, channel_id: str) -> discord.abc.Messageable | None:
        """A channel or thread by id: from the cache, else asked of Discord."""
        if not channel_id.isdigit():
            return None
        channel = self.get_channel(int(channel_id))
        if channel is None:
            with contextlib.suppress(discord.NotFound, discord.Forbidden):
                channel = await self.fetch_channel(int(channel_id))
        return channel if isinstance(channel, discord.abc.Messageable) else None


class ShardedStoryBot(StoryBot, commands.AutoShardedBot):
    """``StoryBot`` running several shards in one process (``STORYAI_SHARD_IDS`` with
    more than one id, or ``STORYAI_SHARD_COUNT=auto``: as many as Discord recommends)."""


def story_bot(play: Play, shards: Shards | None = None, **options) -> StoryBot:
    """The bot for a shard setting (``bots.sharding``): unsharded, one shard, several, or
    as many as Discord recommends."""
    if shards is None or not shards.sharded:
        return StoryBot(play, **options)
    if shards.auto:
        return ShardedStoryBot(play, **options)
    shard_ids, shard_count = shards.ids, shards.count
    if shard_ids is not None and len(shard_ids) == 1:
        return StoryBot(play, shard_id=shard_ids[0], shard_count=shard_count, **options)
    return ShardedStoryBot(play, shard_ids=shard_ids, shard_count=shard_count, **options)
