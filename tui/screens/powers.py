"""The powers screen: what each power and combo would do now, drawn from the core's
``PowersView``. Enter on a ready one puts its command on the command line."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from storyai.core.views.powers import PowersView


def _power_text(name: str, detail: str, effect: str, ready: bool, why: str | None) -> Text:
    text = Text(name, "bold" if ready else "dim")
    text.append(f"  {detail}\n", "dim")
    text.append(f"  {effect}")
    text.append("  ready" if ready else f"\n  {why}", "green" if ready else "yellow")
    return text


class PowersScreen(ModalScreen[str | None]):
    """Esc or F8 closes; Enter on a ready power or combo hands back its command."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape,f8", "close", "Close")]

    def __init__(self, view: PowersView) -> None:
        super().__init__()
        self.view = view

    def compose(self) -> ComposeResult:
        view = self.view
        with Vertical(id="powers-box"):
            yield Static(
                f"Powers · {view.points}/{view.max_points} PP — Enter uses, Esc closes",
                id="powers-title",
            )
            options = [
                Option(
                    _power_text(
                        p.name,
                        f"{p.category} · {p.cost}" + (f" · {p.limits}" if p.limits else ""),
                        p.effect,
                        p.ready,
                        p.why_not,
                    ),
                    id=f"power:use {p.name.lower()}" + (" on " if p.needs_target else ""),
                )
                for p in view.powers
            ]
            options += [
                Option(
                    _power_text(
                        f"Combo: {c.name}",
                        f"{' + '.join(c.powers)} · {c.cost}",
                        c.effect,
                        c.ready,
                        c.why_not,
                    ),
                    id=f"power:{c.command}" + (" on " if c.needs_target else ""),
                )
                for c in view.combos
            ]
            if not options:
                yield Static("You have no powers in this world.")
            yield OptionList(*options, id="powers-list")

    def on_mount(self) -> None:
        self.query_one("#powers-list", OptionList).focus()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        command = (event.option.id or "").removeprefix("power:")
        self.dismiss(command or None)  # "use ember touch on ": the player names the foe

    def action_close(self) -> None:
        self.dismiss(None)
