"""The world format: what an author writes in YAML, as validated data.

Every section is keyed by id (``locations: {great_hall: {...}}``), so ids are
unique by construction and a folder of files merges section by section. Field
descriptions double as the JSON Schema text editors show while typing.

Stat blocks are kept as plain mappings here and checked against the world's
rule system afterwards (``storyai.core.worlds.crossref``), because their shape
depends on ``rules.system``.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from storyai.core.domain.companion import CompanionSpec
from storyai.core.domain.powers import Combo, Power
from storyai.core.domain.spells import Spell

FORMAT_VERSION = 1
"""The newest world format this code reads. Older ones are migrated on load."""

ID_PATTERN = r"^[a-z][a-z0-9_]*$"
ID_RE = re.compile(ID_PATTERN)

Id = Annotated[
    str,
    Field(
        pattern=ID_PATTERN,
        max_length=64,
        description="An id: lower-case letters, digits and underscores, starting with a letter.",
    ),
]
Text = Annotated[str, Field(max_length=20_000)]
Dice = Annotated[
    str,
    Field(max_length=64, description="Dice notation such as 1d8+2, 2d6 or 4d6kh3."),
]


class Strict(BaseModel):
    """Base for every section: unknown keys are errors, so typos are caught."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=False)


# --------------------------------------------------------------------- metadata


class ContentBoundaries(Strict):
    lines: list[str] = Field(
        default_factory=list,
        description="Hard limits: content that never appears in this world.",
    )
    veils: list[str] = Field(
        default_factory=list,
        description="Content that may happen but is never described in detail (fade to black).",
    )
    rating: Literal["all-ages", "teen", "mature"] = Field(
        "teen", description="The intended audience."
    )


class ForkedFrom(Strict):
    id: Id
    version: str


IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".webp")
"""The image files an author may pin (``visual.image``)."""


class Visual(Strict):
    """How something looks and sounds, for generated pictures and voices (all optional).

    On a character, location, item or archetype: ``appearance`` is what every picture
    of it shows (default: its description), ``seed`` keeps the same face from picture
    to picture, ``image`` pins a picture file (relative to the world's folder) that is
    shown instead of a generated one and given to the image model as the reference.
    On the world (``world.visual``): ``style`` is the art style of every picture,
    ``voice`` the narrator's voice. On a character, ``voice`` is the speech voice
    (a provider's voice name, e.g. ``onyx``); without one a voice is assigned from the
    pool on the character's first line and kept.
    """

    appearance: str | None = Field(
        None, max_length=2000, description="What every picture of it shows."
    )
    style: str | None = Field(
        None, max_length=500, description="Art style (the world's, or this one's own)."
    )
    seed: int | None = Field(
        None, ge=0, le=2**31 - 1, description="Image seed: the same one keeps the same look."
    )
    image: str | None = Field(
        None,
        max_length=500,
        description="A picture file (png, jpg, webp) relative to the world's folder.",
    )
    voice: str | None = Field(
        None, max_length=120, description="The speech voice (the narrator's on the world)."
    )

    @field_validator("image")
    @classmethod
    def _image_file(cls, value: str | None) -> str | None:
        if value is None:
            return None
        if not value.lower().endswith(IMAGE_SUFFIXES):
            raise ValueError(f"image must be a {', '.join(IMAGE_SUFFIXES)} file, not {value!r}")
        if value.startswith(("/", "\\")) or ".." in value.replace("\\", "/").split("/"):
            raise ValueError(f"image must be a path inside the world's folder, not {value!r}")
        return value


class Metadata(Strict):
    id: Id = Field(description="The world's id, used by `storyai play ID` and in the database.")
    title: str = Field(min_length=1, max_length=200)
    version: str = Field(
        "1.0.0",
        pattern=r"^\d+(\.\d+){0,2}([-+][0-9A-Za-z.-]+)?$",
        description='The world\'s own version, e.g. "1.2.0". Quote it in YAML.',
    )
    authors: list[str] = Field(default_factory=list)
    license: str = Field("All rights reserved", max_length=200)
    description: Text = ""
    tone: str = Field("", max_length=500, description="The mood, e.g. 'hopeful, eerie'.")
    currency: str = Field(
        "gold",
        min_length=1,
        max_length=40,
        description="What money is called here, e.g. 'gold', 'credits', 'marks': the sheet, "
        "rewards and the game master all use it.",
    )
    content_boundaries: ContentBoundaries = Field(default_factory=ContentBoundaries)
    forked_from: ForkedFrom | None = Field(
        None, description="Set by `storyai world fork`: the world this one was copied from."
    )

    visual: Visual | None = Field(
        None, description="The art style of every picture and the narrator's voice."
    )

    @field_validator("currency")
    @classmethod
    def _currency_is_a_name(cls, value: str) -> str:
        name = " ".join(value.split())
        if not name or "\n" in value.strip():
            raise ValueError("currency must name the money in a word or two, e.g. credits")
        return name

    @field_validator("version", mode="before")
    @classmethod
    def _version_must_be_text(cls, value: Any) -> Any:
        if isinstance(value, int | float) and not isinstance(value, bool):
            raise ValueError(f'version must be text; write it in quotes, e.g. version: "{value}"')
        return value


# ------------------------------------------------------------------------ rules


