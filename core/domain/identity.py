"""Who a player character is beyond the numbers: title, origin, backstory, what they
want and fear, the people in their past, how they look, and the options of the
world's background tables they picked or rolled.

An identity is fixed at creation and never changes mid-story, so it belongs in the
GM's stable prompt block. ``build_identity`` makes one from what the player typed and
the world's ``backgrounds:`` tables: a picked option is checked, a table left open is
rolled with the dice it is given (seeded: same seed, same background).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from storyai.core.domain.dice import Dice
from storyai.core.domain.errors import UnknownBackground, UsageError
from storyai.core.domain.world import (
    IDENTITY_LIST_FIELDS,
    IDENTITY_TEXT_FIELDS,
    BackgroundTable,
    World,
)

MAX_LIST = 5
"""At most this many goals, fears, family members... each."""


class Identity(BaseModel):
    """A character's identity; every field may be empty."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    title: str = Field("", max_length=80)
    origin: str = Field("", max_length=300)
    backstory: str = Field("", max_length=2000)
    appearance: str = Field("", max_length=300, description="One line; later feeds portraits.")
    goals: tuple[str, ...] = Field((), max_length=MAX_LIST)
    fears: tuple[str, ...] = Field((), max_length=MAX_LIST)
    desires: tuple[str, ...] = Field((), max_length=MAX_LIST)
    family: tuple[str, ...] = Field((), max_length=MAX_LIST)
    friends: tuple[str, ...] = Field((), max_length=MAX_LIST)
    enemies: tuple[str, ...] = Field((), max_length=MAX_LIST)
    background: dict[str, str] = Field(
        default_factory=dict, description="Background table id -> the option id it has."
    )
    traits: dict[str, str] = Field(
        default_factory=dict,
        description="Background table label -> option text, for tables that fill no field.",
    )

    @property
    def empty(self) -> bool:
        return self == Identity()

    def has(self, wanted: Mapping[str, str]) -> bool:
        """Whether every ``table -> option`` of ``wanted`` is in this background."""
        return all(self.background.get(t) == o for t, o in wanted.items())

    def facts(self) -> list[tuple[str, str]]:
        """(label, text) pairs in a fixed order, empty ones left out."""
        out: list[tuple[str, str]] = []
        for name in ("title", "origin", "appearance", "backstory"):
            value = " ".join(getattr(self, name).split())
            if value:
                out.append((name.capitalize(), value))
        for name in IDENTITY_LIST_FIELDS:
            values = getattr(self, name)
            if values:
                out.append((name.capitalize(), "; ".join(values)))
        out += sorted(self.traits.items())
        return out


BRIEF_FACTS = ("Title", "Origin")
"""What a compact prompt (a small model's window) keeps of an identity."""


def identity_line(
    name: str, archetype: str, identity: Identity | None, *, brief: bool = False
) -> str:
    """A player character for the GM's stable prompt block: name, archetype and who they
    are (fixed at creation, so the block stays byte-stable through the story); ``brief``
    keeps only the title and origin, cut short."""
    line = f"- {name}, {archetype}"
    if identity is None or identity.empty:
        return line
    facts = identity.facts()
    if brief:
        facts = [(label, text[:80]) for label, text in facts if label in BRIEF_FACTS]
    return line + "".join(f". {label}: {text}" for label, text in facts)


