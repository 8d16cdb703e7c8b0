"""Character creation: a name, an archetype of the world, and ability scores."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalGroup, VerticalScroll
from textual.screen import Screen
from textual.widgets import (
    Button,
    Checkbox,
    Footer,
    Header,
    Input,
    Label,
    OptionList,
    RadioButton,
    RadioSet,
    Select,
    Static,
)
from textual.widgets.option_list import Option

from storyai.core.domain.dice import Dice
from storyai.core.domain.identity import IdentityRequest, identity_request
from storyai.core.domain.world import World
from storyai.core.views import CreationView, creation_view
from storyai.core.views.creation import IDENTITY_FIELDS
from storyai.core.worlds.bundled import install_if_missing
from storyai.tui.widgets.scores import ScoreTable

if TYPE_CHECKING:
    from storyai.tui.app import StoryApp


@dataclass(frozen=True)
class NewStory:
    """What character creation hands the play screen."""

    world_id: str
    name: str
    archetype: str
    scores: dict[str, int]
    version: str | None = None
    """None: the world's newest release."""
    identity: IdentityRequest | None = None
    """What the player typed and picked; the world's other background tables are rolled."""
    buys: tuple[str, ...] = ()
    """What the local profile's legend points buy (the world's `legacy.buys` ids)."""
    followers: tuple[str, ...] = ()
    """Followers from the local profile who join (character ids)."""
    heirlooms: tuple[str, ...] = ()


def archetype_text(view: CreationView, archetype_id: str) -> Text:
    choice = view.archetype(archetype_id)
    text = Text(choice.description)
    if choice.facts:
        text.append("\n" + " · ".join(choice.facts), "dim")
    return text


