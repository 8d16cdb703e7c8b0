"""Branches: rewind to any turn on a new branch, switch between branches, rename them.

Nothing in the event tree is ever changed: a rewind makes a new branch (a new segment
of the tree, see ``BranchRecord.lineage``) whose head is the chosen event, and makes
it the one that plays on. The old line stays as it was. These are writers of the
story: they wait for a telling under way.
"""

from __future__ import annotations

from dataclasses import replace

from storyai.core.domain.errors import BranchError
from storyai.core.domain.events import PlayerAction
from storyai.core.domain.records import BranchRecord, forked_lineage
from storyai.core.play import pipeline
from storyai.core.play.loading import last_told, line_of
from storyai.core.play.pipeline import Deps, Scene, with_deadline
from storyai.core.play.results import BranchInfo
from storyai.core.play.seating import host_check

MAX_NAME = 40


async def rewind(
    deps: Deps,
    session_id: str,
    turn: int | None = None,
    *,
    event_id: str | None = None,
    name: str | None = None,
    by: str | None = None,
) -> BranchInfo:
    """A new branch that plays on from the end of ``turn`` on the current line (or from
    ``event_id`` anywhere in the tree: the history screen picks those). ``by``: the user
    asking, who must be the host when the story has a table."""

    async def step(scene: Scene) -> BranchInfo:
        uow = scene.uow
        if by is not None:
            host_check(await uow.players.list(session_id), by, "rewind the story")
        branches = await uow.branches.list(session_id)
        head = scene.head
        assert head is not None
        if event_id is not None:
            target = await uow.events.get(event_id)
            if target is None or target.session_id != session_id:
                raise BranchError("That point is not in this story's history.")
            source = line_of(branches, target)
        else:
            at_turn = []
            if turn is not None:
                found = await uow.events.on_line(
                    session_id, scene.branch.lineage, max_depth=head.depth, turns=(turn, turn)
                )
                at_turn = [e for e in found if not isinstance(e.event, PlayerAction)]
            if not at_turn:
                raise BranchError(
                    f"There is no turn {turn} on this branch (it has turns 0 to {head.turn})."
                )
            target = at_turn[-1]
            source = scene.branch.lineage
        taken = {b.name for b in branches}
        branch_name = clean_name(name) if name else free_name(taken)
        if branch_name in taken:
            raise BranchError(
                f"A branch called '{branch_name}' already exists.", hint="pick another name"
            )
        session = scene.session
        lineage = forked_lineage(source, target.segment, target.depth, session.next_segment)
        now = deps.clock.now()
        await uow.branches.put(BranchRecord(session_id, branch_name, target.id, now, lineage))
        session = replace(
            session,
            active_branch=branch_name,
            next_segment=session.next_segment + 1,
            updated_at=now,
        )
        await uow.sessions.update(with_deadline(session))
        line = await last_told(uow, lineage, target)
        await uow.commit()
        return BranchInfo(name=branch_name, turn=target.turn, active=True, last_line=line)

    info, _ = await pipeline.as_writer(deps, session_id, step, narrator=deps.narrator)
    return info


def clean_name(name: str) -> str:
    cleaned = " ".join(name.split())[:MAX_NAME]
    if not cleaned:
        raise BranchError("A branch name cannot be empty.")
    return cleaned


def free_name(taken: set[str]) -> str:
    n = 2
    while f"branch-{n}" in taken:
        n += 1
    return f"branch-{n}"


async def switch_branch(deps: Deps, session_id: str, name: str, *, by: str | None = None) -> None:
    """Make another branch the one that plays on."""

    async def step(scene: Scene) -> None:
        uow = scene.uow
        if by is not None:
            host_check(await uow.players.list(session_id), by, "switch branches")
        branch = await uow.branches.get(session_id, name)
        if branch is None or branch.head_event_id is None:
            names = ", ".join(
                b.name for b in await uow.branches.list(session_id) if b.head_event_id
            )
            raise BranchError(f"This story has no branch '{name}'.", hint=f"branches: {names}")
        session = replace(scene.session, active_branch=name, updated_at=deps.clock.now())
        await uow.sessions.update(with_deadline(session))
        await uow.commit()

    await pipeline.as_writer(deps, session_id, step, narrator=deps.narrator)


async def rename_branch(deps: Deps, session_id: str, old: str, new: str) -> None:
    """Give a branch a better name: a record under the new name with the same head and
    line; the old name then points nowhere and is hidden. The tree does not change."""
    new = clean_name(new)

    async def step(scene: Scene) -> None:
        uow = scene.uow
        branch = await uow.branches.get(session_id, old)
        if branch is None or branch.head_event_id is None:
            raise BranchError(f"This story has no branch '{old}'.")
        if await uow.branches.get(session_id, new) is not None:
            raise BranchError(f"A branch called '{new}' already exists.", hint="pick another name")
        await uow.branches.put(replace(branch, name=new, created_at=deps.clock.now()))
        await uow.branches.put(replace(branch, head_event_id=None))
        if scene.session.active_branch == old:
            session = replace(scene.session, active_branch=new, updated_at=deps.clock.now())
            await uow.sessions.update(with_deadline(session))
        await uow.commit()

    await pipeline.as_writer(deps, session_id, step, narrator=deps.narrator)


async def list_branches(deps: Deps, session_id: str) -> list[BranchInfo]:
    """Every named branch with the turn it is at and its last line."""
    async with deps.uow() as uow:
        session = await uow.sessions.get(session_id)
        out = []
        for b in await uow.branches.list(session_id):
            if b.head_event_id is None:
                continue  # renamed away
            head = await uow.events.get(b.head_event_id)
            if head is None:
                continue
            line = await last_told(uow, b.lineage, head)
            out.append(BranchInfo(b.name, head.turn, b.name == session.active_branch, line))
        return out
