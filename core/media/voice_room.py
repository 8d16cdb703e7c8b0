"""The GM's voice in a voice channel (Discord's): a room per server, the story it
speaks for, and a queue of told turns whose narration and dialogue lines it says in
order, each in its speaker's voice.

``VoicePlayer`` is the port an interface adapts (the bot: discord.py voice); the lines
are made by ``MediaService.speak`` (charged like every voice line, muted players and a
table's voice switch honoured). Nothing here blocks a turn: ``tell`` only queues, and a
line that cannot be made or played becomes a private notice through the callback the
turn's teller gave. A room is this process's (a voice connection is), so rooms live
here and not in storage; the server's shard owns it.
"""

from __future__ import annotations

import abc
import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from storyai.core.domain.errors import StoryError, VoiceChannelError
from storyai.core.domain.events import Line
from storyai.core.media.service import MediaService

log = logging.getLogger(__name__)

Notify = Callable[[str], Awaitable[None]]
"""Says something privately to whoever told the turn."""


class VoiceLink(abc.ABC):
    """One connection to one voice channel."""

    @abc.abstractmethod
    async def play(self, audio: bytes, mime: str) -> None:
        """Play ``audio`` and return when it has been played. Raises ``VoiceChannelError``."""

    @abc.abstractmethod
    async def leave(self) -> None:
        """Disconnect (never raises)."""


class VoicePlayer(abc.ABC):
    """Joins voice channels."""

    @abc.abstractmethod
    async def join(self, guild: str, channel: str) -> VoiceLink:
        """Connect to ``channel`` of ``guild``. Raises ``VoiceChannelError``."""


@dataclass(frozen=True)
class Told:
    """One told turn's lines, waiting to be said."""

    lines: tuple[Line, ...]
    user: str
    notify: Notify | None = None


@dataclass
class Room:
    guild: str
    channel: str
    session_id: str
    link: VoiceLink
    host: str
    """Who invited the GM: charged for lines nobody in particular told."""
    queue: asyncio.Queue[Told] = field(default_factory=asyncio.Queue)
    worker: asyncio.Task[None] | None = None
    told: int = 0
    """Turns queued so far."""
    spoken: int = 0
    """Lines played so far."""


class VoiceRooms:
    """The voice channels the GM is in, one per server."""

    def __init__(self, media: MediaService, player: VoicePlayer) -> None:
        self.media = media
        self.player = player
        self.rooms: dict[str, Room] = {}
        self._joining: dict[str, asyncio.Lock] = {}

    def room(self, guild: str | None) -> Room | None:
        return self.rooms.get(guild) if guild else None

    async def join(
        self, session_id: str, *, user: str, guild: str | None, channel: str | None
    ) -> Room:
        """The host asks the GM into ``channel`` (the voice channel the host is in) to
        speak this story. Raises ``HostOnly``, ``VoiceChannelError``."""
        await self._host(session_id, user, "invite the game master to a voice channel")
        if not guild:
            raise VoiceChannelError("Voice channels are on servers: ask on a server.")
        if not channel:
            raise VoiceChannelError(
                "Join a voice channel first, then ask again: the game master joins yours."
            )
        if not self.media.router.can_speak:
            raise VoiceChannelError("No voice is configured ([media] speech in the settings).")
        prefs = await self.media.prefs(session_id)
        if not prefs.voice:
            raise VoiceChannelError("Voices are off at this table.")
        lock = self._joining.setdefault(guild, asyncio.Lock())
        async with lock:
            room = self.rooms.get(guild)
            if room is not None and room.channel == channel:
                room.session_id, room.host = session_id, user
                return room
            if room is not None:
                await self._close(room)
            link = await self.player.join(guild, channel)
            room = Room(guild, channel, session_id, link, user)
            room.worker = asyncio.create_task(self._speak(room), name=f"storyai-voice-{guild}")
            self.rooms[guild] = room
            return room

    async def leave(self, guild: str | None, *, session_id: str, user: str) -> bool:
        """The host sends the GM out of the server's voice channel; False: it was in none."""
        await self._host(session_id, user, "send the game master out of the voice channel")
        room = self.room(guild)
        if room is None:
            return False
        await self._close(room)
        return True

    async def emptied(self, guild: str | None, channel: str | None, humans: int) -> bool:
        """Someone left or moved: when the GM's channel has no humans left, it leaves.
        True: it left."""
        room = self.room(guild)
        if room is None or room.channel != channel or humans > 0:
            return False
        await self._close(room)
        return True

    def tell(
        self,
        guild: str | None,
        session_id: str,
        lines: list[Line] | tuple[Line, ...],
        *,
        user: str | None,
        notify: Notify | None = None,
    ) -> bool:
        """Queue a told turn's lines to be said (returns at once), charged to ``user``
        who told it (None: the host who invited the GM). False: the GM is in no voice
        channel for this story on this server."""
        room = self.room(guild)
        if room is None or room.session_id != session_id or not lines:
            return False
        room.queue.put_nowait(Told(tuple(lines), user or room.host, notify))
        room.told += 1
        return True

    async def settled(self) -> None:
        """Wait until every queued line has been said (or given up)."""
        for room in list(self.rooms.values()):
            await room.queue.join()

    async def close(self) -> None:
        for room in list(self.rooms.values()):
            await self._close(room)

    # ---------------------------------------------------------------------- inside

    async def _host(self, session_id: str, user: str, doing: str) -> None:
        from storyai.core.play.seating import host_check

        async with self.media.play.uow() as uow:
            players = await uow.players.list(session_id)
        host_check(players, user, doing)

    async def _close(self, room: Room) -> None:
        if self.rooms.get(room.guild) is room:
            del self.rooms[room.guild]
        if room.worker is not None:
            room.worker.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await room.worker
        while not room.queue.empty():  # nobody waits on lines that will not be said
            room.queue.get_nowait()
            room.queue.task_done()
        await room.link.leave()

    async def _speak(self, room: Room) -> None:
        """Say each queued turn's lines in order, one after the other."""
        while True:
            told = await room.queue.get()
            try:
                await self._say(room, told)
            except asyncio.CancelledError:
                room.queue.task_done()
                raise
            except Exception:  # one bad turn must not silence the next
                log.exception("speaking a turn in a voice channel failed")
            room.queue.task_done()

    async def _say(self, room: Room, told: Told) -> None:
        for line in told.lines:
            outcomes = await self.media.speak(
                room.session_id, [line], user=told.user, guild=room.guild
            )
            for outcome in outcomes:
                if outcome.entry is None:
                    await _tell(told, outcome.notice or "A line could not be spoken.")
                    return
                data = outcome.data or await self.media.read(outcome.entry)
                if data is None:
                    continue
                try:
                    await room.link.play(data, outcome.entry.mime)
                except StoryError as exc:
                    await _tell(told, f"The voice channel: {exc.message}")
                    return
                room.spoken += 1


async def _tell(told: Told, text: str) -> None:
    if told.notify is None:
        log.warning("voice channel: %s", text)
        return
    try:
        await told.notify(text)
    except Exception:
        log.warning("could not tell a voice channel notice", exc_info=True)
