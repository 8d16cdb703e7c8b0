"""The exact prompt an AI narrator saw for a turn, rebuilt from the event log.

Everything a prompt is made of is deterministic (the turn's dice come from the story's
seed and the action's depth; memory comes from events stored before the turn), so
replaying the turn's rules and gathering its memory again gives back the same
sections, byte for byte, with their token counts.
"""

from __future__ import annotations

from dataclasses import dataclass

from storyai.core.domain.errors import BranchError
from storyai.core.domain.events import Narration, PlayerAction
from storyai.core.domain.ops import apply_ops
from storyai.core.memory.context import Budgets, Prompt, build_prompt
from storyai.core.memory.tokens import Tokenizer
from storyai.core.narrators.offline import OfflineNarrator
from storyai.core.narrators.port import NarrationRequest
from storyai.core.play.loading import state_at
from storyai.core.play.pipeline import Deps, Scene, action_telling


@dataclass
class PromptView:
    turn: int
    action: str
    prompt: Prompt
    narrator: str  # who actually told that turn ("offline" if no model did)
    recorded: list[tuple[str, int]]  # section token counts stored when a model told it


class _Remembering(OfflineNarrator):
    """Asks for memory as an AI narrator does, to rebuild its prompt."""

    wants_memory = True


async def prompt_at(
    deps: Deps,
    session_id: str,
    turn: int | None = None,
    *,
    budgets: Budgets | None = None,
    tokenizer: Tokenizer | None = None,
) -> PromptView:
    """The narration prompt of ``turn`` on the active branch (default: the last played)."""
    async with deps.uow() as uow:
        opened = await uow.sessions.open(session_id)
        head, branch = opened.head, opened.branch
        if head is None or branch is None:
            raise BranchError("No turn has been played in this story yet.")
        wanted = turn if turn is not None else head.turn
        found = await uow.events.on_line(
            session_id, branch.lineage, max_depth=head.depth, turns=(wanted, wanted)
        )
        actions = [e for e in found if isinstance(e.event, PlayerAction)]
        if not actions:
            if turn is None or head.turn < 1:
                raise BranchError("No turn has been played in this story yet.")
            raise BranchError(
                f"There is no turn {wanted} on this branch.",
                hint=f"turns played: 1 to {head.turn}",
            )
        action = actions[-1]
        told = next(
            (e for e in found if isinstance(e.event, Narration) and e.depth > action.depth), None
        )
        session = opened.session
        world = await deps.worlds.get(uow, session.world_id, session.world_version)
        state = await state_at(uow, branch.lineage, action, deps.states)
        scene = Scene(uow, opened, world, state, session)
        telling = await action_telling(deps, scene, action, _Remembering())
    seen = state.fork()
    apply_ops(seen, telling.outcome.ops)  # the narrator saw the state after the rules
    recorded = (told.event.context or {}) if told and isinstance(told.event, Narration) else {}
    factor = float(recorded.get("factor", 1.0))
    request = NarrationRequest(
        world=world,
        state=seen,
        actor=action.actor,
        action=telling.action,
        facts=telling.outcome.lines,
        choices=list(seen.choices),
        turn=action.turn,
        seed=telling.seed,
        memory=telling.memory,
    )
    used = recorded.get("budgets")  # the budgets it was told under, sized to its model
    if budgets is None and isinstance(used, dict):
        budgets, factor = Budgets(**used), 1.0
    prompt = build_prompt(
        request,
        budgets=(budgets or Budgets()).scaled(factor),
        tokenizer=tokenizer,
        profile=str(recorded.get("profile", "full")),
    )
    narrator = told.event.narrator if told and isinstance(told.event, Narration) else "?"
    return PromptView(
        turn=wanted,
        action=telling.action,
        prompt=prompt,
        narrator=narrator,
        recorded=[(str(n), int(t)) for n, t in recorded.get("sections", [])],
    )