AbilityGeneration = Literal["4d6kh3", "standard_array", "point_buy"]


def _default_ability_generation() -> list[AbilityGeneration]:
    return ["4d6kh3", "standard_array"]


class D20Options(Strict):
    starting_level: int = Field(1, ge=1, le=20)
    ability_generation: list[AbilityGeneration] = Field(
        default_factory=_default_ability_generation,
        description="How players may generate ability scores.",
    )
    death_saves: bool = True
    encumbrance: bool = True
    starting_gold: int = Field(10, ge=0)
    improvement_levels: list[int] = Field(
        default_factory=lambda: [4, 8, 12, 16, 19],
        description="Levels that bring an ability score improvement to choose (+2 to one "
        "ability or +1 to two, at most 20). The SRD's by default; a short adventure may "
        "add an early one.",
    )

    @field_validator("improvement_levels")
    @classmethod
    def _levels_in_range(cls, value: list[int]) -> list[int]:
        if any(not 2 <= level <= 20 for level in value):
            raise ValueError("improvement levels are between 2 and 20")
        return sorted(set(value))


class PercentileOptions(Strict):
    fumble_on: int = Field(100, ge=95, le=100, description="Rolls at or above this fumble.")
    pushed_rolls: bool = True
    sanity: bool = False


class Rules(Strict):
    system: Literal["d20", "percentile"] = Field(
        description="d20: 5e-style ability checks against DCs. "
        "percentile: d100 under a skill, BRP-style."
    )
    options: dict[str, Any] = Field(
        default_factory=dict,
        description="System options; see D20Options / PercentileOptions.",
    )

    def typed_options(self) -> D20Options | PercentileOptions:
        if self.system == "d20":
            return D20Options.model_validate(self.options)
        return PercentileOptions.model_validate(self.options)


# -------------------------------------------------------------------- triggers


class RelationshipCondition(Strict):
    """How a character must stand with the player."""

    who: Id = Field(description="The character.")
    min: int | None = Field(None, ge=-100, le=100, description="At least this value.")
    max: int | None = Field(None, ge=-100, le=100, description="At most this value.")
    kind: Literal["friend", "rival", "mentor", "romance", "enemy"] | None = Field(
        None, description="This kind of bond."
    )


class ReputationCondition(Strict):
    """How a faction must regard the player."""

    faction: Id = Field(description="The faction.")
    min: int | None = Field(None, ge=-100, le=100, description="At least this reputation.")
    max: int | None = Field(None, ge=-100, le=100, description="At most this reputation.")


class Condition(Strict):
    """All given parts must hold. An empty condition always holds."""

    item: Id | None = Field(None, description="The player carries this item.")
    flag: Id | None = Field(None, description="This story flag is set.")
    not_flag: Id | None = Field(None, description="This story flag is NOT set.")
    quest: Id | None = Field(None, description="This quest is active or done...")
    stage: Id | None = Field(None, description="...and has reached (at least) this stage.")
    quest_done: Id | None = Field(None, description="This quest is complete.")
    relationship: RelationshipCondition | None = Field(
        None, description="A character stands so with the player: {who, min, max, kind}."
    )
    reputation: ReputationCondition | None = Field(
        None, description="A faction regards the player so: {faction, min, max}."
    )
    title: str | None = Field(
        None, max_length=80, description="The player wears this title (given or by reputation)."
    )
    exhaustion: int | None = Field(
        None, ge=1, le=6, description="The player has at least this level of exhaustion."
    )
    background: dict[Id, Id] | None = Field(
        None,
        description="The player's background has these options: background table id -> "
        "option id, e.g. {upbringing: orphan}.",
    )


class Trigger(Strict):
    """What completes an objective or starts a quest. Give exactly one."""

    enter: Id | None = Field(None, description="The player enters this location.")
    have_item: Id | None = Field(None, description="The player holds this item.")
    talk_to: Id | None = Field(None, description="The player talks to this character.")
    topic: Id | None = Field(None, description="With talk_to: about this dialogue topic.")
    defeat: Id | None = Field(None, description="This character is defeated.")
    flag: Id | None = Field(None, description="This story flag becomes set.")
    use_item: Id | None = Field(None, description="The player uses this item.")
    say: str | None = Field(
        None,
        min_length=1,
        max_length=200,
        description="The player says these words where a phrase answers them (`say kindle`).",
    )

    @model_validator(mode="after")
    def _exactly_one(self) -> Trigger:
        kinds = [k for k in TRIGGER_KINDS if getattr(self, k) is not None]
        if len(kinds) != 1:
            raise ValueError(
                "a trigger needs exactly one of: "
                + ", ".join(TRIGGER_KINDS)
                + (f" (got {', '.join(kinds)})" if kinds else " (got none)")
            )
        if self.topic is not None and self.talk_to is None:
            raise ValueError("'topic' only works together with 'talk_to'")
        return self

    @property
    def kind(self) -> str:
        return next(k for k in TRIGGER_KINDS if getattr(self, k) is not None)

    @property
    def target(self) -> str:
        return getattr(self, self.kind)


TRIGGER_KINDS = ("enter", "have_item", "talk_to", "defeat", "flag", "use_item", "say")


