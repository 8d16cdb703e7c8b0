"""Read models as plain text, for the story's own replies (``sheet``,
``inventory``, ``quests``) and for anything that prints without markup."""

from __future__ import annotations

from collections.abc import Sequence

from storyai.core.rules.display import Resource
from storyai.core.rules.features import FeatureLine
from storyai.core.rules.spell_lines import SpellLine
from storyai.core.views.player import TurnSlot
from storyai.core.views.quests import QuestView
from storyai.core.views.sheet import InventoryView, SheetView


def _resource(r: Resource) -> str:
    text = f"{r.label} {r.amount}"
    if r.temporary:
        text += f" (+{r.temporary})"
    return f"{text} ({r.note})" if r.note else text


def sheet_text(s: SheetView) -> str:
    """``Ash — level 1 Hedge-Wizard``, then resources, scores, conditions, skills, attacks."""
    who = " ".join(
        part for part in (f"level {s.level}" if s.level is not None else "", s.archetype) if part
    )
    lines = [f"{s.name} — {who}" if who else s.name]
    lines.append(
        " · ".join([_resource(s.hp), f"{s.defence.label} {s.defence.value}"])
        + "".join(f" · {_resource(r)}" for r in s.other_resources)
    )
    if s.scores:
        lines.append(
            " ".join(
                f"{c.label} {c.value}" + (f" ({c.modifier:+d})" if c.modifier is not None else "")
                for c in s.scores
            )
        )
    if s.conditions:
        lines.append("Conditions: " + ", ".join(s.conditions))
    lines += [f"{label}: {text}" for label, text in s.standing]
    if s.features:
        lines.append("Features: " + "; ".join(feature_text(f) for f in s.features))
    lines.append(
        " · ".join([*(f"{t.label} {t.value}" for t in s.stats), f"{s.currency_label} {s.gold}"])
    )
    if s.skills:
        lines.append(f"{s.skill_label}: " + ", ".join(f"{k.label} {k.text}" for k in s.skills[:8]))
    if s.attacks:
        lines.append("Attacks: " + "; ".join(f"{a.name} {a.chance}, {a.damage}" for a in s.attacks))
    if s.spells:
        lines.append("Spells: " + "; ".join(spell_text(sp) for sp in s.spells))
    lines += [f"{label}: {text}" for label, text in s.identity]
    return "\n".join(lines)


def feature_text(f: FeatureLine) -> str:
    """``Second Wind (level 1; power: Second Wind): Catch your breath`` (no full stop:
    features are listed with ``; ``)."""
    head = f"{f.name} (level {f.level}" + (f"; {f.gives})" if f.gives else ")")
    return f"{head}: {f.description.rstrip('.')}" if f.description else head


def spell_text(sp: SpellLine) -> str:
    """``Fire Bolt (cantrip): +4 to hit, 1d10 fire``."""
    cost = f", {sp.cost}" if sp.cost else ""
    held = " [concentrating]" if sp.concentrating else ""
    return f"{sp.name} ({sp.level_label}{cost}): {sp.effect}{held}"


def turn_order_text(
    slots: Sequence[TurnSlot], combat_round: int | None, *, next_up: bool = True
) -> str:
    """``Round 2 · turn order: Wolf 22, you 10. Next: you.`` (those out of the fight in
    brackets; without ``next_up``, no "Next"); empty out of a fight."""
    if not slots:
        return ""
    shown = []
    for slot in slots:
        text = ("you" if slot.you else slot.name) + (
            f" {slot.initiative}" if slot.initiative is not None else ""
        )
        shown.append(f"({text}, out)" if slot.out else text)
    head = f"Round {combat_round} · turn order" if combat_round else "Turn order"
    up = next((s for s in slots if s.next and not s.out), None) if next_up else None
    after = f" Next: {'you' if up.you else up.name}." if up else ""
    return f"{head}: " + ", ".join(shown) + "." + after


def inventory_text(pack: InventoryView) -> str:
    if not pack.items:
        return f"You carry nothing. {pack.currency_label}: {pack.gold}."
    lines = [
        f"- {i.name}{f' ×{i.count}' if i.count > 1 else ''}{' (equipped)' if i.equipped else ''}"
        for i in pack.items
    ]
    return (
        "You carry:\n"
        + "\n".join(lines)
        + f"\n{pack.currency_label}: {pack.gold} · Load: {pack.load}"
    )


def quest_log_text(quests: Sequence[QuestView]) -> str:
    lines = []
    for q in quests:
        if q.status == "done":
            lines.append(f"✓ {q.title} (complete)")
            continue
        lines.append(f"• {q.title}: {q.stage}")
        for o in q.objectives:
            optional = " (optional)" if o.optional else ""
            lines.append(f"    [{'x' if o.done else ' '}] {o.description}{optional}")
    return "\n".join(lines) if lines else "No quests yet."
