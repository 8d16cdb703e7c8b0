"""Helpers for the provider tests (imported by name: this folder is on sys.path)."""

from __future__ import annotations

from typing import Any

from storyai.core.llm.port import (
    Message,
    ModelDone,
    ModelPort,
    ModelRequest,
    PromptSection,
    TextPiece,
)
from storyai.core.narrators.schema import REPLY_SCHEMA

KINDS = ["openai", "openai-responses", "anthropic", "openai-compatible"]
TEST_KEY = "test-secret-key-7f3a9c2e5b"
MODELS = {
    "openai": "gpt-test",
    "openai-responses": "gpt-test-responses",
    "anthropic": "claude-test",
    "openai-compatible": "local-test",
}
REPLY = '{"narrative": "The lantern gutters as the door swings open.", "choices": []}'


def turn_request(*, schema: bool = True, messages: tuple[Message, ...] = ()) -> ModelRequest:
    """A narration request laid out as the context builder does, with five breakpoints."""
    return ModelRequest(
        task="narration",
        sections=(
            PromptSection("rules", "You are the game master. Reply in JSON.", "system", True),
            PromptSection("world", "The world of Ember: a town under a volcano.", "system", True),
            PromptSection("summaries", "Chapter 1: the hero arrived in Ember.", "user", True),
            PromptSection("recent", "Player: I look around. GM: A quiet square.", "user", True),
            PromptSection("lore", "The bell tower is cursed.", "user", True),
            PromptSection("input", "I open the door of the bell tower."),
        ),
        messages=messages,
        schema=REPLY_SCHEMA if schema else None,
        max_tokens=300,
        temperature=0.7,
    )


def text_request() -> ModelRequest:
    return ModelRequest(
        task="summary",
        sections=(
            PromptSection("rules", "Summarize the chapter.", "system"),
            PromptSection("recent", "The hero lit the beacon."),
        ),
        max_tokens=100,
    )


async def collect(port: ModelPort, request: ModelRequest) -> tuple[list[str], ModelDone]:
    """The text pieces and the one ``ModelDone`` of a stream (asserting that shape)."""
    pieces: list[str] = []
    done: list[ModelDone] = []
    async for chunk in port.stream(request):
        assert not done, "nothing may follow ModelDone"
        if isinstance(chunk, TextPiece):
            pieces.append(chunk.text)
        else:
            assert isinstance(chunk, ModelDone)
            done.append(chunk)
    assert len(done) == 1
    return pieces, done[0]


async def stream_until_error(port: ModelPort, request: ModelRequest, into: list[Any]) -> None:
    """Stream ``request``, appending each chunk (a piece's text) to ``into`` until it raises."""
    async for chunk in port.stream(request):
        into.append(chunk.text if isinstance(chunk, TextPiece) else chunk)