class Source(Strict):
    """Where an imported entry came from. Kept so nothing is lost on the way in.

    A later import of the same ``format`` and ``ref`` into the same world
    replaces this entry instead of adding a copy.
    """

    format: str = Field(
        min_length=1,
        max_length=40,
        description="What it was imported from: foundry, card, lorebook, worldinfo, srd.",
    )
    ref: str = Field(
        "",
        max_length=500,
        description="Its identity there, e.g. a Foundry UUID or a card's name and creator.",
    )
    file: str = Field("", max_length=1000, description="The file or folder it was read from.")
    system: str = Field("", max_length=80, description="The game system, e.g. dnd5e, pf2e.")
    version: str = Field(
        "", max_length=200, description="Format versions, e.g. 'Foundry 13.344, dnd5e 5.3.3'."
    )
    raw: dict[str, Any] | None = Field(
        None,
        description="The original document, untouched, for lossless re-export.",
    )
    digest: str = Field(
        "",
        max_length=64,
        description="A hash of the entry as imported: when the entry no longer matches it, "
        "it was edited, and a later import of the same source leaves it alone.",
    )


# ------------------------------------------------------------------- locations


class Exit(Strict):
    to: Id = Field(description="The location this exit leads to.")
    description: str = ""
    requires: Condition | None = Field(None, description="Only passable when this holds.")
    blocked_text: str = Field("", description="What the player is told when it is blocked.")
    hidden: bool = Field(False, description="Not listed until the player can pass.")


class MapPoint(Strict):
    """Where a location is drawn on one of the world's maps (grid cells, y grows south)."""

    map: Id = Field(description="The map (an id under the top-level `maps:`) it is drawn on.")
    x: int = Field(ge=-1000, le=1000, description="Column on that map's grid.")
    y: int = Field(ge=-1000, le=1000, description="Row on that map's grid (south is +1).")


class WorldMap(Strict):
    """A map of part of the world: the overland, a town, one dungeon level.

    Locations say where they sit on it (``map: {map: ID, x, y}``); exits between
    locations on different maps link the maps (stairs down, the city gate)."""

    name: str = Field(min_length=1, max_length=120)
    kind: Literal["overland", "town", "dungeon", "cave", "building", "other"] = "other"
    description: Text = ""
    image: str = Field(
        "",
        max_length=1000,
        description="A background image for the map (a path beside the world, or a URL).",
    )
    drawing: Text = Field(
        "", description="The map drawn in ASCII or Unicode, shown as written in the terminal."
    )
    grid: int = Field(
        0, ge=0, le=1000, description="With an image: pixels per grid cell (0: not given)."
    )
    tags: list[str] = Field(default_factory=list)
    source: Source | None = Field(None, description="Set by `storyai import`.")


class Location(Strict):
    name: str = Field(min_length=1, max_length=120)
    description: Text = Field(min_length=1)
    exits: dict[str, Exit] = Field(
        default_factory=dict,
        description="Direction or label -> exit. Shorthand: `north: great_hall`.",
    )
    items: list[Id] = Field(default_factory=list, description="Items lying here at the start.")
    characters: list[Id] = Field(default_factory=list, description="Who is here at the start.")
    tags: list[str] = Field(default_factory=list)
    region: str = Field(
        "", max_length=120, description="The wider area it belongs to, e.g. 'Old Quarter'."
    )
    map: MapPoint | None = Field(None, description="Where it is drawn on one of the world's maps.")
    first_visit: str = Field("", description="Extra text shown the first time only.")
    on_enter: list[Effect] = Field(
        default_factory=list, description="Effects applied each time the player enters."
    )
    scenery: dict[Id, Scenery] = Field(
        default_factory=dict,
        description="Things named in the description that can be examined (or read) "
        "but not taken: id -> {name, aliases, description, text}.",
    )
    phrases: list[Phrase] = Field(
        default_factory=list,
        description="Words the player can say here (`say kindle`) and what they do.",
    )
    interactions: list[Interaction] = Field(
        default_factory=list,
        description="`use ITEM on TARGET` here: what happens when that item is used on "
        "that scenery, character or item.",
    )
    source: Source | None = Field(None, description="Set by `storyai import`.")
    visual: Visual | None = Field(None, description="How it looks and sounds (pictures, voices).")

    @field_validator("exits", mode="before")
    @classmethod
    def _shorthand_exits(cls, value: Any) -> Any:
        if isinstance(value, dict):
            return {k: ({"to": v} if isinstance(v, str) else v) for k, v in value.items()}
        return value


class Scenery(Strict):
    """Something in a location that is only looked at: a notice board, a carving."""

    name: str = Field(min_length=1, max_length=120)
    aliases: list[str] = Field(default_factory=list, description="Other words for it.")
    description: Text = Field(min_length=1, description="What `examine NAME` shows.")
    text: Text = Field("", description="What `read NAME` shows, if it has writing on it.")


class Phrase(Strict):
    """Words said aloud in a location (`say kindle`, `say "open sesame"`)."""

    says: list[str] = Field(
        min_length=1,
        description="The words that count (case, punctuation and extra spaces ignored).",
    )
    text: Text = Field(min_length=1, description="What happens when they are said.")
    requires: Condition | None = Field(None, description="Only works when this holds.")
    effects: list[Effect] = Field(default_factory=list)
    ends_story: bool = Field(False, description="Saying it ends the story (asks to confirm).")


