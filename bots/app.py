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

from storyai.bots.text import NO_PINGS, choice_rows, escape, render_turn, split
from storyai.core import services, sessions
from storyai.core.domain.dice import Dice, SeededDice
from storyai.core.domain.errors import StoryError
from storyai.core.multiplayer import service as table
from storyai.core.narrators.port import Narrator
from storyai.core.storage.ports import UnitOfWorkFactory

OOC = ("((", "//")
log = logging.getLogger("storyai.bot")


@dataclass
class BotDeps:
    uow: UnitOfWorkFactory
    narrator: Narrator | None = None
    clock: sessions.Clock = field(default_factory=sessions.Clock)
    dice: Callable[[], Dice] = lambda: SeededDice(None)


CHOICE_ID = r"c:(?P<sid>[0-9a-f]{1,32}):(?P<turn>\d+):(?P<i>\d+)"


class ChoiceButton(discord.ui.DynamicItem[discord.ui.Button], template=CHOICE_ID):
    """A numbered choice; its custom id names the story, the turn and the choice."""

    def __init__(self, sid: str, turn: int, index: int, label: str = "") -> None:
        super().__init__(
            discord.ui.Button(
                label=(label or str(index))[:80],
                style=discord.ButtonStyle.secondary,
                custom_id=f"c:{sid}:{turn}:{index}",
            )
        )
        self.sid, self.turn, self.index = sid, turn, index

    @classmethod
    async def from_custom_id(cls, interaction, item, match: re.Match[str]):  # type: ignore[override]
        return cls(match["sid"], int(match["turn"]), int(match["i"]), item.label or "")

    async def callback(self, interaction: discord.Interaction) -> None:
        bot: StoryBot = interaction.client  # type: ignore[assignment]
        await bot.choose(interaction, self.sid, self.turn, self.index)


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
        for command in (act, roll, sheet, inventory, quests, whisper, rewind, branch):
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
        async with self.deps.uow() as uow:
            running = [s for s in await uow.sessions.list() if s.channel and s.status != "ended"]
        for session in running:
            channel = self.get_channel(int(session.channel)) if session.channel.isdigit() else None
            if channel is None:
                continue
            notice = await table.skip_idle(self.deps.uow, session.id, clock=self.deps.clock)
            if notice:
                await channel.send(escape(notice), allowed_mentions=NO_PINGS)
            world = await services.session_world(self.deps.uow, session.id)
            result = await table.resolve_round(
                self.deps.uow, world, session.id, narrator=self.deps.narrator, clock=self.deps.clock
            )
            if result is not None:
                for chunk in split(render_turn(result.lines)):
                    await channel.send(chunk, allowed_mentions=NO_PINGS)
                view = choice_view(session.id, result.turn, result.choices)
                if view is not None and not result.ended:
                    await channel.send("What next?", view=view, allowed_mentions=NO_PINGS)

    # ------------------------------------------------------------ helpers

    async def story_here(self, interaction: discord.Interaction):
        found = await table.session_in_channel(self.deps.uow, str(interaction.channel_id))
        if found is None:
            raise StoryError("No story is being told here.", hint="start one with /story start")
        return found

    async def reply(
        self, interaction: discord.Interaction, text: str, *, ephemeral: bool = False, view=None
    ) -> None:
        chunks = split(text) or ["…"]
        for i, chunk in enumerate(chunks):
            last = i == len(chunks) - 1
            await interaction.followup.send(
                chunk,
                ephemeral=ephemeral,
                allowed_mentions=NO_PINGS,
                **({"view": view} if last and view is not None else {}),
            )

    async def refuse(self, interaction: discord.Interaction, error: StoryError) -> None:
        """A StoryError, shown only to who asked. A public "thinking…" placeholder is
        removed first: the first followup after a public defer would replace it, in public."""
        if not interaction.is_expired() and interaction.extras.get("public"):
            with contextlib.suppress(discord.HTTPException):
                await interaction.delete_original_response()
        await self.reply(interaction, escape(str(error)), ephemeral=True)

    async def tell(self, interaction, session_id: str, result, prefix: str = "") -> None:
        text = prefix + render_turn(result.lines)
        view = choice_view(session_id, result.turn, result.choices) if not result.ended else None
        await self.reply(interaction, text, view=view)

    async def choose(self, interaction, sid: str, turn: int, index: int) -> None:
        await _defer(interaction)
        try:
            session = await self.story_here(interaction)
            if not session.id.startswith(sid):
                raise StoryError("That choice belongs to another story.")
            world = await services.session_world(self.deps.uow, session.id)
            resumed = await services.resume(self.deps.uow, session.id)
            if resumed.turn != turn or index > len(resumed.choices):
                raise StoryError(
                    "That choice has expired: the story has moved on.",
                    hint="pick from the newest message, or use /act",
                )
            command = resumed.choices[index - 1].command
            outcome = await table.act(
                self.deps.uow,
                world,
                session.id,
                user_ref=str(interaction.user.id),
                text=command,
                narrator=self.deps.narrator,
                clock=self.deps.clock,
            )
            await self.tell(interaction, session.id, outcome.result, _said(interaction, command))
        except StoryError as exc:
            await self.refuse(interaction, exc)

    async def on_message(self, message: discord.Message) -> None:
        if message.author.bot or not message.content:
            return
        if message.content.lstrip().startswith(OOC):
            return  # out of character: the GM does not hear it
        # Plain messages are table talk; actions go through /act and the buttons.


