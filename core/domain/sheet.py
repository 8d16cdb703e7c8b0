"""Character sheets: the rules' view of a player character, NPC or creature.

A ``Sheet`` is the state the engine stores and snapshots. It is immutable:
rule functions return a new sheet (``sheet.model_copy(update=...)``) and never
change the one they were given, so a rejected action leaves no trace and a
rewind is just an older sheet. Dict fields are never mutated in place either.

One model serves both rule systems. Fields a system does not use keep their
defaults (a percentile sheet has no ``abilities``, a d20 sheet no ``armor``).

The builders turn world content into sheets: ``sheet_from_stat_block`` for the
NPCs and creatures an author wrote, ``new_player_sheet`` for a player who picks
an archetype. The small d20 progression tables live here because the builders
need them; ``storyai.core.rules`` imports them from here.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from typing import Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SerializerFunctionWrapHandler,
    ValidationError,
    field_serializer,
    model_serializer,
    model_validator,
)

from storyai.core.domain.dice import Dice, expected_value
from storyai.core.domain.errors import RuleError
from storyai.core.domain.identity import Identity
from storyai.core.domain.powers import PowerState
from storyai.core.domain.spells import Spellcasting, spell_id
from storyai.core.domain.standing import MAX_EXHAUSTION
from storyai.core.domain.stats import (
    ABILITIES,
    ARCHETYPE_STATS,
    CHARACTERISTICS,
    STAT_BLOCKS,
    XP_BY_CR,
    D20ArchetypeStats,
    D20StatBlock,
    PercentileArchetypeStats,
    PercentileStatBlock,
)
from storyai.core.domain.world import Character, D20Options, Item, PercentileOptions, World

System = Literal["d20", "percentile"]
Kind = Literal["player", "npc", "creature"]
Tactics = Literal["aggressive", "cautious", "cowardly", "defensive"]

# ------------------------------------------------------- d20 progression

XP_THRESHOLDS = (
    0,
    300,
    900,
    2_700,
    6_500,
    14_000,
    23_000,
    34_000,
    48_000,
    64_000,
    85_000,
    100_000,
    120_000,
    140_000,
    165_000,
    195_000,
    225_000,
    265_000,
    305_000,
    355_000,
)
"""XP needed to reach each level: ``XP_THRESHOLDS[level - 1]`` (5e SRD, levels 1-20)."""
MAX_LEVEL = len(XP_THRESHOLDS)
STANDARD_ARRAY = (15, 14, 13, 12, 10, 8)
"""The standard array, to be assigned to the six abilities in any order."""


def ability_modifier(score: int) -> int:
    """The d20 modifier of an ability score: 10-11 -> +0, 14 -> +2, 7 -> -2."""
    return (score - 10) // 2


def proficiency_for_level(level: int) -> int:
    """The d20 proficiency bonus: +2 at levels 1-4, +3 at 5-8, ... +6 at 17-20."""
    return 2 + (max(1, level) - 1) // 4


def level_for_xp(xp: int) -> int:
    """The d20 level a character with this much XP has reached."""
    return sum(1 for threshold in XP_THRESHOLDS if xp >= threshold) or 1


def hit_die_average(hit_die: int) -> int:
    """The fixed hit points per level after the first (5e's rounded-up average)."""
    return hit_die // 2 + 1


# ------------------------------------------------------ percentile basics

BASE_SKILLS: dict[str, int] = {
    "appraise": 5,
    "charm": 15,
    "climb": 20,
    "dodge": 0,  # half DEX, filled in by new_player_sheet
    "fast_talk": 5,
    "fighting": 25,
    "firearms": 20,
    "first_aid": 30,
    "history": 5,
    "intimidate": 15,
    "jump": 20,
    "library_use": 20,
    "listen": 20,
    "medicine": 1,
    "natural_world": 10,
    "navigate": 10,
    "occult": 5,
    "persuade": 10,
    "psychology": 10,
    "ride": 5,
    "sleight_of_hand": 10,
    "spot_hidden": 25,
    "stealth": 20,
    "swim": 20,
    "throw": 20,
    "track": 10,
}
"""What anyone can manage untrained, in percent. An archetype's skills raise these."""

CHARACTERISTIC_DICE = {
    "str": "3d6*5",
    "con": "3d6*5",
    "siz": "(2d6+6)*5",
    "dex": "3d6*5",
    "app": "3d6*5",
    "int": "(2d6+6)*5",
    "pow": "3d6*5",
    "edu": "(2d6+6)*5",
}
"""How percentile characteristics are rolled (on the 15-90 scale the skills use)."""

# ------------------------------------------------------------------ model


class Frozen(BaseModel):
    """Immutable, strict, JSON-serialisable."""

    model_config = ConfigDict(frozen=True, extra="forbid")


class SheetAttack(Frozen):
    """A natural or listed attack (claws, a bite, a goblin's scimitar)."""

    name: str = Field(min_length=1)
    damage: str = Field(description="Damage dice with modifiers included, e.g. 1d6+2.")
    damage_type: str = "bludgeoning"
    to_hit: int = Field(0, description="d20: bonus to the attack roll.")
    skill: int = Field(0, ge=0, le=100, description="percentile: chance to hit.")
    range: str = Field("melee", description="melee, or a range such as 80/320.")

    @property
    def ranged(self) -> bool:
        return self.range.strip().lower() != "melee"


class DeathSaves(Frozen):
    successes: int = Field(0, ge=0, le=3)
    failures: int = Field(0, ge=0, le=3)


class Equipped(Frozen):
    """What is in hand and worn, as item ids (each also counted in the inventory)."""

    weapon: str | None = None
    armor: str | None = None
    shield: str | None = None

    def holds(self, item_id: str) -> bool:
        return item_id in (self.weapon, self.armor, self.shield)


class Sheet(Frozen):
    """A combatant's state: hit points, scores, conditions, gear.

    ``inventory`` maps item id -> count (always > 0); ``equipped`` names items
    that are also in the inventory. ``ac`` (d20) and ``armor`` (percentile) are
    the effective values, kept up to date by ``equip``; ``natural_ac`` and
    ``natural_armor`` are the values without worn gear.
    """

    id: str = Field(min_length=1)
    name: str = Field(min_length=1)
    system: System
    kind: Kind = "player"
    archetype: str | None = None

    level: int = Field(1, ge=1, le=30)
    xp: int = Field(0, ge=0)
    xp_value: int = Field(0, ge=0, description="XP awarded for defeating this one.")

    hp: int = Field(ge=0)
    max_hp: int = Field(ge=1)
    temp_hp: int = Field(0, ge=0)

    # d20
    ac: int = Field(10, ge=0)
    natural_ac: int = Field(10, ge=0)
    abilities: dict[str, int] = Field(default_factory=dict)
    proficiency_bonus: int = Field(2, ge=0)
    skill_proficiencies: frozenset[str] = frozenset()
    save_proficiencies: frozenset[str] = frozenset()
    saves: dict[str, int] = Field(
        default_factory=dict, description="d20 stat blocks: ability -> total save bonus."
    )
    hit_die: int = Field(8, ge=1)
    hit_dice: int = Field(1, ge=0, description="d20: hit dice left to spend on short rests.")
    death_saves: DeathSaves = DeathSaves()

    # percentile
    characteristics: dict[str, int] = Field(default_factory=dict)
    armor: int = Field(0, ge=0)
    natural_armor: int = Field(0, ge=0)
    sanity: int | None = None

    # both
    skills: dict[str, int] = Field(
        default_factory=dict,
        description="d20: skill -> total bonus (stat blocks); percentile: skill -> percent.",
    )
    conditions: frozenset[str] = frozenset()
    resistances: frozenset[str] = frozenset()
    vulnerabilities: frozenset[str] = frozenset()
    immunities: frozenset[str] = frozenset()
    condition_immunities: frozenset[str] = frozenset()
    inventory: dict[str, int] = Field(default_factory=dict)
    equipped: Equipped = Equipped()
    gold: int = Field(0, ge=0)
    attacks: tuple[SheetAttack, ...] = ()
    tactics: Tactics = "aggressive"
    speed: int = Field(30, ge=0)
    spellcasting: Spellcasting | None = Field(
        None, description="Spells known, slots spent, magic points, concentration."
    )
    identity: Identity | None = Field(
        None, description="Players: who the character is (title, origin, background...)."
    )
    powers: PowerState | None = Field(
        None, description="Players: powers known, power points, uses and cooldowns."
    )
    improvements: int = Field(
        0,
        ge=0,
        le=20,
        description="Players: level-up choices still to make (d20: an ability score "
        "improvement or a specialization; percentile: a specialization).",
    )
    marked_skills: frozenset[str] = Field(
        frozenset(),
        description="Percentile players: skills used successfully since the last development.",
    )
    specializations: tuple[str, ...] = Field(
        (),
        description="Players: specializations taken (d20 at level-ups, percentile when a "
        "skill grows), in order.",
    )
    features: tuple[str, ...] = Field(
        (), description="Players: the archetype's class features gained (keys), in order."
    )
    ac_bonus: int = Field(
        0, ge=0, le=10, description="d20: AC added whatever is worn (specializations)."
    )
    exhaustion: int = Field(
        0, ge=0, le=MAX_EXHAUSTION, description="Exhaustion level (SRD: 6 is death)."
    )
    scars: tuple[str, ...] = Field((), description="Marks the story left, as written.")
    titles: tuple[str, ...] = Field((), description="Titles the story gave this character.")
    reputation: dict[str, int] = Field(
        default_factory=dict, description="Faction id -> standing, -100 to 100."
    )

    @model_validator(mode="after")
    def _hp_within_max(self) -> Sheet:
        if self.hp > self.max_hp:
            raise ValueError(f"hp {self.hp} is above max_hp {self.max_hp}")
        return self

    @field_serializer(
        "skill_proficiencies",
        "save_proficiencies",
        "conditions",
        "resistances",
        "vulnerabilities",
        "immunities",
        "condition_immunities",
        "marked_skills",
    )
    def _sorted(self, value: frozenset[str]) -> list[str]:
        """Sets serialise sorted, so snapshots of equal sheets are byte-identical."""
        return sorted(value)

    @model_serializer(mode="wrap")
    def _no_empty_spellcasting(self, handler: SerializerFunctionWrapHandler) -> Any:
        """A sheet that casts nothing serialises as it did before spells existed."""
        data = handler(self)
        if isinstance(data, dict):
            for name in ("spellcasting", "identity", "powers"):  # as before either existed
                if data.get(name) is None:
                    data.pop(name, None)
            for name in (
                "improvements",
                "marked_skills",
                "specializations",
                "features",
                "ac_bonus",
                "exhaustion",
                "scars",
                "titles",
                "reputation",
            ):
                if not data.get(name, True):
                    data.pop(name, None)
        return data

    # ------------------------------------------------------------ reading

    @property
    def is_player(self) -> bool:
        return self.kind == "player"

    @property
    def is_dead(self) -> bool:
        return "dead" in self.conditions

    @property
    def is_down(self) -> bool:
        """Dead, or at 0 HP / unconscious: out of the fight."""
        return self.is_dead or self.hp == 0 or "unconscious" in self.conditions

    @property
    def hp_fraction(self) -> float:
        return self.hp / self.max_hp

    def has(self, condition: str) -> bool:
        return condition in self.conditions

    def count(self, item_id: str) -> int:
        """How many of an item this character carries."""
        return self.inventory.get(item_id, 0)

    def score(self, name: str) -> int:
        """A d20 ability score or percentile characteristic (10 / 50 when unknown)."""
        if self.system == "d20":
            return self.abilities.get(name, 10)
        return self.characteristics.get(name, 50)

    def mod(self, ability: str) -> int:
        """The d20 modifier of an ability."""
        return ability_modifier(self.abilities.get(ability, 10))


# ------------------------------------------------------------- equipment


def tag(name: str) -> str:
    """One spelling for properties, damage types, conditions: ``"Two-Handed"`` -> ``two_handed``."""
    return "_".join(name.strip().lower().replace("-", " ").split())


def has_property(item: Item, name: str) -> bool:
    """Whether an item lists a property, however the author spelled it."""
    return tag(name) in {tag(p) for p in item.properties}


def item_or_error(world: World, item_id: str) -> Item:
    """The world's item, or a RuleError naming the unknown id."""
    item = world.items.get(item_id)
    if item is None:
        raise RuleError(f"There is no item called '{item_id}' in this world.")
    return item


def with_defence(sheet: Sheet, world: World) -> Sheet:
    """Recompute ``ac`` / ``armor`` from the natural values and the worn gear.

    d20: body armor sets the base AC (``heavy`` adds no DEX, ``medium`` at most
    +2, otherwise all of DEX); a shield adds its ``ac_bonus``. Percentile: the
    armor's ``armor_class`` counts as points of armor on top of natural armor.
    """
    eq = sheet.equipped
    armor = world.items.get(eq.armor) if eq.armor else None
    shield = world.items.get(eq.shield) if eq.shield else None
    if sheet.system == "percentile":
        worn = (armor.armor_class or 0) if armor else 0
        return sheet.model_copy(update={"armor": sheet.natural_armor + worn})
    if armor is not None and armor.armor_class is not None:
        dex = sheet.mod("dex")
        if has_property(armor, "heavy"):
            dex = 0
        elif has_property(armor, "medium"):
            dex = min(dex, 2)
        ac = armor.armor_class + dex + (armor.ac_bonus or 0)
    else:
        ac = sheet.natural_ac + ((armor.ac_bonus or 0) if armor else 0)
    if shield is not None:
        ac += shield.ac_bonus or 0
    return sheet.model_copy(update={"ac": max(0, ac + sheet.ac_bonus)})


def best_gear(item_ids: Iterable[str], world: World) -> Equipped:
    """The strongest weapon, armor and shield among some items.

    A two-handed weapon leaves no hand for a shield.
    """
    owned = [(i, world.items[i]) for i in item_ids if i in world.items]

    def pick(kind: str, key: Any) -> str | None:
        found = [(key(item), item_id) for item_id, item in owned if item.kind == kind]
        return min(found, key=lambda pair: (-pair[0], pair[1]))[1] if found else None

    weapon = pick("weapon", lambda item: expected_value(item.damage or "0"))
    armor = pick("armor", lambda item: item.armor_class or 0)
    shield = pick("shield", lambda item: item.ac_bonus or 0)
    if weapon and has_property(world.items[weapon], "two-handed"):
        shield = None
    return Equipped(weapon=weapon, armor=armor, shield=shield)


# --------------------------------------------------------------- builders


def _inventory(item_ids: Iterable[str]) -> dict[str, int]:
    return dict(Counter(item_ids))


def _stats(model: type[BaseModel], raw: Mapping[str, Any] | None, who: str) -> Any:
    try:
        return model.model_validate(dict(raw or {}))
    except ValidationError as exc:
        raise RuleError(f"{who} has a stat block this rule system can't use: {exc}") from exc


def sheet_from_stat_block(char_id: str, character: Character, system: System) -> Sheet:
    """An NPC's or creature's sheet from the stat block its author wrote.

    Raises:
        RuleError: The character has no stat block, or one that does not fit ``system``.
    """
    if character.stats is None:
        raise RuleError(f"{character.name} has no stat block, so they can't fight.")
    stats = _stats(STAT_BLOCKS[system], character.stats, character.name)
    common: dict[str, Any] = {
        "id": char_id,
        "name": character.name,
        "system": system,
        "kind": character.kind,
        "inventory": _inventory(character.inventory),
        "gold": character.gold,
        "tactics": stats.tactics,
        "hp": stats.hp,
        "max_hp": stats.hp,
    }
    if isinstance(stats, D20StatBlock):
        level = stats.level or 1
        return Sheet(
            **common,
            level=level,
            xp_value=stats.xp or (XP_BY_CR[stats.cr] if stats.cr else 0),  # SRD XP by CR
            ac=stats.ac,
            natural_ac=stats.ac,
            abilities=stats.abilities.model_dump(),
            proficiency_bonus=stats.proficiency_bonus,
            saves=dict(stats.saves.items()),
            skills=dict(stats.skills),
            hit_dice=level,
            attacks=tuple(
                SheetAttack(
                    name=a.name,
                    damage=a.damage,
                    damage_type=a.damage_type,
                    to_hit=a.to_hit,
                    range=a.range,
                )
                for a in stats.attacks
            ),
            resistances=frozenset(map(tag, stats.resistances)),
            vulnerabilities=frozenset(map(tag, stats.vulnerabilities)),
            immunities=frozenset(map(tag, stats.immunities)),
            condition_immunities=frozenset(map(tag, stats.condition_immunities)),
            speed=stats.speed,
            spellcasting=_stat_block_casting(stats, level),
        )
    assert isinstance(stats, PercentileStatBlock)
    return Sheet(
        **common,
        characteristics=dict(stats.characteristics.items()),
        armor=stats.armor,
        natural_armor=stats.armor,
        skills=dict(stats.skills),
        sanity=stats.sanity,
        attacks=tuple(
            SheetAttack(name=a.name, damage=a.damage, damage_type=a.damage_type, skill=a.skill)
            for a in stats.attacks
        ),
    )


def _stat_block_casting(stats: D20StatBlock, level: int) -> Spellcasting | None:
    casting = stats.spellcasting
    if casting is None or not casting.spells:
        return None
    return Spellcasting(
        ability=casting.ability,
        spells=tuple(spell_id(s) for s in casting.spells),
        caster_level=casting.level or level,
        slots=dict(casting.slots),
        progression="full" if casting.slots or casting.level else "none",
        dc=casting.dc,
        attack_bonus=casting.attack_bonus,
    )


def roll_ability_scores(dice: Dice) -> dict[str, int]:
    """Six d20 ability scores, each the best three of four d6, in ability order."""
    return {ability: dice.roll("4d6kh3").total for ability in ABILITIES}


def roll_characteristics(dice: Dice) -> dict[str, int]:
    """Eight percentile characteristics on the 15-90 scale."""
    return {name: dice.roll(CHARACTERISTIC_DICE[name]).total for name in CHARACTERISTICS}


def new_player_sheet(
    name: str,
    archetype: str,
    world: World,
    scores: Mapping[str, int] | None = None,
    dice: Dice | None = None,
    *,
    sheet_id: str = "player",
) -> Sheet:
    """A new player character of an archetype, at the world's starting level.

    Args:
        name: The character's name.
        archetype: An archetype id from ``world.archetypes``.
        world: The world (its rule system, options and items).
        scores: d20 base ability scores (before the archetype's bonus, 3-18) or
            percentile characteristics (1-99). Rolled with ``dice`` when omitted.
        dice: Needed only when ``scores`` is omitted.
        sheet_id: The id the engine stores the sheet under.

    Raises:
        RuleError: Unknown archetype, or scores that are missing or out of range.
    """
    arch = world.archetypes.get(archetype)
    if arch is None:
        known = ", ".join(sorted(world.archetypes))
        raise RuleError(f"There is no archetype called '{archetype}'. Choose one of: {known}.")
    if not name.strip():
        raise RuleError("Your character needs a name.")
    system = world.rules.system
    options = world.rules.typed_options()
    stats = _stats(ARCHETYPE_STATS[system], arch.stats, arch.name)
    if scores is None:
        if dice is None:
            raise ValueError("new_player_sheet needs scores or dice to roll them")
        scores = roll_ability_scores(dice) if system == "d20" else roll_characteristics(dice)
    common: dict[str, Any] = {
        "id": sheet_id,
        "name": name.strip(),
        "system": system,
        "kind": "player",
        "archetype": archetype,
        "inventory": _inventory(arch.starting_items),
        "equipped": best_gear(arch.starting_items, world),
    }
    if isinstance(stats, D20ArchetypeStats):
        assert isinstance(options, D20Options)
        sheet = _d20_player(common, stats, options, scores, arch.starting_gold)
    else:
        assert isinstance(options, PercentileOptions)
        sheet = _percentile_player(common, stats, options, scores, arch.starting_gold)
    if arch.powers or arch.power_points:
        points = arch.power_points
        sheet = sheet.model_copy(
            update={
                "powers": PowerState(known=tuple(arch.powers), points=points, max_points=points)
            }
        )
    return with_defence(sheet, world)


def archetype_spellcasting(sheet: Sheet, world: World) -> Sheet:
    """A player whose story began before spells existed gets their archetype's spells
    (slots and magic points unspent); anyone else is returned as they are."""
    arch = world.archetypes.get(sheet.archetype or "")
    if sheet.spellcasting is not None or not sheet.is_player or arch is None:
        return sheet
    if not arch.stats.get("spells"):
        return sheet
    stats = _stats(ARCHETYPE_STATS[sheet.system], arch.stats, arch.name)
    if isinstance(stats, D20ArchetypeStats):
        casting = _d20_casting(stats)
    else:
        assert isinstance(stats, PercentileArchetypeStats)
        casting = _percentile_casting(stats, sheet.score("pow"))
    return sheet.model_copy(update={"spellcasting": casting})


def _d20_casting(stats: D20ArchetypeStats) -> Spellcasting:
    """An archetype's spells, slots by its caster progression (none spent)."""
    return Spellcasting(
        ability=stats.spellcasting,
        spells=tuple(spell_id(s) for s in stats.spells),
        progression=stats.caster,
    )


def _percentile_casting(stats: PercentileArchetypeStats, pow_score: int) -> Spellcasting:
    """An archetype's spells paid with magic points (its own pool, else POW / 5)."""
    mp = stats.mp if stats.mp is not None else max(1, pow_score // 5)
    return Spellcasting(
        ability="pow",
        spells=tuple(spell_id(s) for s in stats.spells),
        progression="none",
        mp=mp,
        max_mp=mp,
    )


def _checked_scores(scores: Mapping[str, int], names: tuple[str, ...], low: int, high: int) -> dict:
    missing = [n for n in names if n not in scores]
    if missing:
        raise RuleError("Scores are missing for: " + ", ".join(missing) + ".")
    unknown = sorted(set(scores) - set(names))
    if unknown:
        raise RuleError("Unknown scores: " + ", ".join(unknown) + ".")
    for n in names:
        if not low <= scores[n] <= high:
            raise RuleError(f"{n.upper()} must be between {low} and {high} (got {scores[n]}).")
    return {n: int(scores[n]) for n in names}


def _d20_player(
    common: dict[str, Any],
    stats: D20ArchetypeStats,
    options: D20Options,
    scores: Mapping[str, int],
    gold: int,
) -> Sheet:
    base = _checked_scores(scores, ABILITIES, 3, 18)
    abilities = {a: min(30, max(1, v + stats.ability_bonus.get(a, 0))) for a, v in base.items()}
    level = options.starting_level
    con = ability_modifier(abilities["con"])
    later_levels = (level - 1) * max(1, hit_die_average(stats.hit_die) + con)
    max_hp = max(1, stats.hit_die + con) + later_levels
    natural_ac = 10 + ability_modifier(abilities["dex"])
    return Sheet(
        **common,
        level=level,
        xp=XP_THRESHOLDS[level - 1],
        hp=max_hp,
        max_hp=max_hp,
        ac=natural_ac,
        natural_ac=natural_ac,
        abilities=abilities,
        proficiency_bonus=proficiency_for_level(level),
        skill_proficiencies=frozenset(stats.skills),
        save_proficiencies=frozenset(stats.saves),
        hit_die=stats.hit_die,
        hit_dice=level,
        gold=gold or options.starting_gold,
        spellcasting=_d20_casting(stats) if stats.spells else None,
    )


def _percentile_player(
    common: dict[str, Any],
    stats: PercentileArchetypeStats,
    options: PercentileOptions,
    scores: Mapping[str, int],
    gold: int,
) -> Sheet:
    chars = _checked_scores(scores, CHARACTERISTICS, 1, 99)
    skills = dict(BASE_SKILLS)
    skills["dodge"] = chars["dex"] // 2
    skills["own_language"] = chars["edu"]
    for skill, value in stats.skills.items():
        skills[skill] = max(skills.get(skill, 0), value)
    hp = stats.hp or max(1, (chars["con"] + chars["siz"]) // 10)
    sanity = stats.sanity if stats.sanity is not None else chars["pow"]
    return Sheet(
        **common,
        hp=hp,
        max_hp=hp,
        characteristics=chars,
        skills=skills,
        sanity=sanity if options.sanity else None,
        gold=gold,
        spellcasting=_percentile_casting(stats, chars["pow"]) if stats.spells else None,
    )
