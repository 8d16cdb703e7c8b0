"""Monsters of either edition as stat blocks: our D20 stats, a Character, and Markdown.

Both readers fill a :class:`Monster`; :func:`monster_draft` turns it into a
library entry whose ``data["stats"]`` validates as a ``D20StatBlock`` and whose
``data["character"]`` validates as a ``Character``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from storyai.core.domain.stats import XP_BY_CR, D20StatBlock, proficiency_for_cr
from storyai.core.domain.world import Character
from storyai.core.importers.plan import slug
from storyai.core.importers.srd.entries import Draft
from storyai.core.importers.srd.values import (
    ABILITY_NAMES,
    clamp,
    cr_string,
    damage_types_in,
    modifier,
    signed,
    truncate,
)

DESCRIPTION_LIMIT = 20_000
TRUNCATED = "*(Shortened to fit; the SRD library has the whole stat block.)*"


@dataclass
class Feature:
    """A trait or action: a bold-italic name and its text."""

    name: str
    desc: str


@dataclass
class Monster:
    """A creature as both SRD sources describe it, before conversion."""

    name: str
    size: str
    type: str
    ac: int
    hp: int
    cr: float
    subtype: str = ""
    alignment: str = ""
    ac_note: str = ""
    hp_dice: str = ""
    speeds: dict[str, int] = field(default_factory=dict)
    """walk, fly, swim, climb, burrow -> feet."""
    hover: bool = False
    abilities: dict[str, int] = field(default_factory=dict)
    saves: dict[str, int] = field(default_factory=dict)
    skills: dict[str, int] = field(default_factory=dict)
    """Skill name as printed (``Sleight of Hand``) -> bonus."""
    senses: list[str] = field(default_factory=list)
    passive_perception: int | None = None
    languages: str = ""
    xp: int | None = None
    proficiency_bonus: int | None = None
    initiative: int | None = None
    resistances: list[str] = field(default_factory=list)
    immunities: list[str] = field(default_factory=list)
    vulnerabilities: list[str] = field(default_factory=list)
    condition_immunities: list[str] = field(default_factory=list)
    intro: str = ""
    traits: list[Feature] = field(default_factory=list)
    actions: list[Feature] = field(default_factory=list)
    bonus_actions: list[Feature] = field(default_factory=list)
    reactions: list[Feature] = field(default_factory=list)
    legendary_actions: list[Feature] = field(default_factory=list)
    attacks: list[dict[str, Any]] = field(default_factory=list)
    """D20Attack mappings: name, to_hit, damage, damage_type, range."""
    category: str = ""
    spellcasting: dict[str, Any] | None = None
    """A ``D20Spellcasting`` mapping: ability, level, dc, attack_bonus, slots, spells."""


def monster_draft(m: Monster, source: dict[str, Any]) -> Draft:
    """The library entry for one creature (validated; raises ``ValidationError`` if not)."""
    cr = cr_string(m.cr)
    stats = _stats(m, cr)
    D20StatBlock.model_validate(stats)
    header = _type_line(m)
    character = {
        "name": m.name[:120],
        "kind": "creature",
        "description": truncate(_description(m, header), DESCRIPTION_LIMIT, TRUNCATED),
        "stats": stats,
        "tags": ["srd", slug(m.type, fallback="creature")],
        "source": source,
    }
    Character.model_validate(character)
    summary = f"{header}, CR {cr}, AC {m.ac}, HP {m.hp}"
    data = {
        "size": m.size.lower(),
        "type": m.type.lower(),
        "subtype": m.subtype,
        "alignment": m.alignment,
        "cr": m.cr,
        "category": m.category,
        "stats": stats,
        "character": character,
    }
    return Draft("monster", m.name, summary, _text(m, header, cr, stats), data)


def _stats(m: Monster, cr: str) -> dict[str, Any]:
    pb = m.proficiency_bonus if m.proficiency_bonus is not None else proficiency_for_cr(m.cr)
    xp = m.xp if m.xp is not None else XP_BY_CR[cr]
    return {
        "abilities": {a: clamp(m.abilities.get(a, 10), 1, 30) for a in ABILITY_NAMES},
        "ac": clamp(m.ac, 0, 40),
        "hp": clamp(m.hp, 1, 10_000),
        "speed": clamp(m.speeds.get("walk", 0), 0, 500),
        "cr": cr,
        "xp": clamp(xp, 0, 10**9),
        "proficiency_bonus": clamp(pb, 0, 10),
        "saves": {a: int(v) for a, v in m.saves.items() if a in ABILITY_NAMES},
        "skills": {slug(name, fallback="skill"): int(v) for name, v in m.skills.items()},
        "attacks": [{**a, "to_hit": clamp(a["to_hit"], -5, 30)} for a in m.attacks],
        "resistances": damage_types_in(m.resistances),
        "immunities": damage_types_in(m.immunities),
        "vulnerabilities": damage_types_in(m.vulnerabilities),
        "condition_immunities": [slug(c, fallback="condition") for c in m.condition_immunities],
        **({"spellcasting": m.spellcasting} if m.spellcasting else {}),
    }


def _type_line(m: Monster) -> str:
    kind = m.type.lower() + (f" ({m.subtype})" if m.subtype else "")
    return f"{m.size.capitalize()} {kind}"


def _speed_text(m: Monster) -> str:
    parts = [f"{m.speeds.get('walk', 0)} ft."]
    for mode in ("burrow", "climb", "fly", "swim"):
        if m.speeds.get(mode):
            extra = " (hover)" if mode == "fly" and m.hover else ""
            parts.append(f"{mode} {m.speeds[mode]} ft.{extra}")
    return ", ".join(parts)


def _lines(pairs: list[tuple[str, str]]) -> str:
    """``**Label** value`` lines joined with Markdown hard breaks."""
    return "  \n".join(f"**{label}** {value}" for label, value in pairs if value)


def _senses_text(m: Monster) -> str:
    parts = list(m.senses)
    if m.passive_perception is not None:
        parts.append(f"passive Perception {m.passive_perception}")
    return ", ".join(parts)


def _features(title: str, features: list[Feature]) -> str:
    if not features:
        return ""
    body = "\n\n".join(f"***{f.name}.*** {f.desc}".rstrip() for f in features)
    return f"## {title}\n\n{body}" if title else body


def _sections(m: Monster) -> list[str]:
    return [
        _features("", m.traits),
        _features("Actions", m.actions),
        _features("Bonus Actions", m.bonus_actions),
        _features("Reactions", m.reactions),
        _features("Legendary Actions", m.legendary_actions),
    ]


def _italic_header(m: Monster, header: str) -> str:
    return f"*{header}, {m.alignment}*" if m.alignment else f"*{header}*"


def _description(m: Monster, header: str) -> str:
    facts = _lines([("Senses", _senses_text(m)), ("Languages", m.languages or "—")])
    blocks = [_italic_header(m, header), m.intro, facts, *_sections(m)]
    return "\n\n".join(b for b in blocks if b)


def _ability_table(m: Monster) -> str:
    heads = " | ".join(a.upper() for a in ABILITY_NAMES)
    cells = []
    for a in ABILITY_NAMES:
        score = m.abilities.get(a, 10)
        cells.append(f"{score} ({signed(modifier(score))})")
    return f"| {heads} |\n|:---:|:---:|:---:|:---:|:---:|:---:|\n| {' | '.join(cells)} |"


def _damage_list(items: list[str]) -> str:
    """``cold, fire``; ``poison; bludgeoning, piercing, and slashing from ...`` as in the book."""
    return ("; " if any("," in i for i in items) else ", ").join(items)


def _text(m: Monster, header: str, cr: str, stats: dict[str, Any]) -> str:
    ac = f"{m.ac} ({m.ac_note})" if m.ac_note else str(m.ac)
    hp = f"{m.hp} ({m.hp_dice})" if m.hp_dice else str(m.hp)
    top = [("Armor Class", ac), ("Hit Points", hp), ("Speed", _speed_text(m))]
    if m.initiative is not None:
        top.insert(1, ("Initiative", signed(m.initiative)))
    saves = ", ".join(f"{a.capitalize()} {signed(v)}" for a, v in m.saves.items())
    skills = ", ".join(f"{name} {signed(v)}" for name, v in m.skills.items())
    xp = f"{stats['xp']:,} XP"
    facts = [
        ("Saving Throws", saves),
        ("Skills", skills),
        ("Damage Vulnerabilities", _damage_list(m.vulnerabilities)),
        ("Damage Resistances", _damage_list(m.resistances)),
        ("Damage Immunities", _damage_list(m.immunities)),
        ("Condition Immunities", ", ".join(m.condition_immunities)),
        ("Senses", _senses_text(m)),
        ("Languages", m.languages or "—"),
        ("Challenge", f"{cr} ({xp})"),
        ("Proficiency Bonus", signed(stats["proficiency_bonus"])),
    ]
    blocks = [
        f"# {m.name}",
        _italic_header(m, header),
        m.intro,
        _lines(top),
        _ability_table(m),
        _lines(facts),
        *_sections(m),
    ]
    return "\n\n".join(b for b in blocks if b) + "\n"


def feet(value: Any) -> int:
    """``"30 ft."`` or ``30`` -> 30; anything else -> 0."""
    if isinstance(value, bool):
        return 0
    if isinstance(value, int | float):
        return max(0, int(value))
    if isinstance(value, str):
        digits = "".join(ch for ch in value.split("ft")[0] if ch.isdigit())
        return int(digits) if digits else 0
    return 0


def attacks_from(
    name: str, to_hit: Any, damage: str | None, damage_type: str, reach: bool, span: str
) -> list[dict[str, Any]]:
    """D20 attacks for one action: melee, ranged (``"80/320"``), or both (thrown weapons)."""
    if not damage:
        return []
    base = {"to_hit": clamp(to_hit, -5, 30, default=0), "damage": damage}
    base["damage_type"] = damage_type  # empty when the source does not say
    out = []
    if reach or not span:
        out.append({"name": name, **base, "range": "melee"})
    if span:
        label = f"{name} (ranged)" if out else name
        out.append({"name": label, **base, "range": span})
    return out
