"""``Play``: the one service every interface calls to start, play and read stories.

Built once per process (``storyai.core.bootstrap``) with the storage, the narrator,
the clock and the quota policy; it keeps only caches of immutable things (validated
worlds, folded states) and per-story wakeups, never per-call state, so any number of
tasks may call it at once. The TUI, ``storyai run`` and the Discord bot only parse
input, call these methods and render what comes back.

The use cases live in the modules beside this one: ``starting`` (a story, alone or in
a channel), ``acting`` (an action, a table action within quota, a free-mode round, an
idle player, an interrupted telling), ``seating`` (join, leave, the host's powers),
``branches`` (rewind, switch, rename), ``queries`` and ``history`` (reading, never
writing), ``tending`` (what happens while nobody acts), ``prompts`` and
``accounting``. ``pipeline`` is how each of them writes.
"""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, Any

from storyai.core.domain.clock import Clock
from storyai.core.domain.dice import Dice
from storyai.core.domain.dice_request import TableRoll
from storyai.core.domain.identity import IdentityRequest
from storyai.core.domain.legacy import LOCAL, Profile
from storyai.core.domain.records import EventRecord, PlayerRecord, SessionRecord
from storyai.core.domain.state import Choice, GameState, PlayerState
from storyai.core.domain.world import World
from storyai.core.maps.view import MapView
from storyai.core.memory.context import Budgets
from storyai.core.memory.tokens import Tokenizer
from storyai.core.narrators.offline import OfflineNarrator
from storyai.core.narrators.port import Narrator, OnText
from storyai.core.play import (
    accounting,
    acting,
    branches,
    history,
    identity_model,
    knowledge,
    legacy,
    prompts,
    queries,
    seating,
    starting,
    tableside,
    tending,
)
from storyai.core.play.history import TurnNode
from storyai.core.play.pipeline import LEASE_SECONDS, Deps
from storyai.core.play.quota import QuotaReport, usage_report
from storyai.core.play.results import (
    ActResult,
    BranchInfo,
    Seat,
    SessionSummary,
    StoryStatus,
    TableView,
    Tended,
    TurnResult,
)
from storyai.core.play.table import Mode
from storyai.core.play.tableside import Shard, SheetRoll, TableOptions
from storyai.core.quotas import QuotaPolicy
from storyai.core.storage.ports import UnitOfWorkFactory
from storyai.core.views import PlayerView, player_view
from storyai.core.views.codex import Codex
from storyai.core.wiki.site import Campaign

if TYPE_CHECKING:
    from storyai.core.companion.service import Companions


