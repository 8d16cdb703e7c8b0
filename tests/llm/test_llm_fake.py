"""ScriptedModel: the fake other tests and the benchmark play against."""

from __future__ import annotations

import pytest

from storyai.core.domain.errors import ProviderUnavailable, RateLimited, StreamBroken
from storyai.core.llm.fake import Break, ScriptedModel, ScriptExhausted
from storyai.core.llm.port import ModelDone, ModelPort, TextPiece


async def collect(model: ModelPort, request) -> list:
    return [chunk async for chunk in model.stream(request)]


async def test_streams_the_reply_in_pieces_then_done(request_factory) -> None:
    model = ScriptedModel(replies=["The door creaks open onto darkness."], chunk_size=10)
    chunks = await collect(model, request_factory())

    pieces = [c.text for c in chunks if isinstance(c, TextPiece)]
    assert pieces == ["The door c", "reaks open", " onto dark", "ness."]
    done = chunks[-1]
    assert isinstance(done, ModelDone)
    assert done.text == "The door creaks open onto darkness."
    assert done.finish_reason == "stop"
    assert (done.usage.provider, done.usage.model, done.usage.calls) == ("fake", "fake-1", 1)


async def test_replies_are_used_in_order_then_the_default(request_factory) -> None:
    model = ScriptedModel(
        replies=["first", lambda request: f"echo: {request.user_text}"],
        default=lambda request: "fallback",
    )
    texts = []
    for user in ("a", "b", "c", "d"):
        chunks = await collect(model, request_factory(user))
        texts.append(chunks[-1].text)
    assert texts == ["first", "echo: b", "fallback", "fallback"]
    assert [r.user_text for r in model.requests] == ["a", "b", "c", "d"]


async def test_a_scripted_error_is_raised_before_any_text(request_factory) -> None:
    error = RateLimited("slow down", provider="fake", retry_after=7)
    model = ScriptedModel(replies=[error, "ok"])
    seen = []
    with pytest.raises(RateLimited) as raised:
        async for chunk in model.stream(request_factory()):
            seen.append(chunk)
    assert raised.value is error
    assert seen == []
    assert (await collect(model, request_factory()))[-1].text == "ok"


async def test_a_break_streams_some_text_then_fails(request_factory) -> None:
    model = ScriptedModel(
        replies=[Break("The dragon ra", StreamBroken("connection reset"))], chunk_size=5
    )
    seen = []
    with pytest.raises(StreamBroken):
        async for chunk in model.stream(request_factory()):
            seen.append(chunk)
    assert "".join(c.text for c in seen) == "The dragon ra"
    assert not any(isinstance(c, ModelDone) for c in seen)


async def test_running_out_of_replies_is_a_clear_test_failure(request_factory) -> None:
    model = ScriptedModel(name="gm", replies=["only one"])
    await collect(model, request_factory())
    with pytest.raises(ScriptExhausted, match="'gm' has no reply left for call 2"):
        await collect(model, request_factory())
    assert isinstance(ScriptExhausted("x"), AssertionError)


async def test_tokens_are_about_four_characters(request_factory) -> None:
    request = request_factory("x" * 40, system="y" * 58)  # prompt = 58 + 2 + 40 = 100 chars
    done = (await collect(ScriptedModel(replies=["z" * 41]), request))[-1]
    assert done.usage.input_tokens == 25
    assert done.usage.output_tokens == 10
    assert done.usage.cached_tokens == 0  # nothing before it to share a prefix with


async def test_cached_tokens_follow_the_prefix_shared_with_the_previous_prompt(
    request_factory,
) -> None:
    system = "S" * 400
    model = ScriptedModel(default="ok")
    await collect(model, request_factory("first turn", system=system))
    second = (await collect(model, request_factory("second turn", system=system)))[-1]
    # Shared: the 400-character system prompt and the "\n\n" after it.
    assert second.usage.cached_tokens == 402 // 4
    assert second.usage.cached_tokens < second.usage.input_tokens

    other = (await collect(model, request_factory("second turn", system="T" * 400)))[-1]
    assert other.usage.cached_tokens == 0

    same = (await collect(model, request_factory("second turn", system="T" * 400)))[-1]
    assert same.usage.cached_tokens == same.usage.input_tokens


async def test_a_failed_call_does_not_warm_the_prefix_cache(request_factory) -> None:
    model = ScriptedModel(replies=["ok", ProviderUnavailable("503"), "ok"])
    await collect(model, request_factory("a", system="A" * 100))
    with pytest.raises(ProviderUnavailable):
        await collect(model, request_factory("b", system="B" * 100))
    third = (await collect(model, request_factory("c", system="B" * 100)))[-1]
    assert third.usage.cached_tokens == 0


async def test_request_model_overrides_the_configured_model(request_factory) -> None:
    model = ScriptedModel(model="fake-1", default="ok")
    done = (await collect(model, request_factory(model="fake-2")))[-1]
    assert done.usage.model == "fake-2"
