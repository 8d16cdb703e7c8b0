"""The router: retries, failover, Restart, rate limits, costs and the reply cache.

Time is a fake clock; ``fake_time.sleeps`` records every wait the router asked for.
"""

from __future__ import annotations

import random

import pytest

from storyai.core.domain.errors import (
    AuthFailed,
    BadRequest,
    NoProviderAnswered,
    ProviderTimeout,
    ProviderUnavailable,
    RateLimited,
    StreamBroken,
)
from storyai.core.llm.cache import MemoryReplyCache
from storyai.core.llm.fake import Break, ScriptedModel, ScriptExhausted
from storyai.core.llm.port import ModelDone, ModelPort, Restart, TextPiece, Usage
from storyai.core.llm.pricing import PriceTable
from storyai.core.llm.router import RouteEntry, Router

REPLY = "The torch gutters. Something moves in the dark beyond the arch."


def make_router(fake_time, rng, *entries: RouteEntry, **options) -> Router:
    return Router(
        {"narration": entries},
        sleep=fake_time.sleep,
        clock=fake_time.clock,
        rng=rng,
        **options,
    )


async def run(router: Router, request) -> list:
    return [chunk async for chunk in router.stream(request)]


def final(chunks: list) -> ModelDone:
    assert isinstance(chunks[-1], ModelDone)
    assert sum(isinstance(c, ModelDone) for c in chunks) == 1
    return chunks[-1]


def text_after_last_restart(chunks: list) -> str:
    last = max((i for i, c in enumerate(chunks) if isinstance(c, Restart)), default=-1)
    return "".join(c.text for c in chunks[last + 1 :] if isinstance(c, TextPiece))


# ------------------------------------------------------------------ failover


async def test_providers_are_tried_in_order(fake_time, rng, request_factory) -> None:
    first = ScriptedModel("openai", replies=[ProviderUnavailable("503")])
    second = ScriptedModel("anthropic", replies=[BadRequest("unknown model")])
    third = ScriptedModel("local", replies=[REPLY])
    router = make_router(
        fake_time,
        rng,
        RouteEntry(first, max_retries=0),
        RouteEntry(second),
        RouteEntry(third),
    )
    assert router.providers("narration") == ["openai", "anthropic", "local"]
    assert router.providers("summary") == []

    done = final(await run(router, request_factory()))

    assert done.text == REPLY
    assert done.usage.provider == "local"
    assert [len(m.requests) for m in (first, second, third)] == [1, 1, 1]


async def test_rate_limited_with_retry_after_waits_then_retries_the_same_provider(
    fake_time, rng, request_factory
) -> None:
    first = ScriptedModel("openai", replies=[RateLimited("429", retry_after=7), REPLY])
    second = ScriptedModel("anthropic", default="should not be asked")
    router = make_router(fake_time, rng, RouteEntry(first), RouteEntry(second))

    done = final(await run(router, request_factory()))

    assert fake_time.sleeps == [7]
    assert done.text == REPLY
    assert done.usage.provider == "openai"
    assert len(first.requests) == 2
    assert second.requests == []


async def test_a_retry_after_too_long_moves_on_without_waiting(
    fake_time, rng, request_factory
) -> None:
    first = ScriptedModel("openai", replies=[RateLimited("429", retry_after=120)])
    second = ScriptedModel("anthropic", replies=[REPLY])
    router = make_router(fake_time, rng, RouteEntry(first), RouteEntry(second), max_retry_after=60)

    done = final(await run(router, request_factory()))

    assert fake_time.sleeps == []
    assert done.usage.provider == "anthropic"
    assert len(first.requests) == 1


async def test_server_errors_are_retried_with_growing_backoff_then_fail_over(
    fake_time, request_factory
) -> None:
    first = ScriptedModel("openai", replies=[ProviderUnavailable("503")] * 3)
    second = ScriptedModel("anthropic", replies=[REPLY])
    router = make_router(
        fake_time,
        random.Random(7),
        RouteEntry(first, max_retries=2),
        RouteEntry(second),
        backoff_base=0.5,
    )

    done = final(await run(router, request_factory()))

    assert len(first.requests) == 3  # one try and two retries
    assert done.usage.provider == "anthropic"
    assert len(fake_time.sleeps) == 2  # no wait before switching provider
    short, longer = fake_time.sleeps
    assert 0.25 <= short < 0.5
    assert 0.5 <= longer < 1.0


