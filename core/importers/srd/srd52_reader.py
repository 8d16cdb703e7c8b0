"""SRD 5.2 from open5e/open5e-api (``data/v2/wizards-of-the-coast/srd-2024``).

Django fixtures (``{"model", "pk", "fields"}``), normalized: children point at
their parent by ``parent`` (actions, attacks, traits, features) or by a foreign
key (an Item's ``weapon``/``armor``). Every join is checked; children whose
parent is missing are left out and counted in a warning.
"""

from __future__ import annotations

import re
from collections import defaultdict
from typing import Any

from storyai.core.importers.srd.convert import convert_all
from storyai.core.importers.srd.entries import Draft, SrdRead, source
from storyai.core.importers.srd.items import item_draft
from storyai.core.importers.srd.manifest import OPEN5E
from storyai.core.importers.srd.reference import (
    ClassInfo,
    RaceInfo,
    Section,
    class_draft,
    condition_draft,
    race_draft,
)
from storyai.core.importers.srd.spells import SpellInfo, save_ability, spell_draft
from storyai.core.importers.srd.srd52_items import Arsenal, equipment, magic_item
from storyai.core.importers.srd.srd52_monsters import CreatureParts, creature
from storyai.core.importers.srd.statblocks import monster_draft
from storyai.core.importers.srd.values import DAMAGE_TYPES, dice

EDITION = "5.2"
VERSION = f"SRD 5.2 (open5e-api {OPEN5E.commit[:8]})"
Fields = dict[str, Any]
Rows = dict[str, Fields]
"""pk -> fields (with the pk under ``_pk``)."""

_SPELL_DAMAGE = re.compile(
    r"(\d+d\d+(?:\s*\+\s*\d+)?)\s+(" + "|".join(DAMAGE_TYPES) + r")\s+damage", re.IGNORECASE
)
_TIME = re.compile(r"^(\d+)\s*([a-z]+)$")


def _file(name: str) -> str:
    return f"{OPEN5E.folder}/{OPEN5E.data_dir}/{name}.json"


def _rows(result: SrdRead, name: str, records: list[dict[str, Any]]) -> Rows:
    """The fixtures of one file by pk; records without ``pk``/``fields`` are reported."""
    rows: Rows = {}
    bad = 0
    for record in records:
        fields, pk = record.get("fields"), record.get("pk")
        if not isinstance(fields, dict) or not isinstance(pk, str | int):
            bad += 1
            continue
        rows[str(pk)] = {**fields, "_pk": str(pk)}
    if bad:
        result.warn(f"{_file(name)}: left out {bad} record(s) without a 'pk' and 'fields'")
    return rows


def _children(
    result: SrdRead, name: str, rows: Rows, parents: Rows, what: str, key: str = "parent"
) -> dict[str, list[Fields]]:
    """Rows grouped by their parent's pk; orphans are counted in one warning."""
    grouped: dict[str, list[Fields]] = defaultdict(list)
    orphans = 0
    for row in rows.values():
        parent = str(row.get(key))
        if parent in parents:
            grouped[parent].append(row)
        else:
            orphans += 1
    if orphans:
        result.warn(f"{_file(name)}: left out {orphans} {what} whose {key} is missing")
    return grouped


