"""Rule systems behind one interface: d20 (5e SRD style) and percentile (BRP style).

Get one with ``get_rule_system(name)`` or ``rule_system_for(world)``; every
method is pure and takes its dice through the ``Dice`` port.
"""

from storyai.core.rules.base import Advantage, AttackResult, CheckResult, RuleSystem
from storyai.core.rules.combat import InitiativeEntry, NpcAction, npc_action, roll_initiative
from storyai.core.rules.registry import available_systems, get_rule_system, rule_system_for

__all__ = [
    "Advantage",
    "AttackResult",
    "CheckResult",
    "InitiativeEntry",
    "NpcAction",
    "RuleSystem",
    "available_systems",
    "get_rule_system",
    "npc_action",
    "roll_initiative",
    "rule_system_for",
]
