"""The AI narrator: a language model tells the turn the rules already decided.

It lays out the prompt (``storyai.core.memory.context``), asks the router for
a structured reply, streams the narrative to the player while the rest of the
JSON is still arriving, and parses the whole robustly. A broken reply gets one
repair request; if that fails too, or no provider answers, the turn is told
anyway: with the narrative if one came through whole, else in the engine's own
words. A turn never fails because of a model. Proposed state changes and
checks are only carried back; the session validates and rolls them.
"""

from __future__ import annotations

import math
import re
from collections.abc import AsyncIterator
from dataclasses import replace
from typing import Any

from storyai.core.domain.errors import ProviderError
from storyai.core.domain.world import World
from storyai.core.engine.draft import Line
from storyai.core.llm.port import (
    Message,
    ModelDone,
    ModelRequest,
    PromptSection,
    Restart,
    TextPiece,
    Usage,
)
from storyai.core.llm.router import Router
from storyai.core.memory.context import Budgets, Prompt, build_prompt
from storyai.core.memory.sizing import Sizer, Sizing
from storyai.core.memory.tokens import Calibration, Tokenizer, default_tokenizer
from storyai.core.narrators.compact_schema import COMPACT_REPLY_SCHEMA
from storyai.core.narrators.port import (
    NarrationChunk,
    NarrationRequest,
    Narrator,
    NarratorReply,
    TextDelta,
    TurnText,
    extractive_summary,
)
from storyai.core.narrators.reply import NarrativeStream, ParsedReply, ReplyError, parse_reply
from storyai.core.narrators.schema import REPLY_SCHEMA

KEEP_FROM_RULES = ("dice", "notice", "heading")
MAX_TOKENS = {"short": 500, "medium": 800, "long": 1200}
MAX_TOKENS_COMPACT = {"short": 300, "medium": 400, "long": 600}
FALTERED = "(The game master's voice faltered; the engine told this turn.)"


