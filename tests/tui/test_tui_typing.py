"""Typing on the play screen: what is typed goes to the command line and stays there
(Tab with nothing to complete, a stray focus, a turn still being told), single keys
act only on an empty line, and the focused widget is always visibly marked."""

from __future__ import annotations

import playing
from tui_helpers import (
    TurnByTurn,
    install_data,
    screen_text,
    settle,
    tiny_world,
    type_text,
    wait_until,
)

from storyai.tui.screens.play import PlayScreen
from storyai.tui.widgets.choices import ChoiceBar
from storyai.tui.widgets.log import NarrativeLog


async def opened(pilot) -> PlayScreen:
    await settle(pilot)
    play = pilot.app.screen
    assert isinstance(play, PlayScreen) and play.state is not None
    return play


async def test_tab_with_nothing_to_complete_keeps_the_line_and_its_focus(
    make_app, memory_uow
) -> None:
    start = await playing.start_session(memory_uow, "ember_hollow", player_name="Wren", seed=1)
    app = make_app(memory_uow, session_id=start.session_id)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        play = await opened(pilot)
        command = play.command
        await type_text(pilot, "sing loudly")
        await pilot.press("tab")
        await settle(pilot)
        assert command.has_focus and command.value == "sing loudly"
        assert "Nothing to complete here" in screen_text(app)
        await pilot.press("1", "q")  # still typing: not a choice, not quit
        await settle(pilot)
        assert app.is_running and app.screen is play
        assert command.has_focus and command.value == "sing loudly1q"
        assert play.state.turn == 0
        await pilot.press("ctrl+a", "ctrl+k")
        await type_text(pilot, "quests")  # the case: typing `quests` after a Tab
        await pilot.press("enter")
        await settle(pilot)
        assert app.is_running and play.state.turn == 1
        assert "› quests" in play.query_one(NarrativeLog).entries_text()


async def test_letters_typed_with_the_focus_elsewhere_go_to_the_command_line(
    make_app, memory_uow
) -> None:
    start = await playing.start_session(memory_uow, "ember_hollow", player_name="Wren", seed=1)
    app = make_app(memory_uow, session_id=start.session_id)
    async with app.run_test(size=(80, 24)) as pilot:
        play = await opened(pilot)
        command = play.command
        await pilot.press("tab")  # an empty line: Tab moves on, to the log
        assert not command.has_focus
        await type_text(pilot, "quests")  # q does not quit: it is the first letter
        await settle(pilot)
        assert app.is_running and command.has_focus and command.value == "quests"
        play.query_one("#choice-1").focus()
        await settle(pilot)
        await type_text(pilot, " now")
        assert command.has_focus and command.value == "quests now"
        assert play.state.turn == 0

        await pilot.press("ctrl+a", "ctrl+k")
        choices = play.query_one(ChoiceBar).choices
        play.query_one(NarrativeLog).focus()
        await pilot.press("2")  # a digit on an empty line: still picks that choice
        await settle(pilot)
        assert play.state.turn == 1
        assert f"› {choices[1].command}" in play.query_one(NarrativeLog).entries_text()


async def test_the_focused_widget_is_always_marked(make_app, memory_uow) -> None:
    start = await playing.start_session(memory_uow, "ember_hollow", player_name="Wren", seed=1)
    app = make_app(memory_uow, session_id=start.session_id)
    async with app.run_test(size=(130, 30)) as pilot:  # wide: the side panel shows too
        play = await opened(pilot)
        chain = list(play.focus_chain)
        assert len(chain) >= 4  # the log, the choices, the command line, the panel
        for widget in chain:
            other = play.command if widget is not play.command else chain[0]
            other.focus()
            await settle(pilot)
            unfocused = (widget.visual_style, widget.styles.outline_left)
            widget.focus()
            await settle(pilot)
            assert widget.has_focus
            assert (widget.visual_style, widget.styles.outline_left) != unfocused, widget


async def test_enter_while_a_turn_is_told_is_queued_and_played_after(
    make_app, memory_uow, clock
) -> None:
    start = await playing.start_session(
        memory_uow, "ember_hollow", player_name="Wren", seed=1, clock=clock
    )
    narrator = TurnByTurn()
    app = make_app(memory_uow, session_id=start.session_id, narrator=narrator)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        play = await opened(pilot)
        log = play.query_one(NarrativeLog)
        await type_text(pilot, "look")
        await pilot.press("enter")
        await wait_until(pilot, lambda: narrator.waiting == 1, "the first turn is being told")
        assert play.command.has_focus and "type ahead" in screen_text(app)
        for text in ("go west", "inventory"):
            await type_text(pilot, text)
            await pilot.press("enter")
        await wait_until(
            pilot, lambda: "› inventory  (queued" in screen_text(app), "the queued lines show"
        )
        assert play.command.value == "" and play.state.turn == 0
        assert log.entries_text()[-2:] == ["› go west (queued)", "› inventory (queued)"]
        await pilot.press("1")  # a choice from before this turn: not played, and said so
        await wait_until(
            pilot,
            lambda: any("choices come once" in n.message for n in app._notifications),
            "a notice says why the key did nothing",
        )
        assert play.command.value == "" and play.queued == ["go west", "inventory"]

        narrator.let_one()  # "look" is told; "go west" starts at once
        await wait_until(pilot, lambda: play.state.turn == 1 and narrator.waiting == 1, "next")
        assert log.entries_text()[-1] == "› inventory (queued)"
        assert "› go west (queued)" not in log.entries_text()
        narrator.let_one()
        narrator.let_one()
        await wait_until(pilot, lambda: play.state.turn == 3, "all three told")
        await settle(pilot)
        actions = [line for line in log.entries_text() if line.startswith("› ")]
        assert actions == ["› look", "› go west", "› inventory"]
        assert not play.busy and "What do you do?" in screen_text(app)  # invited again
    history = await playing.history(memory_uow, start.session_id)
    told = [e.event.text for e in history if e.kind == "player_action"]
    assert told == ["look", "go west", "inventory"]


async def test_input_queued_behind_an_ending_comes_back_to_the_line(
    make_app, memory_uow, clock
) -> None:
    world_id = await install_data(memory_uow, tiny_world())
    start = await playing.start_session(memory_uow, world_id, player_name="Ada", clock=clock)
    narrator = TurnByTurn()
    app = make_app(memory_uow, session_id=start.session_id, narrator=narrator)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        play = await opened(pilot)
        await type_text(pilot, "take lamp")
        await pilot.press("enter")
        await wait_until(pilot, lambda: narrator.waiting == 1, "the last turn is being told")
        await type_text(pilot, "talk to mara")
        await pilot.press("enter")
        await wait_until(pilot, lambda: play.queued, "queued")
        narrator.let_one()
        await wait_until(pilot, lambda: play.state.ending == "lit", "the story ended")
        await settle(pilot)
        assert play.command.value == "talk to mara"  # not lost: back on the line
        assert "Not sent" in screen_text(app)  # and a notice says so
        assert "(queued" not in "\n".join(play.query_one(NarrativeLog).entries_text())
    history = await playing.history(memory_uow, start.session_id)
    assert [e.event.text for e in history if e.kind == "player_action"] == ["take lamp"]
