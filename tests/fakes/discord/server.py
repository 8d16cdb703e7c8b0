"""``FakeDiscord``: a local Discord (REST + gateway) for end-to-end bot tests.

An aiohttp server on 127.0.0.1 (a free port) serving REST under ``/api/v10/*`` and a
gateway WebSocket at ``/gateway``. The unmodified discord.py client logs in, connects,
receives events and makes its REST calls over real sockets; see ``DISCORD_TESTING.md``
(shared docs) for the design and ``harness.py`` for the test-facing API.

State tests can inspect (all plain Python objects):

``calls``          every REST call (``Call``: method, path, query, json, status, response)
``messages``       ``{channel_id: [FakeMessage, ...]}`` for channels and threads (ephemeral
                   replies live on their interaction, not here); deleted messages stay,
                   with ``deleted=True``
``channels``       ``{id: FakeChannel}``: text channels and threads (``threads`` for the latter)
``commands``       global commands synced by the bot, ``{name: command_json}``;
                   ``guild_commands`` is ``{guild_id: {name: command_json}}``
``interactions``   every interaction sent to the bot (``FakeInteraction``), in order
``violations``     every limit or protocol breach, and every error sent back (``Violation``)
``rate_limited``   every 429, including ones forced with ``force_rate_limit`` (those are
                   not violations: the test asked for them)
``identify``       the last IDENTIFY payload; ``heartbeats`` counts ACKed heartbeats
``sessions``       every gateway connection (``ready_sessions``: identified and open); each
                   keeps the ``shard`` it identified with: the guild (READY, GUILD_CREATE,
                   every later event, interactions) goes only to sessions whose shard owns
                   it, ``(guild_id >> 22) % shard_count == shard_id``; ``GET /gateway/bot``
                   recommends ``recommended_shards``
``typing``         every ``POST /channels/{id}/typing`` as (channel id, monotonic time)
``dms``            ``{member name: [FakeMessage]}``: what the bot sent by DM (``POST
                   /users/@me/channels``, then a message to that channel)
``voice``          voice channels (option ``voice_channels``), voice states, the voice
                   WebSocket and UDP audio: ``FakeVoice`` in ``voice.py`` (what is modelled)
A message's ``reactions`` lists the bot's own reactions ``(emoji, bot id)`` (PUT and
DELETE ``.../reactions/{emoji}/@me``, bucket ``reactions`` 1 per 0.25 s). Clicking a
disabled button is refused (AssertionError), as Discord's client does not send it.

Violation kinds: ``invalid_form_body`` (50035), ``empty_message`` (50006), ``late_ack``
(10062), ``not_acknowledged`` (the window ran out; also recorded at ``close()`` for an
interaction never answered, i.e. after ``running_bot`` exits), ``already_acknowledged``
(40060), ``followup_before_ack`` (10015), ``rate_limited``, ``unknown_route``,
``unauthorized``, ``gateway``, ``http_error`` (other codes: 50005, 50083, 10008, ...),
``fake_error`` (a body the fake could not handle).

Driving it: ``dispatch(event, data)``, ``send_interaction(ix, to=)``,
``force_rate_limit(method, path_regex, retry_after=, count=, is_global=)``,
``request_reconnect()`` (op 7), ``wait_for(method, path_regex)`` and
``wait_until(predicate)``; the player-facing helpers are in ``harness.py``. Every wait
returns as soon as its condition holds; its ``timeout`` (``WAIT_TIMEOUT``, 30 s) only
bounds how long a broken test hangs, so a busy machine never fails a test. A wait is
never a proof that something did not happen: wait for a later event, then check.

Options: ``token``, ``bot_name``, ``guild_name``, ``members`` (names; the first is
the guild owner), ``channels`` (text channel names), ``privileged_intents`` (those the
portal allows: any of ``"members"``, ``"presences"``, ``"message_content"``),
``ack_window`` (seconds to acknowledge an interaction, 3.0 like Discord), ``token_ttl``
(interaction token life, 900 s), ``rate_limits`` (``{"channel_messages": (5, 0.3)}``),
``global_rate_limit`` (``(50, 1.0)``), ``interaction_routing`` (``"round_robin"``,
``"first"``, ``"last"`` or ``"all"``: which connected client receives an interaction),
``heartbeat_interval``.
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import datetime as dt
import itertools
import json
import re
import secrets
import time
import urllib.parse
from collections import defaultdict
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import WSMsgType, web

from . import limits as L
from .voice import FakeVoice

API_PREFIX = "/api/v10"
DISCORD_EPOCH_MS = 1_420_070_400_000

INTENT_GUILDS = 1 << 0
INTENT_MEMBERS = 1 << 1
INTENT_PRESENCES = 1 << 8
INTENT_GUILD_MESSAGES = 1 << 9
INTENT_MESSAGE_CONTENT = 1 << 15
PRIVILEGED_INTENTS = {
    "members": INTENT_MEMBERS,
    "presences": INTENT_PRESENCES,
    "message_content": INTENT_MESSAGE_CONTENT,
}

# Permissions: @everyone gets what a fresh server gives; the bot's role adds moderation.
EVERYONE_PERMISSIONS = sum(
    1 << bit for bit in (0, 6, 10, 11, 14, 15, 16, 18, 20, 21, 26, 31, 35, 36, 38)
)
BOT_PERMISSIONS = EVERYONE_PERMISSIONS | (1 << 13) | (1 << 34)  # manage messages, threads
ALL_PERMISSIONS = (1 << 51) - 1

DEFAULT_MEMBERS = ("alice", "bob", "carol", "dave")
DEFAULT_CHANNELS = ("general", "adventures", "ooc")

WAIT_TIMEOUT = 30.0
"""Default limit of every wait (seconds): generous, since a wait ends when its condition
holds and a busy CI machine can be many times slower than a laptop."""


def _now_iso() -> str:
    return dt.datetime.now(dt.UTC).isoformat()


def _json_response(body: Any, status: int = 200, headers: dict | None = None) -> web.Response:
    # discord.py parses JSON only when Content-Type is exactly "application/json".
    return web.Response(
        body=json.dumps(body).encode(),
        status=status,
        headers=headers,
        content_type="application/json",
    )


# --- model -------------------------------------------------------------------------------------


@dataclass(eq=False)
class FakeUser:
    id: int
    name: str
    bot: bool = False

    @property
    def mention(self) -> str:
        return f"<@{self.id}>"

    def payload(self) -> dict:
        return {
            "id": str(self.id),
            "username": self.name,
            "global_name": None if self.bot else self.name.title(),
            "discriminator": "0",
            "avatar": None,
            "bot": self.bot,
            "system": False,
            "public_flags": 0,
            "flags": 0,
        }


@dataclass(eq=False)
class FakeChannel:
    id: int
    name: str
    guild_id: int
    type: int = 0  # 0 text; 2 voice; 11 public thread; 12 private thread
    position: int = 0
    parent_id: int | None = None
    owner_id: int | None = None
    archived: bool = False
    locked: bool = False
    auto_archive_duration: int = 1440
    topic: str | None = None
    member_ids: set[int] = field(default_factory=set)
    created_at: str = field(default_factory=_now_iso)

    @property
    def is_thread(self) -> bool:
        return self.type in (10, 11, 12)

    @property
    def mention(self) -> str:
        return f"<#{self.id}>"

    def payload(self) -> dict:
        data: dict[str, Any] = {
            "id": str(self.id),
            "type": self.type,
            "guild_id": str(self.guild_id),
            "name": self.name,
            "position": self.position,
            "permission_overwrites": [],
            "nsfw": False,
            "rate_limit_per_user": 0,
            "flags": 0,
            "last_message_id": None,
        }
        if self.type == 2:  # a voice channel
            data.update(bitrate=64000, user_limit=0, rtc_region=None)
        if self.is_thread:
            data.pop("position")
            data.pop("permission_overwrites")
            data.update(
                parent_id=str(self.parent_id),
                owner_id=str(self.owner_id),
                message_count=0,
                member_count=len(self.member_ids),
                total_message_sent=0,
                thread_metadata={
                    "archived": self.archived,
                    "auto_archive_duration": self.auto_archive_duration,
                    "archive_timestamp": self.created_at,
                    "locked": self.locked,
                    "create_timestamp": self.created_at,
                    **({"invitable": True} if self.type == 12 else {}),
                },
            )
        else:
            data.update(topic=self.topic, parent_id=None)
        return data


@dataclass(eq=False)
class FakeMessage:
    """A message as the fake stores it. ``allowed_mentions`` is what the bot sent (``None``
    when it sent none); ``pings`` is who the message notified when it was created."""

    id: int
    channel_id: int
    guild_id: int
    author: FakeUser
    content: str = ""
    embeds: list[dict] = field(default_factory=list)
    components: list[dict] = field(default_factory=list)
    attachments: list[dict] = field(default_factory=list)
    flags: int = 0
    allowed_mentions: dict | None = None
    pings: L.Pings = field(default_factory=L.Pings)
    mentions: list[dict] = field(default_factory=list)  # user payloads of those pinged
    type: int = 0
    interaction_id: int | None = None
    webhook_id: int | None = None
    reference_id: int | None = None
    thread_id: int | None = None
    deleted: bool = False
    timestamp: str = field(default_factory=_now_iso)
    edited_timestamp: str | None = None
    history: list[dict] = field(default_factory=list)  # earlier versions, oldest first
    interaction_metadata: dict | None = None
    reactions: list[tuple[str, int]] = field(default_factory=list)  # (emoji, user id)

    @property
    def ephemeral(self) -> bool:
        return bool(self.flags & L.FLAG_EPHEMERAL)

    @property
    def loading(self) -> bool:
        """A deferred interaction response not yet filled in ("Bot is thinking...")."""
        return bool(self.flags & L.FLAG_LOADING)

    @property
    def custom_ids(self) -> list[str]:
        return [c["custom_id"] for c in L.walk_components(self.components) if c.get("custom_id")]

    def component(self, custom_id: str) -> dict | None:
        return next(
            (c for c in L.walk_components(self.components) if c.get("custom_id") == custom_id),
            None,
        )

    @property
    def buttons(self) -> list[dict]:
        return [c for c in L.walk_components(self.components) if c.get("type") == 2]

    @property
    def text(self) -> str:
        """Content plus every embed's title, description and fields: what a reader sees."""
        parts = [self.content]
        for embed in self.embeds:
            parts += [embed.get("title") or "", embed.get("description") or ""]
            for f in embed.get("fields") or []:
                parts += [f.get("name") or "", f.get("value") or ""]
            parts.append((embed.get("footer") or {}).get("text") or "")
        return "\n".join(p for p in parts if p)

    def payload(self, *, gateway: bool = False, member: dict | None = None) -> dict:
        data: dict[str, Any] = {
            "id": str(self.id),
            "channel_id": str(self.channel_id),
            "author": self.author.payload(),
            "content": self.content,
            "timestamp": self.timestamp,
            "edited_timestamp": self.edited_timestamp,
            "tts": False,
            "mention_everyone": self.pings.everyone,
            "mentions": copy.deepcopy(self.mentions),
            "mention_roles": [str(r) for r in sorted(self.pings.roles)],
            "attachments": copy.deepcopy(self.attachments),
            "embeds": copy.deepcopy(self.embeds),
            "components": copy.deepcopy(self.components),
            "pinned": False,
            "type": self.type,
            "flags": self.flags,
        }
        if self.webhook_id is not None:
            data["webhook_id"] = str(self.webhook_id)
            data["application_id"] = str(self.webhook_id)
        if self.interaction_metadata is not None:
            data["interaction_metadata"] = copy.deepcopy(self.interaction_metadata)
        if self.reference_id is not None:
            data["message_reference"] = {
                "type": 0,
                "message_id": str(self.reference_id),
                "channel_id": str(self.channel_id),
                "guild_id": str(self.guild_id),
            }
        if gateway:
            data["guild_id"] = str(self.guild_id)
            if member is not None:
                data["member"] = member
        return data

    def snapshot(self) -> dict:
        return {
            "content": self.content,
            "embeds": copy.deepcopy(self.embeds),
            "components": copy.deepcopy(self.components),
            "flags": self.flags,
        }


