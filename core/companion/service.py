"""The companion service: tools answered for one seat, the offline companion's answers,
its proactive remarks and its memory.

``Companions(deps)`` is stateless (built per call by ``Play.companion``); every method
opens its own unit of work. What a companion says offline is deterministic: an authored
line (the world's, else the default companion's) filled with what a tool found.

Memory: each question and remark leaves a ``CompanionNote`` keyed by the player key,
placed where the story's branch stood (segment, depth). A note of another story is
always remembered (memory carries across stories); a note of this story only while
it lies on the active line (a rewind forgets it with the branch).
"""

from __future__ import annotations

import re
import zlib
from dataclasses import dataclass
from datetime import UTC
from typing import Any

from storyai.core.companion import tools as t
from storyai.core.companion.model_loop import Completes, LoopLimits, ask_with_model
from storyai.core.domain.companion import (
    DEFAULT_COMPANION,
    DEFAULT_LINES,
    SETTINGS_KIND,
    CompanionNote,
    CompanionSpec,
)
from storyai.core.domain.errors import NotSeated, ToolRefused
from storyai.core.domain.events import Line, Narration
from storyai.core.domain.records import Opened, PlayerRecord, on_line
from storyai.core.domain.world import World
from storyai.core.play.history import history
from storyai.core.play.pipeline import Deps, host_of
from storyai.core.play.queries import Now, now
from storyai.core.play.results import TurnResult
from storyai.core.play.tableside import options_of
from storyai.core.quotas import MIN_TURN_CREDITS
from storyai.core.storage.recall import query_stems, stem, witnesses_of, words

STORIES_SEARCHED = 50
"""``memory_search`` looks through the player's most recently played stories."""

MAX_QUESTION = 500


@dataclass(frozen=True)
class RemarkLimits:
    """When the companion may speak first (the player sets these)."""

    enabled: bool = True
    low_hp: float = 0.35  # warn at or under this fraction of max HP
    lethal: bool = True  # warn when the foes here could drop you in one round
    stalled_after: int = 8  # warn when a quest stage has not moved for this many things
    new_place: bool = True
    every: int = 1  # at most one remark in this many turns


@dataclass(frozen=True)
class CompanionReply:
    companion: str
    text: str
    tools: tuple[str, ...] = ()
    bond: int = 0  # how many things it remembers of this player (here and elsewhere)
    kind: str = "answer"  # "answer" or "remark"
    by: str = "offline"  # "offline", or the model's provider/model
    ended: str = ""  # with a model: how its tool loop ended ("answered", "max_calls", ...)

    def line(self) -> Line:
        return Line("dialogue", self.text, speaker=self.companion)


@dataclass(frozen=True)
class CompanionPanel:
    """What the TUI's companion tab shows: who it is, its bond with the player (how
    many things it remembers of them, here and in other stories) and what it said last."""

    companion: str
    personality: str
    bond: int
    remarks: tuple[tuple[int, str], ...] = ()  # (turn, text), newest first
    asked: tuple[str, ...] = ()  # what the player asked it last, newest first
    remarks_setting: str = "on"  # when it may speak first (``describe_remarks``)


def companion_of(world: World) -> tuple[str, CompanionSpec]:
    """The world's first companion (id, spec), else the default (Aria)."""
    for cid, spec in world.companions.items():
        return cid, spec
    return "aria", DEFAULT_COMPANION


_ADDRESS = re.compile(r"^\s*(?:ask|tell)\s+([^\W\d_]+)\b[\s,:]*(.*)$", re.IGNORECASE | re.DOTALL)
_VOCATIVE = re.compile(r"^\s*([^\W\d_]+)\s*[,:]\s*(.+)$", re.DOTALL)


def addressed(world: World, text: str) -> str | None:
    """The question when ``text`` speaks to the companion ("ask aria about the mine",
    "aria, what now?"), else None. A world character of that name comes first."""
    cid, spec = companion_of(world)
    names = {cid.lower(), spec.name.lower()}
    for pattern in (_ADDRESS, _VOCATIVE):
        found = pattern.match(text)
        if found and found.group(1).lower() in names:
            taken = {c.lower() for c in world.characters} | {
                c.name.lower() for c in world.characters.values()
            }
            if found.group(1).lower() in taken:
                return None
            return found.group(2).strip() or "hello"
    return None


_KINDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("quest", ("quest", "quests", "stuck", "next", "goal", "objective", "task", "hint")),
    ("people", ("who", "people", "friend", "friends", "enemy", "trust", "relationship")),
    ("powers", ("spell", "spells", "power", "powers", "attack", "attacks", "ability", "magic")),
    (
        "danger",
        (
            *("danger", "dangerous", "fight", "risk", "risky", "ahead", "safe", "threat"),
            *("choices", "options", "where", "locked", "door", "way"),
        ),
    ),
)


_RECALL_WORDS = {"remember", "recall", "saw", "seen", "heard", "happened", "of", "you", "we"}


_FILLER = frozenset(
    [
        "about",
        "the",
        "a",
        "an",
        "of",
        "what",
        "do",
        "you",
        "know",
        "is",
        "are",
        "this",
        "that",
        "these",
        "our",
        "we",
        "there",
        "tell",
        "me",
    ]
)


def topic_of(question: str) -> str:
    """ "about the old mine?" -> "old mine"."""
    words = re.findall(r"[^\W_]+(?:'[^\W_]+)?", question.lower())
    while words and words[0] in _FILLER:
        words = words[1:]
    return " ".join(words)


class Companions:
    """The companion and its tools, for any story on ``deps``' storage."""

    def __init__(
        self, deps: Deps, *, model: Completes | None = None, limits: LoopLimits | None = None
    ) -> None:
        self.deps = deps
        self.model = model
        """With a model, questions go through its bounded tool loop (``model_loop``)."""
        self.limits = limits or LoopLimits()

    # ------------------------------------------------------------------ seats

    async def asker(
        self,
        session_id: str,
        *,
        user_ref: str | None = None,
        player_id: str | None = None,
        gm: bool = False,
    ) -> t.Asker:
        asker, _, _ = await self._seat(session_id, user_ref=user_ref, player_id=player_id, gm=gm)
        return asker

    async def _seat(
        self,
        session_id: str,
        *,
        user_ref: str | None = None,
        player_id: str | None = None,
        gm: bool = False,
    ) -> tuple[t.Asker, Now, list[PlayerRecord]]:
        async with self.deps.uow() as uow:
            current = await now(self.deps, uow, session_id)
            players = await uow.players.list(session_id)
        if user_ref is not None:
            seat = next((p for p in players if p.user_ref == user_ref), None)
        else:
            who = player_id or host_of(current.state)
            seat = next((p for p in players if p.id == who), None)
        if seat is None or seat.id not in current.state.players:
            raise NotSeated("You have no character in this story.", hint="/story join")
        return t.Asker(session_id, seat.id, seat.user_ref, gm), current, players

    # ------------------------------------------------------------------ tools

    async def memory_search(self, asker: t.Asker, query: str, *, limit: int = 8) -> t.Memories:
        """What the asker's character witnessed, in every story they played (their own
        seat in each), best first: this story's branch as it stands, no other line."""
        query = query[:MAX_QUESTION]
        found: list[t.Memory] = []
        async with self.deps.uow() as uow:
            for session in await uow.sessions.list(limit=STORIES_SEARCHED):
                players = await uow.players.list(session.id)
                seat = next((p for p in players if p.user_ref == asker.player_key), None)
                if session.id == asker.session_id:
                    seat = next((p for p in players if p.id == asker.player_id), seat)
                if seat is None:
                    continue
                opened = await uow.sessions.open(session.id)
                if opened.head is None or opened.branch is None:
                    continue
                hits = await uow.recall.search(
                    session.id,
                    query,
                    limit=limit,
                    before_depth=opened.head.depth + 1,
                    witness=seat.id,
                    lineage=opened.branch.lineage,
                )
                here = session.id == asker.session_id
                found += [
                    t.Memory(h.text, h.turn, session.id, session.title, here, round(h.score, 3))
                    for h in hits
                ]
        found.sort(key=lambda m: (not m.this_story, -m.score, -m.turn))
        return t.Memories(query, tuple(found[:limit]))

    async def call(self, asker: t.Asker, name: str, arguments: dict[str, Any]) -> t.ReadModel:
        """Run one read tool by name (the MCP server and the model's tool loop use this).
        Raises ToolRefused for an unknown tool or arguments it does not take."""
        if name not in t.READ_TOOLS:
            raise ToolRefused(
                f"The companion has no tool '{name}'.",
                hint="use one of: " + ", ".join(t.READ_TOOLS),
            )
        allowed = {
            "memory_search": {"query"},
            "lore_lookup": {"topic"},
            "power_analyzer": {"powers"},
        }.get(name, set())
        extra = set(arguments) - allowed
        if extra:
            raise ToolRefused(f"The tool {name} takes no '{sorted(extra)[0]}'.")
        if name == "memory_search":
            return await self.memory_search(asker, str(arguments.get("query", "")))
        _, current, _ = await self._seat(asker.session_id, player_id=asker.player_id)
        state, world = current.state, current.world
        if name == "lore_lookup":
            return t.lore_lookup(world, state, str(arguments.get("topic", "")), gm=asker.gm)
        if name == "relationship_map":
            return t.relationship_map(world, state)
        if name == "quest_tracker":
            return t.quest_tracker(world, state)
        if name == "power_analyzer":
            powers = arguments.get("powers")
            names = [str(p) for p in powers] if isinstance(powers, list) else None
            return t.power_analyzer(world, state, asker.player_id, names)
        return t.story_predictor(world, state, asker.player_id)

    async def transcript(self, asker: t.Asker, last_n: int = 5) -> list[dict[str, Any]]:
        """The lines of the last ``last_n`` turns the asker's character witnessed."""
        events = await history(self.deps, asker.session_id, last_turns=max(1, min(last_n, 50)))
        out = []
        for record in events:
            if isinstance(record.event, Narration) and (
                asker.gm or asker.player_id in witnesses_of(record)
            ):
                out += [
                    {"turn": record.turn, **line.as_dict()}
                    for line in record.event.lines
                    if line.kind != "secret"
                ]
        return out

    # ------------------------------------------------------------------ memory

    async def memories(
        self, session_id: str, *, user_ref: str | None = None
    ) -> list[CompanionNote]:
        """What the companion remembers of this player now, newest first."""
        asker, current, _ = await self._seat(session_id, user_ref=user_ref)
        return await self._remembered(asker.player_key, current.opened)

    async def panel(
        self,
        session_id: str,
        *,
        user_ref: str | None = None,
        player_id: str | None = None,
        last: int = 4,
    ) -> CompanionPanel:
        """The companion as its side tab shows it for this seat."""
        asker, current, _ = await self._seat(session_id, user_ref=user_ref, player_id=player_id)
        _, spec = companion_of(current.world)
        notes = await self._remembered(asker.player_key, current.opened)  # newest first
        remarks = tuple((n.turn, n.text) for n in notes if n.kind.startswith("remark:"))
        asked = tuple(n.text for n in notes if n.kind == "asked")
        from storyai.core.companion.settings import describe_remarks

        setting = describe_remarks(await self.remark_settings(asker.player_key))
        return CompanionPanel(
            spec.name, spec.personality, len(notes), remarks[:last], asked[:last], setting
        )

    async def _remembered(self, player_key: str, opened: Opened) -> list[CompanionNote]:
        async with self.deps.uow() as uow:
            notes = await uow.companions.notes(player_key)
        lineage = opened.branch.lineage if opened.branch else ((0, None),)
        head = opened.head.depth if opened.head else 0
        return [
            n
            for n in notes
            if n.kind != SETTINGS_KIND
            and (
                n.session_id != opened.session.id
                or (n.depth <= head and on_line(lineage, n.segment, n.depth))
            )
        ]

    # ------------------------------------------------------------------ settings

    async def remark_settings(self, player_key: str) -> RemarkLimits:
        """When this player lets the companion speak first (theirs in every story)."""
        from storyai.core.companion.settings import parse_remarks

        async with self.deps.uow() as uow:
            notes = await uow.companions.notes(player_key, limit=1, kind=SETTINGS_KIND)
        kept = notes[0] if notes else None
        return parse_remarks(kept.text) if kept is not None else RemarkLimits()

    async def set_remark_settings(self, player_key: str, text: str) -> RemarkLimits:
        """Keep the player's remark settings (the text ``parse_remarks`` reads; a
        UsageError for bad text, which changes nothing). The newest setting wins."""
        from storyai.core.companion.settings import describe_remarks, parse_remarks

        limits = parse_remarks(text)
        async with self.deps.uow() as uow:
            await uow.companions.add(
                CompanionNote(
                    id=self.deps.clock.new_id(),
                    player_key=player_key,
                    companion="",
                    session_id="",
                    segment=0,
                    depth=0,
                    turn=0,
                    kind=SETTINGS_KIND,
                    text=describe_remarks(limits),
                    created_at=self.deps.clock.now(),
                )
            )
            await uow.commit()
        return limits

    async def _note(
        self, asker: t.Asker, current: Now, companion: str, kind: str, text: str
    ) -> None:
        head = current.opened.head
        segment = head.segment if head else 0
        async with self.deps.uow() as uow:
            await uow.companions.add(
                CompanionNote(
                    id=self.deps.clock.new_id(),
                    player_key=asker.player_key,
                    companion=companion,
                    session_id=asker.session_id,
                    segment=segment,
                    depth=head.depth if head else 0,
                    turn=current.state.turn,
                    kind=kind,
                    text=text,
                    created_at=self.deps.clock.now(),
                )
            )
            await uow.commit()

    # ------------------------------------------------------------------ billing

    async def _hold_credits(self, player_key: str) -> bool:
        """A table player's question to a model holds a turn's minimum credits, as a turn
        does (no turn is counted); False when their credits are used up (the offline
        companion answers then). Local play is not metered."""
        if player_key == "local":
            return True
        _, max_credits = self.deps.quota.limits("user")
        day = self.deps.clock.now().astimezone(UTC).date()
        async with self.deps.uow() as uow:
            held = await uow.quotas.take(
                "user",
                player_key,
                day,
                credits=MIN_TURN_CREDITS,
                max_turns=None,
                max_credits=max_credits,
            )
            if held is None:
                return False
            await uow.quotas.add("user", player_key, day, turns=-1)  # credits, not a turn
            await uow.commit()
        return True

    async def _settle_credits(self, player_key: str, cost_usd: float) -> None:
        """Charge what the loop cost beyond the credits held (its price, as a turn's)."""
        if player_key == "local":
            return
        extra = self.deps.quota.credits_for(cost_usd or None) - MIN_TURN_CREDITS
        if extra <= 0:
            return
        day = self.deps.clock.now().astimezone(UTC).date()
        async with self.deps.uow() as uow:
            await uow.quotas.add("user", player_key, day, credits=extra)
            await uow.commit()

    # ------------------------------------------------------------------ asking

    async def ask(
        self,
        session_id: str,
        question: str,
        *,
        user_ref: str | None = None,
        player_id: str | None = None,
    ) -> CompanionReply:
        """The companion answers a question offline, from the tools, in its own words,
        and remembers that it was asked."""
        question = " ".join(question.split())[:MAX_QUESTION]
        asker, current, _ = await self._seat(session_id, user_ref=user_ref, player_id=player_id)
        cid, spec = companion_of(current.world)
        remembered = await self._remembered(asker.player_key, current.opened)
        topic = topic_of(question)
        name = current.state.players[asker.player_id].name
        await self._note(asker, current, cid, "asked", f"You asked me about {topic or 'nothing'}.")
        bond = len(remembered) + 1
        ended = ""
        if self.model is not None and await self._hold_credits(asker.player_key):
            persona = (spec.name, spec.personality or "a companion", spec.voice or "plainly")
            said, trace = await ask_with_model(
                self,
                self.model,
                asker,
                question,
                persona=persona,
                limits=self.limits,
                remembered=tuple(n.text for n in remembered),
            )
            await self._settle_credits(asker.player_key, trace.usage.cost_usd)
            if said is not None:
                by = f"{trace.usage.provider}/{trace.usage.model}".strip("/") or "model"
                return CompanionReply(spec.name, said, trace.calls, bond, by=by, ended=trace.ended)
            ended = trace.ended
        kind, what, used = await self._answer(asker, current, topic, remembered)
        text = _say(spec, kind, question).format(what=what, name=name)
        return CompanionReply(spec.name, text, used, bond, ended=ended)

    async def _answer(
        self, asker: t.Asker, current: Now, topic: str, remembered: list[CompanionNote]
    ) -> tuple[str, str, tuple[str, ...]]:
        state, world, who = current.state, current.world, asker.player_id
        words = set(topic.split())
        for kind, keys in _KINDS:
            if not words & set(keys):
                continue
            if kind == "quest":
                quests = [q for q in t.quest_tracker(world, state).quests if q.status == "active"]
                if quests:
                    return kind, " ".join(_quest_line(q) for q in quests[:3]), ("quest_tracker",)
                return "nothing", "any quest of ours", ("quest_tracker",)
            if kind == "people":
                people = t.relationship_map(world, state).people
                if people:
                    text = "; ".join(f"{p.name} is {p.attitude} ({p.why})" for p in people[:6])
                    return kind, text + ".", ("relationship_map",)
                return "nothing", "anyone here", ("relationship_map",)
            if kind == "powers":
                powers = t.power_analyzer(world, state, who).powers
                text = "; ".join(f"{p.name}: {p.effect} ({p.cost})" for p in powers[:6])
                return kind, (text or "your bare hands") + ".", ("power_analyzer",)
            ahead = t.story_predictor(world, state, who)
            parts = list(ahead.threats) + [
                f"{p.action} ({p.needs})" for p in ahead.prospects if p.needs
            ]
            text = "; ".join(parts) or f"nothing here in {ahead.place} the rules call dangerous"
            return "danger", text + ".", ("story_predictor",)
        recalling = bool(words & {"remember", "recall", "saw", "seen", "heard", "happened"})
        if recalling:
            topic = " ".join(w for w in topic.split() if w not in _RECALL_WORDS)
        lore = t.lore_lookup(world, state, topic) if not recalling else t.LoreAnswer(topic)
        if lore.facts:
            fact = lore.facts[0]
            return "lore", f"{fact.title}: {fact.text}", ("lore_lookup",)
        memories = await self.memory_search(asker, topic, limit=1) if topic else t.Memories("")
        if memories.found:
            m = memories.found[0]
            where = "" if m.this_story else f" (in '{m.story_title}')"
            return (
                "memory",
                f"turn {m.turn}{where}: {_gist(m.text, topic)}",
                (
                    "lore_lookup",
                    "memory_search",
                ),
            )
        asked = [n for n in remembered if n.kind == "asked" and topic and topic in n.text]
        if asked:
            return "memory", asked[0].text, ("lore_lookup", "memory_search")
        return "nothing", topic or "that", ("lore_lookup", "memory_search")

    # ------------------------------------------------------------------ remarks

    async def remark(
        self,
        session_id: str,
        *,
        user_ref: str | None = None,
        player_id: str | None = None,
        limits: RemarkLimits | None = None,
    ) -> CompanionReply | None:
        """What the companion says unasked after a turn, if anything: at most one remark
        a turn, each situation once until it changes; only what the rules show."""
        asker, current, _ = await self._seat(session_id, user_ref=user_ref, player_id=player_id)
        if not options_of(current.opened.session).companion:
            return None  # the host turned companions' remarks off for this table
        if limits is None:
            limits = await self.remark_settings(asker.player_key)
        if not limits.enabled:
            return None
        state, world = current.state, current.world
        if state.ending:
            return None
        remembered = await self._remembered(asker.player_key, current.opened)
        here_now = [n for n in remembered if n.session_id == session_id]
        gap = max(1, limits.every)
        if any(n.kind.startswith("remark:") and state.turn - n.turn < gap for n in here_now):
            return None
        said = {n.kind for n in here_now}
        player = state.players[asker.player_id]
        sheet = player.sheet
        found: tuple[str, str, str] | None = None
        low = limits.low_hp > 0 and sheet.max_hp and sheet.hp / sheet.max_hp <= limits.low_hp
        if low and not sheet.is_dead:
            recent = any(n.kind == "remark:low_hp" and state.turn - n.turn < 3 for n in here_now)
            if not recent:
                found = ("low_hp", "remark:low_hp", f"{sheet.hp} of {sheet.max_hp} HP")
        if found is None and limits.lethal:
            threats = t.story_predictor(world, state, asker.player_id).threats
            key = f"remark:lethal:{player.location}:{state.turn // 5}"
            if threats and _lethal(state, world, asker.player_id) and key not in said:
                found = ("lethal", key, "; ".join(threats))
        if found is None and limits.new_place:
            key = f"remark:place:{player.location}"
            place = world.locations.get(player.location)
            moved_in = player.location != world.start.location and player.previous is not None
            if place is not None and key not in said and moved_in:
                found = ("new_place", key, place.name)
        if found is None and limits.stalled_after > 0:
            for q in t.quest_tracker(world, state).quests:
                key = f"remark:stalled:{q.id}:{q.stage}"
                if (
                    q.status == "active"
                    and q.turns_on_stage >= limits.stalled_after
                    and key not in said
                ):
                    found = ("stalled", key, q.title)
                    break
        if found is None:
            return None
        kind, key, what = found
        cid, spec = companion_of(world)
        text = _say(spec, kind, key).format(what=what, name=player.name)
        await self._note(asker, current, cid, key, text)
        return CompanionReply(spec.name, text, (), len(remembered) + 1, kind="remark")

    # ------------------------------------------------------------------ in play

    async def in_play(
        self,
        session_id: str,
        text: str,
        *,
        player_id: str | None = None,
        user_ref: str | None = None,
    ) -> TurnResult | None:
        """A typed input that speaks to the companion ("ask aria about the mine"), told
        as the companion's answer without taking a turn; None for any other input."""
        if not _ADDRESS.match(text) and not _VOCATIVE.match(text):
            return None
        async with self.deps.uow() as uow:
            current = await now(self.deps, uow, session_id)
        question = addressed(current.world, text)
        if question is None:
            return None
        reply = await self.ask(session_id, question, player_id=player_id, user_ref=user_ref)
        return TurnResult(
            session_id=session_id,
            turn=current.state.turn,
            lines=[reply.line()],
            choices=list(current.state.choices),
            state=current.state,
            events=[],
        )


