"""Text from worlds and players is shown as written; core errors are notifications."""

from __future__ import annotations

import playing
from textual.widgets import Input
from tui_helpers import install_data, screen_text, settle, tiny_world, type_text

from storyai.core.domain.errors import StoryError
from storyai.tui.commands import story_commands
from storyai.tui.screens.history import HistoryScreen
from storyai.tui.screens.play import PlayScreen
from storyai.tui.screens.title import TitleScreen
from storyai.tui.widgets.log import NarrativeLog

EVIL = {
    "title": "[b]Bold[/b] World",
    "place": "[link=https://evil.example]Square[/link]",
    "item": "[reverse]Lamp[/]",
    "npc": "[bold red]Mara[/]",
    "greeting": "Click [link=https://evil.example]here[/link] [blink]now[/]",
    "quest": "[@click=app.quit]Quest[/]",
}
PLAYER = "[bold red]x[/]"


async def test_markup_in_names_and_text_is_shown_literally(make_app, memory_uow, clock) -> None:
    world_id = await install_data(memory_uow, tiny_world(**EVIL))
    app = make_app(memory_uow, world_id=world_id)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await type_text(pilot, PLAYER)
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, PlayScreen)
        await pilot.press("1")  # talk to the character whose name is markup
        await settle(pilot)
        screen = screen_text(app)
        # every one of these would vanish (or act) if it were read as markup
        assert f"{PLAYER}  HP" in screen  # the status line
        assert EVIL["place"] in screen
        # speech is shown in quotes (added when the author left them out)
        assert f'{EVIL["npc"]}: "Click {EVIL["place"].replace("Square", "here")}' in screen
        assert f"Talk to {EVIL['npc']}" in screen or f"Take the {EVIL['item']}" in screen
        assert EVIL["title"] in screen  # the header
        assert app.is_running  # the [@click=app.quit] in the quest title did nothing

        await pilot.press("f4", "f4")  # the quest log tab
        await settle(pilot)
        assert EVIL["quest"] in screen_text(app)

        log = app.screen.query_one("#log", NarrativeLog)
        assert f'{EVIL["npc"]}: "{EVIL["greeting"]}"' in log.entries_text()
        session_id = app.screen.session_id

    # a branch named with markup, on the history screen and in the command palette
    await playing.rewind(memory_uow, session_id, 0, name="[red]b[/]", clock=clock)
    await playing.switch_branch(memory_uow, session_id, "main")
    again = make_app(memory_uow, session_id=session_id)
    async with again.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        names = [c.name for c in story_commands(again)]
        assert "Switch to branch [red]b[/]" in names
        await pilot.press("f3")
        await settle(pilot)
        assert isinstance(again.screen, HistoryScreen)
        assert "⎇ [red]b[/]" in screen_text(again)

    # the title screen lists the session by its markup-laden title
    title = make_app(memory_uow)
    async with title.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert "[b]Bold[/b] World" in screen_text(title)


async def test_a_core_error_is_a_notification_not_a_crash(make_app, memory_uow) -> None:
    start = await playing.start_session(memory_uow, "ember_hollow", player_name="Wren", seed=1)
    app = make_app(memory_uow, session_id=start.session_id)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await settle(pilot)
        await pilot.press("f3")
        await settle(pilot)
        await pilot.press("n")  # a named branch...
        await settle(pilot)
        await type_text(pilot, "main")  # ...with the name of one that exists
        assert isinstance(app.screen.focused, Input)
        await pilot.press("enter")
        await settle(pilot)
        assert app.is_running
        assert isinstance(app.screen, HistoryScreen)  # still here, nothing changed
        screen = screen_text(app)
        assert "A branch called 'main' already" in screen  # the message, in a toast
        assert "Hint: pick another name" in screen
        branches = await playing.list_branches(memory_uow, start.session_id)
        assert [b.name for b in branches] == ["main"]


async def test_a_failing_narrator_leaves_the_screen_usable(make_app, memory_uow) -> None:
    from storyai.core.narrators.offline import OfflineNarrator

    class Broken(OfflineNarrator):
        """Fails the first time it tells a "look"."""

        failed = False

        async def stream(self, request):
            if request.action == "look" and not Broken.failed:
                Broken.failed = True
                yield await _fail()
            async for chunk in super().stream(request):
                yield chunk

    async def _fail():
        raise StoryError("The game master lost their notes.", hint="try again")

    start = await playing.start_session(memory_uow, "ember_hollow", player_name="Wren", seed=1)
    app = make_app(memory_uow, session_id=start.session_id, narrator=Broken())
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await settle(pilot)
        await type_text(pilot, "look")
        await pilot.press("enter")
        await settle(pilot)
        assert "The game master lost their" in screen_text(app)
        log = app.screen.query_one("#log", NarrativeLog)
        assert log.streaming_text is None  # the half-told stream is gone
        assert app.screen.state.turn == 0  # nothing of the look was applied...
        await type_text(pilot, "inventory")  # ...and play goes on:
        await pilot.press("enter")
        await settle(pilot)
        told = log.entries_text()  # the look, kept, is told first, under its input
        assert told.count("› look") == 1
        assert told[told.index("› look") + 1].startswith("Village Square")
        assert told.index("› look") < told.index("› inventory")
        assert any("You carry" in line for line in told[told.index("› inventory") :])
        assert app.screen.state.turn == 2


async def test_a_session_that_cannot_open_goes_back_to_the_title(make_app, memory_uow) -> None:
    app = make_app(memory_uow, session_id="no-such-session")
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, TitleScreen)
        assert "No session has the id" in screen_text(app)  # said in a notification