@dataclass
class Call:
    index: int
    method: str
    path: str  # without the /api/v10 prefix
    query: dict[str, str]
    json: Any
    status: int = 0
    response: Any = None
    headers: dict[str, str] = field(default_factory=dict)  # response headers

    def __repr__(self) -> str:
        return f"<Call #{self.index} {self.method} {self.path} -> {self.status}>"


@dataclass
class Violation:
    kind: str
    detail: str
    method: str = ""
    path: str = ""
    status: int | None = None
    code: int | None = None

    def __repr__(self) -> str:
        where = f" {self.method} {self.path}" if self.method else ""
        status = f" {self.status}" if self.status else ""
        code = f" code {self.code}" if self.code is not None else ""
        return f"<Violation {self.kind}{where}{status}{code}: {self.detail}>"


class DiscordError(Exception):
    """Raised by a REST handler: becomes an error response (and a violation)."""

    def __init__(self, status: int, body: dict, kind: str = "http_error", detail: str = ""):
        super().__init__(body.get("message"))
        self.status = status
        self.body = body
        self.kind = kind
        self.detail = detail or body.get("message", "")
        if "errors" in body:
            self.detail = "; ".join(L.flatten_errors(body["errors"])) or self.detail


_BAD_JSON = "<invalid JSON>"


def _err(status: int, code: int, kind: str = "http_error", detail: str = "") -> DiscordError:
    return DiscordError(status, L.discord_error(code), kind, detail)


def _form_error(body: dict) -> DiscordError:
    kind = "empty_message" if body["code"] == L.EMPTY_MESSAGE else "invalid_form_body"
    return DiscordError(400, body, kind)


class FakeInteraction:
    """One interaction sent to the bot and everything the bot did with it."""

    def __init__(
        self,
        fake: FakeDiscord,
        *,
        type: int,
        user: FakeUser,
        channel: FakeChannel,
        name: str,
        data: dict,
        message: FakeMessage | None = None,
    ) -> None:
        self._fake = fake
        self.id = fake.snowflake()
        self.token = "aW50ZXJhY3Rpb246" + secrets.token_urlsafe(24)
        self.type = type  # 2 command, 3 component, 4 autocomplete
        self.user = user
        self.channel = channel
        self.name = name  # "story start" for commands, the custom_id for components
        self.data = data
        self.message = message  # the message whose component was used
        self.created = time.monotonic()
        self.deadline = self.created + fake.ack_window
        self.session_ids: list[str] = []
        self.callbacks: list[dict] = []  # accepted initial responses ({"type", "data"})
        self.errors: list[Violation] = []  # errors sent back for this interaction
        self.original: FakeMessage | None = None  # what @original refers to
        self.original_created = False  # True when the response created a message
        self.followups: list[FakeMessage] = []
        self.choices: list[dict] | None = None  # autocomplete answer
        self.modal: dict | None = None
        self.expired = False
        self.settled = asyncio.Event()  # first callback attempt, or the window ran out
        self._pending_deferred_edit = False

    def __repr__(self) -> str:
        return (
            f"<FakeInteraction {self.id} type={self.type} {self.name!r} "
            f"by {self.user.name} response={self.response_type}>"
        )

    @property
    def acknowledged(self) -> bool:
        return bool(self.callbacks)

    @property
    def response_type(self) -> int | None:
        return self.callbacks[0]["type"] if self.callbacks else None

    @property
    def deferred(self) -> bool:
        return self.response_type in (5, 6)

    @property
    def replies(self) -> list[FakeMessage]:
        """Messages this interaction produced (original response once it has content,
        then followups), including ephemeral ones, excluding deleted ones."""
        out = []
        if self.original is not None and self.original_created and not self.original.loading:
            out.append(self.original)
        out += self.followups
        return [m for m in out if not m.deleted]

    @property
    def ephemeral_replies(self) -> list[FakeMessage]:
        return [m for m in self.replies if m.ephemeral]

    @property
    def reply(self) -> FakeMessage:
        """The latest reply; AssertionError when there is none."""
        replies = self.replies
        assert replies, f"{self!r} has no reply yet (callbacks: {self.callbacks})"
        return replies[-1]

    async def wait_replies(
        self, count: int = 1, timeout: float = WAIT_TIMEOUT
    ) -> list[FakeMessage]:
        """Wait until at least ``count`` replies exist; return them all."""
        await self._fake.wait_until(
            lambda: len(self.replies) >= count,
            timeout,
            f"{count} replies to {self!r}",
        )
        return self.replies

    async def wait_text(self, contains: str, timeout: float = WAIT_TIMEOUT) -> FakeMessage:
        """Wait until a reply's text contains ``contains`` (a streamed reply is edited
        until it does); return that reply."""

        def found() -> FakeMessage | None:
            return next((m for m in self.replies if contains in m.text), None)

        return await self._fake.wait_until(found, timeout, f"a reply to {self!r} with {contains!r}")

    async def wait_reply(self, timeout: float = WAIT_TIMEOUT) -> FakeMessage:
        """Wait for the first reply (original response with content, or a followup)."""
        return (await self.wait_replies(1, timeout))[0]


