"""End to end: an unmodified discord.py bot against ``fakes.discord.FakeDiscord``.

The sample bot below is small but uses what the project's bot will: a slash command
group with a nested subcommand group, autocomplete, defer + followups, a view whose
buttons edit the message (callback type 7), a thread started from a message, embeds,
ephemeral replies and plain channel messages.
"""

from __future__ import annotations

import asyncio

import discord
import pytest
from discord import app_commands
from discord.ext import commands
from fakes.discord import running_bot, running_fake

WORLDS = {
    "ember_hollow": "Ember Hollow",
    "frost_reach": "Frost Reach",
    "sunken_vale": "Sunken Vale",
}


class Lobby(discord.ui.View):
    """Join / Begin buttons; persistent (fixed custom_ids, no timeout) so that a
    restarted bot can pick up clicks on a message posted before the restart."""

    def __init__(self, bot: SampleBot) -> None:
        super().__init__(timeout=None)
        self.bot = bot

    @discord.ui.button(label="Join", custom_id="story:join", style=discord.ButtonStyle.primary)
    async def join(self, interaction: discord.Interaction, button: discord.ui.Button) -> None:
        players = self.bot.players.setdefault(interaction.message.id, [])
        if interaction.user.name not in players:
            players.append(interaction.user.name)
        await interaction.response.edit_message(content=f"Players: {', '.join(players)}", view=self)

    @discord.ui.button(label="Begin", custom_id="story:begin", style=discord.ButtonStyle.success)
    async def begin(self, interaction: discord.Interaction, button: discord.ui.Button) -> None:
        players = self.bot.players.get(interaction.message.id, [])
        thread = await interaction.message.create_thread(name="Ember Hollow session")
        await thread.send("Turn order: " + " → ".join(players))
        await interaction.response.send_message(f"Started in {thread.mention}", ephemeral=True)


class SampleBot(commands.Bot):
    def __init__(self, *, name: str = "bot", intents: discord.Intents | None = None) -> None:
        if intents is None:
            intents = discord.Intents.default()
            intents.message_content = True
        super().__init__(command_prefix="!", intents=intents)
        self.name = name
        self.handled: list[str] = []  # commands this instance ran
        self.errors: list[BaseException] = []
        self.players: dict[int, list[str]] = {}
        self.slow_delay = 0.0
        self.burst = 0
        self._add_commands()

    async def setup_hook(self) -> None:
        self.add_view(Lobby(self))
        await self.tree.sync()

    async def on_message(self, message: discord.Message) -> None:
        if message.author == self.user:
            return
        if message.content == "!ping":
            await message.channel.send("pong")
        elif message.content == "!burst":
            for i in range(self.burst):
                await message.channel.send(f"line {i}")

    def _add_commands(self) -> None:
        bot = self
        story = app_commands.Group(name="story", description="Play a story")
        party = app_commands.Group(name="party", description="Party actions", parent=story)

        @story.command(name="start", description="Start a story")
        @app_commands.describe(world="The world to play")
        async def start(
            interaction: discord.Interaction,
            world: str,
            turns: app_commands.Range[int, 1, 10] = 3,
            private: bool = False,
        ) -> None:
            bot.handled.append(f"start {world} {turns} {private}")
            embed = discord.Embed(title=WORLDS[world], description=f"{turns} turns each.")
            await interaction.response.send_message(
                "A new story begins.", embed=embed, view=Lobby(bot), ephemeral=private
            )

        @start.autocomplete("world")
        async def world_choices(interaction: discord.Interaction, current: str) -> list:
            return [
                app_commands.Choice(name=title, value=key)
                for key, title in WORLDS.items()
                if current.lower() in title.lower()
            ]

        @party.command(name="roll", description="Roll a die")
        async def roll(interaction: discord.Interaction, sides: int) -> None:
            bot.handled.append(f"roll {sides}")
            await interaction.response.send_message(f"{interaction.user.name} rolled 1d{sides}")

        @app_commands.command(name="act", description="Act in the story")
        async def act(interaction: discord.Interaction, action: str) -> None:
            bot.handled.append(f"act {action}")
            await interaction.response.defer(thinking=True)
            await asyncio.sleep(0)
            await interaction.followup.send(f"You {action}. The door creaks open.")
            await interaction.followup.send("(only you see this: a trap)", ephemeral=True)

        @app_commands.command(name="lore", description="Read the whole lore")
        async def lore(interaction: discord.Interaction) -> None:
            embed = discord.Embed(title="Lore", description="x" * 5400)
            try:
                await interaction.response.send_message(embed=embed)
            except discord.HTTPException as error:
                bot.errors.append(error)
                await interaction.response.send_message("The lore is too long to show.")

        @app_commands.command(name="slow", description="Answers too late")
        async def slow(interaction: discord.Interaction) -> None:
            await asyncio.sleep(bot.slow_delay)
            try:
                await interaction.response.send_message("finally")
            except discord.HTTPException as error:
                bot.errors.append(error)

        @app_commands.command(name="whisper", description="Mention a player without a ping")
        async def whisper(interaction: discord.Interaction, player: discord.Member) -> None:
            await interaction.response.send_message("Noted.", ephemeral=True)
            quiet = discord.AllowedMentions.none()
            await interaction.channel.send(
                f"{player.mention} feels watched.", allowed_mentions=quiet
            )
            await interaction.channel.send(f"{player.mention}, your turn!")

        for command in (story, act, lore, slow, whisper):
            self.tree.add_command(command)


