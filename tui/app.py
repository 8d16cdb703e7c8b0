"""The Story AI terminal app: title, character creation, play, history, help.

Run it with ``storyai play``. It takes everything from outside by injection
(``Deps``): the play service (a database, a narrator, a clock), a seed, dice, so
tests drive it on an in-memory store with fixed dice. Every story use case is a call
of that service; the screens only draw what it returns.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from textual.app import App, SystemCommand
from textual.binding import Binding, BindingType
from textual.screen import Screen

from storyai.core.domain.errors import StoryError
from storyai.tui.commands import StoryCommands
from storyai.tui.deps import Deps
from storyai.tui.screens.title import TitleScreen

if TYPE_CHECKING:  # the other screens, and the story engine, load after the first frame
    from storyai.core.domain.dice import Dice
    from storyai.core.media.service import MediaService
    from storyai.core.play import Play
    from storyai.tui.screens.create import NewStory
    from storyai.tui.screens.play import PlayScreen


class StoryApp(App[None]):
    """``storyai play``: pick or continue a story, make a character, play."""

    CSS_PATH = "app.tcss"
    TITLE = "Story AI Studio"
    COMMANDS = App.COMMANDS | {StoryCommands}
    COMMAND_PALETTE_BINDING = "ctrl+p"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("f1", "help", "Help"),
        Binding("q", "quit", "Quit", show=False),
    ]

    def __init__(
        self,
        play: Play | Callable[[], Play],
        *,
        world_id: str | None = None,
        world_version: str | None = None,
        session_id: str | None = None,
        seed: int | None = None,
        narrator_label: str | None = None,
        notices: list[str] | None = None,
        dice: Dice | None = None,
        export_dir: Path | None = None,
        after_first_frame: Callable[[], Awaitable[None]] | None = None,
        media: MediaService | Callable[[], MediaService | None] | None = None,
        inline_images: bool = True,
        image_mode: str = "auto",
    ) -> None:
        """``play`` is the play service, or a function that makes it on first use (the
        story engine then loads after the first frame). ``after_first_frame`` runs (as
        a worker) once the first screen is drawn: `storyai play` opens and migrates the
        database there, behind units of work that wait for it (``deps.when_ready``),
        so the title shows at once."""
        super().__init__()
        if callable(play):
            make_play = play
            label = narrator_label or "offline"
        else:
            service = play
            make_play = lambda: service  # noqa: E731
            label = narrator_label or service.narrator.name
        self.deps = Deps(
            make_play=make_play,
            seed=seed,
            narrator_label=label,
            notices=list(notices or []),
            dice=(lambda: dice) if dice is not None else None,
        )
        if export_dir is not None:
            self.deps.export_dir = export_dir
        if media is not None:
            self.deps.make_media = media if callable(media) else (lambda: media)
        self.deps.inline_images = inline_images
        self.deps.image_mode = image_mode
        self._start_world = world_id
        self._start_version = world_version  # None: the world's newest release
        self._start_session = session_id
        self._after_first_frame = after_first_frame

    def on_mount(self) -> None:
        if self._after_first_frame is not None:
            work = self._after_first_frame
            self.call_after_refresh(lambda: self.run_worker(work(), name="after first frame"))
        for notice in self.deps.notices:
            self.notify(notice, severity="warning", timeout=8)
        if self._start_session:
            from storyai.tui.screens.play import PlayScreen

            self.push_screen(TitleScreen())
            self.push_screen(PlayScreen(session_id=self._start_session))
        elif self._start_world:
            from storyai.tui.screens.create import CreateScreen

            self.push_screen(TitleScreen())
            self.push_screen(CreateScreen(self._start_world, self._start_version))
        else:
            self.push_screen(TitleScreen())

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        """Textual's own palette entries, less its Quit: ours says the story is kept."""
        for command in super().get_system_commands(screen):
            if command.title != "Quit":
                yield command

    # ------------------------------------------------------------ errors

    def report(self, error: StoryError) -> None:
        """A core error as a notification: the message, and the hint when there is one."""
        message = error.message if not error.hint else f"{error.message}\nHint: {error.hint}"
        self.notify(message, title="Story AI", severity="error", timeout=8, markup=False)

    @contextmanager
    def story_errors(self) -> Iterator[None]:
        """Show StoryErrors as notifications; anything else is a bug and propagates."""
        try:
            yield
        except StoryError as error:
            self.report(error)

    # -------------------------------------------------------- navigation

    async def _reset_to(self, *screens: Screen) -> None:
        while len(self.screen_stack) > 2:
            await self.pop_screen()
        if len(self.screen_stack) == 2:
            await self.switch_screen(screens[0])
        else:
            await self.push_screen(screens[0])
        for screen in screens[1:]:
            await self.push_screen(screen)

    def go_title(self) -> None:
        self.call_later(self._reset_to, TitleScreen())

    def new_story(self, world_id: str | None = None) -> None:
        """Back to the title screen; with a world, straight on to character creation."""
        screens: list[Screen] = [TitleScreen()]
        if world_id:
            from storyai.tui.screens.create import CreateScreen

            screens.append(CreateScreen(world_id))
        self.call_later(self._reset_to, *screens)

    def open_session(self, session_id: str) -> None:
        from storyai.tui.screens.play import PlayScreen

        self.call_later(self._reset_to, TitleScreen(), PlayScreen(session_id=session_id))

    def begin(self, new: NewStory) -> None:
        """Character made: tell the opening on a new play screen."""
        from storyai.tui.screens.play import PlayScreen

        self.push_screen(PlayScreen(new=new))

    # ----------------------------------------------------------- actions

    def action_help(self) -> None:
        from storyai.tui.screens.help import HelpScreen

        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen())

    @property
    def play_screen(self) -> PlayScreen | None:
        from storyai.tui.screens.play import PlayScreen

        for screen in reversed(self.screen_stack):
            if isinstance(screen, PlayScreen):
                return screen
        return None