def _defer(interaction: discord.Interaction, *, ephemeral: bool = False):
    """Acknowledge at once (Discord's 3-second rule); remember how, for ``refuse``."""
    interaction.extras["public"] = not ephemeral
    return interaction.response.defer(ephemeral=ephemeral, thinking=True)


def _said(interaction: discord.Interaction, text: str) -> str:
    return f"**{escape(interaction.user.display_name)}** › {escape(text)}\n\n"


def choice_view(session_id: str, turn: int, choices) -> discord.ui.View | None:
    if not choices:
        return None
    view = discord.ui.View(timeout=None)
    for i, label in choice_rows([c.text for c in choices]):
        view.add_item(ChoiceButton(session_id[:12], turn, i, label))
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
        app_commands.Choice(name=f"{w.title}"[:100], value=w.id)
        for w in worlds
        if current.lower() in (w.id + w.title).lower()
    ][:25]


class StoryGroup(app_commands.Group):
    def __init__(self, bot: StoryBot) -> None:
        super().__init__(name="story", description="Start, join and run a story in this channel")
        self.bot = bot

    @app_commands.command(name="start", description="Start a story here (you are the host)")
    @app_commands.describe(world="The world to play", mode="turn: one at a time; free: together")
    @app_commands.autocomplete(world=_worlds)
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
            where = f" in <#{channel_id}>" if channel_id != str(interaction.channel_id) else ""
            await bot.tell(
                interaction,
                started.session_id,
                started,
                f"A new story begins{where}. Join with /story join.\n\n",
            )

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
            text = f"**{escape(seat.name)}** joins the story."
            if told is not None:
                text += "\n\n" + render_turn(told.lines)
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
                interaction, f"{escape(interaction.user.display_name)} left. " + _whose(view)
            )

        await _guard(interaction, work)

    @app_commands.command(name="status", description="Who is playing and whose turn it is")
    async def status(self, interaction: discord.Interaction) -> None:
        async def work(bot: StoryBot) -> None:
            session = await bot.story_here(interaction)
            view = await table.table_view(bot.deps.uow, session.id)
            seats = "\n".join(f"- {escape(s.name)} ({s.presence})" for s in view.seats)
            await bot.reply(
                interaction,
                f"**{escape(session.title)}** · mode {view.mode}\n{seats}\n{_whose(view)}",
            )

        await _guard(interaction, work)

    @app_commands.command(name="mode", description="Host: turn by turn, or everyone at once")
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
    return f"It is {escape(view.whose_turn.name)}'s turn." if view.whose_turn else ""


# ---------------------------------------------------------------- play


@app_commands.command(name="act", description="Do something in the story")
async def act(interaction: discord.Interaction, text: str) -> None:
    async def work(bot: StoryBot) -> None:
        session = await bot.story_here(interaction)
        world = await services.session_world(bot.deps.uow, session.id)
        outcome = await table.act(
            bot.deps.uow,
            world,
            session.id,
            user_ref=str(interaction.user.id),
            text=text,
            narrator=bot.deps.narrator,
            clock=bot.deps.clock,
        )
        if outcome.kind == "queued":
            await bot.reply(interaction, f"Queued ({outcome.place}). The round resolves soon.")
            return
        up = f"\n\nIt is {escape(outcome.next_up.name)}'s turn." if outcome.next_up else ""
        await bot.tell(interaction, session.id, outcome.result, _said(interaction, text))
        if up:
            await bot.reply(interaction, up.strip())

    await _guard(interaction, work)