def drafts(files: dict[str, list[dict[str, Any]]], result: SrdRead) -> list[Draft]:
    """Every 5.2 entry; ``files`` maps a file name (``Creature.json``) to its records."""
    rows = {name.removesuffix(".json"): _rows(result, name.removesuffix(".json"), recs)
            for name, recs in files.items()}  # fmt: skip

    def src(name: str) -> dict[str, Any]:
        return source(EDITION, _file(name), VERSION)

    out: list[Draft] = []
    out += _monsters(result, rows, src("Creature"))
    classes = {pk: f for pk, f in rows["CharacterClass"].items() if not f.get("subclass_of")}
    out += convert_all(
        result, _file("Spell"), rows["Spell"].values(), lambda f: _spell(f, rows["CharacterClass"])
    )
    arsenal = _arsenal(result, rows)
    for name in ("Item", "MagicItem"):
        _check_links(result, name, rows[name], arsenal)
    out += convert_all(
        result,
        _file("Item"),
        rows["Item"].values(),
        lambda f: item_draft(equipment(f, arsenal), "equipment", src("Item")),
    )
    out += convert_all(
        result,
        _file("MagicItem"),
        rows["MagicItem"].values(),
        lambda f: item_draft(magic_item(f, arsenal), "magic-item", src("MagicItem")),
    )
    features = _class_features(result, rows)
    subclasses = _children(
        result, "CharacterClass", {k: v for k, v in rows["CharacterClass"].items()
                                   if v.get("subclass_of")}, classes, "subclasses", "subclass_of"
    )  # fmt: skip
    out += convert_all(
        result,
        _file("CharacterClass"),
        classes.values(),
        lambda f: _class(f, features, subclasses),
    )
    traits = _children(result, "SpeciesTrait", rows["SpeciesTrait"], rows["Species"], "traits")
    species = [f for f in rows["Species"].values() if not f.get("subspecies_of")]
    out += convert_all(result, _file("Species"), species, lambda f: _species(f, traits))
    out += convert_all(
        result,
        _file("ConditionDescription"),
        rows["ConditionDescription"].values(),
        lambda f: condition_draft(_condition_name(f), str(f.get("desc") or "")),
    )
    return out


def _monsters(result: SrdRead, rows: dict[str, Rows], src: dict[str, Any]) -> list[Draft]:
    creatures = rows["Creature"]
    actions = _children(result, "CreatureAction", rows["CreatureAction"], creatures, "actions")
    action_rows = {
        pk: a for pk, a in rows["CreatureAction"].items() if a.get("parent") in creatures
    }
    attacks = _children(
        result, "CreatureActionAttack", rows["CreatureActionAttack"], action_rows, "attacks"
    )
    traits = _children(result, "CreatureTrait", rows["CreatureTrait"], creatures, "traits")

    def build(f: Fields) -> Draft:
        parts = CreatureParts(
            traits=traits.get(f["_pk"], []),
            actions=actions.get(f["_pk"], []),
            attacks={a["_pk"]: attacks.get(a["_pk"], []) for a in actions.get(f["_pk"], [])},
        )
        return monster_draft(creature(f, parts), src)

    return convert_all(result, _file("Creature"), creatures.values(), build)


def _arsenal(result: SrdRead, rows: dict[str, Rows]) -> Arsenal:
    arsenal = Arsenal(weapons=rows["Weapon"], armor=rows["Armor"])
    props = rows["WeaponProperty"]
    missing = 0
    for assignment in rows["WeaponPropertyAssignment"].values():
        weapon, prop = str(assignment.get("weapon")), props.get(str(assignment.get("property")))
        if weapon not in arsenal.weapons or prop is None:
            missing += 1
            continue
        detail = assignment.get("detail")
        arsenal.properties.setdefault(weapon, []).append(
            (
                str(prop.get("name", "")).lower(),
                str(detail) if detail else None,
                prop.get("type") == "Mastery",
            )
        )
    if missing:
        result.warn(
            f"{_file('WeaponPropertyAssignment')}: left out {missing} weapon properties "
            "whose weapon or property is missing"
        )
    return arsenal


def _check_links(result: SrdRead, name: str, rows: Rows, arsenal: Arsenal) -> None:
    broken = sum(
        1
        for f in rows.values()
        if (f.get("weapon") and str(f["weapon"]) not in arsenal.weapons)
        or (f.get("armor") and str(f["armor"]) not in arsenal.armor)
    )
    if broken:
        result.warn(
            f"{_file(name)}: {broken} item(s) refer to a weapon or armor that is missing; "
            "they were read without its statistics"
        )


def _casting_time(f: Fields) -> str:
    raw = str(f.get("casting_time") or "")
    named = {"action": "Action", "bonus-action": "Bonus Action", "reaction": "Reaction"}
    text = named.get(raw)
    if text is None:
        found = _TIME.match(raw)
        text = f"{found.group(1)} {found.group(2)}" if found else raw.replace("-", " ")
    if raw == "reaction" and f.get("reaction_condition"):
        text += f", {f['reaction_condition']}"
    return text


