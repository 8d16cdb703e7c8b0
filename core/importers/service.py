"""The import use case: a plan becomes a new world version in one transaction.

``import_plan`` merges the plan into an installed world (``into``) or a new one
(``new_id``), validates the whole result like any world, and installs it as a
new version with ``services.install_world``, one unit of work. When anything
fails, nothing was written. ``dry_run`` stops before writing and reports the
same thing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

from storyai.core import services
from storyai.core.domain.errors import Problem, WorldConflict, WorldNotFound
from storyai.core.domain.world import ID_RE
from storyai.core.gcpause import paused_gc
from storyai.core.importers import merge
from storyai.core.importers.errors import ImportRefused
from storyai.core.importers.plan import ImportPlan, slug
from storyai.core.storage.ports import UnitOfWorkFactory
from storyai.core.worlds.validate import check_data

Status = Literal["installed", "unchanged", "dry-run"]


@dataclass
class ImportOutcome:
    plan: ImportPlan
    world_id: str
    version: str
    status: Status
    new_world: bool
    merged: merge.Merged
    previous_version: str | None = None
    warnings: list[Problem] = field(default_factory=list)
    """Validation warnings about the resulting world (unreachable places ...)."""


async def import_plan(
    uow_factory: UnitOfWorkFactory,
    plan: ImportPlan,
    *,
    into: str | None = None,
    new_id: str | None = None,
    dry_run: bool = False,
    overwrite: bool = False,
    now: datetime | None = None,
) -> ImportOutcome:
    """Merge ``plan`` into the world ``into`` (or a new world ``new_id``) and install it.

    Entries an earlier import of the same source made are updated in place, except
    those the author edited since (kept, unless ``overwrite``).
    """
    if into and new_id:
        raise ImportRefused("Give --into WORLD or --new ID, not both.")
    if new_id:
        requested, new_id = new_id, new_world_id(new_id)
        if new_id != requested:
            plan.warn(f"--new {requested}: world ids use underscores, so the id is {new_id}")
    if not plan.entries:
        raise ImportRefused(
            f"{plan.source}: nothing to import ({_nothing_because(plan)}); nothing was written."
        )
    if into:
        existing, record = await services.get_world(uow_factory, into)
        base = existing.canonical()
        previous: str | None = record.version
        world_id = existing.id
    else:
        title = merge.plain_title(plan, "imported_world")
        world_id = new_id or slug(title, fallback="imported_world")
        if not ID_RE.match(world_id) or len(world_id) > 64:
            raise ImportRefused(
                f"'{world_id}' cannot be a world id.",
                hint="use lower-case letters, digits and underscores, starting with a letter",
            )
        if await _exists(uow_factory, world_id):
            raise _taken(world_id)
        base = merge.new_world(world_id, plan)
        previous = None
    hub = merge.START_LOCATION if into is None and merge.needs_hub(plan) else None
    with paused_gc():
        merged = merge.merge(base, plan, overwrite=overwrite, hub=hub)
        report = check_data(merged.data, f"{world_id} after importing {plan.source}")
    world = report.world
    assert world is not None
    unchanged = into is not None and not merged.added and not merged.replaced
    if into and not unchanged:
        world.world.version = await _next_free_version(uow_factory, world_id, world.version)
        merged.data["world"]["version"] = world.version
    outcome = ImportOutcome(
        plan=plan,
        world_id=world_id,
        version=world.version,
        status="dry-run" if dry_run else "unchanged" if unchanged else "installed",
        new_world=into is None,
        merged=merged,
        previous_version=previous,
        warnings=report.warnings,
    )
    if dry_run or unchanged:
        return outcome
    with paused_gc():  # storing it too (a few seconds at most for the biggest packs)
        await services.install_world(
            uow_factory,
            world,
            source=f"import of {plan.kind}: {plan.source}",
            now=now,
            raws_finite=plan.raws_finite and into is None,  # a new world: all its raws
        )
    return outcome


def new_world_id(requested: str) -> str:
    """The id ``--new`` asks for, as ids made from titles are written: ``Heldout-5`` ->
    ``heldout_5`` (lower case, ``-`` and spaces as ``_``). Anything else that cannot be a
    world id is refused with the rule."""
    candidate = requested.strip().lower().replace("-", "_").replace(" ", "_")
    if not ID_RE.match(candidate) or len(candidate) > 64:
        raise ImportRefused(
            f"'{requested}' cannot be a world id.",
            hint="use lower-case letters, digits and underscores, starting with a letter "
            f"(at most 64), e.g. --new {slug(requested, fallback='imported_world')}",
        )
    return candidate


async def check_target(
    uow_factory: UnitOfWorkFactory, *, into: str | None = None, new_id: str | None = None
) -> None:
    """Refuse at once, before a source is read, what ``import_plan`` would refuse after:
    both options, an ``into`` world that is not installed, a ``new_id`` that cannot be a
    world id or is taken."""
    if into and new_id:
        raise ImportRefused("Give --into WORLD or --new ID, not both.")
    if into and not await _exists(uow_factory, into):
        raise WorldNotFound(into)
    if new_id:
        world_id = new_world_id(new_id)
        if await _exists(uow_factory, world_id):
            raise _taken(world_id)


def _taken(world_id: str) -> WorldConflict:
    return WorldConflict(
        f"A world with the id '{world_id}' is already installed; nothing was written.",
        hint=f"add to it with `--into {world_id}`, or pick another id with `--new ID`",
    )


async def _exists(uow_factory: UnitOfWorkFactory, world_id: str) -> bool:
    async with uow_factory() as uow:
        return await uow.worlds.exists(world_id)


async def _next_free_version(uow_factory: UnitOfWorkFactory, world_id: str, version: str) -> str:
    candidate = services.next_version(version)
    async with uow_factory() as uow:
        while await uow.worlds.find_version(world_id, candidate, raw=False) is not None:
            candidate = services.next_version(candidate)
    return candidate


def _nothing_because(plan: ImportPlan) -> str:
    if plan.skipped:
        reasons = sorted({s.reason for s in plan.skipped})
        return "everything was skipped: " + "; ".join(reasons[:3])
    return "it holds no characters, items, journal entries or scenes"
