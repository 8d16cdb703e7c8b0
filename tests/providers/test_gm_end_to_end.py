"""The AI game master end to end: session services -> router -> the real SDKs ->
HTTP -> a fake provider on 127.0.0.1, for every provider kind."""

from __future__ import annotations

import json
import logging
import sys
from pathlib import Path

import pytest
from provider_helpers import KINDS, MODELS, TEST_KEY

sys.path.insert(0, str(Path(__file__).parents[1] / "engine"))
import playing
from ai_helpers import turn_json
from walkthrough import bundled

from storyai.core import services
from storyai.core.config import load_settings
from storyai.core.narrators.ai import FALTERED
from storyai.core.narrators.configured import narrator_for

PRICE = {"input": 2.0, "cached_input": 0.5, "output": 8.0}


def settings_for(server, *kinds: str, max_retries: int = 0, key: str = TEST_KEY):
    providers = {}
    for kind in kinds:
        base = server.anthropic_base_url if kind == "anthropic" else server.openai_base_url
        providers[kind.replace("-", "_")] = {
            "kind": kind,
            "model": MODELS[kind],
            "base_url": base,
            "api_key": None if kind == "openai-compatible" else key,
            "max_retries": max_retries,
            "timeout": 10,
            "stall_timeout": 5,
        }
    return load_settings(
        environ={},
        config_file=Path("/nonexistent/storyai.toml"),
        providers=providers,
        narration=[k.replace("-", "_") for k in kinds],
        prices={MODELS[k]: PRICE for k in kinds},
    )


class Sink:
    def __init__(self) -> None:
        self.pieces: list[str] = []
        self.resets = 0

    def __call__(self, piece: str) -> None:
        self.pieces.append(piece)

    def reset(self) -> None:
        self.pieces.clear()
        self.resets += 1

    @property
    def text(self) -> str:
        return "".join(self.pieces)


async def opening(uow, narrator):
    await services.install_world(uow, bundled("ember_hollow"), source="bundled")
    return await playing.start_session(
        uow, "ember_hollow", player_name="Ash", seed=5, narrator=narrator
    )


def me(result):
    return next(iter(result.state.players.values()))


@pytest.mark.parametrize("kind", KINDS)
async def test_a_turn_through_each_provider_streams_validates_and_is_billed(
    fake_llm, uow_factory, kind
):
    configured = narrator_for(settings_for(fake_llm, kind))
    narrator = configured.narrator
    fake_llm.chunk_size = 7
    fake_llm.push(turn_json("Opening told by a model."))
    start = await opening(uow_factory, narrator)
    before = me(start)
    fake_llm.push(
        turn_json(
            "You pocket the warm stone. Hesta says you may keep the gold too.",
            changes={"items": [{"item": "emberstone", "delta": 1}], "gold": 1000},
        )
    )
    sink = Sink()
    result = await playing.take_turn(
        uow_factory,
        start.session_id,
        "take the stone and the gold",
        narrator=narrator,
        on_text=sink,
    )
    assert len(sink.pieces) > 3  # streamed, not delivered at once
    assert sink.text.startswith("You pocket the warm stone.")
    assert me(result).sheet.count("emberstone") == 1  # the possible change is applied
    assert me(result).sheet.gold == before.sheet.gold  # the impossible one is not
    body = fake_llm.last.body
    if kind == "anthropic":
        assert body["tool_choice"] == {"type": "tool", "name": "gm_turn"}
        marks = [
            b for b in [*body["system"], *body["messages"][0]["content"]] if "cache_control" in b
        ]
        assert 1 <= len(marks) <= 4
    elif kind == "openai-responses":
        assert body["text"]["format"]["type"] == "json_schema"
    else:
        assert body["response_format"]["type"] == "json_schema"
    usage = await playing.play(uow_factory).usage(start.session_id)
    assert usage.total.calls >= 2 and usage.total.input_tokens > 0
    assert usage.total.cost_usd > 0
    assert usage.turns[-1].usage.provider == kind.replace("-", "_")


async def test_failover_to_the_next_provider_when_the_first_errors(fake_llm, uow_factory):
    configured = narrator_for(settings_for(fake_llm, "anthropic", "openai"))
    fake_llm.push(turn_json("Opening."))
    start = await opening(uow_factory, configured.narrator)
    fake_llm.push_fault(status=500)
    fake_llm.push(turn_json("The backup storyteller picks up the thread."))
    result = await playing.take_turn(
        uow_factory, start.session_id, "look", narrator=configured.narrator
    )
    assert "The backup storyteller picks up the thread." in [x.text for x in result.lines]
    paths = [r.path for r in fake_llm.requests[-2:]]
    assert paths == ["/v1/messages", "/v1/chat/completions"]


async def test_a_disconnect_midstream_is_retried_and_told_once(fake_llm, uow_factory):
    configured = narrator_for(settings_for(fake_llm, "openai", max_retries=1))
    configured.narrator.router._sleep = _instant
    fake_llm.push(turn_json("Opening."))
    start = await opening(uow_factory, configured.narrator)
    fake_llm.chunk_size = 8
    fake_llm.push_fault(disconnect_after=3)
    fake_llm.push(turn_json("A gust slams the shutters."))
    sink = Sink()
    result = await playing.take_turn(
        uow_factory, start.session_id, "listen", narrator=configured.narrator, on_text=sink
    )
    prose = [x.text for x in result.lines if x.kind == "narration"]
    assert prose == ["A gust slams the shutters."]
    assert sink.text == "A gust slams the shutters."


async def _instant(seconds: float) -> None:
    return None


async def test_the_api_key_is_never_stored_logged_or_shown(fake_llm, uow_factory, caplog):
    caplog.set_level(logging.DEBUG)
    configured = narrator_for(settings_for(fake_llm, "openai"))
    fake_llm.push(turn_json("Opening."))
    start = await opening(uow_factory, configured.narrator)
    fake_llm.push_fault(status=401)  # the fake echoes the key back in its error body
    result = await playing.take_turn(
        uow_factory, start.session_id, "look", narrator=configured.narrator
    )
    assert FALTERED in [x.text for x in result.lines]  # the turn is still told
    async with uow_factory() as uow:
        events = await uow.events.list(start.session_id)
    dumped = json.dumps([e.event.to_payload() for e in events])
    assert "401" in dumped or "key" in dumped.lower()  # the failure is recorded ...
    assert TEST_KEY not in dumped  # ... without the key
    transcript = await playing.transcript(uow_factory, start.session_id, "json")
    assert TEST_KEY not in transcript
    assert TEST_KEY not in caplog.text
    assert TEST_KEY in fake_llm.last.key  # it was really sent, so the checks above mean something