def _spell(f: Fields, classes: Rows) -> Draft:
    types = [str(t) for t in f.get("damage_types") or []]
    desc = str(f.get("desc") or "")
    damage = None
    rolled = dice(f.get("damage_roll"))
    if rolled and types:
        damage = {"dice": rolled, "type": types[0]}
    elif types:
        found = _SPELL_DAMAGE.search(desc)
        if found and dice(found.group(1)):
            damage = {"dice": dice(found.group(1)), "type": found.group(2).lower()}
    components = [c for c, k in (("V", "verbal"), ("S", "somatic"), ("M", "material")) if f.get(k)]
    range_text = str(f.get("range_text") or "")
    attack = None
    if f.get("attack_roll"):
        attack = "melee" if range_text.lower() in ("touch", "self") else "ranged"
    shape = f"{f['shape_size']}-foot {f['shape_type']}" if f.get("shape_size") else ""
    info = SpellInfo(
        name=str(f["name"]),
        level=int(f.get("level") or 0),
        school=str(f.get("school") or "unknown"),
        casting_time=_casting_time(f),
        range=range_text,
        duration=str(f.get("duration") or "").capitalize(),
        components=components,
        material=str(f.get("material_specified") or ""),
        concentration=bool(f.get("concentration")),
        ritual=bool(f.get("ritual")),
        classes=[
            str(classes[c].get("name", c)).lower() if c in classes else str(c)
            for c in f.get("classes") or []
        ],
        desc=desc,
        higher_level=str(f.get("higher_level") or ""),
        damage=damage,
        save=save_ability(f.get("saving_throw_ability")),
        attack=attack,
        area=shape,
    )
    return spell_draft(info, EDITION)


def _class_features(result: SrdRead, rows: dict[str, Rows]) -> dict[str, list[Section]]:
    features = _children(
        result, "ClassFeature", rows["ClassFeature"], rows["CharacterClass"], "features"
    )
    levels = _children(
        result, "ClassFeatureItem", rows["ClassFeatureItem"], rows["ClassFeature"], "levels"
    )
    out: dict[str, list[Section]] = {}
    for parent, feats in features.items():
        sections = []
        for feat in feats:
            kind = feat.get("feature_type")
            if kind not in (None, "CLASS_FEATURE_OPTION_LIST", "CORE_TRAITS_TABLE"):
                continue
            found = [i.get("level") for i in levels.get(feat["_pk"], [])]
            level = min((n for n in found if isinstance(n, int)), default=None)
            title = str(feat.get("name") or "")
            sections.append(Section(title, str(feat.get("desc") or ""), level))
        sections.sort(key=lambda s: (s.level is not None, s.level or 0, s.title))
        out[parent] = sections
    return out


def _class(f: Fields, features: dict[str, list[Section]], subclasses: dict[str, list]) -> Draft:
    hit = str(f.get("hit_dice") or "D8").lower().lstrip("d")
    sections = features.get(f["_pk"], [])
    intro = "\n\n".join(s.text for s in sections if s.level is None and s.text.startswith("|"))
    caster = str(f.get("caster_type") or "NONE").lower()
    info = ClassInfo(
        name=str(f["name"]),
        hit_die=int(hit) if hit.isdigit() else 8,
        saves=[str(s) for s in f.get("saving_throws") or []],
        spellcasting="" if caster == "none" else f"{caster} caster",
        subclasses=[str(s.get("name", "")) for s in subclasses.get(f["_pk"], [])],
        intro=intro,
        features=[s for s in sections if not (s.level is None and s.text.startswith("|"))],
    )
    return class_draft(info)


def _species(f: Fields, traits: dict[str, list[Fields]]) -> Draft:
    own = sorted(traits.get(f["_pk"], []), key=lambda t: int(t.get("order") or 0))
    size = next((str(t.get("desc", "")).strip() for t in own if t.get("type") == "SIZE"), "")
    speed = next((str(t.get("desc", "")).strip() for t in own if t.get("type") == "SPEED"), "")
    info = RaceInfo(
        name=str(f["name"]),
        size=size,
        speed=speed,
        intro=str(f.get("desc") or ""),
        traits=[
            Section(str(t.get("name", "")), str(t.get("desc") or ""))
            for t in own
            if t.get("type") not in ("SIZE", "SPEED")
        ],
    )
    return race_draft(info, "Species")


def _condition_name(f: Fields) -> str:
    return str(f.get("describes") or f["_pk"].removeprefix("srd-2024_")).replace("-", " ").title()
