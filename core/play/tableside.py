"""Beside the story: a table's options, dice rolled at the table, which tables a
process tends.

Options live in the session's settings (``settings["options"]``), like the table,
and are changed by the host only. ``actions`` says which plain messages in the
story's channel are actions: ``all`` (every seated player's message, except those
opened with ``((`` or ``//``), ``prefix`` (only messages opened with the table's
``prefix``, which is taken off), ``thread`` (only messages in a thread of the story's
channel: the channel is for talk, the thread for actions; the story is told in the
channel), ``none`` (only commands and buttons: the channel is free for talk in
character). ``ping_next`` pings the player whose turn it is.

A roll made by a seated player is written to the story's log (``DiceRolled``, at the
current turn, as that player): it shows in the transcript, and a rewind past it
takes it away with the rest of the turn.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from typing import Literal

from storyai.core.domain.dice import Dice
from storyai.core.domain.dice_request import TableRoll, parse_roll, roll_request
from storyai.core.domain.errors import HostOnly, NotSeated
from storyai.core.domain.events import DiceRolled, Roll
from storyai.core.domain.records import SessionRecord
from storyai.core.play import pipeline
from storyai.core.play.pipeline import Deps, Scene
from storyai.core.play.seating import host_check, seat_of
from storyai.core.rules import rule_system_for
from storyai.core.rules.base import Advantage

Actions = Literal["all", "prefix", "thread", "none"]
ACTIONS: tuple[Actions, ...] = ("all", "prefix", "thread", "none")
OUT_OF_CHARACTER = ("((", "//")
DEFAULT_PREFIX = ">"
MAX_PREFIX = 5


@dataclass(frozen=True)
class TableOptions:
    actions: Actions = "all"
    prefix: str = DEFAULT_PREFIX
    ping_next: bool = False
    companion: bool = True
    """Companions may speak first after a turn (each player's own limits apply)."""

    def action_in(self, text: str, *, in_thread: bool = False) -> str | None:
        """The action a plain message stands for under these options, or None (talk).
        ``in_thread``: the message was written in a thread of the story's channel."""
        text = text.strip()
        if not text or text.startswith(OUT_OF_CHARACTER) or self.actions == "none":
            return None
        if (self.actions == "thread") != in_thread:
            return None
        if self.actions == "prefix":
            if not text.startswith(self.prefix):
                return None
            text = text[len(self.prefix) :].strip()
        return text or None


def options_of(session: SessionRecord) -> TableOptions:
    data = session.settings.get("options") or {}
    actions = data.get("actions", "all")
    return TableOptions(
        actions=actions if actions in ACTIONS else "all",
        prefix=str(data.get("prefix") or DEFAULT_PREFIX),
        ping_next=bool(data.get("ping_next", False)),
        companion=bool(data.get("companion", True)),
    )


async def set_options(
    deps: Deps,
    session_id: str,
    *,
    user_ref: str,
    actions: str | None = None,
    prefix: str | None = None,
    ping_next: bool | None = None,
    companion: bool | None = None,
) -> TableOptions:
    """The host changes the table's options (those given; the rest stay)."""
    if actions is not None and actions not in ACTIONS:
        raise HostOnly(
            f"There is no action setting '{actions}'.", hint="all, prefix, thread or none"
        )
    if prefix is not None and not (0 < len(prefix.strip()) <= MAX_PREFIX):
        raise HostOnly(f"A prefix is 1 to {MAX_PREFIX} characters, like '>'.")
    async with deps.uow() as uow:
        opened = await uow.sessions.open(session_id, lock=True)
        players = await uow.players.list(session_id)
        host_check(players, user_ref, "change the table's settings")
        options = options_of(opened.session)
        options = replace(
            options,
            actions=actions if actions is not None else options.actions,
            prefix=prefix.strip() if prefix is not None else options.prefix,
            ping_next=ping_next if ping_next is not None else options.ping_next,
            companion=companion if companion is not None else options.companion,
        )
        session = replace(
            opened.session,
            settings={**opened.session.settings, "options": asdict(options)},
            updated_at=deps.clock.now(),
        )
        await uow.sessions.update(session)
        await uow.commit()
    return options


async def roll(deps: Deps, session_id: str, *, user_ref: str, text: str, dice: Dice) -> TableRoll:
    """A seated player's roll (``1d20+5 adv sneak attack``), written to the story's log.
    Refused before anything is written when the dice cannot be read (``DiceError``)."""
    request = parse_roll(text)

    async def step(scene: Scene) -> TableRoll:
        players = await scene.uow.players.list(session_id)
        me = seat_of(players, user_ref)
        made = roll_request(dice, request, me.display_name)
        growth = pipeline.Growth(
            scene.session, scene.branch, scene.head, scene.state.fork(), deps.clock
        )
        growth.add(
            DiceRolled(rolls=(Roll.model_validate({"text": made.text(), "table": True}),)),
            me.id,
            scene.state.turn,
        )
        scene.session = await growth.write(scene.uow, scene.session, base=scene.head)
        deps.states.put(growth.records[-1].id, growth.state)
        await scene.uow.sessions.update(replace(scene.session, updated_at=deps.clock.now()))
        await scene.uow.commit()
        return made

    made, _ = await pipeline.as_writer(deps, session_id, step, narrator=deps.narrator)
    return made


@dataclass(frozen=True)
class SheetRoll:
    """A check or saving throw rolled from a player's sheet at the table."""

    roller: str
    text: str  # the rules' own words: "Perception check: 1d20 (14) + 3 = 17 ..."
    natural: int | None
    comment: str = ""


async def sheet_roll(
    deps: Deps,
    session_id: str,
    *,
    user_ref: str,
    what: str,
    save: bool = False,
    advantage: str = "",
    comment: str = "",
    dice: Dice,
) -> SheetRoll:
    """``/check SKILL`` or ``/save ABILITY``: a d20 (or percentile) roll from the player's
    sheet, by the world's rules, with no difficulty (the table judges it), written to
    the story's log. Unknown skills and abilities are refused by the rules."""
    key = f"{what.strip()}_save" if save else what.strip()
    mode = {"adv": Advantage.ADVANTAGE, "dis": Advantage.DISADVANTAGE}.get(advantage)

    async def step(scene: Scene) -> SheetRoll:
        players = await scene.uow.players.list(session_id)
        me = seat_of(players, user_ref)
        player = scene.state.players.get(me.id)
        if player is None:
            raise NotSeated("Your character is not in the story.")
        rules = rule_system_for(scene.world)
        result = rules.check(player.sheet, key, None, dice, advantage=mode or Advantage.NONE)
        made = SheetRoll(me.display_name, result.roll.breakdown, result.roll.natural, comment)
        label = result.text.split(":", 1)[0] if ":" in result.text else key
        said = f"{label}: {made.text}" + (f" ({comment})" if comment else "")
        growth = pipeline.Growth(
            scene.session, scene.branch, scene.head, scene.state.fork(), deps.clock
        )
        logged = Roll.model_validate({"text": said, "table": True, "skill": key})
        growth.add(DiceRolled(rolls=(logged,)), me.id, scene.state.turn)
        scene.session = await growth.write(scene.uow, scene.session, base=scene.head)
        deps.states.put(growth.records[-1].id, growth.state)
        await scene.uow.sessions.update(replace(scene.session, updated_at=deps.clock.now()))
        await scene.uow.commit()
        return replace(made, text=f"{label}: {made.text}")

    made, _ = await pipeline.as_writer(deps, session_id, step, narrator=deps.narrator)
    return made


@dataclass(frozen=True)
class Shard:
    """The part of the servers one bot process tends: Discord's sharding rule,
    ``(guild_id >> 22) % count`` among ``ids``."""

    ids: frozenset[int]
    count: int

    def owns_guild(self, guild: str | None) -> bool:
        if self.count <= 1:
            return True
        if guild is None or not guild.isdigit():
            return 0 in self.ids  # a story without a server: the first shard's
        return (int(guild) >> 22) % self.count in self.ids

    def owns(self, session: SessionRecord) -> bool:
        return self.owns_guild(session.settings.get("guild"))
