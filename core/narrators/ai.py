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

import logging
import math
import re
from collections.abc import AsyncIterator
from dataclasses import replace
from typing import Any

from storyai.core.domain.errors import ProviderError
from storyai.core.domain.world import World
from storyai.core.engine.blank import is_placeholder
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
from storyai.core.llm.router import CACHE_PROVIDER, Router
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
from storyai.core.narrators.reply import (
    NarrativeStream,
    ParsedReply,
    ReplyError,
    close_cut,
    narrative_of,
    parse_reply,
    whole_sentences,
)
from storyai.core.narrators.schema import REPLY_SCHEMA

log = logging.getLogger("storyai.narrators")

KEEP_FROM_RULES = ("dice", "notice", "heading")
"""The rules' lines that open a told turn, before the model's prose."""
OUTCOMES = ("narration", "dialogue")
"""The rules' lines that follow the model's prose unless it already states them
(``outcomes``): what the engine decided always reaches the player."""
MAX_TOKENS = {"short": 500, "medium": 800, "long": 1200}
MAX_TOKENS_COMPACT = {"short": 450, "medium": 500, "long": 700}
"""Room for the most a compact reply can hold (``COMPACT_WORST_CHARS``), so a rambling
small model under a grammar closes its JSON before the cap."""
FALTERED = "(The game master's voice faltered; the engine told this turn.)"
PROSE = "prose only: "
"""How a turn's error starts when the model's story was told without its JSON."""


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
        prewarm: str = "off",
    ) -> None:
        if prewarm not in ("auto", "on", "off"):
            raise ValueError(f"unknown prewarm setting {prewarm!r}")
        self.router = router
        self.prewarm = prewarm
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
        answered: ModelDone | None = None  # the last reply a model gave
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
            answered = done
            self._observe(prompt, done.usage)
            try:
                parsed = _read(done)
                if done.finish_reason == "length":
                    problems.append("cut off at the token limit; closed after its last whole part")
                break
            except ReplyError as exc:
                problems.append(exc.message)
                if narrative.complete and not is_placeholder(narrative.text):
                    salvaged = narrative.text
                elif narrative.prose and not salvaged:  # prose where JSON was asked for
                    salvaged = whole_sentences(narrative.text)
                if attempt == 0:
                    yield TextDelta("", reset=True)
                    model_request = replace(
                        model_request,
                        provider=_answered_by(done),  # the model that wrote it repairs it
                        messages=_repair(done, exc.message),
                    )
        context = prompt.trace()
        if parsed is None and salvaged.strip():
            # the model's story came through whole but not its JSON: told as it wrote it
            # (gm-only lore filtered, the rules' outcomes after it), proposing nothing
            yield TextDelta("", reset=True)
            reply = self._reply(request, ParsedReply(narrative=salvaged), prompt)
            reply.error = "; ".join(x for x in (PROSE + "; ".join(problems), reply.error) if x)
            for line in reply.lines:
                yield TextDelta(line.text + "\n")
        elif parsed is None:
            yield TextDelta("", reset=True)
            reply = self._fallback(request, "; ".join(problems))
            for line in reply.lines:
                yield TextDelta(line.text + "\n")
        else:
            reply = self._reply(request, parsed, prompt)
            if problems:
                reply.error = "; ".join(
                    x for x in ("repaired: " + "; ".join(problems), reply.error) if x
                )
        if answered is not None and (parsed is not None or salvaged.strip()):
            reply.narrator = _told_by(answered) or reply.narrator  # after a failover too
        reply.usage = usage.as_dict() if usage.calls else {}
        reply.context = context
        yield reply

    # ------------------------------------------------------------ warming up

    def warms(self) -> bool:
        """``prewarm = "on"``, or ``"auto"`` once a local server said what it is."""
        if self.prewarm == "auto":
            sizing = self.sizer.known()
            return sizing is not None and sizing.local
        return self.prewarm == "on"

    async def warm(self, request: NarrationRequest) -> None:
        """Send the stable part of ``request``'s prompt (everything up to its last cache
        breakpoint: rules, world, story so far, recent turns) the way the turn will send
        it, asking for one token: the server reads it into its prompt cache now, and the
        turn reads only what changes every turn. Nothing here reaches the story."""
        if not self.warms():
            return
        try:
            prompt = self.prompt_for(request)
            stable = prompt.sections[: prefix_end(prompt.sections)]
            if not stable:
                return
            full = self.model_request(request, prompt)
            await self.router.warm(replace(full, sections=stable, max_tokens=1))
        except Exception as exc:  # a warm-up is a hint: it never fails anything
            log.debug("warming the next turn failed: %r", exc)

    # ------------------------------------------------------------ replies

    def _reply(
        self, request: NarrationRequest, parsed: ParsedReply, prompt: Prompt
    ) -> NarratorReply:
        """The reply laid out for display, without any passage that quotes gm-only lore
        this very prompt carried (nothing of a call lives on the narrator: tables told
        at once never see each other's secrets)."""
        secrets = _secret_shingles(request, prompt)
        leaks = 0
        lines = [line for line in request.facts if line.kind in KEEP_FROM_RULES]
        for paragraph in parsed.narrative.split("\n\n"):
            if paragraph.strip() and not _quotes(paragraph, secrets):
                lines.append(Line("narration", paragraph.strip()))
            elif paragraph.strip():
                leaks += 1
        told = " ".join([parsed.narrative, *(said["text"] for said in parsed.dialogue)])
        lines += outcomes(request, told)
        for said in parsed.dialogue:
            if _quotes(said["text"], secrets):
                leaks += 1
                continue
            name = _speaker(request, said["speaker"])
            lines.append(
                Line("dialogue", said["text"], name) if name else Line("narration", said["text"])
            )
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

    def _fallback(self, request: NarrationRequest, why: str) -> NarratorReply:
        """The turn in the engine's own words, with a notice that the model failed."""
        lines = [*request.facts, Line("notice", FALTERED)]
        return NarratorReply(
            narrative="\n\n".join(x.text for x in lines if x.kind == "narration"),
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
        usage = Usage()
        for _attempt in range(2):  # a summary is never rewritten: a bad one is redone once
            try:
                done = await self.router.complete(request)
            except ProviderError:
                break
            usage.add(done.usage)
            text = " ".join(done.text.split())
            if not _summary_problem(done, text, turns[-1].turn):
                return text, usage.as_dict()
        return extractive_summary(turns), usage.as_dict() if usage.calls else {}

    # ------------------------------------------------------------ calibration

    def _calibration_key(self) -> str:
        names = self.router.providers("narration")
        return names[0] if names else "none"

    def _observe(self, prompt: Prompt, usage: Usage) -> None:
        if usage.input_tokens and usage.provider != "cache":
            self.calibration.observe(self._calibration_key(), prompt.tokens, usage.input_tokens)


def prefix_end(sections: tuple[PromptSection, ...]) -> int:
    """How many sections come before the volatile ones: up to the last cache breakpoint."""
    marks = [i for i, s in enumerate(sections) if s.cache]
    return marks[-1] + 1 if marks else 0


def outcomes(request: NarrationRequest, told: str) -> list[Line]:
    """The engine's own outcome lines ("You take the Emberstone.", what Hesta says about
    the mine) that the model's text ``told`` does not already state: most of their
    words missing from it. A place's description is the model's to retell, not an
    outcome."""
    scenery = {
        " ".join(text.split())
        for loc in request.world.locations.values()
        for text in (loc.description, loc.first_visit)
        if text
    }
    words = set(_words(told))
    out = []
    for line in request.facts:
        if line.kind not in OUTCOMES or " ".join(line.text.split()) in scenery:
            continue
        own = [w for w in _words(line.text) if len(w) > 3] or _words(line.text)
        if own and sum(w in words for w in own) / len(own) >= STATED:
            continue
        out.append(line)
    return out


STATED = 0.7
"""The share of an outcome line's words the model's text must use to state it."""


_TURN = re.compile(r"\bturns?\s*(\d+)", re.IGNORECASE)


def _summary_problem(done: ModelDone, text: str, last: int) -> str:
    """Why a chapter summary can't be kept ("" when it can): empty, cut off at its
    token limit, or telling of turns after the chapter's last one."""
    if not text:
        return "empty"
    if done.finish_reason == "length":
        return "cut off at its token limit"
    if any(int(n) > last for n in _TURN.findall(text)):
        return f"it tells of turns after turn {last}"
    return ""


def _speaker(request: NarrationRequest, speaker: str) -> str | None:
    """The name of the character present who says a line, matched by id or by name
    (any case); None when nobody here is meant: the line is told as narration, so a
    player never reads an id or a made-up speaker."""
    state, world = request.state, request.world
    player = state.players.get(request.actor)
    if player is None:
        return None
    here = {c: world.characters[c].name for c in state.characters_at(player.location)}
    here |= {pid: p.name for pid, p in state.players.items() if p.location == player.location}
    wanted = speaker.strip().casefold()
    for cid, name in here.items():
        if wanted in (cid.casefold(), name.casefold()):
            return name
    return None


def _read(done: ModelDone) -> ParsedReply:
    """The reply in ``done``; one cut off at its token limit is closed after its last
    whole part (the narrative usually came through whole) instead of asked for again."""
    if done.finish_reason != "length":
        return parse_reply(done.text)
    closed = close_cut(done.text)
    if closed is not None:
        return parse_reply(closed)
    # cut inside the narrative (a small model rambling to its token limit): its whole
    # sentences are the story; nothing after them (choices, changes) was proposed
    told = whole_sentences(narrative_of(done.text))
    if not told:
        raise ReplyError("The reply was cut off at its token limit before its narrative ended.")
    return ParsedReply(narrative=told)


SHORTER = (
    "Reply again, much shorter: only the JSON object described above, narrative first, "
    "at most 3 sentences of narrative, at most 2 dialogue lines and 3 choices, "
    "empty lists and null for everything else."
)


def _repair(done: ModelDone, problem: str) -> tuple[Message, ...]:
    """The repair request: a cut-off reply is not sent back (that asks for the same
    again); the model is asked for less."""
    if done.finish_reason == "length":
        return (Message("user", f"Your reply was cut off at its token limit. {SHORTER}"),)
    return (
        Message("assistant", done.text[:6000]),
        Message(
            "user",
            f"{problem} Reply again with only the JSON object described above, narrative first.",
        ),
    )


def _answered_by(done: ModelDone) -> str | None:
    """The provider that wrote ``done`` (None for a reply from the cache)."""
    provider = done.usage.provider
    return provider if provider and provider != CACHE_PROVIDER else None


def _told_by(done: ModelDone) -> str | None:
    """ "provider/model" of the model that wrote ``done`` (None for a cached reply)."""
    provider = _answered_by(done)
    return f"{provider}/{done.usage.model}" if provider and done.usage.model else provider


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