def bot_with(**kwargs) -> SampleBot:
    return SampleBot(**kwargs)


async def test_slash_command_round_trip_with_subcommand_group() -> None:
    bot = bot_with()
    async with running_bot(bot) as fake:
        assert sorted(fake.commands) == ["act", "lore", "slow", "story", "whisper"]
        assert fake.identify["intents"] & discord.Intents(message_content=True).value
        assert fake.heartbeats >= 1

        ix = await fake.slash("story party roll", user="bob", channel="adventures", sides=20)

        assert ix.response_type == 4
        assert ix.reply.content == "bob rolled 1d20"
        assert fake.latest("adventures").content == "bob rolled 1d20"
        assert bot.handled == ["roll 20"]
        assert fake.violations == []


async def test_slash_rejects_what_discord_would_not_send() -> None:
    async with running_bot(bot_with()) as fake:
        with pytest.raises(AssertionError, match="not a slash command the bot synced"):
            await fake.slash("quest")
        with pytest.raises(AssertionError, match="needs a subcommand"):
            await fake.slash("story party")
        with pytest.raises(AssertionError, match="no option 'colour'"):
            await fake.slash("story party roll", sides=6, colour="red")
        with pytest.raises(AssertionError, match="missing required options \\['world'\\]"):
            await fake.slash("story start")
        with pytest.raises(AssertionError, match="needs a number"):
            await fake.slash("story party roll", sides="six")
        with pytest.raises(AssertionError, match="outside \\[1, 10\\]"):
            await fake.slash("story start", world="ember_hollow", turns=11)
        with pytest.raises(AssertionError, match="needs a bool"):
            await fake.slash("story start", world="ember_hollow", private="yes")
        assert fake.interactions == []


async def test_autocomplete_returns_the_bots_choices() -> None:
    async with running_bot(bot_with()) as fake:
        choices = await fake.autocomplete("story start", "world", "ho", user="carol")

        assert choices == [{"name": "Ember Hollow", "value": "ember_hollow"}]
        assert fake.interactions[-1].response_type == 8
        assert fake.violations == []


async def test_defer_then_followups_fill_the_thinking_message() -> None:
    bot = bot_with()
    async with running_bot(bot) as fake:
        ix = await fake.slash("act", user="dave", action="push the door")
        assert ix.response_type == 5

        public, secret = await ix.wait_replies(2)

        # After a defer the first followup edits the original "thinking" message.
        assert public is ix.original
        assert public.content == "You push the door. The door creaks open."
        assert not public.loading and not public.ephemeral
        assert secret.ephemeral and secret.content == "(only you see this: a trap)"
        assert fake.history("general") == [public]
        assert fake.violations == []


async def test_buttons_edit_the_message_and_begin_opens_a_thread() -> None:
    bot = bot_with()
    async with running_bot(bot) as fake:
        ix = await fake.slash("story start", user="alice", world="ember_hollow", turns=2)
        lobby = ix.reply
        assert lobby.embeds[0]["title"] == "Ember Hollow"
        assert lobby.custom_ids == ["story:join", "story:begin"]

        for player in ("bob", "carol"):
            click = await fake.click(lobby, "story:join", user=player)
            assert click.response_type == 7
        assert lobby.content == "Players: bob, carol"
        assert len(lobby.history) == 2  # edited twice, in place

        begin = await fake.click(lobby, "story:begin", user="bob")

        (thread,) = fake.threads.values()
        assert thread.id == lobby.id and thread.name == "Ember Hollow session"
        assert fake.latest(thread).content == "Turn order: bob → carol"
        assert begin.reply.ephemeral and thread.mention in begin.reply.content
        assert fake.violations == []


async def test_ephemeral_start_is_private_to_the_player() -> None:
    bot = bot_with()
    async with running_bot(bot) as fake:
        ix = await fake.slash("story start", user="bob", world="sunken_vale", private=True)

        assert ix.reply.ephemeral and ix.ephemeral_replies == [ix.reply]
        assert fake.history() == []  # ephemeral messages are not in the channel
        with pytest.raises(AssertionError, match="only the user who got an ephemeral"):
            await fake.click(ix.reply, "story:join", user="carol")
        await fake.click(ix.reply, "story:join", user="bob")
        assert ix.reply.content == "Players: bob"
        assert bot.handled == ["start sunken_vale 3 True"]
        assert fake.violations == []


