"""``Retry-After`` is honoured on every retryable status, not only 429 (issue 20: a 503
asking for 1 s was retried after 0.3-0.6 s). Real adapters over HTTP, the router's
sleep injected and recorded."""

from __future__ import annotations

import random

import pytest
from provider_helpers import KINDS, collect, turn_request

from storyai.core.domain.errors import NoProviderAnswered
from storyai.core.llm.router import RouteEntry, Router


class Sleeps(list[float]):
    async def __call__(self, seconds: float) -> None:
        self.append(seconds)


def router_for(port, sleeps: Sleeps, *, max_retries: int = 2, **options) -> Router:
    return Router(
        {"narration": [RouteEntry(port, max_retries=max_retries)]},
        sleep=sleeps,
        rng=random.Random(7),
        **options,
    )


@pytest.mark.parametrize("status", [429, 500, 502, 503, 504, 529])
async def test_the_router_waits_as_long_as_any_retryable_status_asks(fake_llm, make_port, status):
    fake_llm.push_fault(status=status, retry_after=1)
    fake_llm.push_fault(status=status, retry_after_ms=2500)
    sleeps = Sleeps()

    _, done = await collect(router_for(make_port("openai-compatible"), sleeps), turn_request())

    assert sleeps == [1.0, 2.5]
    assert done.usage.provider == "openai-compatible"
    assert len(fake_llm.requests) == 3


@pytest.mark.parametrize("kind", KINDS)
async def test_every_kind_reports_a_503s_retry_after(fake_llm, make_port, kind):
    fake_llm.push_fault(status=503, retry_after=1)
    sleeps = Sleeps()

    await collect(router_for(make_port(kind), sleeps), turn_request())

    assert sleeps == [1.0]


async def test_a_503_asking_for_too_long_a_wait_moves_on_at_once(fake_llm, make_port):
    fake_llm.push_fault(status=503, retry_after=600)
    sleeps = Sleeps()
    router = router_for(make_port("openai-compatible"), sleeps, max_retry_after=60)

    with pytest.raises(NoProviderAnswered, match="HTTP 503"):
        await collect(router, turn_request())

    assert sleeps == []


async def test_a_refused_request_is_not_retried_whatever_its_retry_after(fake_llm, make_port):
    fake_llm.push_fault(status=400, retry_after=1)
    sleeps = Sleeps()

    with pytest.raises(NoProviderAnswered):
        await collect(router_for(make_port("openai-compatible"), sleeps), turn_request())

    assert sleeps == [] and len(fake_llm.requests) == 1
