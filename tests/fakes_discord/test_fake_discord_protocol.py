"""The fake's protocol checks, driven through a plain discord.py client.

The test calls the client's own API (``channel.send``, ``message.edit``, ...), so every
request goes through discord.py's real HTTP, rate-limit and gateway code.
"""

from __future__ import annotations

import discord
import pytest
from discord import app_commands
from fakes.discord import running_bot


class Client(discord.Client):
    def __init__(self, *, message_content: bool = True, **options) -> None:
        intents = discord.Intents.default()
        intents.message_content = message_content
        super().__init__(intents=intents, **options)
        self.tree = app_commands.CommandTree(self)
        self.seen: list[discord.Message] = []
        self.errors: list[discord.HTTPException] = []

        @self.tree.command(name="early", description="Follows up before answering")
        async def early(interaction: discord.Interaction) -> None:
            try:
                await interaction.followup.send("too soon")
            except discord.HTTPException as error:
                self.errors.append(error)
            await interaction.response.send_message("answered")

    async def setup_hook(self) -> None:
        await self.tree.sync()

    async def on_message(self, message: discord.Message) -> None:
        self.seen.append(message)


async def test_too_long_content_and_button_label_are_rejected_like_discord() -> None:
    client = Client()
    async with running_bot(client) as fake:
        channel = client.get_channel(fake.channel("general").id)

        with pytest.raises(discord.HTTPException) as too_long:
            await channel.send("x" * 2001)
        view = discord.ui.View()
        view.add_item(discord.ui.Button(label="L" * 81, custom_id="join"))
        with pytest.raises(discord.HTTPException) as long_label:
            await channel.send("Join?", view=view)

        assert too_long.value.code == 50035
        assert "In content: Must be 2000 or fewer in length." in str(too_long.value)
        label_error = "In components.0.components.0.label: Must be 80 or fewer in length."
        assert label_error in str(long_label.value)
        assert fake.history("general") == []
        assert [v.kind for v in fake.violations] == ["invalid_form_body"] * 2


async def test_editing_a_players_message_is_forbidden() -> None:
    client = Client()
    async with running_bot(client) as fake:
        said = await fake.say("I open the chest", user="bob")
        await fake.wait_until(lambda: client.seen)

        with pytest.raises(discord.Forbidden) as forbidden:
            await client.seen[0].edit(content="I close the chest")

        own = await client.seen[0].channel.send("The chest is empty.")
        await own.edit(content="The chest is empty. Or is it?")
        await own.delete()

        assert forbidden.value.code == 50005
        assert said.content == "I open the chest" and said.history == []
        edited = fake.message(own.id)
        assert edited.deleted and edited.content == "The chest is empty. Or is it?"
        assert fake.history("general") == [said]
        assert [v.code for v in fake.violations] == [50005]


async def test_threads_from_a_message_and_standalone() -> None:
    client = Client()
    async with running_bot(client) as fake:
        channel = client.get_channel(fake.channel("adventures").id)
        message = await channel.send("Session 1")

        with pytest.raises(discord.HTTPException, match="In name: Must be 100 or fewer"):
            await message.create_thread(name="n" * 101)
        thread = await message.create_thread(name="Session 1")
        await thread.send("Welcome")
        notes = await channel.create_thread(name="GM notes")

        assert fake.channel("Session 1").is_thread and thread.id == message.id
        assert [m.content for m in fake.history("Session 1")] == ["Welcome"]
        assert client.get_channel(thread.id) is not None  # THREAD_CREATE reached the client
        assert fake.channel("GM notes").type == 12 == notes.type.value  # private by default
        assert [v.kind for v in fake.violations] == ["invalid_form_body"]


async def test_locked_archived_thread_refuses_messages() -> None:
    client = Client()
    async with running_bot(client) as fake:
        channel = client.get_channel(fake.channel("adventures").id)
        thread = await (await channel.send("Old session")).create_thread(name="Old session")

        await thread.edit(archived=True)
        await thread.send("Back again")  # an unlocked archived thread reopens
        reopened = fake.channel(thread.id).archived
        await thread.edit(archived=True, locked=True)
        with pytest.raises(discord.HTTPException) as archived:
            await thread.send("Let me in")

        assert reopened is False
        assert archived.value.code == 50083
        assert [m.content for m in fake.history(thread.id)] == ["Back again"]


