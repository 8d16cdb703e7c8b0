"""The play screen: the story, the choices, the command line, and the side panel."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from textual import events, on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import Footer, Header, Input

from storyai.core.domain.errors import StoryError, UsageError
from storyai.core.domain.events import Line, Narration, PlayerAction
from storyai.core.domain.legacy import LOCAL
from storyai.core.domain.records import EventRecord
from storyai.core.domain.state import GameState
from storyai.core.domain.world import World
from storyai.core.media.service import MediaOutcome
from storyai.core.play import BranchInfo, Play, TurnResult
from storyai.core.views import PlayerView, player_view
from storyai.core.views.growth import level_up_view
from storyai.core.views.powers import powers_view
from storyai.tui.completion import Vocabulary
from storyai.tui.deps import EXPORT_DIR_ENV, default_export_dir, free_path
from storyai.tui.screens.create import NewStory
from storyai.tui.screens.level_up import LevelUpScreen
from storyai.tui.screens.powers import PowersScreen
from storyai.tui.widgets.choices import ChoiceBar
from storyai.tui.widgets.command_input import CommandInput
from storyai.tui.widgets.log import NarrativeLog
from storyai.tui.widgets.side_panel import SidePanel
from storyai.tui.widgets.status import StatusLine

if TYPE_CHECKING:
    from storyai.tui.app import StoryApp

RESUME_TURNS = 40
"""How many past turns are put back in the log when a story is opened."""
PROMPT = "What do you do?  (Tab completes, F1 help)"
"""The command line's invitation, shown only when a turn may be played."""
WAIT_PROMPT = "(the game master is telling your last turn… type ahead: Enter queues)"
"""The command line while a turn that was stored but never told is told."""


def untold_notice(action: str) -> str:
    """What the log shows while a turn that was stored but never told is told."""
    action = " ".join(action.split())
    if len(action) > 60:
        action = action[:59].rstrip() + "…"
    return f"Telling your last turn: {action}…" if action else "Telling your last turn…"


ENDED_PROMPT = "The story has ended: F3 rewinds to an earlier turn, ctrl+p starts a new story"
"""The command line once the story has ended (the ending stays readable above it)."""


WIDE = 110
"""From this width on, the side panel shows unless hidden with F2."""
PANEL_WIDTH = 42
"""As in app.tcss (#panel)."""
TWO_COLUMNS = 64
"""Choices go in two columns when the story is at least this wide."""


def past_turns(
    events: list[EventRecord], limit: int = RESUME_TURNS
) -> list[tuple[str | None, list[Line]]]:
    """(what the player typed, what they were told) for the last ``limit`` turns of a
    line; an action that was never told (the app stopped while telling it) comes last,
    with nothing told yet."""
    turns: list[tuple[str | None, list[Line]]] = []
    action: str | None = None
    for record in events:
        event = record.event
        if isinstance(event, PlayerAction):
            action = event.text
        elif isinstance(event, Narration):
            turns.append((action, list(event.lines)))
            action = None
    if action is not None:
        turns.append((action, []))
    return turns[-limit:]


