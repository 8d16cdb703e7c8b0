"""/character create generate:true: the story's model writes what the player leaves
empty in the form, through the same core use case as ``storyai run
--generate-identity`` (the real discord.py client against the fake Discord, the real
OpenAI SDK against the local fake model server)."""

from __future__ import annotations

import json

import pytest
from fakes.discord.harness import running_bot
from fakes.llm_server import default_reply, fake_llm_server
from test_bot_avatar import installed_sheet, submit
from test_bot_game import TOLD_MARK, Time, new_bot, start_story, text_of

from storyai.core import services
from storyai.core.llm.router import RouteEntry, Router
from storyai.core.narrators.ai import AINarrator
from storyai.core.play.identity_model import SCHEMA_NAME
from storyai.core.providers.openai_chat import OpenAIChatAdapter
from storyai.core.worlds.bundled import bundled_world_paths
from storyai.core.worlds.validate import load_world

WORLD = load_world(bundled_world_paths()["ember_hollow"])
WRITTEN = {
    "title": "the Lamplighter's Heir",
    "origin": "IGNORED: the player typed an origin",
    "backstory": "Raised above the mine on stories of the founders.",
    "appearance": "Soot on the cuffs, a lantern always lit.",
    "goals": ["warm the Hollow again"],
    "fears": [],
    "desires": [],
    "family": [],
    "friends": [],
    "enemies": [],
    "background": {"upbringing": "orphan"},
}


@pytest.fixture
async def installed(uow_factory):
    await services.install_world(uow_factory, WORLD, source="bundled")
    return uow_factory


def asks_identity(body: dict) -> bool:
    return SCHEMA_NAME in json.dumps(body)


async def test_character_create_generate_has_the_model_write_the_empty_fields(installed):
    async with fake_llm_server() as server:
        server.default = lambda body: (
            json.dumps(WRITTEN) if asks_identity(body) else default_reply(body)
        )
        port = OpenAIChatAdapter(
            "local", "m", base_url=server.openai_base_url, api_key="k", structured="tool"
        )
        narrator = AINarrator(Router({"narration": [RouteEntry(port)]}))
        try:
            async with running_bot(new_bot(installed, Time(), narrator=narrator)) as fake:
                await start_story(fake)
                assert not any(asks_identity(r.body) for r in server.requests)
                opened = await fake.slash(
                    "character create", user="bob", channel="adventures", generate=True
                )
                joined = await submit(
                    fake,
                    opened.modal,
                    user="bob",
                    channel="adventures",
                    values={"Name": "Bryn", "Origin": "the lower terraces"},
                )
                await fake.wait_until(lambda: TOLD_MARK in text_of(joined))
                assert "**Bryn** joins the story." in text_of(joined)
                made = (await installed_sheet(fake, installed, "bob")).identity
                assert made.title == "the Lamplighter's Heir"
                assert made.appearance == "Soot on the cuffs, a lantern always lit."
                assert made.origin.startswith("the lower terraces"), "typed fields stay"
                assert made.background["upbringing"] == "orphan"
                assert sum(asks_identity(r.body) for r in server.requests) == 1
                assert fake.violations == []
        finally:
            await port.aclose()


async def test_without_generate_the_model_is_not_asked_for_an_identity(installed):
    async with fake_llm_server() as server:
        server.default = lambda body: (
            json.dumps(WRITTEN) if asks_identity(body) else default_reply(body)
        )
        port = OpenAIChatAdapter(
            "local", "m", base_url=server.openai_base_url, api_key="k", structured="tool"
        )
        narrator = AINarrator(Router({"narration": [RouteEntry(port)]}))
        try:
            async with running_bot(new_bot(installed, Time(), narrator=narrator)) as fake:
                await start_story(fake)
                opened = await fake.slash("character create", user="bob", channel="adventures")
                joined = await submit(
                    fake, opened.modal, user="bob", channel="adventures", values={"Name": "Bryn"}
                )
                await fake.wait_until(lambda: TOLD_MARK in text_of(joined))
                made = (await installed_sheet(fake, installed, "bob")).identity
                assert made.title != "the Lamplighter's Heir"
                assert not any(asks_identity(r.body) for r in server.requests)
        finally:
            await port.aclose()
