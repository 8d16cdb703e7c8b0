"""/story start | join | leave | status | mode | remove | end: the table in a channel
(/story voice join | leave: ``voice``)."""

from __future__ import annotations

import discord
from discord import app_commands

from storyai.bots import turns
from storyai.bots.legacy_picks import DESCRIBE, PICK, LegacyPicks
from storyai.bots.media import portrait_later, post_picture
from storyai.bots.output import StatusSummary, escape_text, status_embed
from storyai.bots.replies import answering, channel_streamer, privately, send, streamer
from storyai.core import services

MODES = [
    app_commands.Choice(name="turn: one player at a time", value="turn"),
    app_commands.Choice(name="free: everyone acts, told together", value="free"),
]
BEGINS = "A new story begins. Join with /story join.\n\n"
THREAD_NAME = 100
"""Discord's limit on a thread's name."""


whose = turns.whose
NAME = 80
"""The longest character name /story join takes."""
ACTIONS = [
    app_commands.Choice(name="every message of a seated player (except (( or //)", value="all"),
    app_commands.Choice(name="only messages opened with the prefix", value="prefix"),
    app_commands.Choice(name="only messages in a thread of this channel", value="thread"),
    app_commands.Choice(name="none: only /act and the buttons", value="none"),
]


async def worlds(interaction: discord.Interaction, current: str) -> list[app_commands.Choice]:
    """The installed worlds whose id or title contains what was typed."""
    play = interaction.client.play  # type: ignore[attr-defined]
    typed = current.casefold()
    return [
        app_commands.Choice(name=w.title[:100], value=w.world_id)
        for w in await services.list_worlds(play.uow)
        if typed in f"{w.world_id} {w.title}".casefold()
    ][:25]


