"""Run real discord.py bots against ``FakeDiscord`` and act as players.

::

    async with running_bot(bot, ack_window=0.5) as fake:
        ix = await fake.slash("story start", user="bob", channel="adventures",
                              world="ember_hollow")
        assert ix.response_type == 4 and "Ember Hollow" in ix.reply.text
        click = await fake.click(ix.reply, "story:join", user="carol")
        assert fake.violations == []

``running_bot(bot, **options)`` starts a ``DiscordHarness`` (a ``FakeDiscord``; options
go to its constructor, plus ``guild_ready_timeout`` (0.02 s instead of discord.py's 2 s),
``reidentify_delay`` (0 s instead of the 5 s discord.py sleeps before identifying again
after a reconnect, unless the bot overrides ``before_identify_hook``; ``None`` keeps it)
and ``ready_timeout``), points
discord.py at it (``Route.BASE`` and ``DiscordWebSocket.DEFAULT_GATEWAY``, restored on
exit), logs the bot in, connects it (as a task) and yields once it is ready. On exit
every bot still running is closed, then the server. ``running_fake(**options)`` does the
same without starting a bot: start one or several with ``await fake.start_bot(bot)``.

Both overrides are class attributes shared by every client in the process: several
clients connected to one fake at once are fine (they all talk to it); two fakes at once
in one process are not (``running_fake`` refuses to nest).

Player actions (each returns once the bot's first response was answered, or the
acknowledgement window ran out):

``await fake.slash("story start", user=, channel=, to=, options=, **options)``
    An application command the bot synced, with subcommand groups/subcommands and typed
    options (string, integer, boolean, number, user, channel). Unknown commands or
    options, missing required options, wrong types and values outside ``choices`` or
    ranges fail with AssertionError. Use ``options={...}`` for option names that are not
    Python identifiers or clash with the keywords. Returns a ``FakeInteraction``.
``await fake.autocomplete("story start", "world", "emb", **other_options)``
    Returns the choices (``[{"name", "value"}]``) the bot answered with.
``await fake.click(message, custom_id, user=, values=)``
    A button or string select on a message (``FakeMessage``, discord.py message or id).
``await fake.say(text, user=, channel=, reply_to=)``
    A player's message (MESSAGE_CREATE); returns the ``FakeMessage``.
``await fake.move_voice(user, channel)``
    A member joins a voice channel (``voice_channels=[...]`` option; None: leaves
    voice); ``fake.voice`` (``voice.py``) keeps the bot's voice connections and the
    audio it sent. ``patched_endpoints`` also points the voice WebSocket's ``wss://``
    at the fake's plain ``ws://``.

``to=`` picks the client that receives an interaction when several are connected:
``None`` (the fake's ``interaction_routing``, round robin by default), ``"all"``, an
index, or a discord.py client.

Reading: ``fake.history(channel)``, ``fake.latest(channel, n=None)``,
``await fake.wait_message(channel, after=msg, contains="...")``, the interaction's
``replies`` / ``ephemeral_replies`` / ``followups`` / ``reply`` / ``await ix.wait_reply()``,
``await fake.wait_for("POST", r"/callback$")`` and ``fake.wait_until(predicate)``.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from typing import Any

import discord
import yarl
from discord.gateway import DiscordWebSocket
from discord.http import HTTPClient, Route

from . import limits as L
from .server import (
    ALL_PERMISSIONS,
    WAIT_TIMEOUT,
    FakeChannel,
    FakeDiscord,
    FakeInteraction,
    FakeMessage,
    FakeUser,
)

GUILD_READY_TIMEOUT = 0.02  # discord.py waits 2 s after the last GUILD_CREATE by default
DEFAULT_IDENTIFY_HOOK = discord.Client.before_identify_hook

OPTION_TYPES = {
    1: "subcommand",
    2: "subcommand group",
    3: "string",
    4: "integer",
    5: "boolean",
    6: "user",
    7: "channel",
    8: "role",
    9: "mentionable",
    10: "number",
    11: "attachment",
}


@dataclass
class RunningBot:
    bot: discord.Client
    task: asyncio.Task


class DiscordHarness(FakeDiscord):
    def __init__(
        self,
        *,
        guild_ready_timeout: float = GUILD_READY_TIMEOUT,
        reidentify_delay: float | None = 0.0,
        ready_timeout: float = WAIT_TIMEOUT,
        **options: Any,
    ) -> None:
        super().__init__(**options)
        self.guild_ready_timeout = guild_ready_timeout
        self.reidentify_delay = reidentify_delay
        self.ready_timeout = ready_timeout
        self.running: list[RunningBot] = []

    # --- bots --------------------------------------------------------------------------------

    @property
    def bots(self) -> list[discord.Client]:
        return [r.bot for r in self.running]

    @property
    def bot(self) -> discord.Client:
        assert self.running, "no bot is running"
        return self.running[0].bot

    async def start_bot(self, bot: discord.Client) -> discord.Client:
        """Log ``bot`` in (which runs its ``setup_hook``), connect it and wait until it is
        ready. Errors from login or the gateway (``LoginFailure``,
        ``PrivilegedIntentsRequired``, ...) are raised here, after closing the bot."""
        bot._connection.guild_ready_timeout = self.guild_ready_timeout
        delay = self.reidentify_delay
        if delay is not None and type(bot).before_identify_hook is DEFAULT_IDENTIFY_HOOK:
            # discord.py sleeps 5 s before every IDENTIFY but the first one (a reconnect).
            async def before_identify_hook(shard_id: int | None, *, initial: bool = False) -> None:
                if not initial:
                    await asyncio.sleep(delay)

            bot.before_identify_hook = before_identify_hook  # type: ignore[method-assign]
        try:
            await bot.login(self.token)
        except BaseException:
            await bot.close()
            raise
        task = asyncio.create_task(bot.connect(reconnect=True), name=f"connect {bot!r}")
        ready = asyncio.create_task(bot.wait_until_ready())
        done, _ = await asyncio.wait(
            {task, ready}, timeout=self.ready_timeout, return_when=asyncio.FIRST_COMPLETED
        )
        if ready in done:
            self.running.append(RunningBot(bot, task))
            return bot
        ready.cancel()
        await bot.close()
        if task in done:
            error = task.exception()
            raise error or AssertionError("bot.connect() returned before the bot was ready")
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        raise AssertionError(f"bot not ready within {self.ready_timeout} s")

    async def stop_bot(
        self, bot: discord.Client | None = None, timeout: float = WAIT_TIMEOUT
    ) -> None:
        """Close ``bot`` (default: the only running one) as a shutdown would."""
        running = self._running(bot)
        self.running.remove(running)
        await running.bot.close()
        try:
            await asyncio.wait_for(running.task, timeout)
        except TimeoutError:
            raise AssertionError(f"{running.bot!r} did not stop within {timeout} s") from None

    async def restart_bot(
        self, new_bot: discord.Client, old: discord.Client | None = None
    ) -> discord.Client:
        """Stop ``old`` (default: the only running bot) and start ``new_bot`` against the
        same fake, its messages, threads and synced commands: a process restart."""
        await self.stop_bot(old)
        return await self.start_bot(new_bot)

    def _running(self, bot: discord.Client | None) -> RunningBot:
        if bot is None:
            assert len(self.running) == 1, f"say which bot: {len(self.running)} are running"
            return self.running[0]
        for running in self.running:
            if running.bot is bot:
                return running
        raise AssertionError(f"{bot!r} is not running")

    async def stop_all(self) -> None:
        for running in list(self.running):
            await self.stop_bot(running.bot)

    # --- acting as players -------------------------------------------------------------------

    def find_command(self, command: str) -> tuple[dict, list[dict], list[dict]]:
        """``("story start")`` → (root command, [group/subcommand options], leaf options)."""
        words = command.strip().lstrip("/").split()
        assert words, "empty command"
        root = self.guild_commands[self.guild_id].get(words[0]) or self.commands.get(words[0])
        synced = sorted({*self.commands, *self.guild_commands[self.guild_id]})
        assert root is not None and root.get("type", 1) == 1, (
            f"/{words[0]} is not a slash command the bot synced; synced: {synced}"
        )
        path: list[dict] = []
        node = root
        for word in words[1:]:
            subs = {o["name"]: o for o in node.get("options") or [] if o["type"] in (1, 2)}
            assert word in subs, (
                f"/{' '.join(words)}: no subcommand {word!r} under /{node['name']}; "
                f"it has {sorted(subs) or 'none'}"
            )
            node = subs[word]
            path.append(node)
        options = node.get("options") or []
        subs = sorted(o["name"] for o in options if o["type"] in (1, 2))
        assert not subs, f"/{' '.join(words)} needs a subcommand: {subs}"
        return root, path, options

    def _option_value(self, option: dict, value: Any, resolved: dict) -> Any:
        name, kind = option["name"], option["type"]
        label = f"option {name!r} ({OPTION_TYPES.get(kind, kind)})"
        if kind == 3:
            assert isinstance(value, str), f"{label} needs a str, got {value!r}"
            assert option.get("min_length", 0) <= len(value) <= option.get("max_length", 6000), (
                f"{label}: length {len(value)} outside the command's limits"
            )
        elif kind in (4, 10):
            ok = int if kind == 4 else (int, float)
            assert isinstance(value, ok) and not isinstance(value, bool), (
                f"{label} needs a number, got {value!r}"
            )
            low, high = option.get("min_value"), option.get("max_value")
            assert (low is None or value >= low) and (high is None or value <= high), (
                f"{label}: {value} outside [{low}, {high}]"
            )
        elif kind == 5:
            assert isinstance(value, bool), f"{label} needs a bool, got {value!r}"
        elif kind == 6:
            user = self.user(value)
            resolved.setdefault("users", {})[str(user.id)] = user.payload()
            member = {**self.member_payload(user, with_user=False), "permissions": "0"}
            resolved.setdefault("members", {})[str(user.id)] = member
            value = str(user.id)
        elif kind == 7:
            channel = self.channel(value)
            resolved.setdefault("channels", {})[str(channel.id)] = {
                **channel.payload(),
                "permissions": str(ALL_PERMISSIONS),
            }
            value = str(channel.id)
        else:
            raise AssertionError(f"{label}: the fake does not support this option type")
        choices = [c["value"] for c in option.get("choices") or []]
        assert not choices or value in choices, f"{label}: {value!r} is not one of {choices}"
        return value

    def _build_options(
        self,
        command: str,
        defs: list[dict],
        given: dict[str, Any],
        resolved: dict,
        *,
        focused: str | None = None,
    ) -> list[dict]:
        by_name = {o["name"]: o for o in defs}
        out = []
        for key, value in given.items():
            name = key if key in by_name else key.replace("_", "-")
            assert name in by_name, (
                f"/{command} has no option {key!r}; its options: {sorted(by_name)}"
            )
            option = by_name[name]
            if name == focused:
                assert option.get("autocomplete"), f"/{command} option {name!r} has no autocomplete"
                assert isinstance(value, str), "the focused value is what the user typed (a str)"
                out.append({"name": name, "type": option["type"], "value": value, "focused": True})
                continue
            value = self._option_value(option, value, resolved)
            out.append({"name": name, "type": option["type"], "value": value})
        if focused is None:
            missing = [o["name"] for o in defs if o.get("required") and o["name"] not in
                       {d["name"] for d in out}]  # fmt: skip
            assert not missing, f"/{command} is missing required options {missing}"
        return out

    def _command_data(
        self, command: str, given: dict[str, Any], *, focused: str | None = None
    ) -> dict:
        root, path, defs = self.find_command(command)
        resolved: dict = {}
        options = self._build_options(command, defs, given, resolved, focused=focused)
        for node in reversed(path):
            options = [{"name": node["name"], "type": node["type"], "options": options}]
        data: dict[str, Any] = {
            "id": root["id"],
            "name": root["name"],
            "type": 1,
            "options": options,
        }
        if root.get("guild_id"):
            data["guild_id"] = root["guild_id"]
        if resolved:
            data["resolved"] = resolved
        return data

    async def slash(
        self,
        command: str,
        *,
        user: FakeUser | str | int | None = None,
        channel: FakeChannel | str | int | None = None,
        to: Any = None,
        options: dict[str, Any] | None = None,
        wait: bool = True,
        **kwargs: Any,
    ) -> FakeInteraction:
        """Use a slash command (``"story start"``) as ``user`` in ``channel``."""
        given = {**(options or {}), **kwargs}
        name = command.strip().lstrip("/")
        data = self._command_data(name, given)
        ix = FakeInteraction(
            self, type=2, user=self.user(user), channel=self.channel(channel), name=name, data=data
        )
        return await self.send_interaction(ix, to, wait=wait)

    async def autocomplete(
        self,
        command: str,
        option: str,
        value: str = "",
        *,
        user: FakeUser | str | int | None = None,
        channel: FakeChannel | str | int | None = None,
        to: Any = None,
        options: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> list[dict]:
        """Type ``value`` into ``option`` of ``command``; return the bot's choices."""
        name = command.strip().lstrip("/")
        given = {**(options or {}), **kwargs, option: value}
        data = self._command_data(name, given, focused=option)
        ix = FakeInteraction(
            self, type=4, user=self.user(user), channel=self.channel(channel), name=name, data=data
        )
        await self.send_interaction(ix, to)
        assert ix.choices is not None, (
            f"the bot gave no autocomplete answer to /{name} {option}={value!r}: "
            f"callbacks {ix.callbacks}, errors {ix.errors}"
        )
        return ix.choices

    def message(self, message: FakeMessage | discord.Message | int) -> FakeMessage:
        """The stored message for a ``FakeMessage``, a discord.py message or an id."""
        if isinstance(message, FakeMessage):
            return message
        mid = message if isinstance(message, int) else message.id
        found = self._messages_by_id.get(int(mid))
        assert found is not None, f"no message {mid}"
        return found

    async def click(
        self,
        message: FakeMessage | discord.Message | int,
        custom_id: str,
        *,
        user: FakeUser | str | int | None = None,
        values: list[str] | None = None,
        to: Any = None,
        wait: bool = True,
    ) -> FakeInteraction:
        """Click a button (or pick ``values`` in a string select) on ``message``."""
        msg = self.message(message)
        clicker = self.user(user)
        assert not msg.deleted, f"message {msg.id} was deleted"
        component = msg.component(custom_id)
        assert component is not None, (
            f"message {msg.id} has no component {custom_id!r}; it has {msg.custom_ids}"
        )
        assert not component.get("disabled"), f"{custom_id!r} is disabled"
        if msg.ephemeral and msg.interaction_metadata:
            owner = int(msg.interaction_metadata["user"]["id"])
            assert clicker.id == owner, "only the user who got an ephemeral message can use it"
        kind = component["type"]
        data: dict[str, Any] = {"custom_id": custom_id, "component_type": kind}
        if kind == 2:
            assert values is None, "a button takes no values"
        elif kind == 3:
            assert values is not None, "a select needs values=[...]"
            offered = [o["value"] for o in component.get("options") or []]
            unknown = [v for v in values if v not in offered]
            assert not unknown, f"{unknown} not among the select's options {offered}"
            low, high = component.get("min_values", 1), component.get("max_values", 1)
            assert low <= len(values) <= high, f"pick between {low} and {high} values"
            data["values"] = list(values)
        else:
            raise AssertionError(f"component type {kind} is not supported by the fake")
        ix = FakeInteraction(
            self,
            type=3,
            user=clicker,
            channel=self.channels[msg.channel_id],
            name=custom_id,
            data=data,
            message=msg,
        )
        return await self.send_interaction(ix, to, wait=wait)

    async def say(
        self,
        text: str,
        *,
        user: FakeUser | str | int | None = None,
        channel: FakeChannel | str | int | None = None,
        reply_to: FakeMessage | discord.Message | int | None = None,
    ) -> FakeMessage:
        """Post ``text`` as ``user`` in ``channel`` (a text channel or thread)."""
        assert len(text) <= L.CONTENT_MAX, "players cannot send more than 2000 characters"
        target = self.channel(channel)
        if target.is_thread and target.archived:
            assert not target.locked, f"thread {target.name!r} is locked"
            target.archived = False
            await self.dispatch("THREAD_UPDATE", target.payload())
        payload: dict[str, Any] = {"content": text}
        if reply_to is not None:
            payload["message_reference"] = {"message_id": str(self.message(reply_to).id)}
        message = self.new_message(target, self.user(user), payload)
        await self.dispatch("MESSAGE_CREATE", self.message_event(message))
        return message

    # --- reading -----------------------------------------------------------------------------

    async def move_voice(self, user: str, channel: FakeChannel | str | int | None) -> None:
        """``user`` joins a voice channel (None: leaves voice), as Discord tells bots."""
        target = None if channel is None else self.channel(channel)
        assert target is None or target.type == 2, f"{target} is not a voice channel"
        await self.voice.move(self.user(user), None if target is None else target.id)

    def history(self, channel: FakeChannel | str | int | None = None) -> list[FakeMessage]:
        """Messages in a channel or thread, oldest first, without deleted ones."""
        return [m for m in self.messages[self.channel(channel).id] if not m.deleted]

    def latest(self, channel: FakeChannel | str | int | None = None, n: int | None = None) -> Any:
        """The newest message (``n=None``; AssertionError if there is none) or the newest
        ``n`` messages, oldest first."""
        messages = self.history(channel)
        if n is not None:
            return messages[-n:] if n else []
        assert messages, f"no messages in {self.channel(channel).name!r}"
        return messages[-1]

    async def wait_message(
        self,
        channel: FakeChannel | str | int | None = None,
        *,
        after: FakeMessage | int | None = None,
        author: FakeUser | str | int | None = None,
        contains: str | None = None,
        timeout: float = WAIT_TIMEOUT,
    ) -> FakeMessage:
        """Wait for a message in ``channel`` newer than ``after``, by ``author`` (default:
        the bot), whose text contains ``contains``; return the first such message."""
        target = self.channel(channel)
        who = self.bot_user if author is None else self.user(author)
        since = 0 if after is None else (after if isinstance(after, int) else after.id)

        def found() -> FakeMessage | None:
            for m in self.history(target):
                if m.id > since and m.author is who and (contains is None or contains in m.text):
                    return m
            return None

        return await self.wait_until(found, timeout, f"a message from {who.name} in {target.name}")