class Interaction(Strict):
    """`use ITEM on TARGET` in a location."""

    item: Id = Field(description="The item the player uses (carried or lying here).")
    target: Id = Field(description="What it is used on: a scenery, character or item id.")
    text: Text = Field(min_length=1, description="What happens.")
    requires: Condition | None = Field(None, description="Only works when this holds.")
    effects: list[Effect] = Field(default_factory=list)
    consumes: bool = Field(False, description="The item is used up.")
    ends_story: bool = Field(False, description="Doing it ends the story (asks to confirm).")


# ----------------------------------------------------------------------- items


class Effect(Strict):
    """Something that happens: healing, damage, a flag, a condition, an item."""

    type: Literal[
        "heal",
        "damage",
        "set_flag",
        "clear_flag",
        "add_condition",
        "remove_condition",
        "give_item",
        "take_item",
        "gold",
        "xp",
        "message",
        "relationship",
        "reputation",
        "exhaustion",
        "scar",
        "title",
        "lose_title",
    ]
    amount: Dice | int | None = Field(
        None,
        description="Dice or a number (heal/damage/gold/xp; relationship, reputation: the "
        "change; exhaustion: levels gained, or lost when negative).",
    )
    faction: Id | None = Field(None, description="reputation: the faction.")
    who: Id | None = Field(None, description="relationship: the character (default: the speaker).")
    kind: Literal["friend", "rival", "mentor", "romance", "enemy"] | None = Field(
        None, description="relationship: the bond it becomes."
    )
    damage_type: str | None = None
    flag: Id | None = None
    condition: str | None = None
    item: Id | None = None
    text: str | None = None

    @model_validator(mode="after")
    def _fields_for_type(self) -> Effect:
        need = {
            "heal": "amount",
            "damage": "amount",
            "gold": "amount",
            "xp": "amount",
            "set_flag": "flag",
            "clear_flag": "flag",
            "add_condition": "condition",
            "remove_condition": "condition",
            "give_item": "item",
            "take_item": "item",
            "message": "text",
            "relationship": "amount",
            "reputation": "faction",
            "exhaustion": "amount",
            "scar": "text",
            "title": "text",
            "lose_title": "text",
        }[self.type]
        if self.type == "reputation" and self.amount is None:
            raise ValueError("an effect of type 'reputation' needs 'amount'")
        if getattr(self, need) is None:
            raise ValueError(f"an effect of type '{self.type}' needs '{need}'")
        return self


class Item(Strict):
    base: str | None = Field(
        None,
        max_length=100,
        description="Take every field not given here from a library entry, e.g. srd:goblin "
        "(or srd:5.2/goblin). Needs `storyai srd install`.",
    )
    name: str = Field(min_length=1, max_length=120)
    kind: Literal[
        "weapon",
        "armor",
        "shield",
        "consumable",
        "key",
        "tool",
        "treasure",
        "quest",
        "clothing",
        "container",
        "book",
        "misc",
    ] = "misc"
    description: Text = ""
    properties: list[str] = Field(
        default_factory=list, description="e.g. finesse, light, two-handed, heavy."
    )
    value: int = Field(0, ge=0, description="Price in the world's currency.")
    weight: float = Field(0, ge=0, le=10_000, description="Weight in pounds.")
    damage: Dice | None = Field(None, description="Weapons: damage dice, e.g. 1d8.")
    damage_type: str | None = Field(None, description="Weapons: slashing, piercing, ...")
    armor_class: int | None = Field(None, ge=0, le=30, description="Armor: base AC.")
    ac_bonus: int | None = Field(None, ge=0, le=10, description="Shields and rings: + to AC.")
    skill: str | None = Field(None, description="Percentile worlds: the skill used.")
    effects: list[Effect] = Field(
        default_factory=list, description="Applied when the item is used."
    )
    consumed_on_use: bool = False
    portable: bool = True
    heirloom: bool = Field(
        False,
        description="Carried at an ending, it goes into the player's legacy and may enter "
        "a later story (in a world whose `legacy:` accepts it).",
    )
    use_text: str = ""
    text: Text = Field(
        "", description="What is written on it: `read NAME` shows this (books, letters, signs)."
    )
    tags: list[str] = Field(default_factory=list)
    source: Source | None = Field(None, description="Set by `storyai import`.")
    visual: Visual | None = Field(None, description="How it looks and sounds (pictures, voices).")


# ------------------------------------------------------------------ characters


class Topic(Strict):
    text: Text = Field(min_length=1, description="What the character says about it.")
    keywords: list[str] = Field(
        default_factory=list, description="Other words that lead to this topic."
    )
    requires: Condition | None = None
    effects: list[Effect] = Field(default_factory=list)
    reveals: list[Id] = Field(
        default_factory=list, description="Lore entries the player learns from this."
    )
    ends_story: bool = Field(
        False,
        description="Asking about this ends the story: the player is told so and asked "
        "to confirm first, and the choice offering it says so.",
    )


class Dialogue(Strict):
    greeting: str = ""
    lines: list[str] = Field(
        default_factory=list, description="Things said in passing, picked at random."
    )
    farewell: str = ""
    topics: dict[Id, Topic] = Field(default_factory=dict)


