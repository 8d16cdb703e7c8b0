"""Play-screen behaviour a player notices: streaming, endings, the palette, branches."""

from __future__ import annotations

import asyncio
import json
import re

import playing
from textual.command import CommandPalette
from textual.widgets import OptionList
from tui_helpers import (
    install_data,
    resize,
    screen_text,
    settle,
    tiny_world,
    type_text,
    wait_until,
)

from storyai.core.narrators.offline import OfflineNarrator
from storyai.core.narrators.port import TextDelta
from storyai.tui.screens.create import CreateScreen
from storyai.tui.screens.history import HistoryScreen
from storyai.tui.screens.play import PlayScreen
from storyai.tui.screens.title import TitleScreen
from storyai.tui.widgets.choices import ChoiceBar
from storyai.tui.widgets.log import NarrativeLog, StreamingEntry


def option_index(options: OptionList, option_id: str) -> int:
    return next(
        i for i in range(options.option_count) if options.get_option_at_index(i).id == option_id
    )


class GatedNarrator(OfflineNarrator):
    """Streams word by word, and holds after the first two words of a "look" until let go."""

    def __init__(self) -> None:
        self.gate = asyncio.Event()

    async def stream(self, request):
        async for chunk in super().stream(request):
            if isinstance(chunk, TextDelta) and request.action == "look":
                for i, word in enumerate(chunk.text.split(" ")):
                    yield TextDelta(word + " ")
                    if i == 1:
                        await self.gate.wait()
            else:
                yield chunk


async def test_narration_streams_then_becomes_styled_lines(make_app, memory_uow) -> None:
    start = await playing.start_session(memory_uow, "ember_hollow", player_name="Wren", seed=1)
    narrator = GatedNarrator()
    app = make_app(memory_uow, session_id=start.session_id, narrator=narrator)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        log = app.screen.query_one("#log", NarrativeLog)
        await type_text(pilot, "look")
        await pilot.press("enter")
        await wait_until(pilot, lambda: log.streaming_text, "the first words arrived")
        assert log.streaming_text.startswith("Village Square")
        assert "Exits:" not in log.streaming_text  # only the first words so far
        # the screen repaints after the widget changed: the words, then the cursor
        # (the status bar names the place too, so the cursor must follow them)
        await wait_until(
            pilot,
            lambda: re.search(r"Village Square\s+▌", screen_text(app)),
            "the first words and the streaming cursor are on the screen",
        )
        assert app.screen.busy

        narrator.gate.set()
        await settle(pilot)
        assert log.streaming_text is None
        assert not log.query(StreamingEntry)
        assert log.entries_text()[-1].startswith("Exits:")  # the told lines, styled
        headings = [e for e in log.query(".line-heading")]
        assert headings and "Village Square" in str(headings[-1].render())


async def test_an_ending_is_shown_with_rewind_and_new_story(make_app, memory_uow) -> None:
    world_id = await install_data(memory_uow, tiny_world())
    app = make_app(memory_uow, world_id=world_id)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await type_text(pilot, "Ada")
        await pilot.press("ctrl+s")
        await settle(pilot)
        await type_text(pilot, "take lamp")
        await pilot.press("enter")
        await settle(pilot)
        play = app.screen
        assert isinstance(play, PlayScreen) and play.state is not None
        assert play.state.ending == "lit"
        assert play.query(".line-ending")
        told = play.query_one(NarrativeLog).entries_text()
        assert "You lift the lamp. The story ends in light." in told
        screen = screen_text(app)
        assert "Rewind to an earlier turn" in screen and "Start a new story" in screen
        assert play.command.choice_count == 0  # number keys no longer play

        await pilot.click("#ending-history")
        await settle(pilot)
        assert isinstance(app.screen, HistoryScreen)
        await pilot.press("up", "enter")  # back to the opening, on a new branch
        await settle(pilot)
        assert app.screen is play and play.state.ending is None
        assert play.state.turn == 0

        await pilot.press("ctrl+p")
        await settle(pilot)
        assert isinstance(app.screen, CommandPalette)
        await type_text(pilot, "new story")
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, TitleScreen)


