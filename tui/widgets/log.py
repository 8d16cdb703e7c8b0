"""The scrolling story: what the player did and what they were told, with a live stream."""

from __future__ import annotations

from collections.abc import Iterable

from rich.text import Text
from textual.containers import VerticalScroll
from textual.widget import Widget
from textual.widgets import Static

from storyai.core.domain.events import Line
from storyai.tui.render import action_renderable, line_renderable, queued_renderable

MAX_ENTRIES = 600
"""Older entries are dropped from the screen (the history screen and transcript keep all)."""


class LogEntry(Static):
    """One told line, classed by its kind (``line-dialogue``, ``line-dice``, ...)."""

    def __init__(self, line: Line) -> None:
        super().__init__(line_renderable(line), classes=f"line line-{line.kind}")
        self.line = line


class ActionEntry(Static):
    """The player's input, echoed."""

    def __init__(self, text: str) -> None:
        super().__init__(action_renderable(text), classes="line line-action")
        self.text = text


class QueuedEntry(Static):
    """Input typed while a turn was being told: sent, in order, once it is told."""

    def __init__(self, text: str) -> None:
        super().__init__(queued_renderable(text), classes="line line-queued")
        self.text = text


class StreamingEntry(Static):
    """Narration as it arrives, replaced by the styled lines when the turn is told.
    Until the first words arrive it shows ``waiting`` (if given)."""

    def __init__(self, waiting: str = "") -> None:
        super().__init__(
            Text(waiting + " ▌", style="dim italic") if waiting else "",
            classes="line streaming",
            markup=False,
        )
        self.text = ""

    def add(self, delta: str) -> None:
        self.text += delta
        self.update(self.text + " ▌")


class NarrativeLog(VerticalScroll):
    """The story so far, newest at the bottom.

    After each turn the view shows where the turn began (the player's input), so a
    long reply is read from its start; a story put back (``restore``) shows its very
    end. PageUp/PageDown scroll while typing. Input typed while a turn is told waits
    at the bottom (``add_queued``) until its turn starts.
    """

    can_focus = True

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self._stream: StreamingEntry | None = None
        self._turn_start: Static | None = None
        self._queued: list[QueuedEntry] = []

    @property
    def streaming_text(self) -> str | None:
        return self._stream.text if self._stream is not None else None

    async def add_action(self, text: str) -> None:
        """The player's input: a new turn starts here."""
        await self._add([ActionEntry(text)], new_turn=True)

    async def add_lines(self, lines: Iterable[Line], *, new_turn: bool = False) -> None:
        await self._add([LogEntry(line) for line in lines], new_turn=new_turn)

    async def add_turn(self, action: str | None, lines: Iterable[Line]) -> None:
        entries: list[Static] = [ActionEntry(action)] if action else []
        entries += [LogEntry(line) for line in lines]
        await self._add(entries, new_turn=True)

    async def clear(self) -> None:
        self._stream = None
        self._turn_start = None
        self._queued = []
        await self.remove_children()

    async def restore(self, turns: Iterable[tuple[str | None, Iterable[Line]]]) -> None:
        """Put a story back, (input, what it was told) per turn, in one go, and keep the
        view at its very end once laid out (until the player scrolls away)."""
        await self.clear()
        entries: list[Static] = []
        for action, lines in turns:
            if action:
                entries.append(ActionEntry(action))
            entries += [LogEntry(line) for line in lines]
        await self.mount_all(entries[-MAX_ENTRIES:])
        self.anchor()  # laid out later: the anchor holds the view at the end meanwhile

    async def add_picture(self, entry: Widget) -> None:
        """A picture made after its turn was told: under what was told (a turn streaming
        meanwhile, or input waiting, stays below it)."""
        await self.mount(entry, before=self._bottom)

    async def add_queued(self, text: str) -> None:
        """Input waiting for the turn being told, shown dimmed at the very bottom."""
        entry = QueuedEntry(text)
        self._queued.append(entry)
        await self.mount(entry)
        self.call_after_refresh(self.scroll_end, animate=False)

    async def take_queued(self) -> None:
        """The oldest waiting input's turn starts: its dim line goes (the turn echoes it)."""
        if self._queued:
            await self._queued.pop(0).remove()

    async def clear_queued(self) -> None:
        queued, self._queued = self._queued, []
        for entry in queued:
            await entry.remove()

    @property
    def queued_texts(self) -> list[str]:
        return [entry.text for entry in self._queued]

    @property
    def _bottom(self) -> Static | None:
        """What new lines go before: the live stream, else the waiting input."""
        if self._stream is not None:
            return self._stream
        return self._queued[0] if self._queued else None

    async def begin_stream(self, waiting: str = "") -> None:
        """Start showing narration as it streams (``waiting`` until it does)."""
        await self.end_stream()
        bottom = self._bottom
        self._stream = StreamingEntry(waiting)
        await self.mount(self._stream, before=bottom)
        # Anchored, the log stays at its end while the entry grows: each layout scrolls,
        # so a line break that arrives just before a pause is not left below the fold.
        self.anchor()

    async def stream(self, delta: str) -> None:
        if self._stream is None:
            await self.begin_stream()
        assert self._stream is not None
        self._stream.add(delta)
        self.scroll_end(animate=False)

    async def reset_stream(self) -> None:
        """Forget what streamed so far this turn (a provider failed and another starts over)."""
        if self._stream is not None:
            self._stream.text = ""
            self._stream.update(" ▌")

    @property
    def sink(self) -> LogSink:
        """What to give a narrator as ``on_text``: streams deltas, honours resets."""
        return LogSink(self)

    async def end_stream(self) -> None:
        if self._stream is not None:
            stream, self._stream = self._stream, None
            self.anchor(False)
            await stream.remove()

    async def _add(self, entries: list[Static], *, new_turn: bool) -> None:
        if not entries:
            return
        await self.mount_all(entries, before=self._bottom)
        if new_turn:
            self._turn_start = entries[0]
            if self._stream is None:
                self.anchor(False)  # a restored story's hold on the end: the turn shows
        extra = len(self.children) - MAX_ENTRIES
        if extra > 0:
            await self.remove_children(list(self.children)[:extra])
        self.call_after_refresh(self.show_latest)

    def show_latest(self) -> None:
        """Scroll to the start of the latest turn (or to the end, if it is short); while a
        turn streams, to the end, where its words (or what it waits for) are."""
        if self._stream is not None:
            self.scroll_end(animate=False)
            return
        start = self._turn_start
        if start is not None and start.is_attached:
            self.scroll_to_widget(start, top=True, animate=False)
        else:
            self.scroll_end(animate=False)

    def entries_text(self) -> list[str]:
        """The log as plain text, one entry per item (for tests and accessibility)."""
        out = []
        for child in self.children:
            if isinstance(child, LogEntry):
                line = child.line
                out.append(f"{line.speaker}: {line.text}" if line.kind == "dialogue" else line.text)
            elif isinstance(child, ActionEntry):
                out.append(f"› {child.text}")
            elif isinstance(child, StreamingEntry):
                out.append(child.text)
            elif isinstance(child, QueuedEntry):
                out.append(f"› {child.text} (queued)")
        return out


class LogSink:
    """``on_text`` for the narrators: each delta goes to the log; ``reset`` clears the stream."""

    def __init__(self, log: NarrativeLog) -> None:
        self.log = log

    async def __call__(self, delta: str) -> None:
        await self.log.stream(delta)

    async def reset(self) -> None:
        await self.log.reset_stream()