class Character(Strict):
    base: str | None = Field(
        None,
        max_length=100,
        description="Take every field not given here from a library entry, e.g. srd:goblin "
        "(or srd:5.2/goblin). Needs `storyai srd install`.",
    )
    name: str = Field(min_length=1, max_length=120)
    kind: Literal["npc", "creature"] = "npc"
    description: Text = ""
    personality: str = ""
    voice: str = Field("", description="How they talk, for the narrator.")
    backstory: Text = ""
    goals: list[str] = Field(default_factory=list)
    secrets: list[str] = Field(
        default_factory=list, description="Never told to players until revealed."
    )
    attitude: Literal["friendly", "neutral", "wary", "hostile"] = "neutral"
    dialogue: Dialogue = Field(default_factory=Dialogue)
    stats: dict[str, Any] | None = Field(
        None, description="A stat block for the world's rule system (see the README)."
    )
    inventory: list[Id] = Field(default_factory=list)
    gold: int = Field(0, ge=0)
    tags: list[str] = Field(default_factory=list)
    on_defeat: list[Effect] = Field(default_factory=list)
    source: Source | None = Field(None, description="Set by `storyai import`.")
    visual: Visual | None = Field(None, description="How it looks and sounds (pictures, voices).")


# --------------------------------------------------------------------- quests


class Objective(Strict):
    description: str = Field(min_length=1)
    trigger: Trigger
    optional: bool = False
    counts_before: bool = Field(
        False,
        description="Also count a talk, a use or a visit that happened before this "
        "objective's stage began (by default only what happens after it counts).",
    )


class Stage(Strict):
    id: Id
    description: str = Field(min_length=1)
    objectives: list[Objective] = Field(
        default_factory=list,
        description="All non-optional objectives complete the stage.",
    )
    effects: list[Effect] = Field(
        default_factory=list, description="Applied when this stage is reached."
    )


class Rewards(Strict):
    xp: int = Field(0, ge=0)
    gold: int = Field(0, ge=0)
    items: list[Id] = Field(default_factory=list)
    flags: list[Id] = Field(default_factory=list)


class Ending(Strict):
    id: Id
    title: str = Field(min_length=1)
    text: Text = Field(min_length=1)
    requires: Condition | None = Field(
        None, description="Which ending is reached depends on this (first match wins)."
    )


class Quest(Strict):
    title: str = Field(min_length=1)
    description: Text = ""
    giver: Id | None = Field(None, description="The character who gives this quest.")
    starts: Trigger | Literal["at_start"] = Field(
        "at_start", description="When the quest begins: at_start or a trigger."
    )
    stages: list[Stage] = Field(min_length=1)
    rewards: Rewards = Field(default_factory=Rewards)
    endings: list[Ending] = Field(
        default_factory=list,
        description="If set, completing this quest ends the story with the first ending "
        "whose condition holds.",
    )
    main: bool = Field(False, description="The main quest of the world.")
    requires: Condition | None = Field(
        None,
        description="The quest opens only for a player for whom this holds (e.g. a "
        "background: {upbringing: orphan}); until then it does not start.",
    )


# ----------------------------------------------------------------------- lore


class LoreEntry(Strict):
    title: str = Field(min_length=1)
    keywords: list[str] = Field(
        min_length=1, description="Words that bring this entry into the GM's context."
    )
    text: Text = Field(min_length=1)
    visibility: Literal["public", "gm-only", "known-by"] = "public"
    known_by: list[Id] = Field(
        default_factory=list, description="With visibility known-by: who knows this."
    )
    priority: int = Field(0, ge=-100, le=100)
    tags: list[str] = Field(default_factory=list)
    requires: Condition | None = Field(
        None,
        description="Only brought into the GM's context when this holds for the acting "
        "player (e.g. a background: {kin: miner_mother}).",
    )
    source: Source | None = Field(None, description="Set by `storyai import`.")

    @model_validator(mode="after")
    def _known_by_matches_visibility(self) -> LoreEntry:
        if self.visibility == "known-by" and not self.known_by:
            raise ValueError("visibility 'known-by' needs a 'known_by' list of character ids")
        if self.visibility != "known-by" and self.known_by:
            raise ValueError("'known_by' only makes sense with visibility: known-by")
        return self


# ----------------------------------------------------------------- archetypes


class Archetype(Strict):
    name: str = Field(min_length=1)
    description: str = ""
    stats: dict[str, Any] = Field(
        default_factory=dict,
        description="Rule-system stats: d20 {hit_die, ability_bonus, ...}; "
        "percentile {skills, ...}.",
    )
    starting_items: list[Id] = Field(default_factory=list)
    starting_gold: int = Field(0, ge=0)
    powers: list[Id] = Field(
        default_factory=list, description="Powers (ids in `powers:`) this archetype has."
    )
    power_points: int = Field(0, ge=0, le=100, description="Power points, back on a long rest.")
    features: list[ClassFeature] = Field(
        default_factory=list,
        description="Class features by level: each gained when the character reaches its "
        "level (at creation for the starting level), once; the rules apply its effects.",
    )
    visual: Visual | None = Field(None, description="How it looks and sounds (pictures, voices).")

    @field_validator("features")
    @classmethod
    def _features_named_once(cls, features: list[ClassFeature]) -> list[ClassFeature]:
        seen: set[str] = set()
        for feature in features:
            key = feature.key
            if key in seen:
                raise ValueError(f"two features are called '{feature.name}'")
            seen.add(key)
        return features