class GatewaySession:
    def __init__(self, fake: FakeDiscord, ws: web.WebSocketResponse, number: int) -> None:
        self.fake = fake
        self.ws = ws
        self.number = number  # connection order, from 0
        self.session_id: str | None = None
        self.identified = False
        self.intents = 0
        self.shard: tuple[int, int] = (0, 1)
        self.seq = 0
        self._lock = asyncio.Lock()

    def __repr__(self) -> str:
        return f"<GatewaySession #{self.number} {self.session_id} identified={self.identified}>"

    @property
    def open(self) -> bool:
        return not self.ws.closed

    async def send(self, op: int, d: Any = None, t: str | None = None) -> None:
        async with self._lock:
            if self.ws.closed:
                return
            frame: dict[str, Any] = {"op": op, "d": d, "s": None, "t": t}
            if op == 0:
                self.seq += 1
                frame["s"] = self.seq
            with contextlib.suppress(ConnectionError, RuntimeError):
                await self.ws.send_str(json.dumps(frame))

    async def close(self, code: int, message: str) -> None:
        await self.ws.close(code=code, message=message.encode())


@dataclass
class _Route:
    method: str
    pattern: re.Pattern
    handler: Callable[..., Awaitable[Any]]
    name: str
    bucket: str | None = "default"
    auth: bool = True
    interaction: bool = False  # exempt from the global limit, token in the URL


@dataclass
class _Req:
    method: str
    path: str
    params: dict[str, str]
    query: dict[str, str]
    json: Any
    files: list[dict]


@dataclass
class _Forced:
    method: str
    path: re.Pattern
    retry_after: float
    remaining: int
    is_global: bool


# --- the server --------------------------------------------------------------------------------


