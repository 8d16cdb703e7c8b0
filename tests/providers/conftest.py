"""Fixtures for the provider tests: the fake wire-format server and ports pointed at it.

``fake_llm`` is a started ``fakes.llm_server.FakeLLMServer`` (closed after the
test). ``make_port(kind, ...)`` builds the real adapter for a provider kind
through ``build_port``, aimed at that server, and closes it afterwards.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable

import pytest
from fakes.llm_server import FakeLLMServer, fake_llm_server
from provider_helpers import MODELS, TEST_KEY

from storyai.core.config import ProviderSettings
from storyai.core.llm.port import ModelPort
from storyai.core.providers.registry import build_port


@pytest.fixture
async def fake_llm() -> AsyncIterator[FakeLLMServer]:
    async with fake_llm_server() as server:
        yield server


MakePort = Callable[..., ModelPort]


@pytest.fixture
async def make_port(fake_llm: FakeLLMServer) -> AsyncIterator[MakePort]:
    made: list[ModelPort] = []

    def make(
        kind: str,
        *,
        api_key: str | None = TEST_KEY,
        stall_timeout: float = 10.0,
        timeout: float = 10.0,
        first_byte_timeout: float = 10.0,
        structured: str = "auto",
        name: str | None = None,
    ) -> ModelPort:
        if kind == "openai-compatible":
            api_key = None  # a local server needs none
        base_url = fake_llm.anthropic_base_url if kind == "anthropic" else fake_llm.openai_base_url
        cfg = ProviderSettings(
            kind=kind,
            model=MODELS[kind],
            base_url=base_url,
            api_key=api_key,
            timeout=timeout,
            stall_timeout=stall_timeout,
            first_byte_timeout=first_byte_timeout,
            structured=structured,
        )
        port = build_port(name or kind, cfg)
        made.append(port)
        return port

    yield make
    for port in made:
        await port.aclose()
