"""The terminal app with an AI game master: what streams is what stays, and the title
screen says who narrates."""

from __future__ import annotations

import json

import playing
from tui_helpers import screen_text, settle, type_text

from storyai.core.domain.errors import StreamBroken
from storyai.core.llm.fake import Break, ScriptedModel
from storyai.core.llm.router import RouteEntry, Router
from storyai.core.narrators.ai import AINarrator
from storyai.tui.widgets.log import NarrativeLog


def reply(text: str) -> str:
    return json.dumps({"narrative": text, "choices": [{"id": "a", "text": "Ask about soot"}]})


async def _instant(seconds: float) -> None:
    return None


async def test_a_stream_that_breaks_is_withdrawn_and_told_once(make_app, memory_uow):
    start = await playing.start_session(memory_uow, "ember_hollow", player_name="Wren", seed=1)
    model = ScriptedModel(
        replies=[
            Break('{"narrative": "Half a sentence that', StreamBroken("reset", provider="fake")),
            reply("Hesta wipes soot from her hands and nods at you."),
        ]
    )
    router = Router({"narration": [RouteEntry(model)]}, sleep=_instant)
    narrator = AINarrator(router, name="fake/fake-1")
    app = make_app(memory_uow, session_id=start.session_id, narrator=narrator)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await type_text(pilot, "wave at hesta")
        await pilot.press("enter")
        await settle(pilot)
        told = "\n".join(app.screen.query_one("#log", NarrativeLog).entries_text())
        assert "Hesta wipes soot from her hands and nods at you." in told
        assert "Half a sentence" not in told and "Half a sentence" not in screen_text(app)
        assert "Ask about soot" in screen_text(app)  # the model's choices are offered


async def test_the_title_screen_says_who_narrates(make_app, memory_uow):
    app = make_app(memory_uow, narrator_label="anthropic/claude-test")
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        assert "Game master: anthropic/claude-test" in screen_text(app)
    offline = make_app(memory_uow)
    async with offline.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        assert "ANTHROPIC_API_KEY" in screen_text(offline)