class IdentityRequest(BaseModel):
    """What the player gave at creation: typed fields and picked background options.
    Tables neither picked nor filled by a typed field are rolled when ``roll`` is set."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    title: str = ""
    origin: str = ""
    backstory: str = ""
    appearance: str = ""
    goals: tuple[str, ...] = ()
    fears: tuple[str, ...] = ()
    desires: tuple[str, ...] = ()
    family: tuple[str, ...] = ()
    friends: tuple[str, ...] = ()
    enemies: tuple[str, ...] = ()
    background: dict[str, str] = Field(default_factory=dict)
    roll: bool = True
    generate: bool = False
    """Ask the configured model to write the empty fields and pick the open tables
    (offline, or if the model fails: the tables are rolled as ever)."""


def _clean(text: str, limit: int) -> str:
    return " ".join(str(text).split())[:limit]


def _clean_list(values: tuple[str, ...] | list[str]) -> tuple[str, ...]:
    return tuple(c for c in (_clean(v, 200) for v in values) if c)[:MAX_LIST]


def unknown_option(world: World, table_id: str, option_id: str) -> UnknownBackground:
    table = world.backgrounds.get(table_id)
    if table is None:
        known = ", ".join(sorted(world.backgrounds)) or "none in this world"
        return UnknownBackground(
            f"This world has no background table '{table_id}'.", hint=f"tables: {known}"
        )
    options = ", ".join(o.id for o in table.options)
    return UnknownBackground(
        f"{table.label} has no option '{option_id}'.", hint=f"{table_id} options: {options}"
    )


def roll_option(table: BackgroundTable, dice: Dice) -> str:
    """An option of ``table`` by weight, with one roll of the injected dice."""
    total = sum(o.weight for o in table.options)
    roll = dice.roll(f"1d{total}").total if total > 1 else 1
    for option in table.options:
        roll -= option.weight
        if roll <= 0:
            return option.id
    return table.options[-1].id


def build_identity(world: World, request: IdentityRequest | None, dice: Dice) -> Identity:
    """The identity of a new character: typed fields as typed (tidied and cut to size),
    picked options checked, the other tables rolled (in table order) when asked.

    Raises:
        UnknownBackground: a picked table or option the world does not have.
    """
    request = request or IdentityRequest()
    for table_id, option_id in request.background.items():
        table = world.backgrounds.get(table_id)
        if table is None or table.option(option_id) is None:
            raise unknown_option(world, table_id, option_id)
    text = {name: _clean(getattr(request, name), 2000) for name in IDENTITY_TEXT_FIELDS}
    lists = {name: list(_clean_list(getattr(request, name))) for name in IDENTITY_LIST_FIELDS}
    chosen: dict[str, str] = {}
    traits: dict[str, str] = {}
    for table_id, table in world.backgrounds.items():
        picked = request.background.get(table_id)
        if picked is None:
            typed = table.fills in IDENTITY_TEXT_FIELDS and bool(text[table.fills])
            if typed or not request.roll:
                continue
            picked = roll_option(table, dice)
        option_id = picked
        chosen[table_id] = option_id
        option = table.option(option_id)
        assert option is not None
        if table.fills is None:
            traits[table.label] = option.text
        elif table.fills in IDENTITY_LIST_FIELDS:
            lists[table.fills].append(option.text)
        elif not text[table.fills]:
            text[table.fills] = option.text
        else:  # a second table filling the same line adds to it
            text[table.fills] = f"{text[table.fills]}; {option.text}"
    return Identity(
        title=text["title"][:80],
        origin=text["origin"][:300],
        backstory=text["backstory"][:2000],
        appearance=text["appearance"][:300],
        **{name: tuple(values[:MAX_LIST]) for name, values in lists.items()},
        background=chosen,
        traits=traits,
    )


def identity_request(data: Any, *, where: str = "the character") -> IdentityRequest:
    """An ``IdentityRequest`` from plain data (a character YAML file, a form): a list
    field may be one string (split on semicolons), unknown keys are refused by name.

    Raises:
        UsageError: data that is not a mapping, or a field of the wrong kind.
    """
    if data is None:
        return IdentityRequest()
    if not isinstance(data, Mapping):
        raise UsageError(f"{where} must be a mapping of fields (title: ..., origin: ...).")
    tidy: dict[str, Any] = {}
    for key, value in data.items():
        if key in IDENTITY_LIST_FIELDS and isinstance(value, str):
            value = tuple(v for v in (p.strip() for p in value.split(";")) if v)
        tidy[str(key)] = value
    try:
        return IdentityRequest.model_validate(tidy)
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(p) for p in first["loc"]) or "?"
        known = ", ".join([*IDENTITY_TEXT_FIELDS, *IDENTITY_LIST_FIELDS, "background"])
        raise UsageError(f"{where}: '{field}': {first['msg']}", hint=f"fields: {known}") from None
