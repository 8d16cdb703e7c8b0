"""The media use cases: portraits, establishing and scene pictures, spoken lines.

Each use case reads the story (through ``Play``), builds the request from a visual spec
(``spec``) or a voice (``voices``), looks it up in the store (found: shown again, no
request, no charge), checks the credits left today, asks the router, keeps the file,
charges its credits to the player's (and server's) daily counters, and logs it for
the story. Nothing here raises for a provider, a quota or a missing adapter: the
outcome carries a notice instead, and the turn it follows was told already.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from storyai.core.domain.clock import Clock
from storyai.core.domain.errors import ProviderError, StoryError
from storyai.core.domain.events import Line, Narration
from storyai.core.domain.world import World
from storyai.core.media import credits as pricing
from storyai.core.media import spec as specs
from storyai.core.media.port import ImageRequest, Media, SpeechRequest
from storyai.core.media.router import MediaRouter
from storyai.core.media.store import MediaEntry, MediaStore, Stored, TablePrefs
from storyai.core.media.voices import voice_for
from storyai.core.quotas import GUILD, USER, QuotaPolicy

if TYPE_CHECKING:
    from storyai.core.play import Play

log = logging.getLogger(__name__)

PORTRAIT_SIZE = "1024x1536"
SCENE_SIZE = "1536x1024"
SPOKEN_KINDS = ("narration", "dialogue")


@dataclass(frozen=True)
class MediaOutcome:
    """What one media request gave: an entry (a file in the store), or a notice why not."""

    entry: MediaEntry | None = None
    notice: str | None = None
    path: Path | None = None
    data: bytes | None = None

    @property
    def ok(self) -> bool:
        return self.entry is not None


@dataclass(frozen=True)
class MediaCredits:
    """What a story's media cost: ``session show`` prints it."""

    images: int = 0
    lines: int = 0
    credits: int = 0
    reused: int = 0
    by_kind: dict[str, int] = field(default_factory=dict)

    def text(self) -> str:
        if not (self.images or self.lines or self.reused):
            return "media: none"
        return (
            f"media: {self.images} image(s), {self.lines} voice line(s), "
            f"{self.credits} credits ({self.reused} reused from the store, free)"
        )