def _gist(text: str, topic: str) -> str:
    """The sentence of a remembered text that best matches the topic's words."""
    stems = set(query_stems(topic))
    sentences = [s for s in re.split(r"(?<=[.!?])\s+|\n", text) if s.strip()] or [text]
    best = max(sentences, key=lambda s: len(stems & {stem(w) for w in words(s)}))
    return " ".join(best.split())[:400]


def _quest_line(q: t.QuestEntry) -> str:
    line = f"{q.title}: {q.stage}"
    if q.hint:
        line += f" {q.hint}"
    return line


def _say(spec: CompanionSpec, kind: str, salt: str) -> str:
    lines = spec.lines.get(kind) or DEFAULT_LINES[kind]
    return lines[zlib.crc32(salt.encode()) % len(lines)]


def _lethal(state: Any, world: World, who: str) -> bool:
    """Whether the hostile foes here could take the player's HP in one round, each
    hitting with its best attack at its highest roll."""
    total = 0
    player = state.players[who]
    for cid in state.characters_at(player.location):
        npc = state.npcs[cid]
        if npc.defeated or npc.sheet is None or npc.attitude != "hostile":
            continue
        total += max((_max_roll(a.damage) for a in npc.sheet.attacks), default=0)
    return total >= player.sheet.hp > 0


def _max_roll(expr: str) -> int:
    total = 0
    for sign, count, sides, flat in re.findall(r"([+-]?)\s*(?:(\d*)d(\d+)|(\d+))", expr):
        value = int(count or 1) * int(sides) if sides else int(flat or 0)
        total += -value if sign == "-" else value
    return max(total, 0)
