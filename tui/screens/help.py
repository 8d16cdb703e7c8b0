"""Help: the keys, the commands the game master understands, and how rewinding works."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Markdown, Static

HELP_TEXT = """\
**Play** by typing what you do and pressing **Enter**, or press a choice's
**number** (on an empty line), or click it. The game master understands:

- `look`, `look at lantern`, `examine the shrine`
- `go north` (or `n`), `go to the chapel`, `back`
- `take key`, `drop key`, `use key on door`, `equip sword`
- `talk to Hesta`, `ask Hesta about the mine`, `give coin to Hesta`
- `attack wolf`, `cast sleep on wolf`, `flee`
- `inventory`, `sheet`, `quests`, `map`, `rest`, `long rest`, `wait`, `help`
- `improve str` or `improve dex con`: a level-up's ability score improvement (**F7**)
- `powers` (**F8**), `use ember touch on wolf`, `use ember touch with hearth ward` (a combo)

**Keys**

- **1**–**9**: pick a numbered choice · **↑ ↓**: earlier inputs · **PgUp PgDn**: scroll
- **Tab**: complete a command or a name (again: the next one); **→** takes the grey suggestion
- **F2**: side panel (sheet, pack, quests, map) · **F4**: its next tab
- **F5**: the map, full screen · **F6**: your codex (what you know, searchable)
- **F3**: history · **F1**: this help · **ctrl+p**: command palette
  (new story, history, export transcript, switch branch…)
- **Esc**: back to typing, or close · **ctrl+q**: quit (**q** when not typing)

**Rewinding.** Every turn is kept. In the history (**F3**) pick any turn and press
**Enter**: a new branch starts there and you play on from that moment (where a branch
ends, Enter switches to it). The old line stays as a branch to switch back to (**s**);
**n** starts a branch with a name of your choosing, **r** renames one.

**Quitting is always safe.** `storyai play` offers to continue where you left off, at
the exact turn; `storyai play --session ID` goes straight back.
"""


class HelpScreen(ModalScreen[None]):
    """Over whatever screen is open; Esc, F1 or q closes it."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,f1,q", "close", "Close"),
    ]

    def compose(self) -> ComposeResult:
        with Vertical(id="help-box"):
            yield Static("Help — Esc to close", id="help-title")
            with VerticalScroll(id="help-scroll"):
                yield Markdown(HELP_TEXT, id="help-text")

    def on_mount(self) -> None:
        self.query_one("#help-scroll").focus()

    def action_close(self) -> None:
        self.dismiss(None)