async def test_backoff_never_exceeds_its_ceiling(fake_time, rng, request_factory) -> None:
    flaky = ScriptedModel("openai", replies=[ProviderTimeout("timed out")] * 5 + [REPLY])
    router = make_router(
        fake_time, rng, RouteEntry(flaky, max_retries=5), backoff_base=4.0, backoff_max=10.0
    )

    final(await run(router, request_factory()))

    assert len(fake_time.sleeps) == 5
    assert all(0 < s <= 10.0 for s in fake_time.sleeps)
    assert fake_time.sleeps[-1] >= 5.0  # capped at 10, jittered down by at most half


@pytest.mark.parametrize("error", [AuthFailed("401 bad key"), BadRequest("400 bad request")])
async def test_errors_that_cannot_heal_fail_over_at_once(
    fake_time, rng, request_factory, error
) -> None:
    first = ScriptedModel("openai", replies=[error])
    second = ScriptedModel("anthropic", replies=[REPLY])
    router = make_router(fake_time, rng, RouteEntry(first, max_retries=3), RouteEntry(second))

    done = final(await run(router, request_factory()))

    assert len(first.requests) == 1
    assert fake_time.sleeps == []
    assert done.usage.provider == "anthropic"


async def test_when_every_provider_fails_each_error_is_reported(
    fake_time, rng, request_factory
) -> None:
    first = ScriptedModel("openai", replies=[AuthFailed("the API key was refused")])
    second = ScriptedModel(
        "anthropic", replies=[ProviderUnavailable("overloaded"), ProviderUnavailable("still down")]
    )
    router = make_router(fake_time, rng, RouteEntry(first), RouteEntry(second, max_retries=1))

    with pytest.raises(NoProviderAnswered) as raised:
        await run(router, request_factory())

    errors = raised.value.errors
    assert [(e.provider, type(e)) for e in errors] == [
        ("openai", AuthFailed),
        ("anthropic", ProviderUnavailable),
    ]
    assert "openai: the API key was refused" in raised.value.message
    assert "anthropic: still down" in raised.value.message


async def test_a_task_without_providers_says_so(fake_time, rng, request_factory) -> None:
    router = make_router(fake_time, rng)
    with pytest.raises(NoProviderAnswered, match="none configured"):
        await run(router, request_factory(task="summary"))


async def test_a_bug_in_a_port_is_not_mistaken_for_a_provider_failure(
    fake_time, rng, request_factory
) -> None:
    broken = ScriptedModel("openai")  # no script, no default: ScriptExhausted
    spare = ScriptedModel("anthropic", default=REPLY)
    router = make_router(fake_time, rng, RouteEntry(broken), RouteEntry(spare))
    with pytest.raises(ScriptExhausted):
        await run(router, request_factory())
    assert spare.requests == []


# ------------------------------------------------------------------ restart


async def test_a_stream_broken_midway_restarts_and_the_retry_gives_the_whole_reply(
    fake_time, rng, request_factory
) -> None:
    model = ScriptedModel(
        "openai", replies=[Break("The torch gut", StreamBroken("connection reset")), REPLY]
    )
    router = make_router(fake_time, rng, RouteEntry(model))

    chunks = await run(router, request_factory())

    restarts = [i for i, c in enumerate(chunks) if isinstance(c, Restart)]
    assert len(restarts) == 1
    before = "".join(c.text for c in chunks[: restarts[0]] if isinstance(c, TextPiece))
    assert before == "The torch gut"
    assert text_after_last_restart(chunks) == final(chunks).text == REPLY
    assert len(model.requests) == 2


