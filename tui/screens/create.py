"""Character creation: a name, an archetype of the world, and ability scores."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.screen import Screen
from textual.widgets import (
    Button,
    Footer,
    Header,
    Input,
    Label,
    OptionList,
    RadioButton,
    RadioSet,
    Static,
)
from textual.widgets.option_list import Option

from storyai.core import services
from storyai.core.domain.dice import Dice
from storyai.core.domain.sheet import STANDARD_ARRAY, roll_ability_scores, roll_characteristics
from storyai.core.domain.stats import ABILITIES, CHARACTERISTICS
from storyai.core.domain.world import D20Options, World
from storyai.tui.widgets.scores import ScoreTable
from storyai.tui.worlds import ensure_installed

if TYPE_CHECKING:
    from storyai.tui.app import StoryApp

METHOD_LABELS = {
    "4d6kh3": "Roll 4d6, drop lowest",
    "standard_array": "Standard array",
    "roll": "Roll (3d6×5, 2d6+6 ×5)",
}


@dataclass(frozen=True)
class NewStory:
    """What character creation hands the play screen."""

    world_id: str
    name: str
    archetype: str
    scores: dict[str, int]


def methods_for(world: World) -> list[str]:
    """The ways this world lets a player make scores that we offer."""
    options = world.rules.typed_options()
    if isinstance(options, D20Options):
        offered = [m for m in options.ability_generation if m in ("4d6kh3", "standard_array")]
        return offered or ["standard_array"]
    return ["roll"]


def archetype_text(world: World, archetype_id: str) -> Text:
    arch = world.archetypes[archetype_id]
    text = Text(arch.description.strip())
    stats = arch.stats or {}
    facts: list[str] = []
    bonus = stats.get("ability_bonus") or {}
    if bonus:
        facts.append("Bonus " + ", ".join(f"{k.upper()} {v:+d}" for k, v in bonus.items()))
    if stats.get("hit_die"):
        facts.append(f"hit die d{stats['hit_die']}")
    if stats.get("hp"):
        facts.append(f"HP {stats['hp']}")
    if isinstance(stats.get("skills"), dict):
        best = sorted(stats["skills"].items(), key=lambda kv: -kv[1])[:4]
        facts.append("skills " + ", ".join(f"{k} {v}%" for k, v in best))
    elif stats.get("skills"):
        facts.append("skills " + ", ".join(stats["skills"]))
    if arch.starting_items:
        names = [world.items[i].name if i in world.items else i for i in arch.starting_items]
        facts.append("starts with " + ", ".join(names))
    if arch.starting_gold:
        facts.append(f"{arch.starting_gold} gold")
    if facts:
        text.append("\n" + " · ".join(facts), "dim")
    return text


class CreateScreen(Screen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Back"),
        Binding("ctrl+r", "reroll", "Roll again"),
        Binding("ctrl+s", "begin", "Begin"),
    ]

    def __init__(self, world_id: str) -> None:
        super().__init__()
        self.world_id = world_id
        self.world: World | None = None
        self.methods: list[str] = []
        self.method = ""
        self._dice: Dice | None = None

    @property
    def story_app(self) -> StoryApp:
        return self.app  # type: ignore[return-value]

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal(id="create"):
            with VerticalScroll(id="create-left"):
                yield Label("Name", classes="section")
                yield Input(
                    placeholder="Your character's name", id="name", compact=True, max_length=40
                )
                yield Label("Archetype", classes="section")
                yield OptionList(id="archetypes")
                yield Static("", id="archetype-info")
            with VerticalScroll(id="create-right"):
                yield Label("Ability scores", classes="section")
                yield RadioSet(id="method")
                yield ScoreTable(id="scores")
                yield Static("", id="scores-hint")
                with Horizontal(id="create-buttons"):
                    yield Button("Roll again", id="reroll", compact=True)
                    yield Button("Begin ▸", id="begin", compact=True, variant="primary")
        yield Footer()

    def on_mount(self) -> None:
        self.load()

    @work(exclusive=True, group="create")
    async def load(self) -> None:
        uow = self.story_app.deps.uow
        with self.story_app.story_errors():
            await ensure_installed(uow, self.world_id)
            self.world, _ = await services.get_world(uow, self.world_id)
        if self.world is None:
            self.story_app.go_title()
            return
        world = self.world
        self.title = f"New character — {world.world.title}"
        archetypes = self.query_one("#archetypes", OptionList)
        for aid, arch in world.archetypes.items():
            archetypes.add_option(Option(Text(arch.name), id=aid))
        archetypes.highlighted = 0
        self.methods = methods_for(world)
        radio = self.query_one("#method", RadioSet)
        await radio.mount_all(
            [
                RadioButton(METHOD_LABELS[m], value=(i == 0), id=f"method-{m}")
                for i, m in enumerate(self.methods)
            ]
        )
        await self.use_method(self.methods[0])
        self.query_one("#name", Input).focus()

    @property
    def dice(self) -> Dice:
        if self._dice is None:
            self._dice = self.story_app.deps.new_dice()
        return self._dice

    @property
    def archetype(self) -> str | None:
        archetypes = self.query_one("#archetypes", OptionList)
        if archetypes.highlighted is None:
            return None
        return archetypes.get_option_at_index(archetypes.highlighted).id

    async def use_method(self, method: str) -> None:
        assert self.world is not None
        self.method = method
        self.refresh_bindings()
        table = self.query_one("#scores", ScoreTable)
        bonus = self._bonus()
        hint = self.query_one("#scores-hint", Static)
        reroll = self.query_one("#reroll", Button)
        if method == "standard_array":
            await table.show(ABILITIES, list(STANDARD_ARRAY), arrangeable=True, bonus=bonus)
            hint.update(Text("Pick a value for an ability to swap it with another.", "dim"))
            reroll.display = False
        elif method == "4d6kh3":
            rolled = roll_ability_scores(self.dice)
            await table.show(ABILITIES, list(rolled.values()), arrangeable=True, bonus=bonus)
            hint.update(Text("Rolled. Pick a value to swap; ctrl+r rolls again.", "dim"))
            reroll.display = True
        else:
            rolled = roll_characteristics(self.dice)
            await table.show(
                CHARACTERISTICS, [rolled[c] for c in CHARACTERISTICS], arrangeable=False
            )
            hint.update(Text("Rolled for you; ctrl+r rolls again.", "dim"))
            reroll.display = True

    def _bonus(self) -> dict[str, int]:
        if self.world is None or self.archetype is None:
            return {}
        stats = self.world.archetypes[self.archetype].stats or {}
        bonus = stats.get("ability_bonus") or {}
        return {k: int(v) for k, v in bonus.items()}

    @on(OptionList.OptionHighlighted, "#archetypes")
    async def _archetype_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        if self.world is None or event.option.id is None:
            return
        self.query_one("#archetype-info", Static).update(
            archetype_text(self.world, event.option.id)
        )
        table = self.query_one("#scores", ScoreTable)
        if table.names:
            table.set_bonus(self._bonus())

    @on(OptionList.OptionSelected, "#archetypes")
    def _archetype_selected(self) -> None:
        self.query_one("#method", RadioSet).focus()

    @on(RadioSet.Changed, "#method")
    async def _method_changed(self, event: RadioSet.Changed) -> None:
        method = (event.pressed.id or "").removeprefix("method-")
        if method and method != self.method:
            await self.use_method(method)

    @on(Input.Submitted, "#name")
    def _name_submitted(self) -> None:
        self.query_one("#archetypes", OptionList).focus()

    @on(Button.Pressed, "#reroll")
    async def _reroll_pressed(self) -> None:
        await self.action_reroll()

    @on(Button.Pressed, "#begin")
    def _begin_pressed(self) -> None:
        self.action_begin()

    async def action_reroll(self) -> None:
        if self.method in ("4d6kh3", "roll"):
            await self.use_method(self.method)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "reroll":
            return self.method in ("4d6kh3", "roll")
        return True

    def action_back(self) -> None:
        self.story_app.go_title()

    def action_begin(self) -> None:
        if self.world is None:
            return
        name = " ".join(self.query_one("#name", Input).value.split())
        if not name:
            self.notify("Your character needs a name.", severity="warning", markup=False)
            self.query_one("#name", Input).focus()
            return
        archetype = self.archetype or next(iter(self.world.archetypes))
        scores = self.query_one("#scores", ScoreTable).scores
        self.story_app.begin(NewStory(self.world_id, name, archetype, scores))
