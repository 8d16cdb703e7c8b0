"""The numbered choices under the story, as buttons (press the number, or click)."""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual.containers import Grid
from textual.message import Message
from textual.widgets import Button

from storyai.core.domain.state import Choice

MAX_SHOWN = 9


class ChoiceButton(Button):
    def __init__(self, number: int, choice: Choice) -> None:
        label = Text.assemble(
            (f"{number} ", "bold"), choice.text, no_wrap=True, overflow="ellipsis"
        )
        super().__init__(label, id=f"choice-{number}", compact=True, classes="choice")
        self.number = number
        self.choice = choice


class EndingButton(Button):
    def __init__(self, label: str, action: str) -> None:
        super().__init__(Text(label), id=f"ending-{action}", compact=True, classes="choice ending")
        self.action_name = action


class ChoiceBar(Grid):
    """Up to nine choices; after an ending, the ways on (rewind, new story)."""

    @dataclass
    class Picked(Message):
        number: int
        choice: Choice

    @dataclass
    class EndingAction(Message):
        action: str  # "history" or "new_story"

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.choices: list[Choice] = []

    async def show(self, choices: list[Choice], *, ended: bool = False) -> None:
        self.choices = list(choices)[:MAX_SHOWN]
        await self.remove_children()
        if ended:
            await self.mount_all(
                [
                    EndingButton("⟲ Rewind to an earlier turn (F3)", "history"),
                    EndingButton("✦ Start a new story", "new_story"),
                ]
            )
        else:
            await self.mount_all([ChoiceButton(n, c) for n, c in enumerate(self.choices, 1)])
        self.display = bool(self.children)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        button = event.button
        if isinstance(button, ChoiceButton):
            self.post_message(self.Picked(button.number, button.choice))
        elif isinstance(button, EndingButton):
            self.post_message(self.EndingAction(button.action_name))