@dataclass
class MediaService:
    play: Play
    router: MediaRouter
    store: MediaStore
    policy: QuotaPolicy = field(default_factory=QuotaPolicy)
    clock: Clock = field(default_factory=Clock)
    world_folder: Callable[[World], Path | None] = lambda world: None
    """Where a world's pinned picture files are (bundled worlds: their folder)."""
    _locks: dict[str, tuple[asyncio.Lock, list[int]]] = field(
        default_factory=dict, init=False, repr=False
    )
    """A lock per request being made, with how many callers hold or wait for it."""

    # ------------------------------------------------------------------ preferences

    async def prefs(self, session_id: str) -> TablePrefs:
        """The story's media choices, kept in its settings in the database (so every
        bot process on one database sees the same)."""
        async with self.play.uow() as uow:
            session = await uow.sessions.get(session_id)
        return TablePrefs.from_dict(session.settings.get("media") or {})

    async def _change_prefs(
        self, session_id: str, change: Callable[[TablePrefs], TablePrefs]
    ) -> TablePrefs:
        """Read, change and write the story's media choices under its row lock: two
        changes at once (two players muting themselves) both stay."""
        async with self.play.uow() as uow:
            opened = await uow.sessions.open(session_id, lock=True)
            settings = opened.session.settings
            prefs = change(TablePrefs.from_dict(settings.get("media") or {}))
            await uow.sessions.update(
                replace(
                    opened.session,
                    settings={**settings, "media": prefs.as_dict()},
                    updated_at=self.clock.now(),
                )
            )
            await uow.commit()
        return prefs

    async def set_prefs(self, session_id: str, **changes: object) -> TablePrefs:
        return await self._change_prefs(
            session_id,
            lambda prefs: replace(prefs, **changes),  # type: ignore[arg-type]
        )

    async def choose(
        self,
        session_id: str,
        *,
        user: str,
        images: bool | None = None,
        establishing: bool | None = None,
        voice: bool | None = None,
        mine: bool | None = None,
    ) -> TablePrefs:
        """A table's media choices (the host's to make, at a table) and a player's own
        (``mine``: False, no media made for them). Raises ``HostOnly``."""
        changes = {
            k: v
            for k, v in {"images": images, "establishing": establishing, "voice": voice}.items()
            if v is not None
        }
        if changes:
            from storyai.core.play.seating import host_check

            async with self.play.uow() as uow:
                players = await uow.players.list(session_id)
            if len(players) > 1 or any(p.role == "host" for p in players):
                host_check(players, user, "change the table's pictures and voices")
            await self.set_prefs(session_id, **changes)
        if mine is not None:
            await self.mute(session_id, user, muted=not mine)
        return await self.prefs(session_id)

    async def mute(self, session_id: str, user: str, muted: bool = True) -> TablePrefs:
        def change(prefs: TablePrefs) -> TablePrefs:
            names = set(prefs.muted) | {user} if muted else set(prefs.muted) - {user}
            return replace(prefs, muted=tuple(sorted(names)))

        return await self._change_prefs(session_id, change)

    # --------------------------------------------------------------------- pictures

    async def portrait(
        self,
        session_id: str,
        *,
        user: str,
        guild: str | None = None,
        player_id: str | None = None,
    ) -> MediaOutcome:
        """The portrait of the player's character (or ``player_id``'s)."""
        try:
            who, state, world = await self.play.character(
                session_id, user_ref=None if player_id else user, player_id=player_id
            )
        except StoryError as exc:
            return MediaOutcome(notice=exc.message)
        spec = specs.player_spec(world, who.id, who.sheet)
        return await self._draw(
            session_id,
            state.turn,
            "portrait",
            spec,
            world,
            user=user,
            guild=guild,
            framing="Portrait, head and shoulders, facing the viewer.",
            size=PORTRAIT_SIZE,
        )

    async def character_portrait(
        self, session_id: str, character_id: str, *, user: str, guild: str | None = None
    ) -> MediaOutcome:
        state, world = await self.play.state(session_id)
        if character_id not in world.characters:
            return MediaOutcome(notice=f"There is nobody called {character_id!r} here.")
        spec = specs.character_spec(world, character_id)
        return await self._draw(
            session_id,
            state.turn,
            "portrait",
            spec,
            world,
            user=user,
            guild=guild,
            framing="Portrait, head and shoulders.",
            size=PORTRAIT_SIZE,
        )

    async def establishing(
        self, session_id: str, location_id: str, *, user: str, guild: str | None = None
    ) -> MediaOutcome:
        state, world = await self.play.state(session_id)
        spec = specs.location_spec(world, location_id)
        return await self._draw(
            session_id,
            state.turn,
            "establishing",
            spec,
            world,
            user=user,
            guild=guild,
            framing="Establishing shot, wide view, no people in focus.",
            size=SCENE_SIZE,
        )

    async def after_turn(
        self, session_id: str, *, user: str, guild: str | None = None
    ) -> list[MediaOutcome]:
        """The pictures the last turn asks for: the scene the narrator's
        ``image_prompt`` describes, and (opt-in) the place on its first visit."""
        prefs = await self.prefs(session_id)
        if not prefs.images or user in prefs.muted or not self.router.can_draw:
            return []
        history = await self.play.history(session_id, last_turns=1)
        _, world = await self.play.state(session_id)
        out = []
        narration = next((r for r in reversed(history) if isinstance(r.event, Narration)), None)
        if prefs.establishing:
            try:
                me, _, _ = await self.play.character(session_id, user_ref=user)
            except StoryError:
                me = None
            logged = {e.subject for e in await self.store.entries(session_id)}
            where = me.location if me is not None else None
            if where in world.locations and f"location:{where}" not in logged:
                out.append(await self.establishing(session_id, where, user=user, guild=guild))
        if narration is not None and isinstance(narration.event, Narration):
            hint = narration.event.image_prompt
            if hint:
                out.append(await self.scene(session_id, hint, user=user, guild=guild, world=world))
        return out

    async def scene(
        self,
        session_id: str,
        description: str,
        *,
        user: str,
        guild: str | None = None,
        world: World | None = None,
    ) -> MediaOutcome:
        """A picture of this moment: the place where the players are, whoever of the
        world's characters is present (their specs), then ``description``."""
        state, current = await self.play.state(session_id)
        world = world or current
        secrets = specs.secret_shingles(world)
        place = next(iter(state.players.values()), None)
        location = place.location if place is not None else world.start.location
        spec = specs.location_spec(world, location) if location in world.locations else None
        present = [
            specs.character_spec(world, key)
            for key, npc in sorted(state.npcs.items())
            if npc.location == location and key in world.characters and not npc.defeated
        ][:3]
        cast = " ".join(c.identity() for c in present)
        scene_text = specs.scrub(f"{description} {cast}", secrets)
        base = spec or specs.VisualSpec(
            "scene", "the scene", "", specs.world_style(world), specs.stable_seed(world, "scene")
        )
        base = replace(base, subject=f"scene:{location}", image=None)
        return await self._draw(
            session_id,
            state.turn,
            "scene",
            base,
            world,
            user=user,
            guild=guild,
            scene=scene_text,
            size=SCENE_SIZE,
        )

    async def _draw(
        self,
        session_id: str,
        turn: int,
        kind: str,
        spec: specs.VisualSpec,
        world: World,
        *,
        user: str,
        guild: str | None,
        size: str,
        framing: str = "",
        scene: str = "",
    ) -> MediaOutcome:
        pinned = self._pinned(world, spec)
        if pinned is not None:
            return await self._keep_pinned(session_id, turn, kind, spec, pinned)
        if not self.router.can_draw:
            return MediaOutcome(notice="No image provider is configured ([media] image).")
        reference, reference_bytes = await self._reference(session_id, spec)
        request = ImageRequest(
            prompt=spec.prompt(scene, framing=framing),
            size=size,
            seed=spec.seed,
            negative="text, watermark, extra limbs",
            reference=reference,
        )
        cost = pricing.image_credits(size)
        return await self._make(
            session_id,
            turn,
            kind,
            spec.subject,
            request.key(),
            request.prompt,
            cost,
            lambda: self.router.draw(request, reference=reference_bytes),
            user=user,
            guild=guild,
        )

    def _pinned(self, world: World, spec: specs.VisualSpec) -> Path | None:
        if not spec.image:
            return None
        folder = self.world_folder(world)
        if folder is None:
            return None
        path = folder / spec.image
        return path if path.is_file() else None

    async def _keep_pinned(
        self, session_id: str, turn: int, kind: str, spec: specs.VisualSpec, path: Path
    ) -> MediaOutcome:
        from storyai.core.media.port import sniff_image

        data = await asyncio.to_thread(path.read_bytes)
        mime = sniff_image(data) or "image/png"
        stored = await self.store.put(f"pinned:{spec.subject}:{spec.image}", Media(data, mime))
        entry = MediaEntry(
            session_id, turn, kind, spec.subject, stored.digest, mime, 0, "world", "", True
        )
        await self.store.log(entry)
        return MediaOutcome(entry, path=self.store.path(stored), data=data)

    async def _reference(
        self, session_id: str, spec: specs.VisualSpec
    ) -> tuple[str | None, bytes | None]:
        """The subject's first picture in this story: later pictures are drawn from it."""
        if spec.kind == "scene":
            return None, None
        for entry in await self.store.entries(session_id):
            if entry.subject == spec.subject and entry.mime.startswith("image/"):
                return entry.digest, await self.store.read(entry.digest)
        return None, None

    # ----------------------------------------------------------------------- voices

    async def speak(
        self,
        session_id: str,
        lines: list[Line],
        *,
        user: str,
        guild: str | None = None,
        turn: int | None = None,
    ) -> list[MediaOutcome]:
        """Each narration and dialogue line in its speaker's voice (the narrator's for
        narration), in order."""
        prefs = await self.prefs(session_id)
        if not prefs.voice or user in prefs.muted:
            return []
        if not self.router.can_speak:
            return [MediaOutcome(notice="No speech provider is configured ([media] speech).")]
        state, world = await self.play.state(session_id)
        secrets = specs.secret_shingles(world)
        out = []
        for line in lines:
            if line.kind not in SPOKEN_KINDS or not line.text.strip():
                continue
            speaker = line.speaker if line.kind == "dialogue" else None
            voice = voice_for(world, speaker, self.router.voices)
            text = specs.scrub(line.text, secrets)
            if not text:
                continue
            request = SpeechRequest(text=text[:4000], voice=voice)
            outcome = await self._make(
                session_id,
                state.turn if turn is None else turn,
                "speech",
                f"voice:{speaker or 'narrator'}",
                request.key(),
                text,
                pricing.speech_credits(text),
                lambda r=request: self.router.say(r),  # type: ignore[misc]
                user=user,
                guild=guild,
                speaker=speaker,
            )
            out.append(outcome)
            if not outcome.ok:
                break  # the next lines would fail the same way
        return out

    # ------------------------------------------------------------------- the common part

    async def _make(
        self,
        session_id: str,
        turn: int,
        kind: str,
        subject: str,
        key: str,
        prompt: str,
        cost: int,
        generate: Callable[[], object],
        *,
        user: str,
        guild: str | None,
        speaker: str | None = None,
    ) -> MediaOutcome:
        lock, users = self._locks.setdefault(key, (asyncio.Lock(), [0]))
        users[0] += 1
        try:
            async with lock:
                return await self._make_once(
                    session_id,
                    turn,
                    kind,
                    subject,
                    key,
                    prompt,
                    cost,
                    generate,
                    user=user,
                    guild=guild,
                    speaker=speaker,
                )
        finally:
            users[0] -= 1
            if not users[0]:
                del self._locks[key]  # nobody else wants it: the registry stays small

    async def _make_once(
        self,
        session_id: str,
        turn: int,
        kind: str,
        subject: str,
        key: str,
        prompt: str,
        cost: int,
        generate: Callable[[], object],
        *,
        user: str,
        guild: str | None,
        speaker: str | None,
    ) -> MediaOutcome:
        """``_make`` for one request at a time (in this process: the same request asked
        twice at once is made once, the second finds it in the store)."""
        found = await self.store.lookup(key)
        if found is not None:
            return await self._logged(
                session_id, turn, kind, subject, found, prompt, 0, True, speaker
            )
        day = self.clock.now().date()
        refusal = await self._hold(user, guild, day, cost)
        if refusal:
            return MediaOutcome(notice=refusal)
        try:
            media = await generate()  # type: ignore[misc]
            stored = await self.store.put(key, media)
        except ProviderError as exc:
            await self._give_back(user, guild, day, cost)
            log.info("media %s for %s failed: %s", kind, session_id, exc.message)
            return MediaOutcome(notice=f"The {_what(kind)} could not be made: {exc.message}")
        except BaseException:
            await self._give_back(user, guild, day, cost)
            raise
        return await self._logged(
            session_id, turn, kind, subject, stored, prompt, cost, False, speaker
        )

    async def _logged(
        self,
        session_id: str,
        turn: int,
        kind: str,
        subject: str,
        stored: Stored,
        prompt: str,
        cost: int,
        cached: bool,
        speaker: str | None,
    ) -> MediaOutcome:
        entry = MediaEntry(
            session_id,
            turn,
            kind,
            subject,
            stored.digest,
            stored.mime,
            cost,
            stored.provider,
            prompt,
            cached,
            speaker,
        )
        await self.store.log(entry)
        return MediaOutcome(entry, path=self.store.path(stored), data=None)

    async def _hold(self, user: str, guild: str | None, day: date, cost: int) -> str | None:
        """Take ``cost`` credits from the player's (then the server's) counter before
        anything is made, each checked and taken in one atomic step, so two pictures
        asked at once (two tasks or two processes) never share the last credits. Why
        not, when a limit refuses it (and nothing is taken)."""
        async with self.play.uow() as uow:
            for scope, key in ((USER, user), (GUILD, guild)):
                if key is None:
                    continue
                _, limit = self.policy.limits(scope)
                taken = await uow.quotas.take(
                    scope, key, day, credits=cost, max_turns=None, max_credits=limit
                )
                if taken is None:
                    counter = await uow.quotas.get(scope, key, day)
                    left = max(0, (limit or 0) - counter.credits)
                    who = "your" if scope == USER else "this server's"
                    return (
                        f"Not enough credits left today for media ({cost} needed; "
                        f"{who} {left} left). The story goes on."
                    )
                await uow.quotas.add(scope, key, day, turns=-1)  # credits only, no turn
            await uow.commit()
        return None

    async def _give_back(self, user: str, guild: str | None, day: date, cost: int) -> None:
        """Return what ``_hold`` took, for a picture or line that was not made."""
        async with self.play.uow() as uow:
            for scope, key in ((USER, user), (GUILD, guild)):
                if key is not None:
                    await uow.quotas.add(scope, key, day, credits=-cost)
            await uow.commit()

    # ----------------------------------------------------------------------- reading

    async def entries(self, session_id: str) -> list[MediaEntry]:
        return await self.store.entries(session_id)

    async def read(self, entry: MediaEntry) -> bytes | None:
        return await self.store.read(entry.digest)

    async def credits(self, session_id: str) -> MediaCredits:
        images = lines = total = reused = 0
        by_kind: dict[str, int] = {}
        for entry in await self.store.entries(session_id):
            if entry.cached:
                reused += 1
                continue
            if entry.mime.startswith("image/"):
                images += 1
            else:
                lines += 1
            total += entry.credits
            by_kind[entry.kind] = by_kind.get(entry.kind, 0) + entry.credits
        return MediaCredits(images, lines, total, reused, by_kind)


def _what(kind: str) -> str:
    return {"speech": "voice line", "portrait": "portrait"}.get(kind, "picture")
