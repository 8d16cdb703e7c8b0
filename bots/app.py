"""`StoryBot`: a discord.py client whose commands parse, call a core use case and
render what comes back. Every interaction is deferred at once (Discord wants an
answer within 3 seconds; a model may take longer), then answered by a followup.

State lives in the core's storage only: a restarted bot finds each story by its
channel, and choice buttons carry the story and the turn in their custom id, so
a button on an old message still works, or says clearly that it expired.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, field

import discord
from discord import app_commands
from discord.ext import commands

from storyai.bots.output import (
    CUSTOM_ID_PATTERN,
    EXPIRED,
    NO_PINGS,
    MessageStreamer,
    StatusSummary,
    choice_buttons,
    escape_text,
    inventory_embed,
    parse_custom_id,
    quests_embed,
    render_lines,
    sheet_embed,
    split_message,
    status_embed,
)
from storyai.core import quotas, services, sessions
from storyai.core.domain.dice import Dice, SeededDice
from storyai.core.domain.errors import StoryError
from storyai.core.multiplayer import service as table
from storyai.core.narrators.port import Narrator
from storyai.core.quotas import QuotaPolicy
from storyai.core.storage.ports import UnitOfWorkFactory
from storyai.core.views import player_view

OOC = ("((", "//")
log = logging.getLogger("storyai.bot")


@dataclass
class BotDeps:
    uow: UnitOfWorkFactory
    narrator: Narrator | None = None
    clock: sessions.Clock = field(default_factory=sessions.Clock)
    dice: Callable[[], Dice] = lambda: SeededDice(None)
    policy: QuotaPolicy = field(default_factory=QuotaPolicy)
    stream_interval: float = 1.2  # seconds between edits of a streaming message

    @property
    def uses_model(self) -> bool:
        return bool(self.narrator is not None and getattr(self.narrator, "proposes", False))


class ChoiceButton(discord.ui.DynamicItem[discord.ui.Button], template=CUSTOM_ID_PATTERN):
    """A choice; its custom id names the story, the turn and the choice, so it still
    works after a restart (and says it expired once the story moved on)."""

    def __init__(self, custom_id: str, label: str = "") -> None:
        super().__init__(
            discord.ui.Button(
                label=label or "Choose", style=discord.ButtonStyle.secondary, custom_id=custom_id
            )
        )
        self.ref = parse_custom_id(custom_id)

    @classmethod
    async def from_custom_id(cls, interaction, item, match: re.Match[str]):  # type: ignore[override]
        return cls(item.custom_id, item.label or "")

    async def callback(self, interaction: discord.Interaction) -> None:
        bot: StoryBot = interaction.client  # type: ignore[assignment]
        if self.ref is None:
            return
        await bot.choose(interaction, self.ref.session_ref, self.ref.turn, self.ref.index)


class StoryBot(commands.Bot):
    """``tick`` seconds between looks at every running table (idle players, free rounds)."""

    def __init__(self, deps: BotDeps, *, tick: float = 2.0, **options) -> None:
        intents = discord.Intents.default()
        intents.message_content = True  # out-of-character messages are told apart by content
        super().__init__(
            command_prefix=commands.when_mentioned,
            intents=intents,
            allowed_mentions=NO_PINGS,
            **options,
        )
        self.deps = deps
        self.tick = tick
        self._ticker: asyncio.Task | None = None

    async def setup_hook(self) -> None:
        self.add_dynamic_items(ChoiceButton)
        self.tree.add_command(StoryGroup(self))
        for command in (act, roll, sheet, inventory, quests_, whisper, rewind, branch, usage):
            self.tree.add_command(command)
        await self.tree.sync()
        self._ticker = asyncio.create_task(self._tables(), name="storyai-tables")

    async def close(self) -> None:
        if self._ticker is not None:  # stop tending before the database goes away
            self._ticker.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._ticker
            self._ticker = None
        await super().close()

    async def _tables(self) -> None:
        """Skip idle players and resolve free-mode rounds in every running story. Tables
        live in the database, so a restarted bot picks up where the last one was."""
        await self.wait_until_ready()
        while not self.is_closed():
            try:
                await self.tend_tables()
            except Exception as exc:  # one bad story must not stop the others
                log.exception("tending tables failed: %s", exc)
            await asyncio.sleep(self.tick)

    async def tend_tables(self) -> None:
        for session in await table.due_tables(self.deps.uow, self.deps.clock.now()):
            channel = self.get_channel(int(session.channel)) if session.channel.isdigit() else None
            if channel is None:
                continue
            notice = await table.skip_idle(self.deps.uow, session.id, clock=self.deps.clock)
            if notice:
                await channel.send(escape_text(notice), allowed_mentions=NO_PINGS)
            world = await services.session_world(self.deps.uow, session.id)
            result = await table.resolve_round(
                self.deps.uow, world, session.id, narrator=self.deps.narrator, clock=self.deps.clock
            )
            if result is not None:
                await self.post(channel, session.id, result)

    # ------------------------------------------------------------ helpers

    async def story_here(self, interaction: discord.Interaction):
        found = await table.session_in_channel(self.deps.uow, str(interaction.channel_id))
        if found is None:
            raise StoryError("No story is being told here.", hint="start one with /story start")
        return found

    async def reply(
        self,
        interaction: discord.Interaction,
        text: str,
        *,
        ephemeral: bool = False,
        view=None,
        embed: discord.Embed | None = None,
    ) -> None:
        chunks = split_message(text) if text.strip() else []
        if not chunks and embed is None:
            chunks = ["…"]
        for i, chunk in enumerate(chunks or [""]):
            last = i == len(chunks or [""]) - 1
            extra: dict = {}
            if last and view is not None:
                extra["view"] = view
            if last and embed is not None:
                extra["embed"] = embed
            await interaction.followup.send(
                chunk, ephemeral=ephemeral, allowed_mentions=NO_PINGS, **extra
            )

    async def refuse(self, interaction: discord.Interaction, error: StoryError) -> None:
        """A StoryError, shown only to who asked. A public "thinking…" placeholder is
        removed first: the first followup after a public defer would replace it, in public."""
        if not interaction.is_expired() and interaction.extras.get("public"):
            with contextlib.suppress(discord.HTTPException):
                await interaction.delete_original_response()
        await self.reply(interaction, escape_text(str(error)), ephemeral=True)

    def streamer(self, interaction: discord.Interaction, heading: str = "") -> MessageStreamer:
        """Narration as it is written: one message edited in place, within rate limits."""

        async def send(content: str):
            return await interaction.followup.send(content, wait=True, allowed_mentions=NO_PINGS)

        async def edit(message, content: str):
            await message.edit(content=content, allowed_mentions=NO_PINGS)

        async def delete(message):
            await message.delete()

        return MessageStreamer(
            send,
            edit,
            delete=delete,
            render=lambda raw: heading + escape_text(raw),
            min_interval=self.deps.stream_interval,
        )

    async def tell(
        self,
        interaction,
        session_id: str,
        result,
        heading: str = "",
        streamer: MessageStreamer | None = None,
    ) -> None:
        """The turn as told, then its choices as buttons."""
        text = heading + render_lines(result.lines)
        if streamer is not None and streamer.messages:
            await streamer.finish(text)
        else:
            await self.reply(interaction, text)
        if result.ended or not result.choices:
            return
        await self.reply(interaction, "What next?", view=choice_view(session_id, result))

    async def act_within_quota(
        self, session_id: str, user: str, guild: str | None, text: str, on_text=None
    ) -> table.ActResult:
        """Count the turn before any model is called (refused when the day's quota is
        spent), play it, then charge what it cost; a turn refused early is given back."""
        world = await services.session_world(self.deps.uow, session_id)
        reservation = await quotas.reserve_turn(
            self.deps.uow,
            user=user,
            guild=guild,
            clock=self.deps.clock,
            policy=self.deps.policy,
            uses_model=self.deps.uses_model,
        )
        try:
            outcome = await table.act(
                self.deps.uow,
                world,
                session_id,
                user_ref=user,
                text=text,
                narrator=self.deps.narrator,
                on_text=on_text,
                clock=self.deps.clock,
            )
        except BaseException:
            await quotas.release(self.deps.uow, reservation)
            raise
        await quotas.settle(self.deps.uow, reservation, _cost(outcome.result))
        return outcome

    async def play(
        self, interaction: discord.Interaction, text: str, *, private: bool = False
    ) -> table.ActResult:
        """One action by whoever interacted, streamed, within their quota."""
        session = await self.story_here(interaction)
        heading = _said(interaction, text)
        stream = None if private else self.streamer(interaction, heading)
        guild = str(interaction.guild_id) if interaction.guild_id else None
        outcome = await self.act_within_quota(
            session.id, str(interaction.user.id), guild, text, stream
        )
        if outcome.kind == "queued":
            await self.reply(
                interaction,
                f"{heading}*Queued ({outcome.place}); the round is told together soon.*",
                ephemeral=private,
            )
        elif private:
            await self.reply(interaction, render_lines(outcome.result.lines), ephemeral=True)
        else:
            await self.tell(interaction, session.id, outcome.result, heading, stream)
            if outcome.next_up is not None:
                await self.reply(interaction, f"It is {escape_text(outcome.next_up.name)}'s turn.")
        return outcome

    async def choose(self, interaction, ref: str, turn: int, index: int) -> None:
        await _defer(interaction)
        try:
            session = await self.story_here(interaction)
            if not session.id.startswith(ref):
                raise StoryError("That choice belongs to another story.")
            resumed = await services.resume(self.deps.uow, session.id)
            if resumed.turn != turn or index >= len(resumed.choices):
                raise StoryError(EXPIRED, hint="or type what you do with /act")
            await self.play(interaction, resumed.choices[index].command)
        except StoryError as exc:
            await self.refuse(interaction, exc)

    async def on_message(self, message: discord.Message) -> None:
        """In a story's channel, a seated player's message is an action, unless it starts
        with (( or // (out of character: the GM does not hear it)."""
        if message.author.bot or not message.content.strip() or message.guild is None:
            return
        if message.content.lstrip().startswith(OOC):
            return
        session = await table.session_in_channel(self.deps.uow, str(message.channel.id))
        if session is None or session.status == "ended":
            return
        user = str(message.author.id)
        if not await table.seated(self.deps.uow, session.id, user):
            return
        try:
            outcome = await self.act_within_quota(
                session.id, user, str(message.guild.id), message.content
            )
        except StoryError as exc:
            await message.reply(escape_text(str(exc)), allowed_mentions=NO_PINGS)
            return
        if outcome.result is not None:  # None in free mode: told with the round
            await self.post(message.channel, session.id, outcome.result)

    async def post(self, channel, session_id: str, result) -> None:
        """A turn as told, into a channel or thread (no interaction to answer)."""
        for chunk in split_message(render_lines(result.lines)):
            await channel.send(chunk, allowed_mentions=NO_PINGS)
        view = choice_view(session_id, result)
        if view is not None:
            await channel.send("What next?", view=view, allowed_mentions=NO_PINGS)


def _defer(interaction: discord.Interaction, *, ephemeral: bool = False):
    """Acknowledge at once (Discord's 3-second rule); remember how, for ``refuse``."""
    interaction.extras["public"] = not ephemeral
    return interaction.response.defer(ephemeral=ephemeral, thinking=True)


def _said(interaction: discord.Interaction, text: str) -> str:
    return f"**{escape_text(interaction.user.display_name)}** › {escape_text(text)}\n\n"


def _cost(result) -> float | None:
    if result is None:
        return None
    spent = [e.payload["usage"].get("cost_usd", 0.0) for e in result.events if "usage" in e.payload]
    return sum(spent) if spent else None


def choice_view(session_id: str, result) -> discord.ui.View | None:
    """A turn's choices as buttons (within Discord's 5 x 5), or None when there are none."""
    if result.ended or not result.choices:
        return None
    view = discord.ui.View(timeout=None)
    for button in choice_buttons(result.choices, session_id[:12], result.turn):
        item = ChoiceButton(button.custom_id, button.label)
        item.item.row = button.row
        view.add_item(item)
    return view


async def _guard(interaction: discord.Interaction, work) -> None:
    """Defer at once, run the use case, show a StoryError to the user only."""
    bot: StoryBot = interaction.client  # type: ignore[assignment]
    if not interaction.response.is_done():
        await _defer(interaction)
    try:
        await work(bot)
    except StoryError as exc:
        await bot.refuse(interaction, exc)


# ---------------------------------------------------------------- /story


async def _worlds(interaction: discord.Interaction, current: str):
    bot: StoryBot = interaction.client  # type: ignore[assignment]
    worlds = await services.list_worlds(bot.deps.uow)
    return [
        app_commands.Choice(name=w.title[:100], value=w.world_id)
        for w in worlds
        if current.lower() in (w.world_id + " " + w.title).lower()
    ][:25]


MODES = [
    app_commands.Choice(name="turn: one player at a time", value="turn"),
    app_commands.Choice(name="free: everyone acts, told together", value="free"),
]


class StoryGroup(app_commands.Group):
    def __init__(self, bot: StoryBot) -> None:
        super().__init__(name="story", description="Start, join and run a story in this channel")
        self.bot = bot

    @app_commands.command(name="start", description="Start a story here (you are the host)")
    @app_commands.describe(
        world="The world to play",
        mode="turn: one at a time; free: together",
        thread="Play in a new thread",
    )
    @app_commands.autocomplete(world=_worlds)
    @app_commands.choices(mode=MODES)
    async def start(
        self,
        interaction: discord.Interaction,
        world: str,
        mode: str = "turn",
        thread: bool = False,
    ) -> None:
        async def work(bot: StoryBot) -> None:
            existing = await table.session_in_channel(bot.deps.uow, str(interaction.channel_id))
            if existing is not None and existing.status != "ended":
                raise StoryError("A story is already being told here.", hint="/story status")
            channel_id = str(interaction.channel_id)
            made = None
            if thread and isinstance(interaction.channel, discord.TextChannel):
                made = await interaction.channel.create_thread(
                    name=f"Story: {world}"[:100], type=discord.ChannelType.public_thread
                )
                channel_id = str(made.id)
            started = await services.start_session(
                bot.deps.uow,
                world,
                player_name=interaction.user.display_name,
                narrator=bot.deps.narrator,
                clock=bot.deps.clock,
                user_ref=str(interaction.user.id),
            )
            await table.open_table(
                bot.deps.uow,
                started.session_id,
                mode="free" if mode == "free" else "turn",
                channel=channel_id,
                clock=bot.deps.clock,
            )
            if made is None:
                await bot.tell(
                    interaction,
                    started.session_id,
                    started,
                    "A new story begins. Join with /story join.\n\n",
                )
                return
            await bot.reply(interaction, f"A new story begins in <#{channel_id}>. Join it there.")
            await bot.post(made, started.session_id, started)

        await _guard(interaction, work)

    @app_commands.command(name="join", description="Join the story here with a new character")
    async def join(self, interaction: discord.Interaction, name: str | None = None) -> None:
        async def work(bot: StoryBot) -> None:
            session = await bot.story_here(interaction)
            world = await services.session_world(bot.deps.uow, session.id)
            seat, told = await table.join(
                bot.deps.uow,
                world,
                session.id,
                user_ref=str(interaction.user.id),
                name=name or interaction.user.display_name,
                narrator=bot.deps.narrator,
                clock=bot.deps.clock,
            )
            text = f"**{escape_text(seat.name)}** joins the story."
            if told is not None:
                text += "\n\n" + render_lines(told.lines)
            await bot.reply(interaction, text)

        await _guard(interaction, work)

    @app_commands.command(name="leave", description="Leave the table (your character stays)")
    async def leave(self, interaction: discord.Interaction) -> None:
        async def work(bot: StoryBot) -> None:
            session = await bot.story_here(interaction)
            view = await table.leave(
                bot.deps.uow, session.id, user_ref=str(interaction.user.id), clock=bot.deps.clock
            )
            await bot.reply(
                interaction,
                f"{escape_text(interaction.user.display_name)} left. " + _whose(view),
            )

        await _guard(interaction, work)

    @app_commands.command(name="status", description="Who is playing and whose turn it is")
    async def status(self, interaction: discord.Interaction) -> None:
        async def work(bot: StoryBot) -> None:
            session = await bot.story_here(interaction)
            view = await table.table_view(bot.deps.uow, session.id)
            resumed = await services.resume(bot.deps.uow, session.id)
            world = await services.session_world(bot.deps.uow, session.id)
            summary = StatusSummary.from_table(
                view, world_title=world.world.title, turn=resumed.turn
            )
            await bot.reply(interaction, _whose(view), embed=status_embed(summary))

        await _guard(interaction, work)

    @app_commands.command(name="mode", description="Host: turn by turn, or everyone at once")
    @app_commands.choices(mode=MODES)
    async def mode(self, interaction: discord.Interaction, mode: str) -> None:
        async def work(bot: StoryBot) -> None:
            session = await bot.story_here(interaction)
            view = await table.set_mode(
                bot.deps.uow,
                session.id,
                user_ref=str(interaction.user.id),
                mode=mode,  # type: ignore[arg-type]
                clock=bot.deps.clock,
            )
            await bot.reply(interaction, f"Mode: {view.mode}. {_whose(view)}")

        await _guard(interaction, work)

    @app_commands.command(name="remove", description="Host: remove a player from the table")
    async def remove(self, interaction: discord.Interaction, member: discord.Member) -> None:
        async def work(bot: StoryBot) -> None:
            session = await bot.story_here(interaction)
            view = await table.remove_player(
                bot.deps.uow,
                session.id,
                host_ref=str(interaction.user.id),
                user_ref=str(member.id),
                clock=bot.deps.clock,
            )
            name = escape_text(member.display_name)
            await bot.reply(interaction, f"{name} was removed from the table. {_whose(view)}")

        await _guard(interaction, work)

    @app_commands.command(name="end", description="Host: end the story")
    async def end(self, interaction: discord.Interaction) -> None:
        async def work(bot: StoryBot) -> None:
            session = await bot.story_here(interaction)
            await table.end(
                bot.deps.uow, session.id, user_ref=str(interaction.user.id), clock=bot.deps.clock
            )
            await bot.reply(interaction, "The story ends here. Thank you for playing.")

        await _guard(interaction, work)


def _whose(view: table.TableView) -> str:
    if view.ended:
        return "The story has ended."
    if view.mode == "free":
        return f"Free mode: everyone acts; {view.queued} action(s) waiting."
    return f"It is {escape_text(view.whose_turn.name)}'s turn." if view.whose_turn else ""


# ---------------------------------------------------------------- play


@app_commands.command(name="act", description="Do something in the story")
@app_commands.describe(text="What your character does or says")
async def act(interaction: discord.Interaction, text: str) -> None:
    async def work(bot: StoryBot) -> None:
        await bot.play(interaction, text)

    await _guard(interaction, work)


@app_commands.command(name="roll", description="Roll dice, e.g. 2d6+1 or 1d20 advantage")
async def roll(interaction: discord.Interaction, expression: str) -> None:
    async def work(bot: StoryBot) -> None:
        result = bot.deps.dice().roll(expression)
        who = escape_text(interaction.user.display_name)
        await bot.reply(interaction, f"🎲 {who} rolls {escape_text(result.breakdown)}")

    await _guard(interaction, work)


async def _my_player(bot: StoryBot, interaction: discord.Interaction):
    session = await bot.story_here(interaction)
    world = await services.session_world(bot.deps.uow, session.id)
    player, state = await table.character_of(
        bot.deps.uow, world, session.id, str(interaction.user.id)
    )
    return player, state, world


async def _show_privately(interaction: discord.Interaction, build) -> None:
    """An embed about the asker's character, that only they see."""
    await _defer(interaction, ephemeral=True)

    async def work(bot: StoryBot) -> None:
        player, state, world = await _my_player(bot, interaction)
        view = player_view(state, world, player.id)
        await bot.reply(interaction, "", ephemeral=True, embed=build(view))

    await _guard(interaction, work)


@app_commands.command(name="sheet", description="Your character sheet (only you see it)")
async def sheet(interaction: discord.Interaction) -> None:
    await _show_privately(interaction, sheet_embed)


@app_commands.command(name="inventory", description="What you carry (only you see it)")
async def inventory(interaction: discord.Interaction) -> None:
    await _show_privately(interaction, inventory_embed)


@app_commands.command(name="quests", description="The story's quests (only you see it)")
async def quests_(interaction: discord.Interaction) -> None:
    await _show_privately(interaction, lambda view: quests_embed(view.quests))


@app_commands.command(name="whisper", description="Tell the GM something; only you see the answer")
async def whisper(interaction: discord.Interaction, text: str) -> None:
    await _defer(interaction, ephemeral=True)

    async def work(bot: StoryBot) -> None:
        await bot.play(interaction, text, private=True)

    await _guard(interaction, work)


@app_commands.command(name="usage", description="Your turns and credits left today")
async def usage(interaction: discord.Interaction) -> None:
    await _defer(interaction, ephemeral=True)

    async def work(bot: StoryBot) -> None:
        report = await quotas.usage_report(
            bot.deps.uow,
            user=str(interaction.user.id),
            guild=str(interaction.guild_id) if interaction.guild_id else None,
            clock=bot.deps.clock,
            policy=bot.deps.policy,
        )
        await bot.reply(interaction, escape_text(report.text()), ephemeral=True)

    await _guard(interaction, work)


@app_commands.command(name="rewind", description="Host: replay from the end of a turn")
async def rewind(interaction: discord.Interaction, turn: int) -> None:
    async def work(bot: StoryBot) -> None:
        session = await bot.story_here(interaction)
        info = await table.rewind(
            bot.deps.uow,
            session.id,
            user_ref=str(interaction.user.id),
            turn=turn,
            clock=bot.deps.clock,
        )
        await bot.reply(
            interaction,
            f"Rewound to turn {info.turn} on branch {escape_text(info.name)}: "
            + escape_text(info.last_line),
        )

    await _guard(interaction, work)


@app_commands.command(name="branch", description="Host: switch to another branch of the story")
async def branch(interaction: discord.Interaction, name: str) -> None:
    async def work(bot: StoryBot) -> None:
        session = await bot.story_here(interaction)
        await table.switch_branch(
            bot.deps.uow, session.id, user_ref=str(interaction.user.id), name=name
        )
        await bot.reply(interaction, f"Now playing on branch {escape_text(name)}.")

    await _guard(interaction, work)
