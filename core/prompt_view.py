"""The exact prompt an AI narrator saw for a turn, rebuilt from the event log.

Everything a prompt is made of is deterministic (the turn's dice come from the
session seed and the event's depth; memory comes from events already stored
before the turn), so replaying the turn's rules and gathering its memory again
gives back the same sections, byte for byte, with their token counts.
"""

from __future__ import annotations

from dataclasses import dataclass

from storyai.core.domain.errors import StoryError
from storyai.core.domain.state import apply_ops
from storyai.core.domain.world import World
from storyai.core.memory.context import Budgets, Prompt, build_prompt
from storyai.core.memory.gather import gather_memory
from storyai.core.memory.tokens import Tokenizer
from storyai.core.narrators.port import NarrationRequest
from storyai.core.sessions import head_of, path_to, replay_rules
from storyai.core.storage.ports import UnitOfWorkFactory


@dataclass
class PromptView:
    turn: int
    action: str
    prompt: Prompt
    narrator: str  # who actually told that turn ("offline" if no model did)
    recorded: list[tuple[str, int]]  # section token counts stored when a model told it


async def prompt_at(
    uow_factory: UnitOfWorkFactory,
    world: World,
    session_id: str,
    turn: int | None = None,
    *,
    budgets: Budgets | None = None,
    tokenizer: Tokenizer | None = None,
) -> PromptView:
    """The narration prompt of ``turn`` on the active branch (default: the last turn played)."""
    async with uow_factory() as uow:
        session = await uow.sessions.get(session_id)
        head = await head_of(uow, session)
        path = await path_to(uow, session_id, head.id)
        actions = [e for e in path if e.kind == "player_action"]
        if not actions:
            raise StoryError("No turn has been played in this session yet.")
        played = sorted({e.turn for e in actions})
        wanted = turn if turn is not None else played[-1]
        action = next((e for e in reversed(actions) if e.turn == wanted), None)
        if action is None:
            raise StoryError(
                f"There is no turn {wanted} on this branch.",
                hint=f"turns played: {played[0]} to {played[-1]}",
            )
        state, outcome = await replay_rules(uow, world, session, action)
        apply_ops(state, outcome.ops)  # the narrator saw the state after the rules
        seed = int(session.settings.get("seed", 0))
        memory = await gather_memory(
            uow, session_id, action, state, action.actor, action.payload["text"], action.turn
        )
        told = next(
            (
                e
                for e in path
                if e.kind == "narration" and e.turn == wanted and e.depth > action.depth
            ),
            None,
        )
    recorded = (told.payload.get("context") or {}) if told else {}
    factor = float(recorded.get("factor", 1.0))
    request = NarrationRequest(
        world=world,
        state=state,
        actor=action.actor,
        action=action.payload["text"],
        facts=outcome.lines,
        choices=list(state.choices),
        turn=action.turn,
        seed=seed,
        memory=memory,
    )
    prompt = build_prompt(
        request, budgets=(budgets or Budgets()).scaled(factor), tokenizer=tokenizer
    )
    return PromptView(
        turn=wanted,
        action=action.payload["text"],
        prompt=prompt,
        narrator=(told.payload.get("narrator", "?") if told else "?"),
        recorded=[(str(n), int(t)) for n, t in recorded.get("sections", [])],
    )