async def test_a_partial_reply_then_failover_restarts_once_per_partial_attempt(
    fake_time, rng, request_factory
) -> None:
    first = ScriptedModel(
        "openai",
        replies=[
            Break("Once upon", StreamBroken("reset")),
            ProviderUnavailable("503"),  # no text streamed: nothing to discard
            Break("Once upon a ti", AuthFailed("key revoked")),
        ],
    )
    second = ScriptedModel("anthropic", replies=[REPLY])
    router = make_router(fake_time, rng, RouteEntry(first, max_retries=5), RouteEntry(second))

    chunks = await run(router, request_factory())

    assert sum(isinstance(c, Restart) for c in chunks) == 2
    assert text_after_last_restart(chunks) == final(chunks).text == REPLY
    assert final(chunks).usage.provider == "anthropic"


async def test_no_restart_when_nothing_was_streamed(fake_time, rng, request_factory) -> None:
    model = ScriptedModel("openai", replies=[ProviderTimeout("slow"), REPLY])
    chunks = await run(make_router(fake_time, rng, RouteEntry(model)), request_factory())
    assert not any(isinstance(c, Restart) for c in chunks)
    assert "".join(c.text for c in chunks if isinstance(c, TextPiece)) == REPLY


async def test_complete_returns_the_final_reply(fake_time, rng, request_factory) -> None:
    model = ScriptedModel("openai", replies=[Break("Half a", StreamBroken("reset")), REPLY])
    done = await make_router(fake_time, rng, RouteEntry(model)).complete(request_factory())
    assert done.text == REPLY
    assert done.usage.calls == 1


# ------------------------------------------------------------------ rate limit


async def test_a_rate_limit_of_two_a_minute_makes_the_third_call_wait(
    fake_time, rng, request_factory
) -> None:
    model = ScriptedModel("openai", default="ok")
    router = make_router(fake_time, rng, RouteEntry(model, requests_per_minute=2))

    await run(router, request_factory("one"))  # t = 1000
    fake_time.now += 10
    await run(router, request_factory("two"))  # t = 1010
    fake_time.now += 10
    assert fake_time.sleeps == []
    await run(router, request_factory("three"))  # t = 1020: waits for the slot of t = 1000

    assert fake_time.sleeps == [pytest.approx(40)]
    assert fake_time.now == pytest.approx(1060)
    assert len(model.requests) == 3

    fake_time.now += 60  # a quiet minute: the window is empty again
    await run(router, request_factory("four"))
    await run(router, request_factory("five"))
    assert len(fake_time.sleeps) == 1


async def test_retries_count_against_the_rate_limit(fake_time, rng, request_factory) -> None:
    model = ScriptedModel("openai", replies=[ProviderUnavailable("503"), "ok"])
    router = make_router(fake_time, rng, RouteEntry(model, requests_per_minute=1), backoff_base=1.0)

    await run(router, request_factory())

    backoff, slot_wait = fake_time.sleeps
    assert backoff < 1.0
    assert backoff + slot_wait == pytest.approx(60)  # one call a minute, retry included


# ------------------------------------------------------------------ costs


async def test_the_final_usage_is_priced_from_the_table(fake_time, rng, request_factory) -> None:
    model = ScriptedModel("openai", model="gpt-4.1-mini", default=REPLY)
    router = make_router(fake_time, rng, RouteEntry(model))
    request = request_factory("x" * 3_998, system="S" * 4_000)  # 8,000 chars: 2,000 tokens

    first = await router.complete(request)
    second = await router.complete(request)  # the whole prompt is now a cached prefix

    assert (first.usage.input_tokens, first.usage.cached_tokens) == (2_000, 0)
    output = len(REPLY) // 4
    assert first.usage.cost_usd == pytest.approx((2_000 * 0.40 + output * 1.60) / 1e6)
    assert second.usage.cached_tokens == 2_000
    assert second.usage.cost_usd == pytest.approx((2_000 * 0.10 + output * 1.60) / 1e6)
    assert second.usage.cost_usd < first.usage.cost_usd
    assert (first.usage.provider, first.usage.model, first.usage.calls) == (
        "openai",
        "gpt-4.1-mini",
        1,
    )


async def test_price_overrides_apply(fake_time, rng, request_factory) -> None:
    model = ScriptedModel("openai", model="gpt-4.1-mini", default="z" * 400)
    prices = PriceTable({"gpt-4.1-mini": {"output": 100.0}})
    router = make_router(fake_time, rng, RouteEntry(model), prices=prices)

    done = await router.complete(request_factory("x" * 398, system="S" * 400))

    assert done.usage.cost_usd == pytest.approx((200 * 0.40 + 100 * 100.0) / 1e6)


