"""Classes, races (species) and conditions: their useful fields and their text."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from storyai.core.importers.srd.entries import Draft


@dataclass
class Section:
    """A titled piece of text: a class feature, a racial trait, a subrace."""

    title: str
    text: str
    level: int | None = None
    also: tuple[int, ...] = ()
    """Later levels at which the same feature is gained again."""


@dataclass
class ClassInfo:
    name: str
    hit_die: int
    saves: list[str] = field(default_factory=list)
    """``str``, ``con`` ..."""
    proficiencies: list[str] = field(default_factory=list)
    skill_choices: str = ""
    spellcasting: str = ""
    """The spellcasting ability (5.1: ``Intelligence``) or caster type (5.2: ``full caster``)."""
    subclasses: list[str] = field(default_factory=list)
    intro: str = ""
    features: list[Section] = field(default_factory=list)


def class_draft(c: ClassInfo) -> Draft:
    saves = ", ".join(s.upper() for s in c.saves)
    summary = f"Hit die d{c.hit_die}, saves {saves or 'none'}"
    summary += f", spellcasting ({c.spellcasting})" if c.spellcasting else ", no spellcasting"
    facts = [
        ("Hit Die", f"d{c.hit_die}"),
        ("Saving Throws", saves),
        ("Proficiencies", ", ".join(c.proficiencies)),
        ("Skills", c.skill_choices),
        ("Spellcasting", c.spellcasting),
        ("Subclasses", ", ".join(c.subclasses)),
    ]
    features = [Section(_feature_title(f), f.text) for f in c.features]
    data = {
        "hit_die": c.hit_die,
        "saving_throws": list(c.saves),
        "proficiencies": list(c.proficiencies),
        "skill_choices": c.skill_choices,
        "spellcasting": c.spellcasting,
        "subclasses": list(c.subclasses),
        "features": [
            {"level": f.level, "name": f.title, **({"again_at": list(f.also)} if f.also else {})}
            for f in c.features
        ],
    }
    text = _document(c.name, "", c.intro, facts, [("Features", features)])
    return Draft("class", c.name, summary, text, data)


@dataclass
class RaceInfo:
    name: str
    size: str = ""
    speed: str = ""
    ability_bonuses: dict[str, int] = field(default_factory=dict)
    languages: list[str] = field(default_factory=list)
    intro: str = ""
    traits: list[Section] = field(default_factory=list)
    subraces: list[Section] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)


def race_draft(r: RaceInfo, label: str) -> Draft:
    bonuses = ", ".join(f"{a.upper()} {v:+d}" for a, v in r.ability_bonuses.items())
    parts = [p for p in (r.size, f"speed {r.speed}" if r.speed else "", bonuses) if p]
    traits = [t.title for t in r.traits]
    if traits:
        parts.append("traits: " + ", ".join(traits))
    summary = "; ".join(parts)
    facts = [
        ("Size", r.size),
        ("Speed", r.speed),
        ("Ability Score Increase", bonuses),
        ("Languages", ", ".join(r.languages)),
    ]
    data = {
        "size": r.size,
        "speed": r.speed,
        "ability_bonuses": dict(r.ability_bonuses),
        "languages": list(r.languages),
        "traits": traits,
        "subraces": [s.title for s in r.subraces],
        **r.extra,
    }
    groups = [("Traits", r.traits), ("Subraces", r.subraces)]
    text = _document(r.name, label, r.intro, facts, groups)
    return Draft("race", r.name, summary, text, data)


def condition_draft(name: str, text: str) -> Draft:
    body = text.strip()
    first = next((line for line in body.splitlines() if line.strip()), "")
    summary = first.lstrip("-* ").strip()
    if len(summary) > 160:
        summary = summary[:157].rstrip() + "..."
    data = {"description": body}
    return Draft("condition", name, summary, f"# {name}\n\n{body}\n", data)


def _document(
    name: str,
    label: str,
    intro: str,
    facts: list[tuple[str, str]],
    groups: list[tuple[str, list[Section]]],
) -> str:
    lines = "  \n".join(f"**{k}** {v}" for k, v in facts if v)
    blocks = [f"# {name}", f"*{label}*" if label else "", intro.strip(), lines]
    for heading, sections in groups:
        if sections:
            blocks.append(f"## {heading}")
            blocks.extend(f"### {s.title}\n\n{s.text.strip()}".rstrip() for s in sections)
    return "\n\n".join(b for b in blocks if b) + "\n"


def _feature_title(f: Section) -> str:
    if f.level is None:
        return f.title
    again = f" (again at {', '.join(str(n) for n in f.also)})" if f.also else ""
    return f"Level {f.level}{again}: {f.title}"
