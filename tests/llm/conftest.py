"""Injected time for the router tests: sleeping only moves a fake clock forward."""

from __future__ import annotations

import random

import pytest

from storyai.core.llm.port import ModelRequest, PromptSection


class FakeTime:
    """A clock that only moves when someone sleeps; every sleep is recorded."""

    def __init__(self, start: float = 1000.0) -> None:
        self.now = start
        self.sleeps: list[float] = []

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


@pytest.fixture
def fake_time() -> FakeTime:
    return FakeTime()


@pytest.fixture
def rng() -> random.Random:
    return random.Random(1234)


def make_request(
    user: str = "I open the door.",
    *,
    system: str = "You are the game master of a small fantasy world.",
    task: str = "narration",
    model: str | None = None,
) -> ModelRequest:
    return ModelRequest(
        task=task,  # type: ignore[arg-type]
        sections=(
            PromptSection("rules", system, role="system", cache=True),
            PromptSection("input", user),
        ),
        model=model,
    )


@pytest.fixture
def request_factory():
    """``request_factory(user, system=..., task=..., model=...)`` builds a ModelRequest."""
    return make_request
