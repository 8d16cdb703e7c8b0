"""The line the player types on: history (up/down), Tab completion, number keys for choices."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import ClassVar

from textual import events
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.suggester import Suggester
from textual.widgets import Input

from storyai.tui.completion import Vocabulary, completions

HISTORY_LIMIT = 200
NOTHING_TO_COMPLETE = (
    "Nothing to complete here. Tab completes verbs, exits, items, people and topics; "
    "Enter sends the line."
)


class _CompletionSuggester(Suggester):
    """Shows the first completion greyed out after the cursor (→ or Tab takes it)."""

    def __init__(self, vocabulary: Callable[[], Vocabulary]) -> None:
        super().__init__(use_cache=False, case_sensitive=True)
        self._vocabulary = vocabulary

    async def get_suggestion(self, value: str) -> str | None:
        found = completions(value, self._vocabulary())
        return found[0] if found else None


class CommandInput(Input):
    """Free text for the game master. Empty line + a digit picks that numbered choice."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up", "history_back", "Previous input", show=False),
        Binding("down", "history_forward", "Next input", show=False),
        Binding("tab", "complete", "Complete", show=False),
    ]

    @dataclass
    class ChoiceKey(Message):
        number: int

    def __init__(self, **kwargs) -> None:
        self.vocabulary = Vocabulary()
        self.choice_count = 0
        # select_on_focus off: coming back to the line (Escape, a key typed elsewhere)
        # must not select what is typed, so the next key adds to it, never replaces it
        super().__init__(
            suggester=_CompletionSuggester(lambda: self.vocabulary),
            select_on_focus=False,
            **kwargs,
        )
        self.history: list[str] = []
        self._history_index: int | None = None
        self._draft = ""
        self._cycle: tuple[list[str], int] | None = None  # Tab's matches, the one shown
        self._hinted: str | None = None  # the text "nothing to complete" was said for

    # ------------------------------------------------------------ history

    def remember(self, text: str) -> None:
        text = text.strip()
        if text and (not self.history or self.history[-1] != text):
            self.history.append(text)
            del self.history[:-HISTORY_LIMIT]
        self._history_index = None

    def action_history_back(self) -> None:
        if not self.history:
            return
        if self._history_index is None:
            self._draft = self.value
            self._history_index = len(self.history)
        self._history_index = max(0, self._history_index - 1)
        self._show(self.history[self._history_index])

    def action_history_forward(self) -> None:
        if self._history_index is None:
            return
        self._history_index += 1
        if self._history_index >= len(self.history):
            self._history_index = None
            self._show(self._draft)
        else:
            self._show(self.history[self._history_index])

    def _show(self, text: str) -> None:
        self.value = text
        self.cursor_position = len(text)

    # --------------------------------------------------------- completion

    def action_complete(self) -> None:
        """Complete what is typed; Tab again shows the next match. Nothing to complete:
        the line keeps the focus (and what is typed) and says so; only on an empty line
        does Tab move on to the next widget, as Tab does elsewhere."""
        if self._cycle is not None:
            candidates, shown = self._cycle
            if self.value == candidates[shown]:
                shown = (shown + 1) % len(candidates)
                self._cycle = (candidates, shown)
                self._show(candidates[shown])
                return
        candidates = completions(self.value, self.vocabulary)
        if candidates:
            self._cycle = (candidates, 0)
            self._show(candidates[0])
            return
        self._cycle = None
        if not self.value.strip():
            self.screen.focus_next()
            return
        if self._hinted != self.value:  # once per text, not a toast per key press
            self._hinted = self.value
            self.app.bell()
            self.notify(NOTHING_TO_COMPLETE, timeout=4, markup=False)

    @property
    def completion_candidates(self) -> list[str]:
        return completions(self.value, self.vocabulary)

    # ------------------------------------------------------------- keys

    async def _on_key(self, event: events.Key) -> None:
        character = event.character
        if (
            character is not None
            and character in "123456789"
            and not self.value
            and int(character) <= self.choice_count
        ):
            event.stop()
            event.prevent_default()
            self.post_message(self.ChoiceKey(int(character)))
            return
        await super()._on_key(event)
