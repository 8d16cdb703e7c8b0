"""A request pinned to one provider (``ModelRequest.provider``): that provider's
retries, never another provider's answer."""

from __future__ import annotations

from dataclasses import replace

import pytest

from storyai.core.domain.errors import NoProviderAnswered, ProviderUnavailable
from storyai.core.llm.fake import ScriptedModel
from storyai.core.llm.port import ModelDone
from storyai.core.llm.router import RouteEntry, Router


def router(fake_time, rng, *entries: RouteEntry) -> Router:
    return Router({"narration": entries}, sleep=fake_time.sleep, clock=fake_time.clock, rng=rng)


async def reply(router: Router, request) -> ModelDone:
    return await router.complete(request)


async def test_a_pinned_request_is_retried_on_its_provider_and_never_failed_over(
    fake_time, rng, request_factory
):
    first = ScriptedModel("first", default="The first model's words.")
    second = ScriptedModel("second", replies=[ProviderUnavailable("503"), "Second, repaired."])
    route = router(fake_time, rng, RouteEntry(first), RouteEntry(second, max_retries=1))

    done = await reply(route, replace(request_factory(), provider="second"))

    assert done.text == "Second, repaired." and done.usage.provider == "second"
    assert first.requests == [] and len(second.requests) == 2
    assert len(fake_time.sleeps) == 1  # its own retry


async def test_a_pinned_provider_out_of_retries_fails_without_asking_another(
    fake_time, rng, request_factory
):
    first = ScriptedModel("first", default="The first model's words.")
    second = ScriptedModel("second", replies=[ProviderUnavailable("second: 503")])
    route = router(fake_time, rng, RouteEntry(first), RouteEntry(second, max_retries=0))

    with pytest.raises(NoProviderAnswered, match="second: 503"):
        await reply(route, replace(request_factory(), provider="second"))

    assert first.requests == []


async def test_a_request_pinned_to_a_provider_the_task_lacks_takes_the_usual_route(
    fake_time, rng, request_factory
):
    first = ScriptedModel("first", default="The first model's words.")
    route = router(fake_time, rng, RouteEntry(first))

    done = await reply(route, replace(request_factory(), provider="cache"))

    assert done.usage.provider == "first"