class CreateScreen(Screen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Back"),
        Binding("ctrl+r", "reroll", "Roll again"),
        Binding("ctrl+s", "begin", "Begin"),
    ]

    def __init__(self, world_id: str, version: str | None = None) -> None:
        super().__init__()
        self.world_id = world_id
        self.version = version
        self.world: World | None = None
        self.creation: CreationView | None = None
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
                yield Label("Who you are (optional)", classes="section")
                yield Button("Write it for me", id="write-identity", compact=True)
                for field, label, is_list in IDENTITY_FIELDS:
                    yield Input(
                        placeholder=f"{label} (separate with ;)" if is_list else label,
                        id=f"identity-{field}",
                        compact=True,
                        max_length=300,
                    )
                yield Label("Background (unpicked: the dice decide)", classes="section")
                yield VerticalGroup(id="backgrounds")
                yield Label("From your legacy", classes="section", id="legacy-label")
                yield VerticalGroup(id="legacy-picks")
            with VerticalScroll(id="create-right"):
                yield Label("Ability scores", classes="section", id="scores-label")
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
        deps = self.story_app.deps
        with self.story_app.story_errors():
            await install_if_missing(deps.uow, self.world_id)
            self.world = await deps.play.world(self.world_id, self.version)
        if self.world is None:
            self.story_app.go_title()
            return
        world = self.world
        self.creation = creation = creation_view(world)
        self.title = f"New character — {world.world.title}"
        self.query_one("#scores-label", Label).update(creation.score_label)
        archetypes = self.query_one("#archetypes", OptionList)
        for choice in creation.archetypes:
            archetypes.add_option(Option(Text(choice.name), id=choice.id))
        archetypes.highlighted = 0
        radio = self.query_one("#method", RadioSet)
        await radio.mount_all(
            [
                RadioButton(m.label, value=(i == 0), id=f"method-{m.id}")
                for i, m in enumerate(creation.methods)
            ]
        )
        await self.use_method(creation.methods[0].id)
        await self.query_one("#backgrounds", VerticalGroup).mount_all(
            [
                Select(
                    [(text, option_id) for option_id, text in table.options],
                    prompt=f"{table.label}: roll",
                    id=f"background-{table.id}",
                    compact=True,
                )
                for table in creation.backgrounds
            ]
        )
        if not creation.backgrounds:
            self.query_one("#backgrounds", VerticalGroup).mount(
                Static(Text("This world has no background tables.", "dim"))
            )
        await self._offer_legacy()
        # Only a configured model writes identities; offline the tables do, as ever.
        self.query_one(
            "#write-identity", Button
        ).display = self.story_app.deps.play.writes_identities
        self.query_one("#name", Input).focus()

    async def _offer_legacy(self) -> None:
        """What the local profile may bring here, each a checkbox left unticked: nothing
        carries over unless picked (the core checks the picks again at the start)."""
        deps = self.story_app.deps
        with self.story_app.story_errors():
            offer = await deps.play.legacy_offer(self.world_id)
        boxes = [
            Checkbox(f"{name} ({cost} LP)", id=f"legacy-buy-{bid}", compact=True)
            for bid, name, cost in offer.buys
            if cost <= offer.legend_points
        ]
        boxes += [
            Checkbox(f"Follower: {name}", id=f"legacy-follower-{cid}", compact=True)
            for cid, name in offer.followers
        ]
        boxes += [
            Checkbox(f"Heirloom: {item_id}", id=f"legacy-heirloom-{item_id}", compact=True)
            for item_id in offer.heirlooms
        ]
        if not boxes:
            self.query_one("#legacy-label").display = False
            return
        self.query_one("#legacy-label", Label).update(
            f"From your legacy ({offer.legend_points} legend points)"
        )
        await self.query_one("#legacy-picks", VerticalGroup).mount_all(boxes)

    def legacy_picks(self, kind: str) -> tuple[str, ...]:
        prefix = f"legacy-{kind}-"
        return tuple(
            (box.id or "").removeprefix(prefix)
            for box in self.query(Checkbox)
            if (box.id or "").startswith(prefix) and box.value
        )

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

    async def use_method(self, method_id: str) -> None:
        assert self.creation is not None
        method = self.creation.method(method_id)
        self.method = method_id
        self.refresh_bindings()
        await self.query_one("#scores", ScoreTable).show(
            self.creation.score_keys,
            method.values(self.dice),
            arrangeable=method.arrangeable,
            bonus=self._bonus(),
        )
        hint = f"{method.hint}; ctrl+r rolls again." if method.rerollable else f"{method.hint}."
        self.query_one("#scores-hint", Static).update(Text(hint, "dim"))
        self.query_one("#reroll", Button).display = method.rerollable

    def _bonus(self) -> dict[str, int]:
        if self.creation is None or self.archetype is None:
            return {}
        return dict(self.creation.archetype(self.archetype).bonus)

    @on(OptionList.OptionHighlighted, "#archetypes")
    async def _archetype_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        if self.creation is None or event.option.id is None:
            return
        self.query_one("#archetype-info", Static).update(
            archetype_text(self.creation, event.option.id)
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

    @on(Button.Pressed, "#write-identity")
    def _write_pressed(self) -> None:
        self.write_identity()

    @work(exclusive=True, group="write-identity")
    async def write_identity(self) -> None:
        """The model writes what is left empty (the same core step as ``storyai run
        --generate-identity``); the form shows it, to keep or change before Begin."""
        if self.world is None:
            return
        button = self.query_one("#write-identity", Button)
        button.disabled = True
        name = " ".join(self.query_one("#name", Input).value.split()) or "the hero"
        written = None
        try:
            with self.story_app.story_errors():
                written = await self.story_app.deps.play.write_identity(
                    self.world_id, name, self.archetype, self.identity(), version=self.version
                )
        finally:
            button.disabled = False
        if written is None:
            return
        for field, _, is_list in IDENTITY_FIELDS:
            box = self.query_one(f"#identity-{field}", Input)
            value = getattr(written, field)
            if not box.value.strip() and value:
                box.value = "; ".join(value) if is_list else value
        for table in self.creation.backgrounds if self.creation else ():
            pick = self.query_one(f"#background-{table.id}", Select)
            option = written.background.get(table.id)
            if not isinstance(pick.value, str) and option:
                pick.value = option

    @on(Button.Pressed, "#begin")
    def _begin_pressed(self) -> None:
        self.action_begin()

    def _rerollable(self) -> bool:
        if self.creation is None or not self.method:
            return False
        return self.creation.method(self.method).rerollable

    async def action_reroll(self) -> None:
        if self._rerollable():
            await self.use_method(self.method)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "reroll":
            return self._rerollable()
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
        self.story_app.begin(
            NewStory(
                self.world_id,
                name,
                archetype,
                scores,
                self.version,
                self.identity(),
                buys=self.legacy_picks("buy"),
                followers=self.legacy_picks("follower"),
                heirlooms=self.legacy_picks("heirloom"),
            )
        )

    def identity(self) -> IdentityRequest:
        """What the player typed and picked (lists typed with semicolons)."""
        typed: dict[str, object] = {
            field: self.query_one(f"#identity-{field}", Input).value
            for field, _, _ in IDENTITY_FIELDS
        }
        picks = {}
        for table in self.creation.backgrounds if self.creation else ():
            value = self.query_one(f"#background-{table.id}", Select).value
            if isinstance(value, str):
                picks[table.id] = value
        return identity_request({**typed, "background": picks})