class AINarrator(Narrator):
    wants_memory = True
    proposes = True

    def __init__(
        self,
        router: Router,
        *,
        budgets: Budgets | None = None,
        tokenizer: Tokenizer | None = None,
        calibration: Calibration | None = None,
        name: str = "ai",
        sizer: Sizer | None = None,
    ) -> None:
        self.router = router
        self.budgets = budgets or Budgets()
        self._fixed_budgets = budgets is not None
        self.sizer = sizer or Sizer("full")
        self.tokenizer = tokenizer or default_tokenizer()
        self.calibration = calibration or Calibration()
        self.name = name

    def prompt_for(self, request: NarrationRequest, sizing: Sizing | None = None) -> Prompt:
        """The prompt under ``sizing`` (the profile and window; default: as decided)."""
        sizing = sizing or self.sizer.known() or Sizing()
        # In steps of 1/4: budgets that moved with every turn's estimate would cut the
        # world or the recent turns differently each turn and break the cached prefix.
        factor = math.ceil(self.calibration.factor(self._calibration_key()) * 4) / 4
        reply = _max_tokens(request.world, sizing.profile)
        budgets = sizing.budgets(reply, self.budgets if self._fixed_budgets else None)
        return build_prompt(
            request,
            budgets=budgets.scaled(factor),
            tokenizer=self.tokenizer,
            profile=sizing.profile,
        )

    def model_request(self, request: NarrationRequest, prompt: Prompt) -> ModelRequest:
        world = request.world
        compact = prompt.profile == "compact"
        return ModelRequest(
            task="narration",
            sections=prompt.sections,
            schema=COMPACT_REPLY_SCHEMA if compact else REPLY_SCHEMA,
            max_tokens=_max_tokens(world, prompt.profile),
            temperature=world.ai.temperature if world.ai.temperature is not None else 0.8,
        )

    async def stream(self, request: NarrationRequest) -> AsyncIterator[NarrationChunk]:
        prompt = self.prompt_for(request, await self.sizer.resolve())
        model_request = self.model_request(request, prompt)
        usage = Usage()
        problems: list[str] = []
        parsed: ParsedReply | None = None
        salvaged = ""
        for attempt in range(2):
            narrative = NarrativeStream()
            done: ModelDone | None = None
            try:
                async for chunk in self.router.stream(model_request):
                    if isinstance(chunk, TextPiece):
                        text = narrative.feed(chunk.text)
                        if text:
                            yield TextDelta(text)
                    elif isinstance(chunk, Restart):
                        narrative = NarrativeStream()
                        yield TextDelta("", reset=True)
                    elif isinstance(chunk, ModelDone):
                        done = chunk
            except ProviderError as exc:
                problems.append(exc.message)
                break
            if done is None:  # a router always ends with ModelDone; be safe anyway
                problems.append("the model's reply ended early")
                break
            usage.add(done.usage)
            self._observe(prompt, done.usage)
            try:
                parsed = parse_reply(done.text)
                break
            except ReplyError as exc:
                problems.append(exc.message)
                if narrative.complete:
                    salvaged = narrative.text
                if attempt == 0:
                    yield TextDelta("", reset=True)
                    model_request = replace(
                        model_request,
                        messages=(
                            Message("assistant", done.text[:6000]),
                            Message(
                                "user",
                                f"{exc.message} Reply again with only the JSON object "
                                "described above, narrative first.",
                            ),
                        ),
                    )
        context = prompt.trace()
        if parsed is None:
            yield TextDelta("", reset=True)
            reply = self._fallback(request, salvaged, "; ".join(problems))
            for line in reply.lines:
                yield TextDelta(line.text + "\n")
        else:
            reply = self._reply(request, parsed, prompt)
            if problems:
                reply.error = "; ".join(
                    x for x in ("repaired: " + "; ".join(problems), reply.error) if x
                )
        reply.usage = usage.as_dict() if usage.calls else {}
        reply.context = context
        yield reply

    # ------------------------------------------------------------ replies

    def _reply(
        self, request: NarrationRequest, parsed: ParsedReply, prompt: Prompt
    ) -> NarratorReply:
        """The reply laid out for display, without any passage that quotes gm-only lore
        this very prompt carried (nothing of a call lives on the narrator: tables told
        at once never see each other's secrets)."""
        world = request.world
        secrets = _secret_shingles(request, prompt)
        leaks = 0
        lines = [line for line in request.facts if line.kind in KEEP_FROM_RULES]
        for paragraph in parsed.narrative.split("\n\n"):
            if paragraph.strip() and not _quotes(paragraph, secrets):
                lines.append(Line("narration", paragraph.strip()))
            elif paragraph.strip():
                leaks += 1
        for said in parsed.dialogue:
            if _quotes(said["text"], secrets):
                leaks += 1
                continue
            speaker = said["speaker"]
            name = world.characters[speaker].name if speaker in world.characters else speaker
            lines.append(Line("dialogue", said["text"], name or None))
        lines += [line for line in request.facts if line.kind == "ending"]
        return NarratorReply(
            narrative=parsed.narrative,
            lines=lines,
            dialogue=parsed.dialogue,
            choices=parsed.choices,
            state_changes=parsed.state_changes if isinstance(parsed.state_changes, dict) else {},
            media_hints=parsed.media_hints,
            narrator=self.name,
            check=None if request.followup else parsed.check,
            error=f"left out {leaks} passage(s) quoting gm-only lore" if leaks else "",
        )

    def _fallback(self, request: NarrationRequest, salvaged: str, why: str) -> NarratorReply:
        if salvaged.strip():
            lines = [line for line in request.facts if line.kind in KEEP_FROM_RULES]
            lines += [Line("narration", p.strip()) for p in salvaged.split("\n\n") if p.strip()]
            lines += [line for line in request.facts if line.kind == "ending"]
        else:
            lines = [*request.facts, Line("notice", FALTERED)]
        return NarratorReply(
            narrative=salvaged or "\n\n".join(x.text for x in lines if x.kind == "narration"),
            lines=lines,
            narrator=self.name,
            error=why or "no reply",
        )

    # ------------------------------------------------------------ summaries

    async def summarize(self, world: World, turns: list[TurnText]) -> tuple[str, dict[str, Any]]:
        if not turns:
            return "", {}
        told = "\n\n".join(
            f"[Turn {t.turn}] {t.actor}: {t.action}\nGM: {t.told}" if t.action else t.told
            for t in turns
        )
        request = ModelRequest(
            task="summary",
            sections=(
                PromptSection(
                    "rules",
                    f"You keep the chronicle of a role-playing story set in {world.world.title}. "
                    "Summarize the turns below in at most 120 words, past tense, keeping "
                    "names, places, promises, items gained or lost and facts learned.",
                    role="system",
                ),
                PromptSection("turns", told),
            ),
            max_tokens=220,
            temperature=0.3,
        )
        try:
            done = await self.router.complete(request)
        except ProviderError:
            return extractive_summary(turns), {}
        text = " ".join(done.text.split())
        return (text or extractive_summary(turns)), done.usage.as_dict()

    # ------------------------------------------------------------ calibration

    def _calibration_key(self) -> str:
        names = self.router.providers("narration")
        return names[0] if names else "none"

    def _observe(self, prompt: Prompt, usage: Usage) -> None:
        if usage.input_tokens and usage.provider != "cache":
            self.calibration.observe(self._calibration_key(), prompt.tokens, usage.input_tokens)


def _max_tokens(world: World, profile: str) -> int:
    table = MAX_TOKENS_COMPACT if profile == "compact" else MAX_TOKENS
    return table[world.ai.narration_length]


SHINGLE = 8  # words: a run this long copied from a secret is a leak


def _words(text: str) -> list[str]:
    return re.findall(r"[^\W_]+", text.lower())


def _secret_shingles(request: NarrationRequest, prompt: Prompt) -> set[tuple[str, ...]]:
    """Every run of SHINGLE words in the gm-only lore the prompt carried."""
    out: set[tuple[str, ...]] = set()
    for hit in prompt.lore:
        if hit.status == "secret" and hit.id in request.world.lore:
            words = _words(request.world.lore[hit.id].text)
            out |= {tuple(words[i : i + SHINGLE]) for i in range(len(words) - SHINGLE + 1)}
    return out


def _quotes(text: str, secrets: set[tuple[str, ...]]) -> bool:
    if not secrets:
        return False
    words = _words(text)
    return any(tuple(words[i : i + SHINGLE]) in secrets for i in range(len(words) - SHINGLE + 1))
