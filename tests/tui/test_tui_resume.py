"""Resuming a story whose last turn was never told (the app died mid-turn): the story so
far comes back at once, a notice says which turn is being told, its words stream in as
the model writes them, and only then does the command line invite the next turn."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator

import playing
from tui_helpers import screen_text, wait_until

from storyai.core.llm.port import ModelDone, ModelPort, ModelRequest, TextPiece, Usage
from storyai.core.llm.router import RouteEntry, Router
from storyai.core.narrators.ai import AINarrator
from storyai.core.narrators.offline import OfflineNarrator
from storyai.tui.screens.play import PlayScreen
from storyai.tui.widgets.choices import ChoiceBar
from storyai.tui.widgets.command_input import CommandInput
from storyai.tui.widgets.log import NarrativeLog

FIRST = '{"narrative": "The forge glows a dull red. '
REST = 'Hesta works the bellows and hums.", "choices": [{"id": "a", "text": "Ask about soot"}]}'
PROMPT = "What do you do?"


class Dies(OfflineNarrator):
    """The app stops while this narrator tells the turn: the action stays stored, untold."""

    def __init__(self) -> None:
        self.reached = asyncio.Event()

    async def stream(self, request):
        self.reached.set()
        await asyncio.Event().wait()  # never comes back; the task is cancelled
        yield  # pragma: no cover


class SlowModel(ModelPort):
    """A slow local model: nothing until ``first`` is set, one piece, then nothing until
    ``rest`` is set."""

    name = "local"
    model = "slow-1"

    def __init__(self) -> None:
        self.asked = asyncio.Event()
        self.first = asyncio.Event()
        self.rest = asyncio.Event()

    async def stream(self, request: ModelRequest) -> AsyncIterator[TextPiece | ModelDone]:
        self.asked.set()
        await self.first.wait()
        yield TextPiece(FIRST)
        await self.rest.wait()
        yield TextPiece(REST)
        yield ModelDone(FIRST + REST, Usage(provider=self.name, model=self.model, calls=1))


async def untold_story(uow, clock) -> str:
    start = await playing.start_session(
        uow, "ember_hollow", player_name="Wren", seed=1, clock=clock
    )
    sid = start.session_id
    await playing.take_turn(uow, sid, "talk to hesta", clock=clock)
    dies = Dies()
    telling = asyncio.create_task(
        playing.take_turn(uow, sid, "look at the forge", narrator=dies, clock=clock)
    )
    await dies.reached.wait()
    telling.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await telling
    return sid


async def test_resuming_shows_the_story_then_tells_the_last_turn_then_asks(
    make_app, memory_uow, clock, tmp_path
) -> None:
    sid = await untold_story(memory_uow, clock)
    model = SlowModel()
    narrator = AINarrator(Router({"narration": [RouteEntry(model)]}), name="local/slow-1")
    app = make_app(memory_uow, session_id=sid, narrator=narrator)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_until(pilot, model.asked.is_set, "the resumed screen asks the model")
        notice = "Telling your last turn: look at the forge…"
        await wait_until(pilot, lambda: notice in screen_text(app), "the notice is on screen")
        play = app.screen
        assert isinstance(play, PlayScreen) and play.busy
        screen = screen_text(app)
        # the story so far is back, the untold action last, and no invitation to type
        assert "› talk to hesta" in screen and "› look at the forge" in screen
        assert screen.index("› look at the forge") < screen.index(notice)
        assert PROMPT not in screen
        command = play.query_one("#command", CommandInput)
        # the line keeps the focus (what is typed now is queued), but does not invite play
        assert command.has_focus and "type ahead: Enter queues" in screen
        assert not play.query_one("#choices", ChoiceBar).display
        app.save_screenshot("resume-held.svg", str(tmp_path))  # to look at

        model.first.set()  # the first words arrive: on screen at once
        await wait_until(
            pilot, lambda: "The forge glows a dull red." in screen_text(app), "the first words"
        )
        assert PROMPT not in screen_text(app) and play.busy

        model.rest.set()  # told: now, and only now, the next turn is invited
        await wait_until(pilot, lambda: not play.busy, "the turn is told")
        await wait_until(pilot, lambda: PROMPT in screen_text(app), "the invitation")
        screen = screen_text(app)
        # in the story log (the rules' own lines about the forge may follow it and scroll
        # the narrative above a 30-row screen)
        told = "\n".join(play.query_one("#log", NarrativeLog).entries_text())
        assert "The forge glows a dull red. Hesta works the bellows and hums." in told
        assert "Telling your last turn" not in told and "Telling your last turn" not in screen
        assert PROMPT in screen and command.has_focus
        assert "Ask about soot" in screen
        assert play.state is not None and play.state.turn == 2 and not play.busy
        app.save_screenshot("resume-told.svg", str(tmp_path))

    narrations = [e for e in await playing.history(memory_uow, sid) if e.kind == "narration"]
    assert [n.turn for n in narrations] == [0, 1, 2]  # the untold turn, told once
    assert json.loads(FIRST + REST)["narrative"] in narrations[-1].event.lines[-1].text
