"""`storyai play`: the terminal app (title screen, character creation, play, history)."""

from __future__ import annotations

import asyncio
import contextlib
import functools
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from storyai.cli.narration import model_option, provider_option
from storyai.cli.runtime import looks_like_path, validate_path_async
from storyai.core.domain.errors import UsageError, WorldValidationError

if TYPE_CHECKING:
    from storyai.core.bootstrap import Container
    from storyai.core.media.service import MediaService
    from storyai.core.play import Play
    from storyai.core.worlds.bundled import BundledInstall


async def install_bundled(container: Container) -> BundledInstall:
    """Install the bundled worlds that changed since the last start (or that the
    database lacks)."""
    from storyai.core.worlds.bundled import bundled_marker
    from storyai.core.worlds.bundled import install_bundled as install

    key = container.database.url.render_as_string(hide_password=False)
    return await install(container.uow, bundled_marker(key))


def skipped_notices(done: BundledInstall) -> list[str]:
    """Why bundled worlds were not installed (e.g. a user world already uses the id)."""
    return [f"Skipped the bundled world {world_id}: {why}" for world_id, why in done.skipped]


async def world_to_play(container: Container, ref: str) -> tuple[str, str | None]:
    """The id and version of the world to start a story in: an installed id (version
    None: its newest release), or a world folder or file, validated and installed as
    its working copy (a version of its own, made again after every edit; released
    versions stay as they are)."""
    from storyai.core import services

    if looks_like_path(ref):  # a world folder or file: played as its working copy
        report = await validate_path_async(container, Path(ref))
        if not report.ok or report.world is None:
            raise WorldValidationError(report.problems)
        copy = await services.install_working_copy(
            container.uow, report.world, folder=str(Path(ref).resolve())
        )
        return copy.record.world_id, copy.record.version
    await services.get_world(container.uow, ref)  # WorldNotFound names what is installed
    return ref, None


def play_when_ready(container: Container, ready: asyncio.Future[None]) -> Play:
    """The container's play service, on units of work that wait for ``ready`` (the
    database opened after the title is drawn), with its narrator made on first use
    (an AI one takes seconds: listing stories need not wait for it)."""
    from storyai.cli.deferred import DeferredNarrator
    from storyai.core.play import Play
    from storyai.tui.deps import when_ready

    return Play(
        when_ready(ready, container.uow),
        narrator=DeferredNarrator(container.narrator),
        clock=container.clock,
        quota=container.quota,
    )


def play(
    world: str = typer.Argument(
        None,
        help="A world to start a new story in: an installed id (e.g. ember_hollow: its "
        "newest release) or a world file or folder (played as it is now, after every edit, "
        "as its working copy). Omit it for the title screen.",
        show_default=False,
    ),
    session: str = typer.Option(
        None,
        "--session",
        help="Resume this session at the exact turn it was left.",
        show_default=False,
    ),
    seed: int = typer.Option(
        None,
        "--seed",
        help="Seed the dice of a new story (same seed, same rolls).",
        show_default=False,
    ),
    provider: str = provider_option(),
    model: str = model_option(),
) -> None:
    """Play in the terminal: pick a world, make a character, play with the game master.

    The title screen offers to continue your latest story; quitting (ctrl+q) keeps
    it at the exact turn. In the game, F1 shows help and ctrl+p the command palette.

    [bold]Examples[/bold]

      storyai play                       title screen: continue, or start a story
      storyai play ember_hollow          straight to character creation
      storyai play ./my_world --seed 7   a world folder as it is now, seeded dice
      storyai play --session ID          resume (ids: storyai session list)
      storyai play --provider local -m qwen3   narrate with a local model server

    With an API key or a local server configured (see `storyai providers list`),
    an AI game master narrates; otherwise the built-in offline one does.
    """
    from storyai.core.bootstrap import build
    from storyai.tui.app import StoryApp

    if world and session:
        raise UsageError("Give a world to start a new story, or --session to resume one, not both.")

    async def main() -> None:
        from storyai.cli.session import full_session_id

        container = await build(provider=provider, model=model, migrate=False)
        try:
            configured = container.narrator
            notices = list(configured.warnings)
            ready = asyncio.get_running_loop().create_future()
            service = functools.cache(lambda: play_when_ready(container, ready))
            world_id = world_version = session_id = None
            if world or session:  # straight into a story: the database is needed first
                await container.open()
                ready.set_result(None)
                notices += skipped_notices(await install_bundled(container))
                if world:
                    world_id, world_version = await world_to_play(container, world)
                session_id = await full_session_id(service(), session) if session else None

            async def after_first_frame() -> None:
                """After the first screen is drawn: open (and migrate) the database and
                install changed bundled worlds (the lists wait for it), then make the
                narrator on a thread (an AI one takes seconds) before the first turn."""
                if not ready.done():
                    try:
                        await container.open()
                        done = await install_bundled(container)
                    except BaseException as error:
                        ready.set_exception(error)
                        app.exit(return_code=1)
                        return
                    ready.set_result(None)
                    for notice in skipped_notices(done):
                        app.notify(notice, severity="warning", timeout=8, markup=False)
                if not configured.offline:
                    await asyncio.to_thread(lambda: configured.narrator)

            media_settings = container.settings.media

            def media() -> MediaService | None:
                """Pictures and voices on the TUI's play service, when [media] has any."""
                if not (media_settings.enabled and (media_settings.image or media_settings.speech)):
                    return None
                from storyai.core.media.build import media_service

                return media_service(
                    media_settings, service(), policy=container.quota, clock=container.clock
                )

            if (
                media_settings.enabled
                and media_settings.image
                and media_settings.inline_images
                and media_settings.image_mode == "auto"
            ):
                # textual-image asks the terminal what it can draw: only possible before
                # Textual takes over the terminal's input and output
                with contextlib.suppress(ImportError):
                    import textual_image.renderable  # noqa: F401

            app = StoryApp(
                service,  # the story engine loads on first use, after the first frame
                world_id=world_id,
                world_version=world_version,
                session_id=session_id,
                seed=seed,
                narrator_label=configured.label,
                notices=notices,
                after_first_frame=after_first_frame,
                media=media,
                inline_images=media_settings.inline_images,
                image_mode=media_settings.image_mode,
            )
            await app.run_async()
            if ready.done() and ready.exception() is not None:
                raise ready.exception()  # type: ignore[misc]
        finally:
            await container.close()

    asyncio.run(main())