# ------------------------------------------------------------ specializations


class SpecializationRequires(Strict):
    """What a character needs before taking a specialization. All given parts must hold."""

    level: int = Field(1, ge=1, le=20, description="At least this level.")
    archetypes: list[Id] = Field(
        default_factory=list, description="Only these archetypes (none: any)."
    )
    abilities: dict[str, int] = Field(
        default_factory=dict, description="d20 ability minimums, e.g. {wis: 13}."
    )
    specializations: list[Id] = Field(
        default_factory=list, description="Specializations taken first (a skill tree)."
    )
    flag: Id | None = Field(None, description="This story flag is set.")
    skills: dict[str, Annotated[int, Field(ge=1, le=99)]] = Field(
        default_factory=dict,
        description="Percentile skill minimums, e.g. {mechanical_repair: 50}: where a "
        "percentile character's growth is measured (it has no levels).",
    )


class SpecializationEffects(Strict):
    """What the rules apply when a specialization is taken or a class feature gained."""

    skills: list[str] = Field(
        default_factory=list, description="d20 skills the character becomes proficient in."
    )
    saves: list[str] = Field(
        default_factory=list, description="d20 saving throws the character becomes proficient in."
    )
    max_hp: int = Field(0, ge=0, le=100, description="Added to max HP (and HP).")
    ac: int = Field(0, ge=0, le=5, description="Added to AC, whatever is worn.")
    powers: list[Id] = Field(default_factory=list, description="Powers (ids in `powers:`) gained.")
    power_points: int = Field(0, ge=0, le=50, description="Added to power points.")
    skill_gains: dict[str, Annotated[int, Field(ge=1, le=50)]] = Field(
        default_factory=dict,
        description="Percentile: points added to skills, e.g. {listen: 10} (at most 99).",
    )


class ClassFeature(Strict):
    """What an archetype gains at a level (Second Wind at 1, Action Surge at 2...): a
    name and a line for the player, and the effects the rules apply, once."""

    level: int = Field(1, ge=1, le=20, description="The level it is gained at.")
    name: str = Field(min_length=1, max_length=120)
    description: str = Field("", max_length=1000, description="What it is, for the player.")
    effects: SpecializationEffects = Field(default_factory=SpecializationEffects)

    @property
    def key(self) -> str:
        """How a sheet records it: the name as an id (``second_wind``)."""
        return "_".join(re.findall(r"[a-z0-9]+", self.name.lower()))


class Specialization(Strict):
    """A subclass or a node of a skill tree, taken in place of a d20 level-up's ability
    score improvement (`improve ember warden`), or by a percentile character when a
    skill improves on a long rest (its prerequisites then name skill minimums)."""

    name: str = Field(min_length=1, max_length=120)
    description: str = Field("", max_length=1000)
    requires: SpecializationRequires = Field(default_factory=SpecializationRequires)
    effects: SpecializationEffects = Field(default_factory=SpecializationEffects)


# ---------------------------------------------------------------- backgrounds

IDENTITY_TEXT_FIELDS = ("title", "origin", "backstory", "appearance")
IDENTITY_LIST_FIELDS = ("goals", "fears", "desires", "family", "friends", "enemies")
IdentityField = Literal[
    "title",
    "origin",
    "backstory",
    "appearance",
    "goals",
    "fears",
    "desires",
    "family",
    "friends",
    "enemies",
]


class BackgroundOption(Strict):
    id: Id
    text: str = Field(
        min_length=1, max_length=500, description="What the character has, in a phrase."
    )
    weight: int = Field(1, ge=1, le=1000, description="How often it comes up when rolled.")


class BackgroundTable(Strict):
    """One random table of a character's background (an upbringing, a family tie...).
    A player picks an option or leaves it to the dice; conditions can name the result."""

    label: str = Field(
        min_length=1, max_length=80, description="What it is called, e.g. Upbringing."
    )
    fills: IdentityField | None = Field(
        None,
        description="The identity field the chosen option's text fills (a list field gets "
        "it added); without it the option is a trait of its own.",
    )
    options: list[BackgroundOption] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique_options(self) -> BackgroundTable:
        ids = [o.id for o in self.options]
        dup = sorted({i for i in ids if ids.count(i) > 1})
        if dup:
            raise ValueError(f"option ids must be unique; repeated: {', '.join(dup)}")
        return self

    def option(self, option_id: str) -> BackgroundOption | None:
        return next((o for o in self.options if o.id == option_id), None)


# ------------------------------------------------------------------ factions


class FactionTitle(Strict):
    """A title worn while reputation with a faction reaches ``at`` (or, when ``at`` is
    negative, has fallen to it)."""

    at: int = Field(ge=-100, le=100)
    title: str = Field(min_length=1, max_length=80)


class Faction(Strict):
    """A group whose opinion of the player rises and falls with the story
    (`reputation` effects), from -100 to 100, starting at ``starting``."""

    name: str = Field(min_length=1, max_length=120)
    description: str = Field("", max_length=1000)
    starting: int = Field(0, ge=-100, le=100)
    titles: list[FactionTitle] = Field(default_factory=list)


