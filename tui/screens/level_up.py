"""The level-up choice: an ability score improvement, +2 to one ability or +1 to two,
or one of the world's specializations in its place (percentile: a specialization
alone), under the class features the level brought.

It only draws the core's ``LevelUpView`` and hands back the input that makes the
choice (``improve str``); the rules check it when it is played like any turn."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, SelectionList, Static

from storyai.core.views.growth import LevelUpView


class LevelUpScreen(ModalScreen[str | None]):
    """Pick one ability (+2) or two (+1 each); Enter or ctrl+s confirms, Esc waits."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "close", "Later"),
        Binding("ctrl+s", "confirm", "Confirm"),
    ]

    def __init__(self, view: LevelUpView) -> None:
        super().__init__()
        self.view = view

    def compose(self) -> ComposeResult:
        view = self.view
        with Vertical(id="level-up-box"):
            yield Static(
                view.heading + (f" ({view.left} to choose)" if view.left > 1 else ""),
                id="level-up-title",
            )
            for feature in view.features:
                text = Text.assemble(("New: ", "bold"), (feature.name, "bold"))
                if feature.gives:
                    text.append(f" ({feature.gives})", "dim")
                if feature.description:
                    text.append(f" {feature.description}")
                yield Static(text, classes="level-up-feature")
            if view.options:
                yield Static(
                    Text(
                        f"Mark one ability for +2, or two for +1 each (at most {view.limit}).",
                        "dim",
                    ),
                    id="level-up-hint",
                )
                yield SelectionList[str](
                    *[(f"{o.label} {o.score}", o.key) for o in view.options],
                    id="level-up-options",
                )
                yield Static("", id="level-up-preview")
            if view.specializations:
                yield Static(Text(view.specializations_intro, "dim"), id="level-up-or")
                for spec in view.specializations:
                    label = f"{spec.name} — " + (
                        spec.gives if spec.open else "needs " + ", ".join(spec.missing)
                    )
                    yield Button(
                        label,
                        id=f"spec-{spec.id}",
                        classes="level-up-spec",
                        compact=True,
                        disabled=not spec.open,
                    )
            with Horizontal(id="level-up-buttons"):
                yield Button("Later", id="level-up-later", compact=True)
                if view.options:
                    yield Button(
                        "Confirm ▸", id="level-up-confirm", compact=True, variant="primary"
                    )

    def on_mount(self) -> None:
        if not self.view.options:  # only specializations to take
            self.query(".level-up-spec").first().focus()
            return
        self.query_one("#level-up-options", SelectionList).focus()
        self._preview()

    @property
    def picked(self) -> list[str]:
        if not self.view.options:
            return []
        return list(self.query_one("#level-up-options", SelectionList).selected)

    @on(SelectionList.SelectedChanged, "#level-up-options")
    def _changed(self) -> None:
        self._preview()

    def _preview(self) -> None:
        picked = self.picked
        scores = {o.key: o for o in self.view.options}
        gain = 2 if len(picked) == 1 else 1
        if 1 <= len(picked) <= 2:
            text = ", ".join(
                f"{scores[k].label} {scores[k].score} → {scores[k].score + gain}" for k in picked
            )
        elif picked:
            text = "Two at most: unmark one."
        else:
            text = "Nothing marked yet."
        self.query_one("#level-up-preview", Static).update(text)

    @on(Button.Pressed, "#level-up-confirm")
    def _confirm_pressed(self) -> None:
        self.action_confirm()

    @on(Button.Pressed, ".level-up-spec")
    def _specialize_pressed(self, event: Button.Pressed) -> None:
        spec_id = (event.button.id or "").removeprefix("spec-")
        self.dismiss(self.view.specialize(spec_id))

    @on(Button.Pressed, "#level-up-later")
    def _later_pressed(self) -> None:
        self.action_close()

    def action_confirm(self) -> None:
        if not self.view.options:
            self.notify("Pick a specialization, or Later.", severity="warning", markup=False)
            return
        picked = self.picked
        if not 1 <= len(picked) <= 2:
            self.notify("Mark one ability, or two.", severity="warning", markup=False)
            return
        self.dismiss(self.view.command(picked))

    def action_close(self) -> None:
        self.dismiss(None)
