"""A local fake Discord (REST + gateway on 127.0.0.1) for end-to-end discord.py tests.

See ``DISCORD_TESTING.md`` (shared docs) and ``harness.py``::

    from fakes.discord import running_bot

    async with running_bot(bot) as fake:
        ix = await fake.slash("story start", user="bob", world="ember_hollow")
"""

from .harness import DiscordHarness, patched_endpoints, running_bot, running_fake
from .server import (
    Call,
    FakeChannel,
    FakeDiscord,
    FakeInteraction,
    FakeMessage,
    FakeUser,
    Violation,
)

__all__ = [
    "Call",
    "DiscordHarness",
    "FakeChannel",
    "FakeDiscord",
    "FakeInteraction",
    "FakeMessage",
    "FakeUser",
    "Violation",
    "patched_endpoints",
    "running_bot",
    "running_fake",
]
