"""The companion with a model: a bounded tool-calling loop through the router.

Each step is one structured reply (the provider's own mechanism: OpenAI json_schema or
a forced function tool, Anthropic tool use, a local server's ``tool`` mode) saying
either which tool to call with which arguments, or the answer. The loop runs the tool
as the asking seat (``Companions.call``: read tools only, no argument naming another
seat), hands the result back, and asks again, until the model answers or a bound is
reached: ``max_calls`` tool calls, ``max_tokens`` tokens in all. A refused call (a tool
it may not use, an argument it may not give) is answered with the refusal and counts
as a call. Out of bounds, a broken reply or a provider failure: the offline companion
answers instead, so asking never fails because of a model.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from storyai.core.companion import tools as t
from storyai.core.domain.errors import ProviderError, StoryError
from storyai.core.llm.port import Message, ModelDone, ModelRequest, PromptSection, Usage

if TYPE_CHECKING:
    from storyai.core.companion.service import Companions

STEP_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "tool": {
            "type": "string",
            "description": "A tool to call, or 'answer' to give the answer.",
        },
        "arguments": {"type": "object", "description": "The tool's arguments."},
        "answer": {"type": "string", "description": "With tool 'answer': what you say."},
    },
    "required": ["tool", "arguments", "answer"],
    "additionalProperties": False,
}


MEMORY_NOTES = 8
"""How many of its latest notes of the player the companion is reminded of."""


class Completes(Protocol):
    async def complete(self, request: ModelRequest) -> ModelDone: ...


@dataclass(frozen=True)
class LoopLimits:
    max_calls: int = 4
    max_tokens: int = 8000  # prompt and reply tokens of every step together
    reply_tokens: int = 300


@dataclass(frozen=True)
class LoopTrace:
    """What the loop did: each tool asked for (refused ones marked), and why it ended."""

    calls: tuple[str, ...]
    ended: str  # "answered", "max_calls", "max_tokens", "broken reply", "provider failed"
    usage: Usage


def _system(name: str, personality: str, voice: str) -> str:
    tools = "\n".join(
        f"- {i.name}({', '.join(i.arguments)}): {i.description}"
        for i in t.TOOL_INFO
        if i.name in t.READ_TOOLS
    )
    return (
        f"You are {name}, the player's companion: {personality}. You speak {voice}.\n"
        "You know only what the player's character knows; find it with these tools:\n"
        f"{tools}\n"
        'Reply with JSON only: {"tool": NAME, "arguments": {...}, "answer": ""} to call a '
        'tool, or {"tool": "answer", "arguments": {}, "answer": "what you say"} to answer. '
        "Answer in two or three sentences, in character."
    )


async def ask_with_model(
    companions: Companions,
    model: Completes,
    asker: t.Asker,
    question: str,
    *,
    persona: tuple[str, str, str],
    limits: LoopLimits | None = None,
    remembered: tuple[str, ...] = (),
) -> tuple[str | None, LoopTrace]:
    """The model's answer (None when the offline companion should answer) and a trace.
    ``remembered``: the companion's own latest notes of this player, newest first."""
    limits = limits or LoopLimits()
    memory = "\n".join(f"- {note}" for note in remembered[:MEMORY_NOTES])
    sections = (
        PromptSection("companion", _system(*persona), role="system", cache=True),
        PromptSection("memories", f"You remember, newest first:\n{memory}" if memory else ""),
        PromptSection("input", f"The player asks: {question}"),
    )
    messages: list[Message] = []
    calls: list[str] = []
    usage = Usage()
    while True:
        request = ModelRequest(
            task="narration",
            sections=sections,
            messages=tuple(messages),
            schema=STEP_SCHEMA,
            schema_name="companion_step",
            max_tokens=limits.reply_tokens,
            temperature=0.3,
        )
        try:
            done = await model.complete(request)
        except ProviderError:
            return None, LoopTrace(tuple(calls), "provider failed", usage)
        usage.add(done.usage)
        step = _parse(done.text)
        if step is None:
            return None, LoopTrace(tuple(calls), "broken reply", usage)
        tool, arguments, answer = step
        if tool == "answer":
            if not answer.strip():
                return None, LoopTrace(tuple(calls), "broken reply", usage)
            return answer.strip(), LoopTrace(tuple(calls), "answered", usage)
        if len(calls) >= limits.max_calls:
            return None, LoopTrace(tuple(calls), "max_calls", usage)
        if usage.input_tokens + usage.output_tokens >= limits.max_tokens:
            return None, LoopTrace(tuple(calls), "max_tokens", usage)
        try:
            result: dict[str, Any] = (await companions.call(asker, tool, arguments)).as_dict()
            calls.append(tool)
        except StoryError as exc:
            result = {"refused": exc.message}
            calls.append(f"{tool} (refused)")
        messages += [
            Message("assistant", done.text),
            Message("user", f"Result of {tool}: {json.dumps(result, ensure_ascii=False)}"),
        ]


def _parse(text: str) -> tuple[str, dict[str, Any], str] | None:
    try:
        data = json.loads(text)
    except ValueError:
        return None
    if not isinstance(data, dict) or not isinstance(data.get("tool"), str):
        return None
    arguments = data.get("arguments")
    answer = data.get("answer")
    return (
        data["tool"].strip(),
        arguments if isinstance(arguments, dict) else {},
        answer if isinstance(answer, str) else "",
    )
