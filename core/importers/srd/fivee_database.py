"""SRD 5.1 from 5e-bits/5e-database (``src/2014/en/5e-SRD-*.json``).

One JSON list per collection; records cross-reference each other with
``{index, name, url}``. Monsters and items are converted in their own modules.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from storyai.core.importers.srd.convert import convert_all
from storyai.core.importers.srd.entries import Draft, SrdRead, source
from storyai.core.importers.srd.fivee_items import equipment, magic_item
from storyai.core.importers.srd.fivee_monsters import monster
from storyai.core.importers.srd.items import item_draft
from storyai.core.importers.srd.manifest import FIVEE_DATABASE
from storyai.core.importers.srd.reference import (
    ClassInfo,
    RaceInfo,
    Section,
    class_draft,
    condition_draft,
    race_draft,
)
from storyai.core.importers.srd.spells import SpellInfo, save_ability, spell_draft
from storyai.core.importers.srd.statblocks import monster_draft
from storyai.core.importers.srd.values import ABILITY_NAMES, dice, paragraphs

EDITION = "5.1"
VERSION = f"SRD 5.1 (5e-database {FIVEE_DATABASE.commit[:8]})"
Records = dict[str, list[dict[str, Any]]]


def _file(name: str) -> str:
    return f"{FIVEE_DATABASE.folder}/{FIVEE_DATABASE.data_dir}/5e-SRD-{name}.json"


def drafts(files: Records, result: SrdRead) -> list[Draft]:
    """Every 5.1 entry, in the order monsters, spells, equipment, magic items, classes,
    races, conditions. ``files`` maps a file name (``5e-SRD-Monsters.json``) to its records."""

    def records(name: str) -> list[dict[str, Any]]:
        return files[f"5e-SRD-{name}.json"]

    def src(name: str) -> dict[str, Any]:
        return source(EDITION, _file(name), VERSION)

    out: list[Draft] = []
    out += convert_all(
        result,
        _file("Monsters"),
        records("Monsters"),
        lambda r: monster_draft(monster(r), src("Monsters")),
    )
    out += convert_all(result, _file("Spells"), records("Spells"), _spell)
    out += convert_all(
        result,
        _file("Equipment"),
        records("Equipment"),
        lambda r: item_draft(equipment(r), "equipment", src("Equipment")),
    )
    # A generic entry ("Potion of Healing", rarity varies) after the specific ones, so
    # that on a name clash the real potion keeps the plain key.
    magic = sorted(records("Magic-Items"), key=lambda r: bool(r.get("variants")))
    out += convert_all(
        result,
        _file("Magic-Items"),
        magic,
        lambda r: item_draft(magic_item(r), "magic-item", src("Magic-Items")),
    )
    features = _features_by_class(records("Features"))
    out += convert_all(result, _file("Classes"), records("Classes"), lambda r: _class(r, features))
    traits = {t.get("index"): t for t in records("Traits")}
    subraces = defaultdict(list)
    for sub in records("Subraces"):
        subraces[_ref(sub.get("race"))].append(sub)
    out += convert_all(
        result, _file("Races"), records("Races"), lambda r: _race(r, traits, subraces)
    )
    out += convert_all(
        result,
        _file("Conditions"),
        records("Conditions"),
        lambda r: condition_draft(str(r["name"]), paragraphs(r.get("desc") or [])),
    )
    return out


def _ref(value: Any) -> str:
    return str(value.get("index", "")) if isinstance(value, dict) else ""


def _ref_name(value: Any) -> str:
    return str(value.get("name", "")) if isinstance(value, dict) else ""


def _spell(rec: dict[str, Any]) -> Draft:
    level = int(rec.get("level") or 0)
    damage = None
    raw = rec.get("damage") or {}
    by_level = raw.get("damage_at_slot_level") or raw.get("damage_at_character_level") or {}
    if by_level:
        first = by_level.get(str(level)) or by_level[min(by_level, key=lambda k: int(k))]
        rolled = dice(first)
        if rolled:
            damage = {"dice": rolled, "type": _ref(raw.get("damage_type"))}
    heal = None
    heals = rec.get("heal_at_slot_level") or {}
    if heals:
        first = str(heals.get(str(level)) or heals[min(heals, key=lambda k: int(k))])
        plus_mod = "MOD" in first.upper()
        rolled = dice(first.upper().replace("+ MOD", "").replace("+MOD", "").lower())
        if rolled:
            heal = {"dice": rolled, "plus_modifier": plus_mod}
    area = rec.get("area_of_effect") or {}
    info = SpellInfo(
        name=str(rec["name"]),
        level=level,
        school=_ref(rec.get("school")) or "unknown",
        casting_time=str(rec.get("casting_time") or ""),
        range=str(rec.get("range") or ""),
        duration=str(rec.get("duration") or ""),
        components=[str(c) for c in rec.get("components") or []],
        material=str(rec.get("material") or ""),
        concentration=bool(rec.get("concentration")),
        ritual=bool(rec.get("ritual")),
        classes=[_ref(c) for c in rec.get("classes") or [] if _ref(c)],
        desc=paragraphs(rec.get("desc") or []),
        higher_level=paragraphs(rec.get("higher_level") or []),
        damage=damage,
        save=save_ability(_ref((rec.get("dc") or {}).get("dc_type"))),
        attack=rec.get("attack_type") or None,
        heal=heal,
        area=f"{area['size']}-foot {area['type']}" if area.get("size") else "",
    )
    return spell_draft(info, EDITION)


def _features_by_class(features: list[dict[str, Any]]) -> dict[str, list[Section]]:
    """Class features (not subclass ones, not option sub-features) by class index."""
    by_class: dict[str, dict[str, Section]] = defaultdict(dict)
    ordered = sorted(
        features, key=lambda f: f.get("level") if isinstance(f.get("level"), int) else 0
    )
    for feat in ordered:
        if feat.get("subclass") or feat.get("parent"):
            continue
        level = feat.get("level") if isinstance(feat.get("level"), int) else None
        name = str(feat.get("name", ""))
        sections = by_class[_ref(feat.get("class"))]
        if name in sections and level is not None:
            sections[name].also += (level,)
        else:
            sections[name] = Section(name, paragraphs(feat.get("desc") or []), level)
    return {cls: list(sections.values()) for cls, sections in by_class.items()}


def _class(rec: dict[str, Any], features: dict[str, list[Section]]) -> Draft:
    choices = [str(c.get("desc", "")) for c in rec.get("proficiency_choices") or []]
    spellcasting = rec.get("spellcasting") or {}
    info = ClassInfo(
        name=str(rec["name"]),
        hit_die=int(rec.get("hit_die") or 8),
        saves=[_ref(s) for s in rec.get("saving_throws") or []],
        proficiencies=[
            _ref_name(p)
            for p in rec.get("proficiencies") or []
            if not _ref(p).startswith("saving-throw-")
        ],
        skill_choices=choices[0] if choices else "",
        spellcasting=ABILITY_NAMES.get(_ref(spellcasting.get("spellcasting_ability")), ""),
        subclasses=[_ref_name(s) for s in rec.get("subclasses") or []],
        features=features.get(str(rec.get("index")), []),
    )
    return class_draft(info)


def _race(
    rec: dict[str, Any], traits: dict[Any, dict[str, Any]], subraces: dict[str, list[Any]]
) -> Draft:
    def trait_sections(refs: list[Any]) -> list[Section]:
        out = []
        for ref in refs or []:
            trait = traits.get(_ref(ref))
            text = paragraphs(trait.get("desc") or []) if trait else ""
            out.append(Section(_ref_name(ref), text))
        return out

    intro = "\n\n".join(
        paragraphs(rec.get(k) or "")
        for k in ("alignment", "age", "size_description", "language_desc")
        if rec.get(k)
    )
    subs = []
    for sub in subraces.get(str(rec.get("index")), []):
        bonuses = ", ".join(
            f"{_ref(b.get('ability_score')).upper()} {int(b.get('bonus', 0)):+d}"
            for b in sub.get("ability_bonuses") or []
        )
        parts = [str(sub.get("desc") or "")]
        if bonuses:
            parts.append(f"**Ability Score Increase** {bonuses}")
        for section in trait_sections(sub.get("racial_traits") or []):
            parts.append(f"***{section.title}.*** {section.text}")
        subs.append(Section(str(sub.get("name", "")), "\n\n".join(p for p in parts if p)))
    info = RaceInfo(
        name=str(rec["name"]),
        size=str(rec.get("size") or ""),
        speed=f"{int(rec.get('speed') or 30)} ft.",
        ability_bonuses={
            _ref(b.get("ability_score")): int(b.get("bonus", 0))
            for b in rec.get("ability_bonuses") or []
        },
        languages=[_ref_name(lang) for lang in rec.get("languages") or []],
        intro=intro,
        traits=trait_sections(rec.get("traits") or []),
        subraces=subs,
    )
    return race_draft(info, "Race")