# -------------------------------------------------------------------- legacy


class Achievement(Strict):
    """Earned when a story ends (once per story) if its conditions hold then."""

    title: str = Field(min_length=1, max_length=120)
    description: str = Field("", max_length=500)
    requires: Condition | None = Field(None, description="What must hold at the end.")
    ending: Id | None = Field(None, description="Only for this ending.")
    legend_points: int = Field(5, ge=0, le=1000)
    grants_title: str | None = Field(
        None, max_length=80, description="A reputation title the profile keeps."
    )


class LegacyBuy(Strict):
    """Something a profile's legend points buy at the start of a new story here (once
    per story). Give at least one of ``item``, ``gold``, ``max_hp``, ``power_points``."""

    name: str = Field(min_length=1, max_length=120)
    cost: int = Field(ge=1, le=1000, description="Legend points it costs.")
    item: Id | None = Field(None, description="A starting item (of this world).")
    gold: int = Field(0, ge=0, le=10_000, description="Starting money.")
    max_hp: int = Field(0, ge=0, le=50, description="Added to max HP (and HP).")
    power_points: int = Field(0, ge=0, le=20, description="Added to power points.")

    @model_validator(mode="after")
    def _buys_something(self) -> LegacyBuy:
        if not (self.item or self.gold or self.max_hp or self.power_points):
            raise ValueError("a legacy buy needs an item, gold, max_hp or power_points")
        return self


class LegacyPolicy(Strict):
    """What this world gives a profile, and what it accepts from earlier stories."""

    legend_points: int = Field(
        10, ge=0, le=1000, description="Legend points for reaching any ending but death."
    )
    titles: bool = Field(True, description="A profile's title may be worn here.")
    heirlooms: list[Id] = Field(
        default_factory=list,
        description="Heirloom item ids (of this world) a profile may bring into a new story.",
    )
    buys: dict[Id, LegacyBuy] = Field(
        default_factory=dict,
        description="What legend points buy at the start of a story here, each once.",
    )
    followers: list[Id] = Field(
        default_factory=list,
        description="Characters (ids here) who may join a new story at the player's side "
        "when the profile earned them as followers (by name) in an earlier story.",
    )


# ----------------------------------------------------------------- start, AI


class Start(Strict):
    location: Id
    text: Text = Field(min_length=1, description="The opening narration.")
    flags: list[Id] = Field(default_factory=list)


class ModelPreference(Strict):
    provider: str
    model: str


class AISettings(Strict):
    gm_style: str = Field(
        "", max_length=2000, description="How the GM should run the game, in plain words."
    )
    narration_length: Literal["short", "medium", "long"] = "medium"
    temperature: float | None = Field(None, ge=0, le=2)
    model_preferences: list[ModelPreference] = Field(default_factory=list)


# ------------------------------------------------------------------ playtests


class Expectation(Strict):
    ending: Id | None = None
    quest: Id | None = None
    stage: Id | None = None
    quest_done: Id | None = None
    location: Id | None = None
    flag: Id | None = None
    has_item: Id | None = None
    level: int | None = Field(None, ge=1, le=30, description="The hero's level at the end.")
    told: list[str] = Field(
        default_factory=list,
        description="Words the story must tell, each first told after the one before it "
        "(e.g. a foe's first attack before the player's first one).",
    )


class Playtest(Strict):
    name: str
    seed: int = 0
    archetype: Id | None = None
    background: dict[Id, Id] = Field(
        default_factory=dict,
        description="Background options the hero picks (table id -> option id); "
        "the other tables are rolled from the seed.",
    )
    picks: list[str] = Field(
        default_factory=list,
        description="Level-up choices, answered in order as each comes: `str` (+2) or "
        "`dex con` (+1 each).",
    )
    inputs: list[str] = Field(min_length=1)
    expect: Expectation


# ---------------------------------------------------------------------- world


