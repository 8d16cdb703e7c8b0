"""An SRD library spell as a world's ``spells:`` entry (for ``base: srd:fireball``).

The library keeps each spell's level, school, range, damage, save or attack,
healing and area as the SRD gives them; this turns them into the fields the
engine casts with. What the SRD only says in words (conditions, most utility
effects) stays words: such a spell is cast for its description alone unless the
world's entry adds ``conditions:`` itself.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from storyai.core.domain.records import LibraryRecord

_UPCAST = re.compile(r"increases by (\d+d\d+)(?: \+ ?(\d+))? for (?:each|every) slot level", re.I)
_AREA_TARGETS = 20
_ABILITIES = ("str", "dex", "con", "int", "wis", "cha")


def spell_fields(record: LibraryRecord) -> dict[str, Any]:
    """The world-format mapping of one library spell (validates as ``Spell``)."""
    data: Mapping[str, Any] = record.data
    out: dict[str, Any] = {"name": record.name[:120], "level": _level(data.get("level"))}
    for key in ("school", "casting_time", "range", "duration"):
        value = data.get(key)
        if isinstance(value, str) and value.strip():
            out[key] = value.strip()[: 60 if key != "school" else 40]
    out["concentration"] = bool(data.get("concentration"))
    damage = data.get("damage") if isinstance(data.get("damage"), Mapping) else None
    heal = data.get("heal") if isinstance(data.get("heal"), Mapping) else None
    save = data.get("save") if data.get("save") in _ABILITIES else None
    attack = data.get("attack") if data.get("attack") in ("melee", "ranged") else None
    if damage and damage.get("dice") and damage.get("type"):
        out["damage"] = str(damage["dice"])
        out["damage_type"] = str(damage["type"]).lower()
    if heal and heal.get("dice"):
        out["heal"] = str(heal["dice"])
        out["add_modifier"] = bool(heal.get("plus_modifier"))
        out["affects"] = "ally"
    if attack:
        out["attack"] = attack
    elif save:
        out["save"] = save
        if "damage" in out and "half as much" in record.text.lower():
            out["half_on_save"] = True
    area = data.get("area")
    if isinstance(area, str) and area.strip() and "damage" in out:
        out["area"] = area.strip()[:60]
        out["targets"] = _AREA_TARGETS
    found = _UPCAST.search(str(data.get("higher_level") or ""))
    if found and out["level"] > 0:
        out["upcast"] = found.group(1) + (f"+{found.group(2)}" if found.group(2) else "")
    if not ({"damage", "heal"} & out.keys()):
        out.pop("save", None)
        out.pop("attack", None)
        out["affects"] = "object"  # nothing the engine can roll: told, not resolved
        out["description"] = _first_paragraph(record.text)
    return out


def _level(value: Any) -> int:
    return value if isinstance(value, int) and 0 <= value <= 9 else 0


def _first_paragraph(text: str) -> str:
    for block in text.split("\n\n"):
        block = block.strip()
        if block and not block.startswith(("#", "*", "-", "|")):
            return block[:4000]
    return ""