class PlayScreen(Screen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("f2", "panel", "Panel"),
        Binding("f3", "history", "History"),
        Binding("f4", "next_tab", "Next tab", show=False),
        Binding("f5", "map", "Map", show=False),
        Binding("f6", "codex", "Codex", show=False),
        Binding("f7", "level_up", "Level up", show=False),
        Binding("f8", "powers", "Powers", show=False),
        Binding("escape", "focus_input", "Type", show=False),
        Binding("pageup", "scroll_log(-1)", "Scroll up", show=False),
        Binding("pagedown", "scroll_log(1)", "Scroll down", show=False),
        *[Binding(str(n), f"choose({n})", show=False) for n in range(1, 10)],
    ]

    def __init__(self, *, session_id: str | None = None, new: NewStory | None = None) -> None:
        super().__init__()
        self.session_id = session_id
        self.new = new
        self.world: World | None = None
        self.state: GameState | None = None
        self.view: PlayerView | None = None
        self.branches: list[BranchInfo] = []
        self.busy = False
        self.untold = False
        """A turn was stored but not told (its narrator failed): told before the next."""
        self.untold_action = ""
        """What the player typed for that turn."""
        self._panel_choice: bool | None = None  # None: by width
        self._redrawn = False  # drawn anew by ``redraw`` under the history screen
        self.queued: list[str] = []
        """Input sent while a turn was being told: played in order once it is told."""
        self.remarks_on = True
        """The companion may speak first (the player's setting, read with its tab)."""
        self.aloud = False
        """Narration is read aloud (the palette's toggle; needs a voice and a player)."""
        self._voice_turns = asyncio.Lock()

    @property
    def story_app(self) -> StoryApp:
        return self.app  # type: ignore[return-value]

    @property
    def service(self) -> Play:
        return self.story_app.deps.play

    # ------------------------------------------------------------ layout

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal(id="play"):
            with Vertical(id="story"):
                yield StatusLine(id="status")
                yield NarrativeLog(id="log")
                yield ChoiceBar(id="choices")
                yield CommandInput(id="command", placeholder=PROMPT, compact=True)
            yield SidePanel(id="panel")
        yield Footer()

    @property
    def log_view(self) -> NarrativeLog:
        return self.query_one("#log", NarrativeLog)

    @property
    def command(self) -> CommandInput:
        return self.query_one("#command", CommandInput)

    def on_mount(self) -> None:
        self.query_one("#choices", ChoiceBar).display = False
        self._fit_panel()
        self.command.focus()
        self.open_story()

    def on_resize(self, event: events.Resize) -> None:
        self._fit_panel(event.size.width)
        self.log_view.call_after_refresh(self.log_view.show_latest)

    def _fit_panel(self, width: int | None = None) -> None:
        panel = self.query_one("#panel", SidePanel)
        width = self.app.size.width if width is None else width
        show = self._panel_choice if self._panel_choice is not None else width >= WIDE
        panel.display = show and self.view is not None
        story_width = width - (PANEL_WIDTH if panel.display else 0)
        choices = self.query_one("#choices", ChoiceBar)
        choices.styles.grid_size_columns = 2 if story_width >= TWO_COLUMNS else 1

    # ------------------------------------------------------------ loading

    @work(group="story")
    async def open_story(self) -> None:
        """Tell the opening of a new story, or put an old one back where it was."""
        self.busy = True
        self._hold_input(True)
        opened = False
        try:
            with self.story_app.story_errors():
                if self.new is not None:
                    await self._start(self.new)
                elif self.session_id is not None:
                    await self._resume(self.session_id)
                opened = True
        finally:
            self.busy = False
            self._hold_input(False)
        if not opened:  # back to where the player came from (creation, or the title)
            self.dismiss(None)
        else:
            await self._play_queued()

    async def _start(self, new: NewStory) -> None:
        deps = self.story_app.deps
        log = self.log_view
        await log.begin_stream()
        try:
            result = await self.service.start(
                new.world_id,
                version=new.version,
                player_name=new.name,
                archetype=new.archetype,
                scores=new.scores,
                identity=new.identity,
                buys=list(new.buys) or None,
                followers=list(new.followers) or None,
                heirlooms=list(new.heirlooms) or None,
                seed=deps.seed,
                on_text=log.sink,
            )
        finally:
            await log.end_stream()
        self.session_id = result.session_id
        _, self.world = await self.service.state(result.session_id)
        await log.add_lines(result.lines, new_turn=True)
        await self._show(result.state, branches=True)
        self.media_after(result.lines, portrait=True)

    async def _resume(self, session_id: str) -> None:
        """The story as it was left: its last turns in the log, and a turn that was
        stored but never told (the app stopped while telling it) told now, streamed."""
        play = self.service
        state, self.world = await play.state(session_id)
        events = await play.history(session_id, last_turns=RESUME_TURNS)
        self.untold = bool(events) and events[-1].event.awaits_telling
        self.untold_action = getattr(events[-1].event, "text", "") if self.untold else ""
        # the story's state first (HP, turn, choices), then its words: nothing from
        # before a rewind stays on screen while the log is rebuilt
        await self._show(state, branches=True)
        if self.untold:
            self.query_one("#choices", ChoiceBar).display = False  # from before that turn
        await self.log_view.restore(past_turns(events))
        if self.untold:
            with self.story_app.story_errors():  # a narrator that fails again: shown, and
                told = await self._tell_untold()  # told before the next turn
                if told is not None:
                    await self._show(told.state)

    async def _tell_untold(self) -> TurnResult | None:
        """Tell the turn that was stored but never told, streaming it into the log under a
        notice naming it; the command line waits until it is told."""
        assert self.session_id is not None
        log = self.log_view
        choices = self.query_one("#choices", ChoiceBar)
        choices.display = False  # they were offered before that turn
        self._hold_input(True)
        await log.begin_stream(untold_notice(self.untold_action))
        try:
            result = await self.service.tell_pending(
                self.session_id, take_over=True, on_text=log.sink
            )
        finally:
            await log.end_stream()
            choices.display = bool(choices.children)
            self._hold_input(False)
        self.untold = False
        if result is not None:
            await log.add_lines(result.lines)
        return result

    def _hold_input(self, held: bool) -> None:
        """No invitation to play while a turn is being told (what is typed meanwhile is
        queued, see ``_submitted``); once the story has ended, the ways on."""
        ended = self.state is not None and bool(self.state.ending)
        for command in self.query(CommandInput):  # none once the screen is closing
            command.placeholder = WAIT_PROMPT if held else ENDED_PROMPT if ended else PROMPT

    async def _show(self, state: GameState, *, branches: bool = False) -> None:
        """Draw the story's state: status, panel, choices, completion words; with
        ``branches``, read the branches again (a turn never changes them)."""
        assert self.world is not None and self.session_id is not None
        self.state = state
        self.view = player_view(state, self.world)
        if branches:
            self.branches = await self.service.list_branches(self.session_id)
        branch = next((b.name for b in self.branches if b.active), "")
        self.query_one("#status", StatusLine).show(self.view, branch)
        self.query_one("#panel", SidePanel).show(self.view)
        await self._show_companion()
        ended = bool(state.ending)
        await self.query_one("#choices", ChoiceBar).show(state.choices, ended=ended)
        command = self.command
        command.vocabulary = Vocabulary.from_view(self.view)
        command.choice_count = 0 if ended else len(state.choices)
        self._hold_input(False)
        self.title = f"{self.world.world.title} — {self.view.sheet.name}"
        self.sub_title = f"turn {state.turn}"
        self._fit_panel()

    async def _show_companion(self) -> None:
        """The companion's tab: its name, bond and last words (as the core reads them)."""
        if self.session_id is None:
            return
        try:
            panel = await self.service.companion.panel(self.session_id)
        except StoryError:
            return  # no seat to speak to (the tab keeps what it showed)
        self.remarks_on = panel.remarks_setting != "off"
        for side in self.query("#panel").results(SidePanel):
            side.show_companion(panel)

    @work(group="companion")
    async def toggle_remarks(self) -> None:
        """The palette's toggle: the companion speaks first (the defaults) or never; kept
        in the player's companion settings, for every story."""
        with self.story_app.story_errors():
            setting = "off" if self.remarks_on else "on"
            await self.service.companion.set_remark_settings(LOCAL, setting)
            await self._show_companion()
            said = "may speak first again" if self.remarks_on else "no longer speaks first"
            self.notify(f"Your companion {said}.")

    @on(Input.Submitted, "#companion-ask")
    def _ask_companion(self, event: Input.Submitted) -> None:
        question = event.value.strip()
        event.input.value = ""
        if question and self.session_id is not None:
            self.ask_companion(question)

    @work(group="companion")
    async def ask_companion(self, question: str) -> None:
        """The companion answers in its tab (no turn is taken; it remembers being asked)."""
        assert self.session_id is not None
        from rich.text import Text

        with self.story_app.story_errors():
            reply = await self.service.companion.ask(self.session_id, question)
            self.query_one("#panel", SidePanel).answer = Text.assemble(
                ("You: ", "bold"),
                question,
                "\n",
                (f"{reply.companion}: ", "bold green"),
                reply.text,
            )
            await self._show_companion()

    # ------------------------------------------------------------- turns

    @on(CommandInput.Submitted, "#command")
    async def _submitted(self, event: CommandInput.Submitted) -> None:
        text = event.value.strip()
        if not text:
            return
        self.command.remember(text)
        self.command.value = ""
        if self.busy:  # kept, shown as waiting, and played once this turn is told
            self.queued.append(text)
            await self.log_view.add_queued(text)
            return
        self.start_turn(text)

    @on(CommandInput.ChoiceKey)
    def _choice_key(self, event: CommandInput.ChoiceKey) -> None:
        self.action_choose(event.number)

    @on(ChoiceBar.Picked)
    def _picked(self, event: ChoiceBar.Picked) -> None:
        self.action_choose(event.number)
        self.command.focus()

    @on(ChoiceBar.EndingAction)
    def _ending_action(self, event: ChoiceBar.EndingAction) -> None:
        if event.action == "history":
            self.action_history()
        else:
            self.story_app.new_story()

    def on_key(self, event: events.Key) -> None:
        """Typing types: a printable key pressed with the focus elsewhere on this screen
        (the log, a choice, the panel) goes to the command line, which takes the focus
        back, so no letter ever acts as a shortcut (``q`` never quits mid-word). Only a
        digit on an empty line stays a shortcut: it picks that choice."""
        command = self.command
        character = event.character
        if self.focused is command or not event.is_printable or character is None:
            return
        if isinstance(self.focused, Input):  # the companion's own line types as it is
            return
        if character in "123456789" and not command.value:
            return  # the screen's bindings pick the choice
        event.stop()
        event.prevent_default()
        command.focus()
        command.insert_text_at_cursor(character)

    def action_choose(self, number: int) -> None:
        choices = self.query_one("#choices", ChoiceBar).choices
        if self.busy:  # those choices are from before the turn being told
            self.notify(
                "This turn's choices come once it is told; type ahead to queue instead.",
                markup=False,
                timeout=4,
            )
            return
        if self.state is None or self.state.ending:
            return
        if 1 <= number <= len(choices):
            command = choices[number - 1].command
            if command == "improve" and self.action_level_up():
                return  # the level-up screen makes the choice
            self.start_turn(command)

    def action_powers(self) -> None:
        """The powers screen; a power picked there goes on the command line, to aim."""
        if self.state is None or self.world is None or self.view is None:
            return
        player = self.state.players.get(self.view.player_id)
        if player is None:
            return
        view = powers_view(player.sheet, self.world, self.state.turn, self.state.flags)

        def chosen(command: str | None) -> None:
            if command:  # on the command line, to aim ("... on ") or just press Enter
                self.command.value = command
                self.command.cursor_position = len(command)
            self.command.focus()

        self.app.push_screen(PowersScreen(view), chosen)

    def action_level_up(self) -> bool:
        """Open the level-up choice, if one is waiting; whether it opened."""
        if self.state is None or self.world is None or self.view is None or self.busy:
            return False
        player = self.state.players.get(self.view.player_id)
        view = level_up_view(player.sheet, self.world, flags=self.state.flags) if player else None
        if view is None:
            self.notify("No level-up choice is waiting.", markup=False, timeout=3)
            return False

        def chosen(command: str | None) -> None:
            if command:
                self.start_turn(command)
            self.command.focus()

        self.app.push_screen(LevelUpScreen(view), chosen)
        return True

    def start_turn(self, text: str) -> None:
        """Play ``text`` unless a turn is being told (busy is set at once, so a second
        Enter before the first turn's worker runs is not a second turn)."""
        if self.session_id is None or self.busy:
            return
        self.busy = True
        self.play(text)

    @work(group="story")
    async def play(self, text: str, *, queued: bool = False) -> None:
        """One turn: echo the input, stream the narration, then draw the told lines. A
        turn whose narrator failed is told first (it was stored, never lost). Then the
        input queued meanwhile, if any, is played."""
        assert self.session_id is not None
        log = self.log_view
        try:
            if queued:
                await log.take_queued()
            self._hold_input(True)
            with self.story_app.story_errors():
                if self.untold:
                    told = await self._tell_untold()
                    if told is not None:
                        await self._show(told.state)
                    self._hold_input(True)
                await log.add_action(text)
                await log.begin_stream()
                try:
                    result = await self.service.act(self.session_id, text, on_text=log.sink)
                except StoryError:
                    self.untold = True  # stored before it was told: told before the next
                    self.untold_action = text
                    raise
                await log.end_stream()
                await log.add_lines(result.lines)
                await self._show(result.state)
                self.media_after(result.lines)
                if result.events:  # a turn was played: the companion may speak up
                    remark = await self.service.companion.remark(self.session_id)
                    if remark is not None:
                        await log.add_lines([remark.line()])
                        await self._show_companion()
        finally:
            await log.end_stream()
            self.busy = False
            self._hold_input(False)
        await self._play_queued()

    async def _play_queued(self) -> None:
        """The next queued input, once nothing is being told. A story that ended, or a
        turn that failed, stops the queue: what waited goes back on the command line."""
        if not self.queued or self.busy:
            return
        if self.state is not None and not self.state.ending and not self.untold:
            self.busy = True
            self.play(self.queued.pop(0), queued=True)
            return
        waiting, self.queued = self.queued, []
        await self.log_view.clear_queued()
        command = self.command
        if not command.value:
            command.value = waiting[0]
            command.cursor_position = len(command.value)
        ended = self.state is not None and bool(self.state.ending)
        why = "the story has ended" if ended else "the last turn was not told"
        rest = " (↑ for the others)" if len(waiting) > 1 else ""
        self.notify(
            f"Not sent, {why}: {'; '.join(waiting)}. Back on the command line{rest}.",
            markup=False,
            timeout=8,
        )

    # ----------------------------------------------------------- actions

    def action_panel(self) -> None:
        panel = self.query_one("#panel", SidePanel)
        self._panel_choice = not panel.display
        self._fit_panel()
        self.log_view.call_after_refresh(self.log_view.show_latest)

    def action_next_tab(self) -> None:
        panel = self.query_one("#panel", SidePanel)
        if not panel.display:
            self._panel_choice = True
            self._fit_panel()
        panel.next_tab()

    def action_scroll_log(self, direction: int) -> None:
        log = self.log_view
        if direction < 0:
            log.scroll_page_up(animate=False)
        else:
            log.scroll_page_down(animate=False)

    def action_focus_input(self) -> None:
        self.command.focus()

    def action_history(self) -> None:
        if self.session_id is None or self.busy:
            return
        from storyai.tui.screens.history import HistoryScreen

        self.app.push_screen(HistoryScreen(self.session_id), callback=self._after_history)

    def action_map(self) -> None:
        if self.session_id is None:
            return
        from storyai.tui.screens.knowledge import MapScreen

        self.app.push_screen(MapScreen(self.session_id), callback=lambda _: self.command.focus())

    def action_codex(self) -> None:
        if self.session_id is None:
            return
        from storyai.tui.screens.knowledge import CodexScreen

        self.app.push_screen(CodexScreen(self.session_id), callback=lambda _: self.command.focus())

    def _after_history(self, changed: bool | None) -> None:
        if changed and not self._redrawn:
            self.reload()
        self._redrawn = False
        self.command.focus()

    async def redraw(self) -> None:
        """Draw the active line again (state, panels, choices, log) while another screen
        still covers this one: the history screen calls it after a rewind or a switch,
        before it closes, so the story from before never shows."""
        if self.session_id is None or self.busy:
            return
        self.busy = True
        try:
            with self.story_app.story_errors():
                await self._resume(self.session_id)
                self._redrawn = True
        finally:
            self.busy = False

    def reload(self) -> None:
        """After a rewind or a branch switch: the log and state of the active line."""
        if self.session_id is not None and not self.busy:
            self.busy = True
            self._reload(None)

    def switch_branch(self, name: str) -> None:
        if self.session_id is not None and not self.busy:
            self.busy = True
            self._reload(name)

    @work(group="story")
    async def _reload(self, branch: str | None) -> None:
        assert self.session_id is not None
        try:
            with self.story_app.story_errors():
                if branch is not None:
                    await self.service.switch_branch(self.session_id, branch)
                await self._resume(self.session_id)
                if branch is not None:
                    self.notify(f"On branch {branch}.", markup=False)
        finally:
            self.busy = False
        await self._play_queued()

    # ------------------------------------------------------------- media

    def media_after(self, lines: list[Line], *, portrait: bool = False) -> None:
        """Pictures (a new character's portrait, what the turn asks for) and, when read
        aloud, the turn's lines: made after the turn is shown, never in its way."""
        deps = self.story_app.deps
        media = deps.media
        if media is None or self.session_id is None:
            return
        if deps.inline_images and media.router.can_draw:
            self._pictures(portrait)
        if self.aloud and media.router.can_speak:
            self._speak(list(lines))

    @work(group="pictures", exclusive=False)
    async def _pictures(self, portrait: bool) -> None:
        media = self.story_app.deps.media
        assert media is not None and self.session_id is not None
        outcomes = []
        if portrait:
            outcomes.append(await media.portrait(self.session_id, user="local"))
        outcomes += await media.after_turn(self.session_id, user="local")
        for outcome in outcomes:
            await self.show_picture(outcome)

    async def show_picture(self, outcome: MediaOutcome) -> None:
        from storyai.tui.widgets.picture import PictureEntry

        if outcome.entry is None:
            if outcome.notice:
                self.notify(outcome.notice, severity="warning", timeout=6)
            return
        media = self.story_app.deps.media
        assert media is not None
        data = outcome.data or await media.read(outcome.entry)
        caption = {
            "portrait": "Portrait",
            "establishing": "A new place",
            "scene": "The scene",
        }.get(outcome.entry.kind, "Picture")
        if outcome.entry.kind == "portrait" and self.view is not None:
            caption = f"Portrait: {self.view.sheet.name}"
        entry = PictureEntry(caption, data, outcome.path, mode=self.story_app.deps.image_mode)
        await self.log_view.add_picture(entry)

    def action_portrait(self) -> None:
        if self.story_app.deps.media is None:
            self.notify("No image provider is configured ([media] image in the config file).")
            return
        self._pictures(True)

    def toggle_aloud(self) -> None:
        """Read the narration aloud, or stop: only with a voice and an audio player."""
        from storyai.tui.audio import INSTALL_HINT, any_player

        media = self.story_app.deps.media
        if self.aloud:
            self.aloud = False
            self.notify("Narration is no longer read aloud.")
        elif media is None or not media.router.can_speak:
            self.notify("No voice is configured ([media] speech in the config file).")
        elif not any_player():
            self.notify(INSTALL_HINT, severity="warning", timeout=8)
        else:
            self.aloud = True
            self.notify("Narration is read aloud from the next turn on.")

    @work(group="voice", exclusive=False)
    async def _speak(self, lines: list[Line]) -> None:
        from storyai.tui.audio import play_file

        media = self.story_app.deps.media
        assert media is not None and self.session_id is not None
        async with self._voice_turns:  # one turn's lines after the other's
            for outcome in await media.speak(self.session_id, lines, user="local"):
                if outcome.entry is None:
                    if outcome.notice:
                        self.notify(outcome.notice, severity="warning", timeout=6)
                    break
                if outcome.path is not None and self.aloud:
                    await play_file(outcome.path)

    def export_transcript(self, fmt: str) -> None:
        self._export(fmt)

    @work(group="export")
    async def _export(self, fmt: str) -> Path | None:
        """Write this branch's transcript to the export folder (see ``Deps``), named for
        the story, the session and the turn, never over an earlier export, and say
        where in full."""
        if self.session_id is None or self.world is None or self.state is None:
            return None
        with self.story_app.story_errors():
            text = await self.service.transcript(self.session_id, fmt)
            name = _slug(self.title or self.world.world.title)
            suffix = "md" if fmt == "markdown" else "json"
            folder = self.story_app.deps.export_dir or default_export_dir()
            stem = f"{name}-{self.session_id[:8]}-turn{self.state.turn}"
            try:
                folder.mkdir(parents=True, exist_ok=True)
                path = free_path(folder, stem, suffix)
                path.write_text(text, encoding="utf-8")
            except OSError as exc:
                raise UsageError(
                    f"Could not write the transcript in {folder}: {exc.strerror or exc}.",
                    hint=f"set {EXPORT_DIR_ENV} to a folder you can write to",
                ) from exc
            self.notify(
                f"Transcript written to {path.resolve()}",
                title="Exported",
                markup=False,
                timeout=12,
            )
            return path
        return None


def _slug(text: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    return slug[:40] or "story"