class World(Strict):
    """A whole world. The top level of a world file (or the merge of a folder)."""

    format_version: int = Field(
        FORMAT_VERSION, ge=1, description="The world format version this file is written in."
    )
    world: Metadata
    rules: Rules
    start: Start
    ai: AISettings = Field(default_factory=AISettings)
    locations: dict[Id, Location] = Field(min_length=1)
    characters: dict[Id, Character] = Field(default_factory=dict)
    items: dict[Id, Item] = Field(default_factory=dict)
    quests: dict[Id, Quest] = Field(default_factory=dict)
    lore: dict[Id, LoreEntry] = Field(default_factory=dict)
    archetypes: dict[Id, Archetype] = Field(min_length=1)
    maps: dict[Id, WorldMap] = Field(
        default_factory=dict,
        description="Maps of the world (overland, town, dungeon levels); locations place "
        "themselves on one with `map: {map: ID, x, y}`.",
    )
    backgrounds: dict[Id, BackgroundTable] = Field(
        default_factory=dict,
        description="Random tables a new character's background is picked or rolled "
        "from (upbringing, kin, a debt...). Conditions name the results: "
        "`requires: {background: {upbringing: orphan}}`.",
    )
    spells: dict[Id, Spell] = Field(
        default_factory=dict,
        description="Spells this world defines (or redefines): archetypes and stat blocks "
        "list them by id or name. The SRD 5.1 basics (fire_bolt, sleep, magic_missile, "
        "cure_wounds, fireball, ...) are built in.",
    )
    powers: dict[Id, Power] = Field(
        default_factory=dict,
        description="Powers archetypes may have: an effect in rules terms, a cost, "
        "limits (uses, cooldown, what it cannot affect), unlocks and upgrades.",
    )
    combos: dict[Id, Combo] = Field(
        default_factory=dict,
        description="Two powers used together (`use X with Y`) whose tags include a "
        "combo's `tags` give its effect instead.",
    )
    specializations: dict[Id, Specialization] = Field(
        default_factory=dict,
        description="Subclasses or skill trees: d20 characters take one at a level-up in "
        "place of an ability score improvement, percentile characters when a long rest "
        "improves a skill; prerequisites (`requires`) and what the rules apply (`effects`).",
    )
    factions: dict[Id, Faction] = Field(
        default_factory=dict,
        description="Groups the player has a reputation with (`reputation` effects move it); "
        "their titles follow it.",
    )
    achievements: dict[Id, Achievement] = Field(
        default_factory=dict,
        description="Achievements a profile earns when a story here ends (once per story).",
    )
    legacy: LegacyPolicy = Field(default_factory=LegacyPolicy)
    flags: list[Id] = Field(
        default_factory=list,
        description="Story flags this world uses (optional; helps catch typos).",
    )
    phrases: list[Phrase] = Field(
        default_factory=list,
        description="Words the player can say anywhere (a location's own phrases come first).",
    )
    playtests: list[Playtest] = Field(default_factory=list)
    companions: dict[Id, CompanionSpec] = Field(
        default_factory=dict,
        description="Companions who travel with the players (the first is everyone's); "
        "none: Aria, a wise mentor with dry humor.",
    )

    @property
    def id(self) -> str:
        return self.world.id

    @property
    def version(self) -> str:
        return self.world.version

    def canonical(self) -> dict[str, Any]:
        """The world as plain data, stable for hashing, storage and export.

        Imported entries' ``source.raw`` documents are plain data as read (JSON or YAML)
        and are carried as they are, not copied: a big import is mostly those."""
        sections = ("characters", "items", "lore", "locations")
        without_raw = {section: {"__all__": {"source": {"raw"}}} for section in sections}
        data = self.model_dump(mode="json", exclude_none=True, exclude=without_raw)
        _drop_added_defaults(data)
        for section in sections:
            for key, entry in getattr(self, section).items():
                if entry.source is not None and entry.source.raw is not None:
                    source = data[section][key]["source"]
                    data[section][key]["source"] = {
                        name: entry.source.raw if name == "raw" else source[name]
                        for name in Source.model_fields
                        if name in source or name == "raw"
                    }
        return data


ADDED_LATER: dict[str, dict[str, Any]] = {
    "": {
        "backgrounds": {},
        "powers": {},
        "combos": {},
        "achievements": {},
        "legacy": LegacyPolicy().model_dump(mode="json", exclude={"buys", "followers"}),
        "companions": {},
        "maps": {},
        "factions": {},
        "specializations": {},
    },
    "archetypes": {"powers": [], "power_points": 0, "features": []},
    "items": {"heirloom": False},
    "playtests": {"background": {}, "picks": []},
}
"""Fields added after worlds were first installed, with their defaults: a world that
uses none of them keeps the canonical form, and so the content hash, it had."""


def _drop_added_defaults(data: dict[str, Any]) -> None:
    legacy = data.get("legacy")
    for name, default in (("buys", {}), ("followers", [])):
        if isinstance(legacy, dict) and legacy.get(name) == default:
            del legacy[name]  # added after legacy: itself
    for spec in (data.get("specializations") or {}).values():  # added after them
        for part, name in (("requires", "skills"), ("effects", "skill_gains")):
            if (spec.get(part) or {}).get(name) == {}:
                del spec[part][name]
    for section, fields in ADDED_LATER.items():
        if section == "":
            entries: list[dict[str, Any]] = [data]
        elif section == "playtests":
            entries = list(data.get(section) or [])
        else:
            entries = list((data.get(section) or {}).values())
        for entry in entries:
            for name, default in fields.items():
                if name in entry and entry[name] == default:
                    del entry[name]


Location.model_rebuild()
Phrase.model_rebuild()
Interaction.model_rebuild()
Archetype.model_rebuild()

SECTION_NAMES = (
    "format_version",
    "world",
    "rules",
    "start",
    "ai",
    "locations",
    "characters",
    "items",
    "quests",
    "lore",
    "archetypes",
    "maps",
    "backgrounds",
    "spells",
    "powers",
    "combos",
    "specializations",
    "factions",
    "achievements",
    "legacy",
    "flags",
    "phrases",
    "playtests",
    "companions",
)
MERGED_SECTIONS = (
    "locations",
    "characters",
    "items",
    "quests",
    "lore",
    "archetypes",
    "backgrounds",
    "spells",
    "powers",
    "combos",
    "specializations",
    "factions",
    "achievements",
    "maps",
    "companions",
)
"""Sections keyed by id, which a folder's files may each add to."""