class Story(app_commands.Group):
    def __init__(self) -> None:
        super().__init__(name="story", description="Start, join and run a story in this channel")
        from storyai.bots.commands.voice import Voice

        self.add_command(Voice())

    @app_commands.command(name="start", description="Start a story here (you are the host)")
    @app_commands.describe(
        world="The world to play",
        mode="turn: one at a time; free: together",
        thread="Play in a new thread",
        timeout="Turn mode: seconds before an idle player's turn passes (default 300)",
        window="Free mode: seconds a round gathers actions before it is told (default 20)",
    )
    @app_commands.autocomplete(world=worlds)
    @app_commands.choices(mode=MODES)
    async def start(
        self,
        interaction: discord.Interaction,
        world: str,
        mode: str = "turn",
        thread: bool = False,
        timeout: app_commands.Range[int, 10, 86_400] | None = None,
        window: app_commands.Range[int, 1, 3_600] | None = None,
    ) -> None:
        async with answering(interaction) as bot:
            user = interaction.user
            options = {
                "user_ref": str(user.id),
                "player_name": user.display_name,
                "mode": "free" if mode == "free" else "turn",
                "timeout_s": timeout,
                "window_s": window,
                "guild": turns.guild_of(interaction),
            }
            here = interaction.channel
            if not (thread and isinstance(here, discord.TextChannel)):
                stream = streamer(interaction, BEGINS, interval=bot.stream_interval)
                started = await bot.play.start_in_channel(
                    str(interaction.channel_id), world, on_text=stream, **options
                )
                await turns.show(interaction, started, BEGINS, stream)
                if interaction.channel is not None:
                    portrait_later(
                        bot,
                        interaction.channel,  # type: ignore[arg-type]
                        started.session_id,
                        user=str(user.id),
                        guild=turns.guild_of(interaction),
                        name=user.display_name,
                    )
                return
            title = (await bot.play.world(world)).world.title  # WorldNotFound: no thread
            made = await here.create_thread(
                name=title[:THREAD_NAME] or "Story", type=discord.ChannelType.public_thread
            )
            await send(interaction, f"A new story begins in {made.mention}. Join it there.")
            stream = channel_streamer(made, BEGINS, interval=bot.stream_interval)
            started = await bot.play.start_in_channel(
                str(made.id), world, on_text=stream, **options
            )
            await turns.show_in(bot, made, started, BEGINS, stream)
            portrait_later(
                bot,
                made,
                started.session_id,
                user=str(user.id),
                guild=turns.guild_of(interaction),
                name=user.display_name,
            )

    @app_commands.command(name="join", description="Join the story here with a new character")
    @app_commands.describe(
        name="Your character's name (default: your display name)",
        buy=DESCRIBE["buy"],
        heirloom=DESCRIBE["heirloom"],
        follower=DESCRIBE["follower"],
        legacy_title=DESCRIBE["title"],
    )
    async def join(
        self,
        interaction: discord.Interaction,
        name: app_commands.Range[str, 1, NAME] | None = None,
        buy: app_commands.Range[str, 1, PICK] | None = None,
        heirloom: app_commands.Range[str, 1, PICK] | None = None,
        follower: app_commands.Range[str, 1, PICK] | None = None,
        legacy_title: app_commands.Range[str, 1, 80] | None = None,
    ) -> None:
        picks = LegacyPicks.parse(buy, heirloom, follower, legacy_title)
        async with answering(interaction) as bot:
            story = await bot.play.here(str(interaction.channel_id))
            seated = await bot.play.seat(story.id, str(interaction.user.id))
            if seated is not None and seated.presence == "joined":
                await privately(
                    interaction,
                    f"You are already at the table as **{escape_text(seated.display_name)}**.",
                )
                return
            asked = name or interaction.user.display_name
            stream = streamer(interaction, _joins(asked) + "\n\n", interval=bot.stream_interval)
            seat, told = await bot.play.join(
                story.id,
                user_ref=str(interaction.user.id),
                name=asked,
                on_text=stream,
                **picks.join_args(),
            )
            if told is None:  # back at the table with the same character
                await send(interaction, f"**{escape_text(seat.name)}** is back at the table.")
                return
            await turns.show(interaction, told, _joins(seat.name) + "\n\n", stream)
            if interaction.channel is not None:
                portrait_later(
                    bot,
                    interaction.channel,  # type: ignore[arg-type]
                    story.id,
                    user=str(interaction.user.id),
                    guild=turns.guild_of(interaction),
                    name=seat.name,
                )

    @app_commands.command(name="leave", description="Leave the table (your character stays)")
    async def leave(self, interaction: discord.Interaction) -> None:
        async with answering(interaction) as bot:
            story = await bot.play.here(str(interaction.channel_id))
            view = await bot.play.leave(story.id, user_ref=str(interaction.user.id))
            who = escape_text(interaction.user.display_name)
            await send(interaction, f"{who} left. {whose(view)}")

    @app_commands.command(name="status", description="Who is playing and whose turn it is")
    async def status(self, interaction: discord.Interaction) -> None:
        async with answering(interaction) as bot:
            story = await bot.play.here(str(interaction.channel_id))
            now = await bot.play.status(story.id)
            view = now.table or await bot.play.table(story.id)
            summary = StatusSummary.from_table(view, world_title=now.world_title, turn=now.turn)
            text = whose(view)
            if now.telling and not now.ended:
                text += "\n*A turn is being told right now.*"
            await send(interaction, text, embed=status_embed(summary))

    @app_commands.command(name="mode", description="Host: turn by turn, or everyone at once")
    @app_commands.describe(mode="turn: one player at a time; free: everyone acts, told together")
    @app_commands.choices(mode=MODES)
    async def mode(self, interaction: discord.Interaction, mode: str) -> None:
        async with answering(interaction) as bot:
            story = await bot.play.here(str(interaction.channel_id))
            view = await bot.play.set_mode(
                story.id,
                user_ref=str(interaction.user.id),
                mode="free" if mode == "free" else "turn",
            )
            await send(interaction, f"Mode: {view.mode}. {whose(view)}")

    @app_commands.command(name="remove", description="Host: remove a player from the table")
    @app_commands.describe(member="The player to remove (their character stays in the story)")
    async def remove(self, interaction: discord.Interaction, member: discord.Member) -> None:
        async with answering(interaction) as bot:
            story = await bot.play.here(str(interaction.channel_id))
            view = await bot.play.remove_player(
                story.id, host_ref=str(interaction.user.id), user_ref=str(member.id)
            )
            who = escape_text(member.display_name)
            await send(interaction, f"{who} was removed from the table. {whose(view)}")

    @app_commands.command(
        name="settings",
        description="Host: which messages are actions; ping the next player; companions' remarks",
    )
    @app_commands.describe(
        actions="Which plain messages are actions (the rest is talk in character)",
        prefix="With actions=prefix: what an action starts with (default >)",
        ping="Ping the player whose turn it is (nobody else is ever pinged)",
        companion="Companions may speak first after a turn (each player's own limits apply)",
    )
    @app_commands.choices(actions=ACTIONS)
    async def settings(
        self,
        interaction: discord.Interaction,
        actions: str | None = None,
        prefix: app_commands.Range[str, 1, 5] | None = None,
        ping: bool | None = None,
        companion: bool | None = None,
    ) -> None:
        async with answering(interaction) as bot:
            story = await bot.play.here(str(interaction.channel_id))
            options = await bot.play.set_table_options(
                story.id,
                user_ref=str(interaction.user.id),
                actions=actions,
                prefix=prefix,
                ping_next=ping,
                companion=companion,
            )
            prefix = options.prefix.replace("`", "")
            said = {
                "all": "every message of a seated player is an action (except (( or //)",
                "prefix": f"only messages starting with `{prefix}` are actions",
                "thread": "only messages in a thread of this channel are actions; talk here freely",
                "none": "plain messages are talk; act with /act or the buttons",
            }[options.actions]
            ping_note = "the next player is pinged" if options.ping_next else "nobody is pinged"
            remarks = (
                "companions may speak first"
                if options.companion
                else "companions speak only when asked"
            )
            await send(interaction, f"Table settings: {said}; {ping_note}; {remarks}.")

    @app_commands.command(name="end", description="Host: end the story")
    async def end(self, interaction: discord.Interaction) -> None:
        async with answering(interaction) as bot:
            story = await bot.play.here(str(interaction.channel_id))
            await bot.play.end(story.id, user_ref=str(interaction.user.id))
            await send(interaction, "The story ends here. Thank you for playing.")

    @app_commands.command(name="pictures", description="Pictures: the table's (host) or yours")
    @app_commands.describe(
        scenes="Host: pictures of scenes and portraits",
        places="Host: a picture of each place on its first visit",
        mine="Pictures and voices made for you (off: none)",
    )
    async def pictures(
        self,
        interaction: discord.Interaction,
        scenes: bool | None = None,
        places: bool | None = None,
        mine: bool | None = None,
    ) -> None:
        async with answering(interaction, ephemeral=True) as bot:
            if bot.media is None:
                await send(interaction, "This bot makes no pictures.", ephemeral=True)
                return
            story = await bot.play.here(str(interaction.channel_id))
            me = str(interaction.user.id)
            prefs = await bot.media.choose(
                story.id, user=me, images=scenes, establishing=places, mine=mine
            )
            text = (
                f"Scenes and portraits: {'on' if prefs.images else 'off'}. "
                f"Each new place: {'on' if prefs.establishing else 'off'}. "
                f"For you: {'off' if me in prefs.muted else 'on'}."
            )
            await send(interaction, text, ephemeral=True)

    @app_commands.command(name="portrait", description="A portrait of your character")
    async def portrait(self, interaction: discord.Interaction) -> None:
        async with answering(interaction) as bot:
            if bot.media is None:
                await send(interaction, "This bot makes no pictures.")
                return
            story = await bot.play.here(str(interaction.channel_id))
            made = await bot.media.portrait(
                story.id, user=str(interaction.user.id), guild=turns.guild_of(interaction)
            )
            if made.entry is None:
                await send(interaction, escape_text(made.notice or "No portrait."))
                return
            cost = "free" if made.entry.cached else f"{made.entry.credits} credits"
            await send(interaction, f"Your portrait ({cost}):")
            if interaction.channel is not None:
                await post_picture(
                    bot,
                    interaction.channel,  # type: ignore[arg-type]
                    made,
                    interaction.user.display_name,
                )


def _joins(name: str) -> str:
    return f"**{escape_text(name)}** joins the story."