async def test_palette_exports_the_transcript(make_app, memory_uow, tmp_path) -> None:
    start = await playing.start_session(memory_uow, "ember_hollow", player_name="Wren", seed=1)
    await playing.take_turn(memory_uow, start.session_id, "talk to hesta")
    app = make_app(memory_uow, session_id=start.session_id, export_dir=tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        for fmt in ("markdown", "json"):
            await pilot.press("ctrl+p")
            await settle(pilot)
            await type_text(pilot, fmt)
            await pilot.press("enter")
            await settle(pilot)
        written = sorted(p.suffix for p in tmp_path.iterdir())
        assert written == [".json", ".md"]
        markdown = next(tmp_path.glob("*.md")).read_text(encoding="utf-8")
        assert "**Wren** (turn 1): talk to hesta" in markdown
        data = json.loads(next(tmp_path.glob("*.json")).read_text(encoding="utf-8"))
        assert data["session"] == start.session_id


async def test_branches_switch_and_rename_from_history(make_app, memory_uow, clock) -> None:
    start = await playing.start_session(
        memory_uow, "ember_hollow", player_name="Wren", seed=1, clock=clock
    )
    sid = start.session_id
    for text in ("talk to hesta", "go west"):
        await playing.take_turn(memory_uow, sid, text, clock=clock)
    app = make_app(memory_uow, session_id=sid)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        play = app.screen
        # a named branch from the opening
        await pilot.press("f3")
        await settle(pilot)
        await pilot.press("up", "up", "n")
        await settle(pilot)
        await type_text(pilot, "quiet")
        await pilot.press("enter")
        await settle(pilot)
        assert app.screen is play and play.state is not None and play.state.turn == 0
        assert "quiet" in str(play.query_one("#status").render())

        # switch back to main from the branch list, then rename it
        await pilot.press("f3")
        await settle(pilot)
        await pilot.press("tab")  # to the branch list
        branches = app.screen.query_one("#branches", OptionList)
        assert app.screen.focused is branches
        branches.highlighted = option_index(branches, "main")
        await pilot.press("r")
        await settle(pilot)
        await pilot.press("ctrl+a", "ctrl+k")  # clear the old name
        await type_text(pilot, "tavern")
        await pilot.press("enter")
        await settle(pilot)
        names = {b.name for b in await playing.list_branches(memory_uow, sid)}
        assert names == {"tavern", "quiet"}
        await pilot.press("tab")
        branches = app.screen.query_one("#branches", OptionList)
        branches.highlighted = option_index(branches, "tavern")
        await pilot.press("s")
        await settle(pilot)
        assert app.screen is play and play.state.turn == 2
        assert "⌂ The Banked Coal" in str(play.query_one("#status").render())


async def test_number_keys_only_pick_on_an_empty_line(make_app, memory_uow) -> None:
    start = await playing.start_session(memory_uow, "ember_hollow", player_name="Wren", seed=1)
    app = make_app(memory_uow, session_id=start.session_id)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        play = app.screen
        await type_text(pilot, "go ")
        await pilot.press("2")  # typed, not picked
        assert play.command.value == "go 2"
        assert play.state is not None and play.state.turn == 0
        await pilot.press("ctrl+a", "ctrl+k", "9")  # there is no ninth choice: just a 9
        await settle(pilot)
        assert play.state.turn == 0 and play.command.value == "9"
        await pilot.press("backspace")
        choices = play.query_one("#choices", ChoiceBar).choices
        await pilot.press("2")
        await settle(pilot)
        assert play.state.turn == 1
        assert f"› {choices[1].command}" in play.query_one("#log", NarrativeLog).entries_text()


async def test_side_panel_toggles_and_fits_80_columns(make_app, memory_uow) -> None:
    start = await playing.start_session(memory_uow, "ember_hollow", player_name="Wren", seed=1)
    app = make_app(memory_uow, session_id=start.session_id)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        panel = app.screen.query_one("#panel")
        assert not panel.display  # narrow: hidden until asked for
        await resize(pilot, 130, 30)
        assert panel.display  # wide: shown by default
        await resize(pilot, 80, 24)
        assert not panel.display
        await pilot.press("f2")
        await settle(pilot)
        assert panel.display
        assert "HP ▰" in screen_text(app) and "Sheet  Pack  Quests  Map" in screen_text(app)
        await pilot.press("f2")
        assert not panel.display
        await resize(pilot, 130, 30)
        assert not panel.display  # hidden by the player: stays hidden


async def test_percentile_character_and_reroll(make_app, memory_uow) -> None:
    app = make_app(memory_uow, world_id="halvard_relay")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        create = app.screen
        assert isinstance(create, CreateScreen)
        table = create.query_one("#scores")
        first = dict(table.scores)
        assert set(first) == {"str", "con", "siz", "dex", "app", "int", "pow", "edu"}
        assert all(15 <= v <= 90 for v in first.values())
        await pilot.press("ctrl+r")
        await settle(pilot)
        assert table.scores != first  # rolled again (seeded: the next rolls)
        rolled = dict(table.scores)
        await type_text(pilot, "Ines")
        await pilot.press("enter", "down", "down")  # Security Contractor
        await pilot.press("ctrl+s")
        await settle(pilot)
        play = app.screen
        assert isinstance(play, PlayScreen) and play.view is not None
        assert play.view.sheet.archetype == "Security Contractor"
        assert {s.key: s.value for s in play.view.sheet.scores} == rolled
        assert "Armor" in str(play.query_one("#status").render())


async def test_4d6_scores_come_from_the_seeded_dice(make_app, memory_uow) -> None:
    from tui_helpers import SEED

    from storyai.core.domain.dice import SeededDice
    from storyai.core.domain.sheet import roll_ability_scores

    expected = roll_ability_scores(SeededDice(SEED))
    app = make_app(memory_uow, world_id="ember_hollow")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert app.screen.query_one("#scores").scores == expected
        await pilot.press("ctrl+s")  # no name yet
        await settle(pilot)
        assert isinstance(app.screen, CreateScreen)  # asked for a name instead
        assert app.screen.focused is app.screen.query_one("#name")
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, TitleScreen)