@app_commands.command(name="roll", description="Roll dice, e.g. 2d6+1 or 1d20 advantage")
async def roll(interaction: discord.Interaction, expression: str) -> None:
    async def work(bot: StoryBot) -> None:
        result = bot.deps.dice().roll(expression)
        who = escape(interaction.user.display_name)
        await bot.reply(interaction, f"🎲 {who} rolls {escape(result.breakdown)}")

    await _guard(interaction, work)


async def _my_player(bot: StoryBot, interaction: discord.Interaction):
    session = await bot.story_here(interaction)
    resumed = await services.resume(bot.deps.uow, session.id)
    async with bot.deps.uow() as uow:
        players = await uow.players.list(session.id)
    me = next((p for p in players if p.user_ref == str(interaction.user.id)), None)
    if me is None or me.id not in resumed.state.players:
        raise StoryError("You have no character in this story.", hint="/story join")
    return resumed.state.players[me.id], resumed.state


@app_commands.command(name="sheet", description="Your character sheet (only you see it)")
async def sheet(interaction: discord.Interaction) -> None:
    await _defer(interaction, ephemeral=True)

    async def work(bot: StoryBot) -> None:
        player, _ = await _my_player(bot, interaction)
        s = player.sheet
        await bot.reply(
            interaction,
            f"**{escape(player.name)}** · {s.hp}/{s.max_hp} HP · {s.gold} gold",
            ephemeral=True,
        )

    await _guard(interaction, work)


@app_commands.command(name="inventory", description="What you carry (only you see it)")
async def inventory(interaction: discord.Interaction) -> None:
    await _defer(interaction, ephemeral=True)

    async def work(bot: StoryBot) -> None:
        player, _ = await _my_player(bot, interaction)
        items = ", ".join(f"{escape(i)} ×{n}" for i, n in sorted(player.sheet.inventory.items()))
        await bot.reply(interaction, items or "You carry nothing.", ephemeral=True)

    await _guard(interaction, work)


@app_commands.command(name="quests", description="The story's quests (only you see it)")
async def quests(interaction: discord.Interaction) -> None:
    await _defer(interaction, ephemeral=True)

    async def work(bot: StoryBot) -> None:
        _, state = await _my_player(bot, interaction)
        lines = [f"- {escape(q)}: {s.status}" for q, s in sorted(state.quests.items())]
        await bot.reply(interaction, "\n".join(lines) or "No quests yet.", ephemeral=True)

    await _guard(interaction, work)


@app_commands.command(name="whisper", description="Tell the GM something privately")
async def whisper(interaction: discord.Interaction, text: str) -> None:
    await _defer(interaction, ephemeral=True)

    async def work(bot: StoryBot) -> None:
        session = await bot.story_here(interaction)
        world = await services.session_world(bot.deps.uow, session.id)
        outcome = await table.act(
            bot.deps.uow,
            world,
            session.id,
            user_ref=str(interaction.user.id),
            text=text,
            narrator=bot.deps.narrator,
            clock=bot.deps.clock,
        )
        told = render_turn(outcome.result.lines) if outcome.result else "Queued."
        await bot.reply(interaction, told, ephemeral=True)

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
            f"Rewound to turn {info.turn} on branch {escape(info.name)}: {escape(info.last_line)}",
        )

    await _guard(interaction, work)


@app_commands.command(name="branch", description="Host: switch to another branch of the story")
async def branch(interaction: discord.Interaction, name: str) -> None:
    async def work(bot: StoryBot) -> None:
        session = await bot.story_here(interaction)
        async with bot.deps.uow() as uow:
            players = await uow.players.list(session.id)
        table._host_check(players, str(interaction.user.id), "switch branches")
        await services.switch_branch(bot.deps.uow, session.id, name)
        await bot.reply(interaction, f"Now playing on branch {escape(name)}.")

    await _guard(interaction, work)