async def test_usage_from_a_port_that_leaves_names_empty_is_filled_in(
    fake_time, rng, request_factory
) -> None:
    class Bare(ModelPort):
        name = "openai"
        model = "gpt-4o"

        async def stream(self, request):
            yield TextPiece("hi")
            yield ModelDone("hi", Usage(input_tokens=1_000_000))

    done = await make_router(fake_time, rng, RouteEntry(Bare())).complete(request_factory())

    assert (done.usage.provider, done.usage.model, done.usage.calls) == ("openai", "gpt-4o", 1)
    assert done.usage.cost_usd == pytest.approx(2.50)


# ------------------------------------------------------------------ cache


async def test_a_cache_hit_calls_no_provider_and_costs_nothing(
    fake_time, rng, request_factory
) -> None:
    model = ScriptedModel("openai", model="gpt-4o", replies=[REPLY])  # one reply only
    router = make_router(fake_time, rng, RouteEntry(model), cache=MemoryReplyCache())

    first = final(await run(router, request_factory()))
    chunks = await run(router, request_factory())

    assert len(model.requests) == 1
    assert [c.text for c in chunks if isinstance(c, TextPiece)] == [REPLY]
    hit = final(chunks)
    assert hit.text == REPLY
    assert hit.usage.provider == "cache"
    assert (hit.usage.input_tokens, hit.usage.output_tokens, hit.usage.cost_usd) == (0, 0, 0.0)
    assert first.usage.cost_usd > 0


async def test_the_cache_is_off_by_default(fake_time, rng, request_factory) -> None:
    model = ScriptedModel("openai", default=REPLY)
    router = make_router(fake_time, rng, RouteEntry(model))
    await run(router, request_factory())
    await run(router, request_factory())
    assert len(model.requests) == 2


async def test_a_different_request_misses_the_cache(fake_time, rng, request_factory) -> None:
    model = ScriptedModel("openai", default=REPLY)
    router = make_router(fake_time, rng, RouteEntry(model), cache=MemoryReplyCache())
    await run(router, request_factory("I open the door."))
    await run(router, request_factory("I close the door."))
    assert len(model.requests) == 2


async def test_a_reply_from_the_fallback_provider_is_found_in_the_cache(
    fake_time, rng, request_factory
) -> None:
    first = ScriptedModel("openai", replies=[AuthFailed("401")], default="fresh")
    second = ScriptedModel("anthropic", replies=[REPLY])
    router = make_router(
        fake_time, rng, RouteEntry(first), RouteEntry(second), cache=MemoryReplyCache()
    )
    await run(router, request_factory())

    again = final(await run(router, request_factory()))

    assert again.text == REPLY
    assert again.usage.provider == "cache"
    assert (len(first.requests), len(second.requests)) == (1, 1)


async def test_failed_and_partial_replies_are_never_cached(fake_time, rng, request_factory) -> None:
    cache = MemoryReplyCache()
    model = ScriptedModel(
        "openai",
        replies=[Break("The torch", StreamBroken("reset"))] * 2 + [REPLY],
    )
    router = make_router(fake_time, rng, RouteEntry(model, max_retries=1), cache=cache)

    with pytest.raises(NoProviderAnswered):
        await run(router, request_factory())
    assert len(cache) == 0

    done = final(await run(router, request_factory()))
    assert done.usage.provider == "openai"  # a real call: nothing partial was cached
    assert len(cache) == 1
    assert final(await run(router, request_factory())).text == REPLY


async def test_a_reply_cut_at_max_tokens_is_not_cached(fake_time, rng, request_factory) -> None:
    class Truncating(ModelPort):
        name = "openai"
        model = "gpt-4o"
        calls = 0

        async def stream(self, request):
            self.calls += 1
            yield TextPiece("The dragon")
            yield ModelDone("The dragon", Usage(output_tokens=3), finish_reason="length")

    port = Truncating()
    router = make_router(fake_time, rng, RouteEntry(port), cache=MemoryReplyCache())
    await run(router, request_factory())
    await run(router, request_factory())
    assert port.calls == 2