async def test_followup_before_the_initial_response_is_unknown_webhook() -> None:
    client = Client()
    async with running_bot(client) as fake:
        ix = await fake.slash("early", user="carol")

        (error,) = client.errors
        assert isinstance(error, discord.NotFound) and error.code == 10015
        assert ix.reply.content == "answered"
        assert [v.kind for v in ix.errors] == ["followup_before_ack"]


async def test_without_message_content_intent_player_text_arrives_empty() -> None:
    client = Client(message_content=False)
    async with running_bot(client) as fake:
        await fake.say("secret plan", user="bob")
        await fake.say(f"{fake.bot_user.mention} help", user="bob")
        await fake.wait_until(lambda: len(client.seen) == 2)

        assert [m.content for m in client.seen] == ["", f"{fake.bot_user.mention} help"]


async def test_unknown_routes_are_404_and_a_violation() -> None:
    client = Client()
    async with running_bot(client) as fake:
        with pytest.raises(discord.NotFound):
            await client.fetch_user(fake.user("bob").id)

        (violation,) = fake.violations
        assert violation.kind == "unknown_route"
        assert violation.path == f"/users/{fake.user('bob').id}"


async def test_reconnect_request_ends_in_a_fresh_identify() -> None:
    client = Client()
    async with running_bot(client) as fake:
        first = fake.ready_sessions[0]

        await fake.request_reconnect()
        await fake.wait_until(lambda: fake.ready_sessions and fake.ready_sessions[0] is not first)
        await fake.say("still there?", user="dave")
        await fake.wait_until(lambda: client.seen)

        assert client.seen[0].content == "still there?"
        assert len(fake.sessions) >= 2 and not first.open
        assert fake.violations == []


async def test_sharded_client_uses_gateway_bot() -> None:
    intents = discord.Intents.default()
    client = discord.AutoShardedClient(intents=intents)
    async with running_bot(client) as fake:
        assert [c.path for c in fake.calls if c.path.startswith("/gateway")] == ["/gateway/bot"]
        assert client.get_guild(fake.guild_id).owner_id == fake.owner.id
        assert fake.violations == []


def test_discord_py_override_points_still_exist() -> None:
    """Canary: the harness patches these two class attributes; if a discord.py upgrade
    renames them, patching would silently create unused attributes and tests would try
    to reach the real Discord."""
    from discord.gateway import DiscordWebSocket

    assert discord.http.Route.BASE == "https://discord.com/api/v10"
    assert discord.http.Route("GET", "/users/@me").url == discord.http.Route.BASE + "/users/@me"
    assert str(DiscordWebSocket.DEFAULT_GATEWAY) == "wss://gateway.discord.gg/"


async def test_reactions_typing_dms_and_disabled_buttons_are_modelled() -> None:
    client = Client()
    async with running_bot(client) as fake:
        channel = client.get_channel(fake.channel("general").id)
        said = await fake.say("hello", user="bob", channel="general")
        message = await channel.fetch_message(said.id)
        await message.add_reaction("⏳")
        await message.add_reaction("🚫")
        await message.remove_reaction("🚫", client.user)
        assert said.reactions == [("⏳", fake.bot_user.id)]
        async with channel.typing():
            pass
        assert [cid for cid, _ in fake.typing] == [channel.id]
        await message.author.send("only for you")
        assert [m.content for m in fake.dms["bob"]] == ["only for you"]
        assert [m.content for m in fake.history("general")] == ["hello"], "DMs stay out"

        view = discord.ui.View()
        view.add_item(discord.ui.Button(label="Go", custom_id="go"))
        sent = await channel.send("Choose", view=view)
        view.children[0].disabled = True  # type: ignore[attr-defined]
        view.stop()
        await sent.edit(view=view)
        with pytest.raises(AssertionError, match="disabled"):
            await fake.click(sent.id, "go", user="bob")
        assert fake.violations == []


async def test_the_gateway_sends_a_guild_only_to_its_shard() -> None:
    async with running_bot(Client()) as fake:  # an unsharded client hears everything
        owner = (fake.guild_id >> 22) % 2
        owner_client = Client(shard_id=owner, shard_count=2)
        other_client = Client(shard_id=1 - owner, shard_count=2)
        await fake.start_bot(owner_client)
        await fake.start_bot(other_client)
        assert {s.shard for s in fake.ready_sessions} == {(0, 1), (0, 2), (1, 2)}
        said = await fake.say("hi", user="bob", channel="general")
        await fake.wait_until(lambda: any(m.id == said.id for m in owner_client.seen))
        assert owner_client.guilds and not other_client.guilds
        assert other_client.seen == []
        assert fake.violations == []