@contextlib.contextmanager
def patched_endpoints(fake: FakeDiscord) -> Iterator[None]:
    """Point discord.py's REST base and gateway URL at ``fake``; restore them after."""
    saved = Route.BASE, DiscordWebSocket.DEFAULT_GATEWAY, HTTPClient.ws_connect
    assert "127.0.0.1" not in Route.BASE, (
        f"discord.py already points at a fake ({Route.BASE}): one fake per process at a time"
    )
    Route.BASE = fake.api_url
    DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(fake.gateway_url)
    ws_connect = saved[2]
    voice = f"wss://127.0.0.1:{fake.port}/"

    async def plain_voice(self: HTTPClient, url: str, **kwargs: Any) -> Any:
        # discord.py reaches the voice endpoint as wss://; the fake's is plain ws://
        if url.startswith(voice):
            url = "ws://" + url.removeprefix("wss://")
        return await ws_connect(self, url, **kwargs)

    HTTPClient.ws_connect = plain_voice  # type: ignore[method-assign]
    try:
        yield
    finally:
        Route.BASE, DiscordWebSocket.DEFAULT_GATEWAY, HTTPClient.ws_connect = saved


@contextlib.asynccontextmanager
async def running_fake(**options: Any) -> AsyncIterator[DiscordHarness]:
    """A started ``DiscordHarness`` with discord.py pointed at it, and no bot yet."""
    fake = DiscordHarness(**options)
    await fake.start()
    try:
        with patched_endpoints(fake):
            try:
                yield fake
            finally:
                await fake.stop_all()
    finally:
        await fake.close()


@contextlib.asynccontextmanager
async def running_bot(bot: discord.Client, **options: Any) -> AsyncIterator[DiscordHarness]:
    """``running_fake(**options)`` with ``bot`` started and ready."""
    async with running_fake(**options) as fake:
        await fake.start_bot(bot)
        yield fake
