"""An in-memory ``VoicePlayer``: every join, line played and leave kept in order,
failures scripted (``fail_join``, ``fail_play``)."""

from __future__ import annotations

from dataclasses import dataclass, field

from storyai.core.domain.errors import VoiceChannelError
from storyai.core.media.voice_room import VoiceLink, VoicePlayer


@dataclass
class Played:
    guild: str
    channel: str
    audio: bytes
    mime: str


@dataclass
class FakeVoiceLink(VoiceLink):
    player: FakeVoicePlayer
    guild: str
    channel: str
    connected: bool = True

    async def play(self, audio: bytes, mime: str) -> None:
        if self.player.play_failures:
            raise self.player.play_failures.pop(0)
        if not self.connected:
            raise VoiceChannelError("Not connected.")
        self.player.played.append(Played(self.guild, self.channel, audio, mime))

    async def leave(self) -> None:
        if self.connected:
            self.connected = False
            self.player.left.append((self.guild, self.channel))


@dataclass
class FakeVoicePlayer(VoicePlayer):
    joined: list[tuple[str, str]] = field(default_factory=list)
    left: list[tuple[str, str]] = field(default_factory=list)
    played: list[Played] = field(default_factory=list)
    join_failures: list[VoiceChannelError] = field(default_factory=list)
    play_failures: list[VoiceChannelError] = field(default_factory=list)

    def fail_join(self, *errors: VoiceChannelError) -> None:
        self.join_failures.extend(errors)

    def fail_play(self, *errors: VoiceChannelError) -> None:
        self.play_failures.extend(errors)

    async def join(self, guild: str, channel: str) -> VoiceLink:
        if self.join_failures:
            raise self.join_failures.pop(0)
        self.joined.append((guild, channel))
        return FakeVoiceLink(self, guild, channel)