async def test_tab_completes_cycles_and_otherwise_moves_on(make_app, memory_uow) -> None:
    start = await playing.start_session(memory_uow, "ember_hollow", player_name="Wren", seed=1)
    app = make_app(memory_uow, session_id=start.session_id)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        command = app.screen.command
        await type_text(pilot, "go ")
        await pilot.press("tab")
        assert command.value == "go north"
        await pilot.press("tab")
        assert command.value == "go Mine Road"  # the next match: the place it leads to
        await pilot.press("ctrl+a", "ctrl+k")
        await type_text(pilot, "talk to r")
        await pilot.press("tab")
        assert command.value == "talk to Reeve Hesta"
        await pilot.press("ctrl+a", "ctrl+k", "tab")  # nothing typed: Tab moves focus
        assert not command.has_focus
        await pilot.press("escape")
        assert command.has_focus


async def test_palette_switches_branch(make_app, memory_uow, clock) -> None:
    start = await playing.start_session(
        memory_uow, "ember_hollow", player_name="Wren", seed=1, clock=clock
    )
    sid = start.session_id
    await playing.take_turn(memory_uow, sid, "go west", clock=clock)
    await playing.rewind(memory_uow, sid, 0, name="stay", clock=clock)
    app = make_app(memory_uow, session_id=sid)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        play = app.screen
        assert play.state is not None and play.state.turn == 0
        await pilot.press("ctrl+p")
        await type_text(pilot, "main")
        await pilot.press("enter")
        await settle(pilot)
        assert app.screen is play and play.state.turn == 1
        assert "⌂ The Banked Coal" in str(play.query_one("#status").render())


class HeldNarrator(OfflineNarrator):
    """Tells nothing until let go (``go``); says when a telling reached it (``reached``)."""

    def __init__(self) -> None:
        self.reached = asyncio.Event()
        self.go = asyncio.Event()

    async def stream(self, request):
        self.reached.set()
        await self.go.wait()
        async for chunk in super().stream(request):
            yield chunk


async def test_a_turn_left_untold_is_told_on_resume_while_you_watch(
    make_app, memory_uow, clock
) -> None:
    start = await playing.start_session(
        memory_uow, "ember_hollow", player_name="Wren", seed=1, clock=clock
    )
    sid = start.session_id
    await playing.take_turn(memory_uow, sid, "talk to hesta", clock=clock)
    # another teller stored "look" and stopped while telling it: its lease still runs
    # (the clock stands still), so only taking the telling over tells it now
    stuck = HeldNarrator()
    telling = asyncio.create_task(
        playing.take_turn(memory_uow, sid, "look", narrator=stuck, clock=clock)
    )
    await stuck.reached.wait()

    ours = HeldNarrator()
    app = make_app(memory_uow, session_id=sid, narrator=ours)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_until(pilot, lambda: ours.reached.is_set(), "the resumed screen tells the turn")
        play = app.screen
        assert isinstance(play, PlayScreen) and play.busy
        log = play.query_one("#log", NarrativeLog)
        assert "› talk to hesta" in log.entries_text()  # the story so far is back
        await wait_until(
            pilot,
            lambda: "Telling your last turn: look…" in screen_text(app),
            "the screen says the last turn is being told",
        )
        assert "› look" in screen_text(app)
        # the story as it was before that turn, without the choices it outdated
        assert "⌂ Village Square" in str(play.query_one("#status").render())
        assert "turn 1" in str(play.query_one("#status").render())
        assert not play.query_one("#choices", ChoiceBar).display

        ours.go.set()
        await settle(pilot)
        told = log.entries_text()
        assert told[told.index("› look") + 1].startswith("Village Square")
        assert told[-1].startswith("Exits:")
        assert "Telling your last turn" not in screen_text(app)
        assert play.state is not None and play.state.turn == 2 and not play.busy
        assert play.query_one("#choices", ChoiceBar).display

        await type_text(pilot, "go west")  # and play goes on from there
        await pilot.press("enter")
        await settle(pilot)
        assert play.state.turn == 3

    stuck.go.set()
    await telling  # its telling came too late: the one told on screen stands
    actions = [
        e.event.text for e in await playing.history(memory_uow, sid) if e.kind == "player_action"
    ]
    assert actions == ["talk to hesta", "look", "go west"]
    narrations = [e for e in await playing.history(memory_uow, sid) if e.kind == "narration"]
    assert [n.turn for n in narrations] == [0, 1, 2, 3]