class FakeDiscord:
    def __init__(
        self,
        *,
        token: str = "fake-bot-token",
        bot_name: str = "StoryBot",
        guild_name: str = "Ember Guild",
        members: Iterable[str] = DEFAULT_MEMBERS,
        channels: Iterable[str] = DEFAULT_CHANNELS,
        voice_channels: Iterable[str] = (),
        privileged_intents: Iterable[str] = ("members", "presences", "message_content"),
        ack_window: float = L.ACK_WINDOW,
        token_ttl: float = L.TOKEN_TTL,
        rate_limits: dict[str, tuple[int, float]] | None = None,
        global_rate_limit: tuple[int, float] = L.GLOBAL_LIMIT,
        interaction_routing: str = "round_robin",
        heartbeat_interval: float = 41.25,
        recommended_shards: int = 1,
    ) -> None:
        self.token = token
        self.recommended_shards = recommended_shards
        self.ack_window = ack_window
        self.token_ttl = token_ttl
        routings = ("round_robin", "first", "last", "all")
        assert interaction_routing in routings, f"interaction_routing: one of {routings}"
        self.interaction_routing = interaction_routing
        self.heartbeat_interval = heartbeat_interval
        unknown = set(privileged_intents) - set(PRIVILEGED_INTENTS)
        assert not unknown, f"unknown privileged intents {unknown}"
        self.allowed_intents = sum(PRIVILEGED_INTENTS[name] for name in privileged_intents)
        self.limiter = L.RateLimiter(buckets=rate_limits, global_limit=global_rate_limit)

        self._last_snowflake = 0
        self.bot_user = FakeUser(self.snowflake(), bot_name, bot=True)
        self.application_id = self.bot_user.id
        self.users: dict[str, FakeUser] = {}
        for name in members:
            user = FakeUser(self.snowflake(), name)
            self.users[name] = user
        assert self.users, "at least one member (the guild owner) is needed"
        self.owner = next(iter(self.users.values()))
        self.guild_id = self.snowflake()
        self.guild_name = guild_name
        self.bot_role_id = self.snowflake()
        self.joined_at = _now_iso()
        self.channels: dict[int, FakeChannel] = {}
        for position, name in enumerate(channels):
            channel = FakeChannel(self.snowflake(), name, self.guild_id, position=position)
            self.channels[channel.id] = channel
        for position, name in enumerate(voice_channels):
            channel = FakeChannel(self.snowflake(), name, self.guild_id, type=2, position=position)
            self.channels[channel.id] = channel
        self.voice = FakeVoice(self)

        self.calls: list[Call] = []
        self.messages: defaultdict[int, list[FakeMessage]] = defaultdict(list)
        self.commands: dict[str, dict] = {}
        self.guild_commands: defaultdict[int, dict[str, dict]] = defaultdict(dict)
        self.interactions: list[FakeInteraction] = []
        self.violations: list[Violation] = []
        self.rate_limited: list[Call] = []
        self.identify: dict | None = None
        self.heartbeats = 0
        self.sessions: list[GatewaySession] = []  # every connection, open or closed
        self.typing: list[tuple[int, float]] = []  # (channel id, monotonic time) per POST
        self.dm_channels: dict[int, FakeUser] = {}  # DM channel id -> the user
        self.dms: defaultdict[str, list[FakeMessage]] = defaultdict(list)  # by user name
        self._messages_by_id: dict[int, FakeMessage] = {}
        self._interactions_by_token: dict[str, FakeInteraction] = {}
        self._forced: list[_Forced] = []
        self._round_robin = itertools.count()
        self._timers: list[asyncio.TimerHandle] = []
        self._changed: asyncio.Event | None = None
        self._runner: web.AppRunner | None = None
        self.port = 0
        self._routes = self._build_routes()

    # --- lifecycle ---------------------------------------------------------------------------

    async def start(self) -> FakeDiscord:
        app = web.Application()
        app.router.add_get("/gateway", self._handle_gateway)
        self.voice.routes(app)
        app.router.add_route("*", API_PREFIX + "/{tail:.*}", self._handle_rest)
        app.router.add_route("*", "/{tail:.*}", self._handle_elsewhere)
        self._changed = asyncio.Event()
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=0.5)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        await self.voice.start()
        return self

    async def close(self) -> None:
        for timer in self._timers:
            timer.cancel()
        for ix in self.interactions:
            if not ix.acknowledged and not ix.expired:
                self._violate(
                    "not_acknowledged",
                    f"{ix!r} was never acknowledged (the fake shut down first)",
                )
        for session in self.sessions:
            if session.open:
                await session.close(1001, "fake shutting down")
        self.voice.close()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> FakeDiscord:
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def api_url(self) -> str:
        return self.base_url + API_PREFIX

    @property
    def gateway_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/gateway"

    # --- helpers -----------------------------------------------------------------------------

    def snowflake(self) -> int:
        value = (int(time.time() * 1000) - DISCORD_EPOCH_MS) << 22
        self._last_snowflake = max(value, self._last_snowflake + 1)
        return self._last_snowflake

    def user(self, who: FakeUser | str | int | None = None) -> FakeUser:
        """A member by name or id (``None``: the guild owner); the bot is ``fake.bot_user``."""
        if who is None:
            return self.owner
        if isinstance(who, FakeUser):
            return who
        for user in [*self.users.values(), self.bot_user]:
            if who in (user.name, user.id, str(user.id)):
                return user
        raise AssertionError(f"no member {who!r}; members: {list(self.users)}")

    def channel(self, which: FakeChannel | str | int | None = None) -> FakeChannel:
        """A text channel or thread by name or id (``None``: the first text channel)."""
        if which is None:
            return next(iter(self.channels.values()))
        if isinstance(which, FakeChannel):
            return which
        for channel in self.channels.values():
            if which in (channel.name, channel.id, str(channel.id)):
                return channel
        names = [c.name for c in self.channels.values()]
        raise AssertionError(f"no channel or thread {which!r}; known: {names}")

    @property
    def threads(self) -> dict[int, FakeChannel]:
        return {cid: c for cid, c in self.channels.items() if c.is_thread}

    def member_payload(self, user: FakeUser, *, with_user: bool = True) -> dict:
        data: dict[str, Any] = {
            "roles": [str(self.bot_role_id)] if user is self.bot_user else [],
            "nick": None,
            "avatar": None,
            "joined_at": self.joined_at,
            "premium_since": None,
            "deaf": False,
            "mute": False,
            "pending": False,
            "flags": 0,
            "communication_disabled_until": None,
        }
        if with_user:
            data["user"] = user.payload()
        return data

    def _roles(self) -> list[dict]:
        def role(rid: int, name: str, permissions: int, position: int, managed: bool) -> dict:
            return {
                "id": str(rid),
                "name": name,
                "color": 0,
                "hoist": False,
                "icon": None,
                "unicode_emoji": None,
                "position": position,
                "permissions": str(permissions),
                "managed": managed,
                "mentionable": False,
                "flags": 0,
            }

        return [
            role(self.guild_id, "@everyone", EVERYONE_PERMISSIONS, 0, False),
            role(self.bot_role_id, self.bot_user.name, BOT_PERMISSIONS, 1, True),
        ]

    def guild_payload(self) -> dict:
        return {
            "id": str(self.guild_id),
            "name": self.guild_name,
            "icon": None,
            "splash": None,
            "discovery_splash": None,
            "owner_id": str(self.owner.id),
            "afk_channel_id": None,
            "afk_timeout": 300,
            "verification_level": 0,
            "default_message_notifications": 1,
            "explicit_content_filter": 0,
            "roles": self._roles(),
            "emojis": [],
            "stickers": [],
            "features": [],
            "mfa_level": 0,
            "system_channel_id": None,
            "system_channel_flags": 0,
            "rules_channel_id": None,
            "vanity_url_code": None,
            "description": None,
            "banner": None,
            "premium_tier": 0,
            "preferred_locale": "en-US",
            "public_updates_channel_id": None,
            "nsfw_level": 0,
            "premium_progress_bar_enabled": False,
        }

    def _all_members(self) -> list[FakeUser]:
        return [*self.users.values(), self.bot_user]

    def _guild_create(self) -> dict:
        data = self.guild_payload()
        data.update(
            unavailable=False,
            large=False,
            joined_at=self.joined_at,
            member_count=len(self._all_members()),
            members=[self.member_payload(u) for u in self._all_members()],
            channels=[c.payload() for c in self.channels.values() if not c.is_thread],
            threads=[c.payload() for c in self.channels.values() if c.is_thread],
            presences=[],
            voice_states=self.voice.guild_voice_states(),
            stage_instances=[],
            guild_scheduled_events=[],
            soundboard_sounds=[],
        )
        return data

    def _violate(self, kind: str, detail: str, **where: Any) -> Violation:
        violation = Violation(kind, detail, **where)
        self.violations.append(violation)
        self._notify()
        return violation

    def _notify(self) -> None:
        """Wake every ``wait_until`` (they re-check their predicates)."""
        if self._changed is not None:
            self._changed.set()
            self._changed = asyncio.Event()

    async def wait_until(
        self, predicate: Callable[[], Any], timeout: float = WAIT_TIMEOUT, what: str = "condition"
    ) -> Any:
        """Wait until ``predicate()`` is truthy and return its value; AssertionError after
        ``timeout`` seconds. Re-checked on every change the fake sees and every 10 ms (for
        predicates on the bot's own state)."""
        assert self._changed is not None, "the fake is not running"

        async def wait() -> Any:
            while not (value := predicate()):
                assert self._changed is not None
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._changed.wait(), 0.01)
            return value

        try:
            return await asyncio.wait_for(wait(), timeout)
        except TimeoutError:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}") from None

    async def wait_for(
        self,
        method: str,
        path_regex: str,
        timeout: float = WAIT_TIMEOUT,
        *,
        count: int = 1,
        after: int = 0,
    ) -> Call:
        """Wait until ``count`` REST calls matching ``method`` and ``path_regex`` (searched
        in the path, e.g. ``r"/callback$"``) have been answered, counting calls from index
        ``after`` (``len(fake.calls)`` taken earlier); return the ``count``-th."""
        pattern = re.compile(path_regex)

        def found() -> Call | None:
            hits = [
                c
                for c in self.calls[after:]
                if c.method == method.upper() and pattern.search(c.path) and c.status
            ]
            return hits[count - 1] if len(hits) >= count else None

        return await self.wait_until(found, timeout, f"{count}x {method} {path_regex}")

    # --- gateway -----------------------------------------------------------------------------

    @property
    def ready_sessions(self) -> list[GatewaySession]:
        return [s for s in self.sessions if s.identified and s.open]

    async def _handle_gateway(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(max_msg_size=0)
        await ws.prepare(request)
        session = GatewaySession(self, ws, len(self.sessions))
        self.sessions.append(session)
        await session.send(10, {"heartbeat_interval": int(self.heartbeat_interval * 1000)})
        try:
            async for msg in ws:
                if msg.type is not WSMsgType.TEXT:
                    continue
                try:
                    frame = json.loads(msg.data)
                except ValueError:
                    self._violate("gateway", "undecodable gateway frame")
                    await session.close(4002, "Error while decoding payload.")
                    break
                await self._gateway_frame(session, frame)
        finally:
            self._notify()
        return ws

    async def _gateway_frame(self, session: GatewaySession, frame: dict) -> None:
        op, d = frame.get("op"), frame.get("d")
        if op == 1:
            self.heartbeats += 1
            await session.send(11)
        elif op == 2:
            await self._identify(session, d or {})
        elif op == 6:
            # No session resuming: Discord answers an unknown session with op 9, and the
            # client identifies afresh.
            await session.send(9, False)
        elif not session.identified:
            self._violate("gateway", f"op {op} sent before IDENTIFY")
            await session.close(4003, "Not authenticated.")
        elif op == 8:
            await self._request_members(session, d or {})
        elif op == 4:
            await self.voice.op4(session, d or {})  # joining or leaving a voice channel
        elif op == 3:
            pass  # presence updates: accepted, not modelled
        else:
            self._violate("gateway", f"unknown opcode {op}")
            await session.close(4001, "Unknown opcode.")

    async def _identify(self, session: GatewaySession, d: dict) -> None:
        if session.identified:
            self._violate("gateway", "IDENTIFY sent twice on one connection")
            await session.close(4005, "Already authenticated.")
            return
        self.identify = {**d, "token": "<redacted>"}
        if d.get("token") != self.token:
            self._violate("gateway", "IDENTIFY with a wrong token", code=4004)
            await session.close(4004, "Authentication failed.")
            return
        intents = int(d.get("intents", 0))
        privileged = sum(PRIVILEGED_INTENTS.values())
        if intents & privileged & ~self.allowed_intents:
            self._violate("gateway", f"privileged intents {intents:#x} not allowed", code=4014)
            await session.close(4014, "Disallowed intent(s).")
            return
        shard = d.get("shard") or [0, 1]
        session.shard = (int(shard[0]), int(shard[1]))
        session.intents = intents
        session.session_id = secrets.token_hex(16)
        session.identified = True
        in_shard = self.owns_guild(session)
        ready = {
            "v": 10,
            "user": self.bot_user.payload(),
            "guilds": [{"id": str(self.guild_id), "unavailable": True}] if in_shard else [],
            "session_id": session.session_id,
            "session_type": "normal",
            "resume_gateway_url": self.gateway_url,
            "shard": list(session.shard),
            "application": {"id": str(self.application_id), "flags": 0},
            "private_channels": [],
            "relationships": [],
            "presences": [],
            "user_settings": {},
            "geo_ordered_rtc_regions": [],
            "auth": {},
        }
        await session.send(0, ready, "READY")
        if in_shard:
            await session.send(0, self._guild_create(), "GUILD_CREATE")
        self._notify()

    def owns_guild(self, session: GatewaySession) -> bool:
        """Whether the guild is on ``session``'s shard (Discord's rule: ``(guild_id >> 22)
        % shard_count == shard_id``); only that connection hears the guild's events."""
        shard_id, count = session.shard
        return (self.guild_id >> 22) % max(count, 1) == shard_id

    async def _request_members(self, session: GatewaySession, d: dict) -> None:
        wanted = {int(u) for u in d.get("user_ids") or []}
        query = (d.get("query") or "").lower()
        members = [
            self.member_payload(u)
            for u in self._all_members()
            if (not wanted or u.id in wanted) and u.name.lower().startswith(query)
        ]
        chunk = {
            "guild_id": str(self.guild_id),
            "members": members,
            "chunk_index": 0,
            "chunk_count": 1,
            "not_found": [],
            "presences": [],
        }
        if d.get("nonce"):
            chunk["nonce"] = d["nonce"]
        await session.send(0, chunk, "GUILD_MEMBERS_CHUNK")

    async def dispatch(
        self, event: str, data: dict, *, sessions: Iterable[GatewaySession] | None = None
    ) -> None:
        """Send a DISPATCH to every identified client (or to ``sessions``), honouring
        intents: message events need GUILD_MESSAGES, and without MESSAGE_CONTENT a
        message's content, embeds, components and attachments arrive empty unless it
        mentions the bot or is the bot's own (as on Discord)."""
        targets = list(sessions) if sessions is not None else self.ready_sessions
        for session in targets:
            if not session.identified or not session.open or not self.owns_guild(session):
                continue
            payload = data
            if event.startswith("MESSAGE_"):
                if not session.intents & INTENT_GUILD_MESSAGES:
                    continue
                payload = self._for_content_intent(session, data)
            elif (event.startswith(("THREAD_", "CHANNEL_", "GUILD_"))) and not (
                session.intents & INTENT_GUILDS
            ):
                continue
            await session.send(0, payload, event)

    def _for_content_intent(self, session: GatewaySession, data: dict) -> dict:
        if session.intents & INTENT_MESSAGE_CONTENT or "author" not in data:
            return data
        if data["author"]["id"] == str(self.bot_user.id):
            return data
        if self.bot_user.mention in data.get("content", ""):
            return data
        return {**data, "content": "", "embeds": [], "components": [], "attachments": []}

    async def request_reconnect(self, session: GatewaySession | None = None) -> None:
        """Send op 7 RECONNECT (to every ready client, or one); the client resumes, gets
        op 9 and identifies again."""
        for s in [session] if session else self.ready_sessions:
            await s.send(7)

    # --- REST plumbing -----------------------------------------------------------------------

    def _build_routes(self) -> list[_Route]:
        ch, msg, app = r"(?P<channel>\d+)", r"(?P<message>\d+)", r"(?P<app>\d+)"
        guild, token = r"(?P<guild>\d+)", r"(?P<token>[^/]+)"
        hook = f"/webhooks/{app}/{token}"
        hook_msg = hook + r"/messages/(?P<message>\d+|@original)"
        ix = {"interaction": True}
        table: list[tuple] = [
            ("GET", "/users/@me", self._get_me, {}),
            ("GET", "/oauth2/applications/@me", self._get_application, {}),
            ("GET", "/gateway", self._get_gateway, {"auth": False}),
            ("GET", "/gateway/bot", self._get_gateway, {}),
            ("GET", f"/applications/{app}/commands", self._get_commands, {}),
            ("PUT", f"/applications/{app}/commands", self._put_commands, {}),
            ("GET", f"/applications/{app}/guilds/{guild}/commands", self._get_commands, {}),
            ("PUT", f"/applications/{app}/guilds/{guild}/commands", self._put_commands, {}),
            ("GET", f"/guilds/{guild}", self._get_guild, {}),
            ("GET", f"/guilds/{guild}/channels", self._get_guild_channels, {}),
            ("GET", f"/guilds/{guild}/members/(?P<user>\\d+)", self._get_member, {}),
            ("GET", f"/channels/{ch}", self._get_channel, {}),
            ("PATCH", f"/channels/{ch}", self._patch_channel, {}),
            ("GET", f"/channels/{ch}/messages", self._get_messages, {}),
            ("POST", f"/channels/{ch}/messages", self._post_message,
             {"bucket": "channel_messages"}),
            ("GET", f"/channels/{ch}/messages/{msg}", self._get_message, {}),
            ("PATCH", f"/channels/{ch}/messages/{msg}", self._patch_message,
             {"bucket": "message_edits"}),
            ("DELETE", f"/channels/{ch}/messages/{msg}", self._delete_message, {}),
            ("POST", f"/channels/{ch}/typing", self._typing, {}),
            ("PUT", f"/channels/{ch}/messages/{msg}/reactions/(?P<emoji>[^/]+)/@me",
             self._react, {"bucket": "reactions"}),
            ("DELETE", f"/channels/{ch}/messages/{msg}/reactions/(?P<emoji>[^/]+)/@me",
             self._unreact, {"bucket": "reactions"}),
            ("POST", "/users/@me/channels", self._open_dm, {}),
            ("POST", f"/channels/{ch}/messages/{msg}/threads", self._thread_from_message, {}),
            ("POST", f"/channels/{ch}/threads", self._thread_standalone, {}),
            ("PUT", f"/channels/{ch}/thread-members/(?P<user>\\d+|@me)", self._thread_member, {}),
            ("POST", f"/interactions/(?P<interaction>\\d+)/{token}/callback", self._callback, ix),
            ("POST", hook, self._followup, ix),
            ("GET", hook_msg, self._webhook_message, ix),
            ("PATCH", hook_msg, self._webhook_message, ix),
            ("DELETE", hook_msg, self._webhook_message, ix),
        ]  # fmt: skip
        routes = []
        for method, pattern, handler, opts in table:
            if opts.get("interaction"):
                opts = {"bucket": None, "auth": False, **opts}
            routes.append(
                _Route(method, re.compile(f"^{pattern}$"), handler, f"{method} {pattern}", **opts)
            )
        return routes

    async def _read_body(self, request: web.Request) -> tuple[Any, list[dict]]:
        if request.content_type.startswith("multipart/"):
            form = await request.post()
            payload = json.loads(str(form.get("payload_json") or "{}"))
            files = []
            for name, value in form.items():
                if hasattr(value, "filename") and name != "payload_json":
                    body = value.file.read()  # type: ignore[union-attr]
                    files.append(
                        {"filename": value.filename, "size": len(body), "content": body}  # type: ignore[union-attr]
                    )
            return payload, files
        if not request.can_read_body:
            return None, []
        text = await request.text()
        return (json.loads(text) if text else None), []

    async def _handle_rest(self, request: web.Request) -> web.StreamResponse:
        path = "/" + request.match_info["tail"]
        try:
            body, files = await self._read_body(request)
        except ValueError:
            body, files = _BAD_JSON, []  # recorded as the call's json
        call = Call(len(self.calls), request.method, path, dict(request.query), body)
        self.calls.append(call)
        if body is _BAD_JSON:
            self._violate("bad_json", "body is not valid JSON", method=call.method, path=path)
            status, response, headers = 400, L.discord_error(50109, "Invalid JSON"), {}
        else:
            status, response, headers = await self._route(request, call, files)
        call.status, call.response, call.headers = status, response, headers
        self._notify()
        if response is None:
            return web.Response(status=status, headers=headers)
        return _json_response(response, status, headers)

    async def _handle_elsewhere(self, request: web.Request) -> web.StreamResponse:
        """Outside ``/api/v10``: another API version, the CDN (attachments), ..."""
        self._violate(
            "unknown_route", "not under /api/v10", method=request.method, path=request.path
        )
        return _json_response({"message": "404: Not Found", "code": 0}, 404)

    async def _route(
        self, request: web.Request, call: Call, files: list[dict]
    ) -> tuple[int, Any, dict]:
        where = {"method": call.method, "path": call.path}
        match = route = None
        for route in self._routes:
            if route.method == call.method and (match := route.pattern.match(call.path)):
                break
        if match is None or route is None:
            self._violate("unknown_route", "the fake does not serve this", status=404, **where)
            return 404, {"message": "404: Not Found", "code": 0}, {}
        if route.auth and request.headers.get("Authorization") != f"Bot {self.token}":
            self._violate("unauthorized", "missing or wrong bot token", status=401, **where)
            return 401, {"message": "401: Unauthorized", "code": 0}, {}
        for forced in self._forced:
            if forced.remaining and forced.method == call.method and forced.path.search(call.path):
                forced.remaining -= 1
                self.rate_limited.append(call)
                scope = "global" if forced.is_global else "user"
                body = L.rate_limited_body(forced.retry_after, is_global=forced.is_global)
                return 429, body, L.rate_limited_headers(forced.retry_after, scope)
        params = match.groupdict()
        major = params.get("channel") or params.get("guild") or params.get("app") or ""
        if route.interaction:
            major = f"{params.get('interaction') or params.get('app')}:{params['token']}"
        decision = self.limiter.hit(
            route.bucket, major, route=route.name, exempt_global=route.interaction
        )
        if not decision.allowed:
            self.rate_limited.append(call)
            self._violate(
                "rate_limited",
                f"{decision.scope} rate limit exceeded, retry after {decision.retry_after} s",
                status=429,
                **where,
            )
            return 429, decision.body(), decision.headers
        req = _Req(call.method, call.path, params, call.query, call.json, files)
        try:
            result = await route.handler(req)
        except DiscordError as error:
            code = error.body.get("code")
            self._violate(error.kind, error.detail, status=error.status, code=code, **where)
            return error.status, error.body, decision.headers
        except Exception as error:  # a malformed body, or a bug in the fake: fail fast
            # (a 500 would make discord.py retry with 1 + 2n s sleeps)
            self._violate("fake_error", f"{type(error).__name__}: {error}", status=400, **where)
            return 400, L.discord_error(0, f"FakeDiscord could not handle this: {error!r}"), {}
        status, body = result if isinstance(result, tuple) else (200, result)
        return status, body, decision.headers

    def force_rate_limit(
        self,
        method: str,
        path_regex: str,
        *,
        retry_after: float = 0.05,
        count: int = 1,
        is_global: bool = False,
    ) -> None:
        """Answer the next ``count`` matching calls with 429 (``Via`` and
        ``X-RateLimit-Scope`` set, ``retry_after`` in the body), as Discord does."""
        self._forced.append(
            _Forced(method.upper(), re.compile(path_regex), retry_after, count, is_global)
        )

    # --- REST: identity, gateway, commands, guild --------------------------------------------

    async def _get_me(self, req: _Req) -> dict:
        return self.bot_user.payload()

    async def _get_application(self, req: _Req) -> dict:
        return {
            "id": str(self.application_id),
            "name": self.bot_user.name,
            "icon": None,
            "description": "",
            "summary": "",
            "rpc_origins": [],
            "bot_public": True,
            "bot_require_code_grant": False,
            "owner": self.owner.payload(),
            "team": None,
            "verify_key": "0" * 64,
            "flags": 0,
            "bot": self.bot_user.payload(),
        }

    async def _get_gateway(self, req: _Req) -> dict:
        body: dict[str, Any] = {"url": self.gateway_url}
        if req.path.endswith("/bot"):
            body["shards"] = self.recommended_shards
            body["session_start_limit"] = {
                "total": 1000,
                "remaining": 1000,
                "reset_after": 0,
                "max_concurrency": 1,
            }
        return body

    def _command_store(self, req: _Req) -> dict[str, dict]:
        if int(req.params["app"]) != self.application_id:
            raise _err(403, 20012, detail="not this application's commands")
        if "guild" in req.params:
            if int(req.params["guild"]) != self.guild_id:
                raise _err(404, 10004, detail="unknown guild")
            return self.guild_commands[self.guild_id]
        return self.commands

    async def _get_commands(self, req: _Req) -> list:
        return list(self._command_store(req).values())

    async def _put_commands(self, req: _Req) -> list:
        store = self._command_store(req)
        if (error := L.validate_commands(req.json)) is not None:
            raise _form_error(error)
        new: dict[str, dict] = {}
        for command in req.json:
            name = command["name"]
            old = store.get(name)
            stored = {
                "type": 1,
                "description": "",
                "options": [],
                "default_member_permissions": None,
                "nsfw": False,
                **command,
                "id": old["id"] if old else str(self.snowflake()),
                "application_id": str(self.application_id),
                "version": str(self.snowflake()),
            }
            if "guild" in req.params:
                stored["guild_id"] = str(self.guild_id)
            new[name] = stored
        store.clear()
        store.update(new)
        return list(store.values())

    def _check_guild(self, req: _Req) -> None:
        if int(req.params["guild"]) != self.guild_id:
            raise _err(404, 10004, detail="unknown guild")

    async def _get_guild(self, req: _Req) -> dict:
        self._check_guild(req)
        return {
            **self.guild_payload(),
            "approximate_member_count": len(self._all_members()),
        }

    async def _get_guild_channels(self, req: _Req) -> list:
        self._check_guild(req)
        return [c.payload() for c in self.channels.values() if not c.is_thread]

    async def _get_member(self, req: _Req) -> dict:
        self._check_guild(req)
        for user in self._all_members():
            if user.id == int(req.params["user"]):
                return self.member_payload(user)
        raise _err(404, 10007, detail="unknown member")

    # --- REST: channels and messages ---------------------------------------------------------

    def _channel_of(self, req: _Req) -> FakeChannel:
        channel = self.channels.get(int(req.params["channel"]))
        if channel is None:
            raise _err(404, L.UNKNOWN_CHANNEL)
        return channel

    def _message_of(self, req: _Req, channel: FakeChannel) -> FakeMessage:
        message = self._messages_by_id.get(int(req.params["message"]))
        if message is None or message.channel_id != channel.id or message.deleted:
            raise _err(404, L.UNKNOWN_MESSAGE)
        return message

    async def _get_channel(self, req: _Req) -> dict:
        return self._channel_of(req).payload()

    async def _patch_channel(self, req: _Req) -> dict:
        channel = self._channel_of(req)
        body = req.json or {}
        if "name" in body and (error := L.validate_thread({"name": body["name"]})) is not None:
            raise _form_error(error)
        if channel.is_thread:
            wanted = {"name": body.get("name", channel.name)}
            wanted["auto_archive_duration"] = body.get("auto_archive_duration")
            if (error := L.validate_thread(wanted)) is not None:
                raise _form_error(error)
            for key in ("name", "archived", "locked", "auto_archive_duration"):
                if key in body:
                    setattr(channel, key, body[key])
            await self.dispatch("THREAD_UPDATE", channel.payload())
        else:
            for key in ("name", "topic"):
                if key in body:
                    setattr(channel, key, body[key])
            await self.dispatch("CHANNEL_UPDATE", channel.payload())
        return channel.payload()

    async def _get_messages(self, req: _Req) -> list:
        channel = self._channel_of(req)
        limit = int(req.query.get("limit", 50))
        found = [m for m in self.messages[channel.id] if not m.deleted]
        if "before" in req.query:
            found = [m for m in found if m.id < int(req.query["before"])]
        if "after" in req.query:
            found = [m for m in found if m.id > int(req.query["after"])]
            found = found[:limit]
        else:
            found = found[-limit:]
        return [m.payload() for m in reversed(found)]

    async def _get_message(self, req: _Req) -> dict:
        channel = self._channel_of(req)
        return self._message_of(req, channel).payload()

    def _attachments(self, files: list[dict]) -> list[dict]:
        out = []
        for f in files:
            aid = self.snowflake()
            url = f"{self.base_url}/attachments/{aid}/{f['filename']}"
            out.append(
                {
                    "id": str(aid),
                    "filename": f["filename"],
                    "size": f["size"],
                    "url": url,
                    "proxy_url": url,
                }
            )
        return out

    def new_message(
        self,
        channel: FakeChannel,
        author: FakeUser,
        payload: dict,
        *,
        files: list[dict] | None = None,
        flags_mask: int = L.FLAG_SUPPRESS_EMBEDS | L.FLAG_SUPPRESS_NOTIFICATIONS,
        extra_flags: int = 0,
        store: bool = True,
        **fields: Any,
    ) -> FakeMessage:
        """Create and store a message (not dispatched). Non-ephemeral messages go to
        ``messages[channel.id]``."""
        reference = (payload.get("message_reference") or {}).get("message_id")
        referenced = self._messages_by_id.get(int(reference)) if reference else None
        allowed = payload.get("allowed_mentions")
        flags = (int(payload.get("flags") or 0) & (flags_mask | L.FLAG_COMPONENTS_V2)) | extra_flags
        pings = L.compute_pings(
            payload.get("content"), allowed, referenced.author.id if referenced else None
        )
        known = {u.id: u for u in self._all_members()}
        message = FakeMessage(
            id=self.snowflake(),
            channel_id=channel.id,
            guild_id=self.guild_id,
            author=author,
            content=payload.get("content") or "",
            embeds=copy.deepcopy(payload.get("embeds") or []),
            components=copy.deepcopy(payload.get("components") or []),
            attachments=self._attachments(files or []),
            flags=flags,
            allowed_mentions=copy.deepcopy(allowed),
            pings=pings,
            mentions=[known[u].payload() for u in sorted(pings.users) if u in known],
            type=fields.pop("type", 19 if referenced else 0),
            reference_id=referenced.id if referenced else None,
            **fields,
        )
        self._messages_by_id[message.id] = message
        if store and not message.ephemeral:
            self.messages[channel.id].append(message)
        self._notify()
        return message

    def apply_edit(self, message: FakeMessage, payload: dict, files: list[dict]) -> None:
        """Apply a PATCH body to ``message`` (validated by the caller)."""
        message.history.append(message.snapshot())
        for key in ("content", "embeds", "components"):
            if key in payload:
                empty = "" if key == "content" else []
                setattr(message, key, copy.deepcopy(payload[key]) or empty)
        if "attachments" in payload or files:
            keep = {str(a.get("id")) for a in payload.get("attachments") or []}
            message.attachments = [a for a in message.attachments if a["id"] in keep]
            message.attachments += self._attachments(files)
        if "flags" in payload and payload["flags"] is not None:
            message.flags = (message.flags & ~L.FLAG_SUPPRESS_EMBEDS) | (
                int(payload["flags"]) & L.FLAG_SUPPRESS_EMBEDS
            )
        if "allowed_mentions" in payload:
            message.allowed_mentions = copy.deepcopy(payload["allowed_mentions"])
        message.edited_timestamp = _now_iso()
        self._notify()

    def _validate_edit(self, message: FakeMessage, payload: dict, files: list, prefix=()) -> None:
        if (error := L.validate_message(payload, prefix=prefix, require_body=False)) is not None:
            raise _form_error(error)
        merged = {**message.snapshot(), "attachments": message.attachments, **payload}
        if files:
            merged["attachments"] = files
        if L.is_empty(merged):
            raise _form_error(L.discord_error(L.EMPTY_MESSAGE))

    async def _writable_channel(self, channel: FakeChannel) -> None:
        if channel.is_thread and channel.archived:
            if channel.locked:
                raise _err(400, L.THREAD_ARCHIVED)
            channel.archived = False  # a message unarchives an unlocked thread
            await self.dispatch("THREAD_UPDATE", channel.payload())

    def message_event(self, message: FakeMessage) -> dict:
        member = self.member_payload(message.author, with_user=False)
        return message.payload(gateway=True, member=member)

    async def _post_message(self, req: _Req) -> dict:
        if int(req.params["channel"]) in self.dm_channels:
            payload = req.json or {}
            if (error := L.validate_message(payload)) is not None:
                raise _form_error(error)
            return self._dm_message(int(req.params["channel"]), payload)
        channel = self._channel_of(req)
        payload = req.json or {}
        if (error := L.validate_message({**payload, "attachments": req.files or None})) is not None:
            raise _form_error(error)
        await self._writable_channel(channel)
        message = self.new_message(channel, self.bot_user, payload, files=req.files)
        await self.dispatch("MESSAGE_CREATE", self.message_event(message))
        return message.payload()

    async def _patch_message(self, req: _Req) -> dict:
        channel = self._channel_of(req)
        message = self._message_of(req, channel)
        if message.author is not self.bot_user:
            raise _err(403, L.CANNOT_EDIT_OTHERS_MESSAGE)
        if channel.is_thread and channel.archived:
            raise _err(400, L.THREAD_ARCHIVED)
        payload = req.json or {}
        self._validate_edit(message, payload, req.files)
        self.apply_edit(message, payload, req.files)
        await self.dispatch("MESSAGE_UPDATE", self.message_event(message))
        return message.payload()

    async def _delete_message(self, req: _Req) -> tuple[int, None]:
        channel = self._channel_of(req)
        message = self._message_of(req, channel)
        await self._delete(message)
        return 204, None

    async def _delete(self, message: FakeMessage) -> None:
        message.deleted = True
        self._notify()
        if not message.ephemeral:
            event = {
                "id": str(message.id),
                "channel_id": str(message.channel_id),
                "guild_id": str(self.guild_id),
            }
            await self.dispatch("MESSAGE_DELETE", event)

    async def _typing(self, req: _Req) -> tuple[int, None]:
        channel = self._channel_of(req)
        self.typing.append((channel.id, time.monotonic()))
        return 204, None

    async def _react(self, req: _Req) -> tuple[int, None]:
        """The bot reacts on a message: stored as ``(emoji, bot id)`` in ``reactions``."""
        channel = self._channel_of(req)
        message = self._message_of(req, channel)
        emoji = urllib.parse.unquote(req.params["emoji"])
        if (emoji, self.bot_user.id) not in message.reactions:
            message.reactions.append((emoji, self.bot_user.id))
        self._notify()
        return 204, None

    async def _unreact(self, req: _Req) -> tuple[int, None]:
        channel = self._channel_of(req)
        message = self._message_of(req, channel)
        emoji = urllib.parse.unquote(req.params["emoji"])
        message.reactions = [r for r in message.reactions if r != (emoji, self.bot_user.id)]
        self._notify()
        return 204, None

    async def _open_dm(self, req: _Req) -> dict:
        """A DM channel with a member (``POST /users/@me/channels``); what the bot sends
        there is kept in ``dms[member name]``, never in a guild channel."""
        user = self.user(int((req.json or {}).get("recipient_id", 0)))
        channel_id = next((c for c, u in self.dm_channels.items() if u is user), None)
        if channel_id is None:
            channel_id = self.snowflake()
            self.dm_channels[channel_id] = user
        return {
            "id": str(channel_id),
            "type": 1,
            "last_message_id": None,
            "recipients": [user.payload()],
            "flags": 0,
        }

    def _dm_message(self, channel_id: int, payload: dict) -> dict:
        user = self.dm_channels[channel_id]
        message = FakeMessage(
            id=self.snowflake(),
            channel_id=channel_id,
            guild_id=0,
            author=self.bot_user,
            content=payload.get("content") or "",
            embeds=copy.deepcopy(payload.get("embeds") or []),
            allowed_mentions=copy.deepcopy(payload.get("allowed_mentions")),
        )
        self.dms[user.name].append(message)
        self._notify()
        data = message.payload()
        return data

    async def _create_thread(
        self, parent: FakeChannel, body: dict, *, thread_id: int | None, type_: int
    ) -> dict:
        if parent.is_thread:
            raise _err(400, 50024, detail="cannot create a thread inside a thread")
        if (error := L.validate_thread(body)) is not None:
            raise _form_error(error)
        thread = FakeChannel(
            id=thread_id or self.snowflake(),
            name=body["name"],
            guild_id=self.guild_id,
            type=type_,
            parent_id=parent.id,
            owner_id=self.bot_user.id,
            auto_archive_duration=body.get("auto_archive_duration") or 1440,
            member_ids={self.bot_user.id},
        )
        self.channels[thread.id] = thread
        self._notify()
        event = {
            **thread.payload(),
            "newly_created": True,
            "member": {
                "id": str(thread.id),
                "user_id": str(self.bot_user.id),
                "join_timestamp": thread.created_at,
                "flags": 0,
            },
        }
        await self.dispatch("THREAD_CREATE", event)
        return thread.payload()

    async def open_thread(
        self, parent: FakeChannel | str | int, name: str, *, user: FakeUser | str | None = None
    ) -> FakeChannel:
        """A member opens a public thread in ``parent`` (THREAD_CREATE is dispatched)."""
        owner = self.user(user)
        await self._create_thread(self.channel(parent), {"name": name}, thread_id=None, type_=11)
        thread = list(self.channels.values())[-1]
        thread.owner_id = owner.id
        thread.member_ids.add(owner.id)
        return thread

    async def _thread_from_message(self, req: _Req) -> tuple[int, dict]:
        channel = self._channel_of(req)
        message = self._message_of(req, channel)
        if message.thread_id is not None:
            raise _err(400, L.THREAD_ALREADY_CREATED)
        body = req.json or {}
        data = await self._create_thread(channel, body, thread_id=message.id, type_=11)
        message.thread_id = message.id
        return 201, data

    async def _thread_standalone(self, req: _Req) -> tuple[int, dict]:
        channel = self._channel_of(req)
        body = req.json or {}
        type_ = int(body.get("type") or 12)
        return 201, await self._create_thread(channel, body, thread_id=None, type_=type_)

    async def _thread_member(self, req: _Req) -> tuple[int, None]:
        channel = self._channel_of(req)
        if not channel.is_thread:
            raise _err(400, 50024, detail="not a thread")
        if channel.archived:
            raise _err(400, L.THREAD_ARCHIVED)
        user = req.params["user"]
        channel.member_ids.add(self.bot_user.id if user == "@me" else int(user))
        return 204, None

    # --- REST: interactions ------------------------------------------------------------------

    def interaction_payload(self, ix: FakeInteraction) -> dict:
        channel_payload = {**ix.channel.payload(), "permissions": str(ALL_PERMISSIONS)}
        member = {
            **self.member_payload(ix.user),
            "permissions": str(ALL_PERMISSIONS if ix.user is self.owner else EVERYONE_PERMISSIONS),
        }
        payload: dict[str, Any] = {
            "id": str(ix.id),
            "application_id": str(self.application_id),
            "type": ix.type,
            "token": ix.token,
            "version": 1,
            "guild_id": str(self.guild_id),
            "guild": {"id": str(self.guild_id), "locale": "en-US", "features": []},
            "channel_id": str(ix.channel.id),
            "channel": channel_payload,
            "member": member,
            "locale": "en-US",
            "guild_locale": "en-US",
            "app_permissions": str(BOT_PERMISSIONS),
            "entitlements": [],
            "authorizing_integration_owners": {"0": str(self.guild_id)},
            "context": 0,
            "attachment_size_limit": 10 * 1024 * 1024,
            "data": ix.data,
        }
        if ix.message is not None:
            payload["message"] = ix.message.payload()
        return payload

    async def send_interaction(
        self, ix: FakeInteraction, to: Any = None, *, wait: bool = True
    ) -> FakeInteraction:
        """Dispatch INTERACTION_CREATE to the client(s) chosen by ``to`` (see
        ``pick_sessions``) and, with ``wait``, return once the bot's first callback has
        been answered (accepted or rejected) or the acknowledgement window has passed."""
        sessions = self.pick_sessions(to)
        assert sessions, "no client is connected to the fake gateway"
        ix.session_ids = [s.session_id or "" for s in sessions]
        ix.created = time.monotonic()
        ix.deadline = ix.created + self.ack_window
        self.interactions.append(ix)
        self._interactions_by_token[ix.token] = ix
        loop = asyncio.get_running_loop()
        self._timers.append(loop.call_later(self.ack_window, self._expire, ix))
        await self.dispatch("INTERACTION_CREATE", self.interaction_payload(ix), sessions=sessions)
        if wait:
            await ix.settled.wait()
        return ix

    def pick_sessions(self, to: Any = None) -> list[GatewaySession]:
        """``to``: ``None`` (``interaction_routing``), ``"all"``, an index into the ready
        clients (connection order), a ``GatewaySession``, or a discord.py client (matched
        by its gateway session id)."""
        ready = [s for s in self.ready_sessions if self.owns_guild(s)]  # the guild's shard
        if not ready:
            return []
        if to is None:
            to = self.interaction_routing
        if to == "all":
            return ready
        if to == "first":
            return ready[:1]
        if to == "last":
            return ready[-1:]
        if to == "round_robin":
            return [ready[next(self._round_robin) % len(ready)]]
        if isinstance(to, GatewaySession):
            return [to]
        if isinstance(to, int):
            return [ready[to]]
        session_id = getattr(getattr(to, "ws", None), "session_id", None)
        for session in ready:
            if session.session_id == session_id:
                return [session]
        raise AssertionError(f"{to!r} is not connected to the fake gateway")

    def _expire(self, ix: FakeInteraction) -> None:
        if ix.acknowledged or ix.expired:
            return
        ix.expired = True
        ix.errors.append(
            self._violate(
                "not_acknowledged",
                f"{ix!r} was not acknowledged within {self.ack_window} s",
            )
        )
        ix.settled.set()

    def _interaction_error(self, ix: FakeInteraction | None, error: DiscordError) -> DiscordError:
        if ix is not None:
            ix.errors.append(Violation(error.kind, error.detail, code=error.body.get("code")))
        return error

    async def _callback(self, req: _Req) -> Any:
        ix = self._interactions_by_token.get(req.params["token"])
        if ix is None or ix.id != int(req.params["interaction"]):
            raise _err(404, L.UNKNOWN_INTERACTION, "unknown_interaction")
        try:
            return await self._callback_for(ix, req)
        except DiscordError as error:
            raise self._interaction_error(ix, error) from None
        finally:
            ix.settled.set()
            self._notify()

    async def _callback_for(self, ix: FakeInteraction, req: _Req) -> Any:
        if ix.acknowledged:
            raise _err(400, L.ALREADY_ACKNOWLEDGED, "already_acknowledged")
        late = time.monotonic() - ix.created
        if ix.expired or late > self.ack_window:
            raise _err(
                404,
                L.UNKNOWN_INTERACTION,
                "late_ack",
                f"answered after {late:.3f} s; the window is {self.ack_window} s",
            )
        body = req.json or {}
        ctype, data = body.get("type"), body.get("data") or {}
        allowed = {2: (4, 5, 9), 3: (4, 5, 6, 7, 9), 4: (8,), 5: (4, 5, 6, 7)}[ix.type]
        if ctype not in allowed:
            errors = L.FormErrors()
            errors.add(
                ["type"],
                "INTERACTION_RESPONSE_TYPE_INVALID",
                f"Response type {ctype} is not valid for interaction type {ix.type}",
            )
            raise _form_error(errors.body())
        message: FakeMessage | None = None
        if ctype in (4, 5):
            if ctype == 4:
                error = L.validate_message(
                    {**data, "attachments": req.files or None}, prefix=("data",)
                )
                if error is not None:
                    raise _form_error(error)
            flags = int(data.get("flags") or 0)
            content = data if ctype == 4 else {}
            message = self._interaction_message(ix, content, req.files, flags, loading=ctype == 5)
            ix.original, ix.original_created = message, True
            ix._pending_deferred_edit = ctype == 5
            if not message.ephemeral:
                await self.dispatch("MESSAGE_CREATE", self.message_event(message))
        elif ctype in (6, 7):
            message = ix.message
            ix.original = message
            if ctype == 7 and message is not None:
                self._validate_edit(message, data, req.files, prefix=("data",))
                self.apply_edit(message, data, req.files)
                if not message.ephemeral:
                    await self.dispatch("MESSAGE_UPDATE", self.message_event(message))
        elif ctype == 8:
            if (error := L.validate_autocomplete_choices(data.get("choices"))) is not None:
                raise _form_error(error)
            ix.choices = data["choices"]
        elif ctype == 9:
            ix.modal = data
        ix.callbacks.append({"type": ctype, "data": data})
        if req.query.get("with_response") not in ("1", "true", "True"):
            return 204, None
        info: dict[str, Any] = {"id": str(ix.id), "type": ix.type}
        response: dict[str, Any] = {"interaction": info}
        if message is not None:
            info.update(
                response_message_id=str(message.id),
                response_message_loading=ctype == 5,
                response_message_ephemeral=message.ephemeral,
            )
            if ctype != 6:
                response["resource"] = {"type": ctype, "message": message.payload()}
        return response

    def _interaction_message(
        self, ix: FakeInteraction, data: dict, files: list, flags: int, *, loading: bool = False
    ) -> FakeMessage:
        metadata = {
            "id": str(ix.id),
            "type": ix.type,
            "user": ix.user.payload(),
            "authorizing_integration_owners": {"0": str(self.guild_id)},
        }
        if ix.message is not None:
            metadata["interacted_message_id"] = str(ix.message.id)
        extra = (flags & L.FLAG_EPHEMERAL) | (L.FLAG_LOADING if loading else 0)
        return self.new_message(
            ix.channel,
            self.bot_user,
            data,
            files=files,
            extra_flags=extra,
            type=20 if ix.type == 2 else 0,  # CHAT_INPUT_COMMAND for slash commands
            interaction_id=ix.id,
            webhook_id=self.application_id,
            interaction_metadata=metadata,
        )

    def _webhook_interaction(self, req: _Req) -> FakeInteraction:
        ix = self._interactions_by_token.get(req.params["token"])
        if ix is None or int(req.params["app"]) != self.application_id:
            raise _err(404, L.UNKNOWN_WEBHOOK, "unknown_webhook")
        if not ix.acknowledged:
            raise self._interaction_error(
                ix,
                _err(
                    404,
                    L.UNKNOWN_WEBHOOK,
                    "followup_before_ack",
                    f"{req.method} on {ix!r} before the initial response",
                ),
            )
        if time.monotonic() - ix.created > self.token_ttl:
            raise self._interaction_error(ix, _err(401, L.INVALID_WEBHOOK_TOKEN, "token_expired"))
        return ix

    async def _followup(self, req: _Req) -> Any:
        ix = self._webhook_interaction(req)
        payload = req.json or {}
        try:
            if ix._pending_deferred_edit and ix.original is not None:
                # After a type 5 defer the first followup edits the "thinking" message.
                message = ix.original
                self._validate_edit(message, payload, req.files)
                self.apply_edit(message, payload, req.files)
                message.flags &= ~L.FLAG_LOADING
                ix._pending_deferred_edit = False
                event = "MESSAGE_UPDATE"
            else:
                error = L.validate_message({**payload, "attachments": req.files or None})
                if error is not None:
                    raise _form_error(error)
                flags = int(payload.get("flags") or 0)
                message = self._interaction_message(ix, payload, req.files, flags)
                ix.followups.append(message)
                event = "MESSAGE_CREATE"
        except DiscordError as error:
            raise self._interaction_error(ix, error) from None
        self._notify()
        if not message.ephemeral:
            await self.dispatch(event, self.message_event(message))
        if req.query.get("wait") in ("1", "true", "True"):
            return message.payload()
        return 204, None

    async def _webhook_message(self, req: _Req) -> Any:
        ix = self._webhook_interaction(req)
        target = req.params["message"]
        if target == "@original":
            message = ix.original
        else:
            candidates = [ix.original, *ix.followups]
            message = next((m for m in candidates if m is not None and m.id == int(target)), None)
        if message is None or message.deleted:
            raise self._interaction_error(ix, _err(404, L.UNKNOWN_MESSAGE))
        if req.method == "GET":
            return message.payload()
        if req.method == "DELETE":
            await self._delete(message)
            if message is ix.original:  # a followup now creates a new message
                ix._pending_deferred_edit = False
            return 204, None
        payload = req.json or {}
        try:
            self._validate_edit(message, payload, req.files)
        except DiscordError as error:
            raise self._interaction_error(ix, error) from None
        self.apply_edit(message, payload, req.files)
        if message.loading:
            message.flags &= ~L.FLAG_LOADING
            ix._pending_deferred_edit = False
        if not message.ephemeral:
            await self.dispatch("MESSAGE_UPDATE", self.message_event(message))
        return message.payload()
