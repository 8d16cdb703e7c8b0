"""The creation screen's "Write it for me": the configured model writes what the
player left empty (the same core step as ``storyai run --generate-identity``), shown in
the form before Begin; offline there is no such button (the tables roll as ever).
The real OpenAI SDK against the local fake model server."""

from __future__ import annotations

import json

import pytest
from fakes.llm_server import default_reply, fake_llm_server
from textual.widgets import Button, Input, Select
from tui_helpers import settle, still

from storyai.core.llm.router import RouteEntry, Router
from storyai.core.narrators.ai import AINarrator
from storyai.core.play.identity_model import SCHEMA_NAME
from storyai.core.providers.openai_chat import OpenAIChatAdapter
from storyai.tui.screens.create import CreateScreen
from storyai.tui.screens.play import PlayScreen

WRITTEN = {
    "title": "the Lamplighter's Heir",
    "origin": "IGNORED: the player typed an origin",
    "backstory": "Raised above the mine on stories of the founders.",
    "appearance": "Soot on the cuffs, a lantern always lit.",
    "goals": ["warm the Hollow again", "find the founders' word"],
    "fears": [],
    "desires": [],
    "family": [],
    "friends": [],
    "enemies": [],
    "background": {"upbringing": "orphan", "kin": "no_such_option"},
}


def asks_identity(body: dict) -> bool:
    return SCHEMA_NAME in json.dumps(body)


@pytest.fixture
async def model_narrator():
    async with fake_llm_server() as server:
        server.default = lambda body: (
            json.dumps(WRITTEN) if asks_identity(body) else default_reply(body)
        )
        port = OpenAIChatAdapter(
            "local", "m", base_url=server.openai_base_url, api_key="k", structured="tool"
        )
        try:
            yield server, AINarrator(Router({"narration": [RouteEntry(port)]}))
        finally:
            await port.aclose()


async def test_write_it_for_me_fills_what_is_empty_and_the_story_starts_with_it(
    make_app, memory_uow, model_narrator, snapshot
):
    server, narrator = model_narrator
    app = make_app(memory_uow, world_id="ember_hollow", narrator=narrator)
    async with app.run_test(size=(100, 40)) as pilot:
        await settle(pilot)
        create = app.screen
        assert isinstance(create, CreateScreen)
        assert create.query_one("#write-identity", Button).display
        create.query_one("#name", Input).value = "Mira"
        create.query_one("#identity-origin", Input).value = "the lower terraces"
        await pilot.click("#write-identity")
        await settle(pilot)
        title = create.query_one("#identity-title", Input)
        await create.workers.wait_for_complete()
        await settle(pilot)
        assert title.value == "the Lamplighter's Heir"
        assert create.query_one("#identity-origin", Input).value == "the lower terraces"
        goals = create.query_one("#identity-goals", Input).value
        assert goals == "warm the Hollow again; find the founders' word"
        assert create.query_one("#background-upbringing", Select).value == "orphan"
        assert not isinstance(create.query_one("#background-kin", Select).value, str)  # no such
        assert sum(asks_identity(r.body) for r in server.requests) == 1
        await still(pilot)
        snapshot(app, "create_written")
        title.value = "the Lamplighter"  # the player keeps the right to change it
        await pilot.press("ctrl+s")
        await settle(pilot)
        await still(pilot)
        play = app.screen
        assert isinstance(play, PlayScreen) and play.view is not None
        facts = dict(play.view.sheet.identity)
        assert facts["Title"] == "the Lamplighter"
        assert facts["Appearance"] == "Soot on the cuffs, a lantern always lit."
        assert sum(asks_identity(r.body) for r in server.requests) == 1  # not asked again


async def test_offline_there_is_no_write_it_for_me(make_app, memory_uow):
    app = make_app(memory_uow, world_id="ember_hollow")
    async with app.run_test(size=(100, 40)) as pilot:
        await settle(pilot)
        create = app.screen
        assert isinstance(create, CreateScreen)
        assert not create.query_one("#write-identity", Button).display
