"""A whole evening, as a player lives it: title, character, turns, rewind, quit, resume.

Runs on a real SQLite file through the SQL adapter, and a second app instance on
the same file resumes where the first one stopped.
"""

from __future__ import annotations

import playing
from textual.widgets import OptionList, Select
from tui_helpers import settle, type_text

from storyai.core.domain.sheet import STANDARD_ARRAY
from storyai.tui.screens.create import CreateScreen
from storyai.tui.screens.history import HistoryScreen, TurnTree
from storyai.tui.screens.play import PlayScreen
from storyai.tui.screens.title import TitleScreen
from storyai.tui.widgets.log import NarrativeLog
from storyai.tui.widgets.scores import ScoreTable


def log_text(app) -> list[str]:
    return app.screen.query_one("#log", NarrativeLog).entries_text()


def status(app) -> str:
    return str(app.screen.query_one("#status").render())


async def test_new_story_turns_rewind_quit_and_resume(make_app, sqlite_uow) -> None:
    app = make_app(sqlite_uow)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, TitleScreen)
        worlds = app.screen.query_one("#worlds", OptionList)
        assert worlds.has_focus  # nothing to continue yet: the world list is first
        assert worlds.get_option_at_index(0).id == "ember_hollow"
        await pilot.press("enter")
        await settle(pilot)

        # ------------------------------------------------ character creation
        assert isinstance(app.screen, CreateScreen)
        await type_text(pilot, "Wren Ashdown")
        await pilot.press("enter")  # on to the archetypes
        await pilot.press("down")  # Hedge-Wizard
        await settle(pilot)
        assert app.screen.archetype == "hedge_wizard"
        await pilot.click("#method-standard_array")
        await settle(pilot)
        table = app.screen.query_one("#scores", ScoreTable)
        assert sorted(table.scores.values(), reverse=True) == list(STANDARD_ARRAY)
        assert table.scores["str"] == 15 and table.scores["int"] == 12
        # giving INT the 15 swaps it with STR, so the array is still used once each
        int_select = app.screen.query_one("#score-int", Select)
        int_select.value = table.pool.index(15)
        await settle(pilot)
        assert table.scores["int"] == 15 and table.scores["str"] == 12
        assert str(app.screen.query_one("#score-str", Select).value) == str(table.pool.index(12))
        await pilot.press("ctrl+s")
        await settle(pilot)

        # ------------------------------------------------------- the opening
        play = app.screen
        assert isinstance(play, PlayScreen)
        assert "The Cold Hearths of Ember Hollow" in log_text(app)
        assert play.view is not None
        sheet = play.view.sheet
        assert sheet.name == "Wren Ashdown" and sheet.archetype == "Hedge-Wizard"
        scores = {s.key: s.value for s in sheet.scores}
        assert scores["int"] == 15 + 2  # the archetype's bonus on the chosen 15
        assert "Village Square" in status(app) and "turn 0" in status(app)

        # --------------------------------------- turns: number key, typing, click
        await pilot.press("1")  # talk to Reeve Hesta
        await settle(pilot)
        assert "› talk to Reeve Hesta" in log_text(app)
        assert any(line.startswith("Reeve Hesta: ") for line in log_text(app))
        assert "turn 1" in status(app)

        await type_text(pilot, "look")
        await pilot.press("enter")
        await settle(pilot)
        assert log_text(app)[-1].startswith("Exits:")
        assert "turn 2" in status(app)

        await type_text(pilot, "go n")
        await pilot.press("tab")  # completes the exit
        assert play.command.value == "go north"
        await pilot.press("enter")
        await settle(pilot)
        assert "⌂ Mine Road" in status(app) and "turn 3" in status(app)

        choices = play.query_one("#choices").choices
        assert choices, "a fight offers choices"
        await pilot.click("#choice-1")
        await settle(pilot)
        assert f"› {choices[0].command}" in log_text(app)
        assert "turn 4" in status(app)

        # up arrow brings back what was typed
        await pilot.press("up")
        assert play.command.value == "go north"
        await pilot.press("up")
        assert play.command.value == "look"
        await pilot.press("down", "down")
        assert play.command.value == ""

        # ------------------------------------------ history: rewind to turn 1
        await pilot.press("f3")
        await settle(pilot)
        history = app.screen
        assert isinstance(history, HistoryScreen)
        tree = history.query_one("#turns", TurnTree)
        assert tree.cursor_node is not None and tree.cursor_node.data.turn == 4  # you are here
        while tree.cursor_node.data.turn != 1:
            await pilot.press("up")
        await pilot.press("enter")
        await settle(pilot)

        assert app.screen is play
        assert "turn 1" in status(app) and "branch-2" in status(app)
        assert "⌂ Village Square" in status(app)
        assert "› talk to Reeve Hesta" in log_text(app)
        assert "› look" not in log_text(app)  # later turns are on the other branch now
        assert play.state is not None and play.state.turn == 1
        session_id = play.session_id

        # play on from there, then quit
        await type_text(pilot, "go west")
        await pilot.press("enter")
        await settle(pilot)
        assert "⌂ The Banked Coal" in status(app) and "turn 2" in status(app)
        await pilot.press("ctrl+q")
    assert app.return_code == 0

    # ---------------------------------------------- relaunch: continue, exactly there
    again = make_app(sqlite_uow)
    async with again.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert isinstance(again.screen, TitleScreen)
        label = str(again.screen.query_one("#continue").label)
        assert "Wren Ashdown" in label and "turn 2" in label
        await pilot.press("c")
        await settle(pilot)
        play = again.screen
        assert isinstance(play, PlayScreen)
        assert play.session_id == session_id
        assert "⌂ The Banked Coal" in status(again) and "turn 2" in status(again)
        assert "› go west" in log_text(again)
        assert "› talk to Reeve Hesta" in log_text(again)  # the log comes back too
        await pilot.press("q")  # typing: q is a letter here, not quit
        assert play.command.value == "q"

    # ------------------------------------------------- --session resumes directly
    direct = make_app(sqlite_uow, session_id=session_id)
    async with direct.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert isinstance(direct.screen, PlayScreen)
        assert direct.screen.state is not None and direct.screen.state.turn == 2
        branches = await playing.list_branches(sqlite_uow, session_id)
        assert {b.name for b in branches} == {"main", "branch-2"}
