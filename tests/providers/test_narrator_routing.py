"""Who answered, as the players and the stored story see it: error messages naming
each provider once, the repair asked of the model that broke the reply, and the
narration naming the provider that actually told it. Session services -> narrator ->
router -> the real SDKs -> the fake server over HTTP."""

from __future__ import annotations

import sys
from pathlib import Path

from provider_helpers import MODELS

sys.path.insert(0, str(Path(__file__).parents[1] / "engine"))
import playing
from ai_helpers import turn_json
from walkthrough import bundled

from storyai.core import services
from storyai.core.config import load_settings
from storyai.core.domain.events import Narration
from storyai.core.narrators.ai import FALTERED
from storyai.core.narrators.configured import narrator_for


def settings_for(server, providers: dict[str, str], *, max_retries: int = 0):
    """``providers``: name -> kind, in failover order."""
    return load_settings(
        environ={},
        config_file=Path("/nonexistent/storyai.toml"),
        providers={
            name: {
                "kind": kind,
                "model": MODELS[kind],
                "base_url": server.anthropic_base_url
                if kind == "anthropic"
                else server.openai_base_url,
                "api_key": None if kind == "openai-compatible" else "k-test-1234",
                "max_retries": max_retries,
                "stall_timeout": 5,
            }
            for name, kind in providers.items()
        },
        narration=list(providers),
    )


async def narrations(uow_factory, session_id: str) -> list[Narration]:
    async with uow_factory() as uow:
        events = await uow.events.list(session_id)
    return [e.event for e in events if isinstance(e.event, Narration)]


async def open_story(uow_factory, narrator):
    await services.install_world(uow_factory, bundled("ember_hollow"), source="bundled")
    return await playing.start_session(
        uow_factory, "ember_hollow", player_name="Ash", seed=5, narrator=narrator
    )


async def test_a_failed_turn_names_each_provider_once(fake_llm, uow_factory):
    narrator = narrator_for(
        settings_for(fake_llm, {"chaos": "openai-compatible", "spare": "openai"})
    ).narrator
    fake_llm.push(turn_json("Opening."))
    start = await open_story(uow_factory, narrator)
    fake_llm.push_fault(status=429, message="slow down")
    fake_llm.push_fault(status=503, message="down for repairs")

    await playing.take_turn(uow_factory, start.session_id, "look", narrator=narrator)

    told = (await narrations(uow_factory, start.session_id))[-1]
    assert told.error == (
        "No model answered the narration request (chaos: rate limited (HTTP 429): slow down; "
        "spare: server error (HTTP 503): down for repairs)."
    )


def answers_by_api(body: dict) -> str:
    """Nothing queued: the Anthropic-format provider and the chat one answer differently."""
    if "response_format" not in body and "tools" not in body:
        return "A short summary."
    if body.get("tool_choice", {}).get("type") == "tool":  # Anthropic Messages
        return turn_json("The local model mends its tale: the door is oak.")
    return turn_json("The chaos model tells a different tale.")


async def test_a_broken_reply_is_repaired_by_the_model_that_wrote_it(fake_llm, uow_factory):
    narrator = narrator_for(
        settings_for(fake_llm, {"chaos": "openai-compatible", "local": "anthropic"})
    ).narrator
    fake_llm.push(turn_json("Opening."))
    start = await open_story(uow_factory, narrator)
    fake_llm.default = answers_by_api
    fake_llm.push_fault(status=429)  # chaos cannot answer: local tells the turn ...
    fake_llm.push("Not JSON at all, just words.")  # ... with a broken reply

    result = await playing.take_turn(uow_factory, start.session_id, "look", narrator=narrator)

    prose = [x.text for x in result.lines if x.kind == "narration"]
    assert prose == ["The local model mends its tale: the door is oak."]
    assert [r.api for r in fake_llm.requests[-3:]] == ["chat", "messages", "messages"]
    told = (await narrations(uow_factory, start.session_id))[-1]
    assert told.usage is not None and told.usage.provider == "local"
    assert told.narrator == "local/claude-test"


async def test_after_a_failover_the_narration_names_the_provider_that_told_it(
    fake_llm, uow_factory
):
    configured = narrator_for(
        settings_for(fake_llm, {"chaos": "openai-compatible", "local": "anthropic"})
    )
    assert configured.label == "chaos/local-test (then local)"
    narrator = configured.narrator
    fake_llm.push(turn_json("Opening."))
    start = await open_story(uow_factory, narrator)
    fake_llm.push_fault(status=503)
    fake_llm.push(turn_json("The backup storyteller picks up the thread."))

    await playing.take_turn(uow_factory, start.session_id, "look", narrator=narrator)

    opening_told, turn_told = (await narrations(uow_factory, start.session_id))[-2:]
    assert opening_told.narrator == "chaos/local-test"
    assert turn_told.narrator == "local/claude-test"
    assert turn_told.usage is not None and turn_told.usage.provider == "local"


async def test_a_turn_the_engine_told_keeps_the_configured_narrator(fake_llm, uow_factory):
    narrator = narrator_for(settings_for(fake_llm, {"chaos": "openai-compatible"})).narrator
    fake_llm.push(turn_json("Opening."))
    start = await open_story(uow_factory, narrator)
    fake_llm.push_fault(status=503)

    result = await playing.take_turn(uow_factory, start.session_id, "look", narrator=narrator)

    assert FALTERED in [x.text for x in result.lines]
    assert (await narrations(uow_factory, start.session_id))[-1].narrator == "chaos/local-test"