class Play:
    """Every use case of playing stories, on one storage."""

    def __init__(
        self,
        uow: UnitOfWorkFactory,
        *,
        narrator: Narrator | None = None,
        clock: Clock | None = None,
        quota: QuotaPolicy | None = None,
        lease_seconds: float = LEASE_SECONDS,
    ) -> None:
        self.deps = Deps(
            uow=uow,
            narrator=narrator or OfflineNarrator(),
            clock=clock or Clock(),
            quota=quota or QuotaPolicy(),
            lease=timedelta(seconds=lease_seconds),
        )

    @property
    def uow(self) -> UnitOfWorkFactory:
        return self.deps.uow

    @property
    def narrator(self) -> Narrator:
        return self.deps.narrator

    @property
    def clock(self) -> Clock:
        return self.deps.clock

    @property
    def quota(self) -> QuotaPolicy:
        return self.deps.quota

    @property
    def companion(self) -> Companions:
        """The companion and its tools (``storyai.core.companion``) on this storage."""
        from storyai.core.companion.service import Companions  # it reads the play modules

        model = getattr(self.deps.narrator, "router", None)  # the AI narrator's models
        return Companions(self.deps, model=model)

    def _narrator(self, narrator: Narrator | None) -> Narrator:
        return narrator or self.deps.narrator

    # ------------------------------------------------------------------ starting

    async def start(
        self,
        world_id: str,
        *,
        player_name: str,
        version: str | None = None,
        archetype: str | None = None,
        scores: dict[str, int] | None = None,
        identity: IdentityRequest | None = None,
        heirlooms: list[str] | None = None,
        legacy_title: str | None = None,
        buys: list[str] | None = None,
        followers: list[str] | None = None,
        seed: int | None = None,
        user_ref: str = "local",
        title: str | None = None,
        narrator: Narrator | None = None,
        on_text: OnText | None = None,
    ) -> TurnResult:
        """Start a story alone in an installed world; its opening is told. ``identity``:
        what the player typed and picked of the character's identity (the world's other
        background tables are rolled, seeded)."""
        return await starting.start(
            self.deps,
            world_id,
            player_name=player_name,
            version=version,
            archetype=archetype,
            scores=scores,
            identity=identity,
            heirlooms=heirlooms,
            legacy_title=legacy_title,
            buys=buys,
            followers=followers,
            seed=seed,
            user_ref=user_ref,
            title=title,
            narrator=self._narrator(narrator),
            on_text=on_text,
        )

    async def start_in_channel(
        self,
        channel: str,
        world_id: str,
        *,
        user_ref: str,
        player_name: str,
        guild: str | None = None,
        mode: Mode = "turn",
        seed: int | None = None,
        timeout_s: int | None = None,
        window_s: int | None = None,
        narrator: Narrator | None = None,
        on_text: OnText | None = None,
    ) -> TurnResult:
        """Start a story in a channel, the caller its host, with a table in ``mode``
        (turn mode skips a player idle for ``timeout_s``; free mode tells a round
        ``window_s`` after its first action).
        Raises ``ChannelBusy`` when a story already runs there (whoever started it,
        in this process or another)."""
        return await starting.start(
            self.deps,
            world_id,
            player_name=player_name,
            seed=seed,
            user_ref=user_ref,
            channel=channel,
            guild=guild,
            mode=mode,
            timeout_s=timeout_s,
            window_s=window_s,
            narrator=self._narrator(narrator),
            on_text=on_text,
        )

    # ------------------------------------------------------------------ playing

    async def act(
        self,
        session_id: str,
        text: str,
        *,
        player_id: str | None = None,
        narrator: Narrator | None = None,
        on_text: OnText | None = None,
    ) -> TurnResult:
        """Play one input (as the host unless ``player_id`` says who). Words to the
        companion ("ask aria about the mine") are answered by it and take no turn."""
        spoken = await self.companion.in_play(session_id, text, player_id=player_id)
        if spoken is not None:
            return spoken
        result = await acting.act(
            self.deps,
            session_id,
            text,
            player_id=player_id,
            narrator=self._narrator(narrator),
            on_text=on_text,
        )
        return await self._settled(result)

    async def act_at_table(
        self,
        session_id: str,
        *,
        user_ref: str,
        text: str,
        guild: str | None = None,
        metered: bool = True,
        after_turn: int | None = None,
        narrator: Narrator | None = None,
        on_text: OnText | None = None,
    ) -> ActResult:
        """A table player's action, counted against their (and their server's) daily
        quota unless ``metered`` is false: played now in turn mode when it is their
        turn, queued in free mode.

        ``after_turn``: the action is a choice offered after that turn; it is refused
        (``ChoiceExpired``) unless the story is still there when the action is taken,
        so a turn told in between never takes a stale choice."""
        acted = await acting.act_as(
            self.deps,
            session_id,
            user_ref=user_ref,
            text=text,
            guild=guild,
            narrator=self._narrator(narrator),
            on_text=on_text,
            metered=metered,
            after_turn=after_turn,
        )
        if acted.result is not None:
            await self._settled(acted.result)
        return acted

    async def tell_pending(
        self,
        session_id: str,
        *,
        take_over: bool = False,
        narrator: Narrator | None = None,
        on_text: OnText | None = None,
    ) -> TurnResult | None:
        """Tell a turn that was stored but never told (see ``acting.tell_pending``)."""
        told = await acting.tell_pending(
            self.deps,
            session_id,
            narrator=self._narrator(narrator),
            on_text=on_text,
            take_over=take_over,
        )
        return await self._settled(told) if told is not None else None

    async def resolve_round(
        self, session_id: str, *, force: bool = False, on_text: OnText | None = None
    ) -> TurnResult | None:
        told = await acting.resolve_round(
            self.deps, session_id, narrator=self.deps.narrator, on_text=on_text, force=force
        )
        return await self._settled(told) if told is not None else None

    async def warmed_up(self) -> None:
        """Until the narrator's warm-ups for the next turns have ended (``play/warming``):
        a benchmark or a test waits for them; a player never does."""
        await self.deps.warmups.wait()

    async def stop_warming(self) -> None:
        """Cancel the warm-ups under way (closing down)."""
        await self.deps.warmups.cancel()

    async def _settled(self, result: TurnResult) -> TurnResult:
        """A turn that ended the story earns its legacy (once per story and profile)."""
        if result.ended:
            await legacy.earn(self.deps, result)
        return result

    # ------------------------------------------------------------- legacy

    async def profile(self, key: str = LOCAL) -> Profile:
        """A player's legacy: ``local`` on this machine, ``discord:<id>`` for the bot."""
        return await legacy.profile(self.deps, key)

    async def legacy_offer(self, world_id: str, key: str = LOCAL) -> legacy.LegacyOffer:
        """What a new story in ``world_id`` would accept from the profile ``key``."""
        world = await self.world(world_id)
        return legacy.offer(world, await self.profile(key))

    async def export_profile(self, key: str = LOCAL) -> dict[str, Any]:
        return await legacy.export_profile(self.deps, key)

    async def import_profile(self, document: Any, key: str = LOCAL) -> int:
        """Add what an exported profile has that ``key`` lacks; how many stories."""
        return await legacy.import_profile(self.deps, key, document)

    async def skip_idle(self, session_id: str) -> str | None:
        return await acting.skip_idle(self.deps, session_id)

    async def tend(self, *, shard: Shard | None = None) -> list[Tended]:
        """Tend the stories in channels that are due (idle players, rounds, tellings);
        with a ``shard``, only those of its servers."""
        return await tending.tend(self.deps, narrator=self.deps.narrator, shard=shard)

    # ------------------------------------------------------------------ beside the story

    async def table_options(self, session_id: str) -> TableOptions:
        async with self.deps.uow() as uow:
            session = await uow.sessions.get(session_id)
        return tableside.options_of(session)

    async def set_table_options(
        self,
        session_id: str,
        *,
        user_ref: str,
        actions: str | None = None,
        prefix: str | None = None,
        ping_next: bool | None = None,
        companion: bool | None = None,
    ) -> TableOptions:
        """The host sets which messages are actions, whether the next player is pinged
        and whether companions speak first at this table."""
        return await tableside.set_options(
            self.deps,
            session_id,
            user_ref=user_ref,
            actions=actions,
            prefix=prefix,
            ping_next=ping_next,
            companion=companion,
        )

    async def sheet_roll(
        self,
        session_id: str,
        *,
        user_ref: str,
        what: str,
        save: bool = False,
        advantage: str = "",
        comment: str = "",
        dice: Dice,
    ) -> SheetRoll:
        """A check (``what``: a skill or ability) or a saving throw (an ability) from
        the player's sheet, written to the story's log."""
        return await tableside.sheet_roll(
            self.deps,
            session_id,
            user_ref=user_ref,
            what=what,
            save=save,
            advantage=advantage,
            comment=comment,
            dice=dice,
        )

    async def roll(self, session_id: str, *, user_ref: str, text: str, dice: Dice) -> TableRoll:
        """A seated player's roll, written to the story's log."""
        return await tableside.roll(self.deps, session_id, user_ref=user_ref, text=text, dice=dice)

    # ------------------------------------------------------------------ the table

    async def join(
        self,
        session_id: str,
        *,
        name: str,
        user_ref: str = "local",
        archetype: str | None = None,
        scores: dict[str, int] | None = None,
        identity: IdentityRequest | None = None,
        buys: list[str] | None = None,
        heirlooms: list[str] | None = None,
        legacy_title: str | None = None,
        followers: list[str] | None = None,
        narrator: Narrator | None = None,
        on_text: OnText | None = None,
    ) -> tuple[Seat, TurnResult | None]:
        """Seat a user with a new character (told arriving), or bring back one who left;
        ``buys``: what their legend points buy for the new character; ``heirlooms``,
        ``legacy_title``, ``followers``: what else of their legacy they bring."""
        return await seating.join(
            self.deps,
            session_id,
            user_ref=user_ref,
            name=name,
            archetype=archetype,
            scores=scores,
            identity=identity,
            buys=buys,
            heirlooms=heirlooms,
            legacy_title=legacy_title,
            followers=followers,
            narrator=self._narrator(narrator),
            on_text=on_text,
        )

    async def leave(self, session_id: str, *, user_ref: str) -> TableView:
        return await seating.leave(self.deps, session_id, user_ref=user_ref)

    async def remove_player(self, session_id: str, *, host_ref: str, user_ref: str) -> TableView:
        return await seating.remove_player(
            self.deps, session_id, host_ref=host_ref, user_ref=user_ref
        )

    async def set_mode(self, session_id: str, *, user_ref: str, mode: Mode) -> TableView:
        return await seating.set_mode(self.deps, session_id, user_ref=user_ref, mode=mode)

    async def end(self, session_id: str, *, user_ref: str) -> TableView:
        return await seating.end(self.deps, session_id, user_ref=user_ref)

    # ------------------------------------------------------------------ branches

    async def rewind(
        self,
        session_id: str,
        turn: int | None = None,
        *,
        event_id: str | None = None,
        name: str | None = None,
        by: str | None = None,
    ) -> BranchInfo:
        return await branches.rewind(
            self.deps, session_id, turn, event_id=event_id, name=name, by=by
        )

    async def switch_branch(self, session_id: str, name: str, *, by: str | None = None) -> None:
        await branches.switch_branch(self.deps, session_id, name, by=by)

    async def rename_branch(self, session_id: str, old: str, new: str) -> None:
        await branches.rename_branch(self.deps, session_id, old, new)

    async def list_branches(self, session_id: str) -> list[BranchInfo]:
        return await branches.list_branches(self.deps, session_id)

    # ------------------------------------------------------------------ queries

    async def status(self, session_id: str) -> StoryStatus:
        return await queries.status(self.deps, session_id)

    async def state(self, session_id: str) -> tuple[GameState, World]:
        """The story's state now and its world (reading only)."""
        current = await queries.story_now(self.deps, session_id)
        return current.state, current.world

    async def character(
        self, session_id: str, *, user_ref: str | None = None, player_id: str | None = None
    ) -> tuple[PlayerState, GameState, World]:
        return await queries.character_of(
            self.deps, session_id, user_ref=user_ref, player_id=player_id
        )

    async def view(
        self, session_id: str, *, user_ref: str | None = None, player_id: str | None = None
    ) -> PlayerView:
        """What a player sees now (sheet, inventory, quests, place, map), the read model
        every interface draws (``storyai.core.views``): by user ref or player id, default
        the host."""
        player, state, world = await self.character(
            session_id, user_ref=user_ref, player_id=player_id
        )
        return player_view(state, world, player.id)

    async def codex(
        self, session_id: str, *, user_ref: str | None = None, player_id: str | None = None
    ) -> Codex:
        """What a player's character knows: places, people, items, lore, quests, each
        with the turn it was learned (``storyai.core.views.codex``)."""
        return await knowledge.codex_of(
            self.deps, session_id, user_ref=user_ref, player_id=player_id
        )

    async def map(
        self, session_id: str, *, user_ref: str | None = None, player_id: str | None = None
    ) -> MapView:
        """The story's maps as a player knows them (fog of war), ready to draw."""
        return await knowledge.map_of(self.deps, session_id, user_ref=user_ref, player_id=player_id)

    async def campaign(self, session_id: str) -> tuple[World, Campaign]:
        """A story as a campaign to publish (``storyai wiki SESSION``): what its players
        know, its chapters and the turns told."""
        return await knowledge.campaign_of(self.deps, session_id)

    async def choices(self, session_id: str) -> tuple[int, list[Choice], bool]:
        return await queries.choices(self.deps, session_id)

    async def table(self, session_id: str) -> TableView:
        return await queries.table_of(self.deps, session_id)

    async def in_channel(self, channel: str) -> SessionRecord | None:
        return await queries.in_channel(self.deps, channel)

    async def here(self, channel: str) -> SessionRecord:
        """The story in a channel, or ``NoStoryHere``."""
        return await queries.here(self.deps, channel)

    async def seat(self, session_id: str, user_ref: str) -> PlayerRecord | None:
        return await queries.seat(self.deps, session_id, user_ref)

    async def find_session(self, prefix: str) -> str:
        """The full id of the one story whose id starts with ``prefix``."""
        return await queries.find_session(self.deps, prefix)

    async def recent(self, *, limit: int = 10, world_id: str | None = None) -> list[SessionSummary]:
        return await queries.recent(self.deps, limit=limit, world_id=world_id)

    async def history(self, session_id: str, *, last_turns: int | None = None) -> list[EventRecord]:
        return await history.history(self.deps, session_id, last_turns=last_turns)

    async def turn_tree(self, session_id: str) -> list[TurnNode]:
        return await history.turn_tree(self.deps, session_id)

    async def transcript(self, session_id: str, fmt: str = "markdown") -> str:
        return await history.transcript(self.deps, session_id, fmt)

    async def usage(self, session_id: str) -> accounting.UsageReport:
        return await accounting.session_usage(self.deps, session_id)

    async def quota_report(self, *, user: str, guild: str | None = None) -> QuotaReport:
        return await usage_report(
            self.deps.uow, user=user, guild=guild, clock=self.deps.clock, policy=self.deps.quota
        )

    async def prompt_at(
        self,
        session_id: str,
        turn: int | None = None,
        *,
        budgets: Budgets | None = None,
        tokenizer: Tokenizer | None = None,
    ) -> prompts.PromptView:
        return await prompts.prompt_at(
            self.deps, session_id, turn, budgets=budgets, tokenizer=tokenizer
        )

    @property
    def writes_identities(self) -> bool:
        """Whether a model is configured to write a new character's identity (offline,
        the world's tables do)."""
        return identity_model.can_write(self.deps.narrator)

    async def write_identity(
        self,
        world_id: str,
        name: str,
        archetype: str | None,
        identity: IdentityRequest,
        *,
        version: str | None = None,
    ) -> IdentityRequest:
        """``identity`` with what the player left empty written by the configured model
        (as ``start`` and ``join`` do when asked), for a creation screen to show before
        the story begins; unchanged offline or when the model fails."""
        world = await self.world(world_id, version)
        asked = identity.model_copy(update={"generate": True})
        written = await identity_model.written(self.deps.narrator, world, name, archetype, asked)
        assert written is not None
        return written.model_copy(update={"generate": False})

    async def world(self, world_id: str, version: str | None = None) -> World:
        """An installed world, validated (cached: versions never change)."""
        async with self.deps.uow() as uow:
            return await self.deps.worlds.get(uow, world_id, version)