async def test_too_long_embed_gets_discords_form_error() -> None:
    bot = bot_with()
    async with running_bot(bot) as fake:
        ix = await fake.slash("lore")
        await ix.wait_reply()

        (error,) = bot.errors
        assert isinstance(error, discord.HTTPException)
        assert error.code == 50035
        assert "In data.embeds.0.description: Must be 4096 or fewer in length." in str(error)
        assert ix.reply.content == "The lore is too long to show."
        assert [v.kind for v in fake.violations] == ["invalid_form_body"]


async def test_answer_after_the_ack_window_is_unknown_interaction() -> None:
    bot = bot_with()
    bot.slow_delay = 0.15
    async with running_bot(bot, ack_window=0.05) as fake:
        ix = await fake.slash("slow")
        assert not ix.acknowledged
        await fake.wait_for("POST", r"/callback$")
        await fake.wait_until(lambda: bot.errors)

        (error,) = bot.errors
        assert isinstance(error, discord.NotFound) and error.code == 10062
        kinds = [v.kind for v in fake.violations]
        assert kinds == ["not_acknowledged", "late_ack"]
        assert fake.history("general") == []


async def test_forced_429_is_retried_by_discord_py() -> None:
    async with running_bot(bot_with()) as fake:
        fake.force_rate_limit("POST", r"^/channels/\d+/messages$", retry_after=0.05)
        asked = await fake.say("!ping", user="bob")

        pong = await fake.wait_message(after=asked)

        assert pong.content == "pong"
        posts = [c for c in fake.calls if c.method == "POST" and c.path.endswith("/messages")]
        assert [c.status for c in posts] == [429, 200]
        assert posts[0].response["retry_after"] == 0.05
        assert posts[0].headers["Via"] and posts[0].headers["X-RateLimit-Scope"] == "user"
        assert fake.violations == []


async def test_discord_py_throttles_itself_on_the_channel_bucket() -> None:
    bot = bot_with()
    bot.burst = 8
    async with running_bot(bot, rate_limits={"channel_messages": (5, 0.3)}) as fake:
        await fake.say("!burst", user="bob")
        await fake.wait_until(lambda: len(fake.history()) == 9)

        assert [m.content for m in fake.history()[1:]] == [f"line {i}" for i in range(8)]
        assert fake.rate_limited == []
        posts = [c for c in fake.calls if c.method == "POST" and c.path.endswith("/messages")]
        assert [c.headers["X-RateLimit-Remaining"] for c in posts[:5]] == ["4", "3", "2", "1", "0"]
        assert fake.violations == []


async def test_privileged_intent_not_allowed_fails_at_connect() -> None:
    intents = discord.Intents.default()
    intents.members = True
    bot = SampleBot(intents=intents)
    base = discord.http.Route.BASE

    with pytest.raises(discord.PrivilegedIntentsRequired):
        async with running_bot(bot, privileged_intents=("message_content",)):
            pass

    assert bot.is_closed()
    assert base == discord.http.Route.BASE  # the override is undone


async def test_allowed_mentions_are_recorded_so_tests_can_check_pings() -> None:
    async with running_bot(bot_with()) as fake:
        bob = fake.user("bob")
        ix = await fake.slash("whisper", user="alice", player="bob")
        await fake.wait_until(lambda: len(fake.history()) == 2)
        quiet, loud = fake.latest(n=2)

        assert ix.reply.ephemeral
        assert quiet.content == f"{bob.mention} feels watched."
        assert quiet.allowed_mentions == {"parse": []}
        assert not quiet.pings
        assert loud.allowed_mentions is None and loud.pings.users == {bob.id}
        assert fake.violations == []


async def test_two_clients_share_one_fake_and_split_interactions() -> None:
    first, second = bot_with(name="first"), bot_with(name="second")
    async with running_fake() as fake:
        await fake.start_bot(first)
        await fake.start_bot(second)

        await fake.slash("story party roll", sides=4)  # round robin: first
        await fake.slash("story party roll", sides=6)  # then second
        await fake.slash("story party roll", sides=8, to=second)
        assert first.handled == ["roll 4"]
        assert second.handled == ["roll 6", "roll 8"]

        both = await fake.slash("story party roll", sides=10, to="all")
        await fake.wait_until(lambda: len(first.handled) + len(second.handled) == 5)
        await fake.wait_for("POST", r"/callback$", count=5)
        assert both.acknowledged
        assert [v.kind for v in fake.violations] == ["already_acknowledged"]


async def test_restarted_bot_keeps_serving_the_same_world() -> None:
    old = bot_with(name="old")
    async with running_bot(old) as fake:
        lobby = (await fake.slash("story start", world="frost_reach")).reply
        await fake.click(lobby, "story:join", user="bob")

        new = await fake.restart_bot(bot_with(name="new"))

        assert old.is_closed() and fake.bots == [new]
        # The persistent view of the new process handles a click on the old message.
        await fake.click(lobby, "story:join", user="carol")
        assert lobby.content == "Players: carol"  # in-memory state did not survive
        roll = await fake.slash("story party roll", sides=12)
        assert new.handled == ["roll 12"] and roll.reply.content.endswith("1d12")
        assert fake.violations == []
