"""A new character's identity written by the configured model: one bounded structured
request through the real OpenAI and Anthropic SDKs against the local fake model
server; typed fields kept, table picks checked, a failing model leaving the world's
tables to the dice; offline, the tables as ever."""

from __future__ import annotations

import json

import pytest
from fakes.llm_server import fake_llm_server

from storyai.core import services
from storyai.core.domain.identity import IdentityRequest
from storyai.core.llm.router import RouteEntry, Router
from storyai.core.narrators.ai import AINarrator
from storyai.core.play import Play
from storyai.core.play.identity_model import REPLY_TOKENS, SCHEMA_NAME
from storyai.core.providers.anthropic_messages import AnthropicMessagesAdapter
from storyai.core.providers.openai_chat import OpenAIChatAdapter
from storyai.core.storage.memory import InMemoryStore
from storyai.core.worlds.bundled import bundled_world_paths
from storyai.core.worlds.validate import load_world

WORLD = load_world(bundled_world_paths()["ember_hollow"])

WRITTEN = {
    "title": "the Lamplighter's Heir",
    "origin": "IGNORED: the player typed an origin",
    "backstory": "Raised above the mine on stories of the founders. " * 60,
    "appearance": "Soot on the cuffs, a lantern always lit.",
    "goals": ["warm the Hollow again", "find the founders' word"],
    "fears": ["the deep dark"],
    "desires": [],
    "family": ["a mother who worked the deep seam"],
    "friends": [],
    "enemies": [],
    "background": {"upbringing": "orphan", "kin": "no_such_option"},
}


@pytest.fixture(params=["openai-tools", "anthropic"])
async def setup(request):
    async with fake_llm_server() as server:
        if request.param == "anthropic":
            port = AnthropicMessagesAdapter(
                "anthropic", "claude-test", base_url=server.anthropic_base_url, api_key="k"
            )
        else:
            port = OpenAIChatAdapter(
                "local", "m", base_url=server.openai_base_url, api_key="k", structured="tool"
            )
        store = InMemoryStore()
        await services.install_world(store.unit_of_work, WORLD, source="test")
        play = Play(
            store.unit_of_work, narrator=AINarrator(Router({"narration": [RouteEntry(port)]}))
        )
        try:
            yield server, play, request.param
        finally:
            await port.aclose()


def identity_of(result):
    return next(iter(result.state.players.values())).sheet.identity


async def test_the_model_writes_what_the_player_left_empty(setup):
    server, play, kind = setup
    server.push(json.dumps(WRITTEN))
    asked = IdentityRequest(origin="the lower terraces", generate=True)
    result = await play.start("ember_hollow", player_name="Mira", seed=3, identity=asked)
    made = identity_of(result)
    assert made.origin.startswith("the lower terraces"), "what the player typed stays"
    assert "IGNORED" not in made.origin
    assert made.title == "the Lamplighter's Heir"
    assert made.appearance == "Soot on the cuffs, a lantern always lit."
    assert len(made.backstory) <= 1200
    assert made.goals[:2] == ("warm the Hollow again", "find the founders' word")
    assert made.background["upbringing"] == "orphan"
    assert made.background["kin"] in {o.id for o in WORLD.backgrounds["kin"].options}
    assert result.state.quests["foundling"].status == "active", "the pick gates content"
    first = server.requests[0].body
    text = json.dumps(first)
    assert "Mira" in text and "the lower terraces" in text and "orphan" in text
    assert REPLY_TOKENS in (first.get("max_tokens"), first.get("max_completion_tokens"))
    if kind == "anthropic":
        assert first["tool_choice"]["name"] == SCHEMA_NAME
    else:
        assert first["tool_choice"]["function"]["name"] == SCHEMA_NAME


async def test_a_failing_model_leaves_the_tables_to_the_dice(setup):
    server, play, _ = setup
    server.push("this is not json")
    asked = IdentityRequest(generate=True)
    result = await play.start("ember_hollow", player_name="Mira", seed=3, identity=asked)
    offline = await Play(play.uow).start(
        "ember_hollow", player_name="Mira", seed=3, identity=IdentityRequest()
    )
    assert identity_of(result) == identity_of(offline)


async def test_without_generate_or_offline_no_identity_request_is_made(setup):
    server, play, _ = setup
    await play.start("ember_hollow", player_name="Mira", seed=3, identity=IdentityRequest())
    assert all(SCHEMA_NAME not in json.dumps(r.body) for r in server.requests)
    offline = Play(play.uow)  # no model: the tables, rolled
    rolled = await offline.start(
        "ember_hollow", player_name="Mira", seed=3, identity=IdentityRequest(generate=True)
    )
    plain = await offline.start(
        "ember_hollow", player_name="Mira", seed=3, identity=IdentityRequest()
    )
    assert identity_of(rolled) == identity_of(plain) and identity_of(rolled).title == ""
