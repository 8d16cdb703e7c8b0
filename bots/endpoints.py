"""Where discord.py connects: Discord itself, or a Discord-compatible server.

``storyai bot`` calls ``apply`` once at start with ``settings.discord``
(``STORYAI_DISCORD_API_BASE``, ``STORYAI_DISCORD_GATEWAY_URL``). Unset, discord.py
talks to discord.com as usual; set, it talks to the given REST base (version
included, e.g. ``http://127.0.0.1:8080/api/v10``) and gateway WebSocket: the local
fake Discord of the tests, or a self-hosted Discord-compatible server.

Both are class attributes of discord.py (``http.Route.BASE``, which the webhook
code shares, and ``gateway.DiscordWebSocket.DEFAULT_GATEWAY``), so they apply to
every client in the process. A plain ``Client`` never asks Discord for its gateway
URL; it connects to ``DEFAULT_GATEWAY``.
"""

from __future__ import annotations

import yarl
from discord.gateway import DiscordWebSocket
from discord.http import Route

from storyai.core.config import DiscordSettings


def apply(settings: DiscordSettings) -> None:
    """Point discord.py at the configured endpoints (those set; the rest stay)."""
    if settings.api_base:
        Route.BASE = settings.api_base.rstrip("/")
    if settings.gateway_url:
        DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(settings.gateway_url)
