"""Read models: what a player sees, built from a GameState and its World.

Pure functions returning frozen dataclasses. Interfaces (TUI, bot, CLI) draw
them and never branch on the rule system; the rule system labels its own
numbers (``RuleSystem.summarize``).
"""

from storyai.core.rules.display import (
    AttackLine,
    Resource,
    Score,
    ScoreMethod,
    SkillEntry,
    Stat,
)
from storyai.core.rules.spell_lines import SpellLine
from storyai.core.views.creation import ArchetypeChoice, CreationView, creation_view
from storyai.core.views.place import (
    MAP_LABEL_WIDTH,
    ExitView,
    LocationView,
    PersonView,
    PlaceItemView,
    TopicView,
    discovered_map,
    location_view,
)
from storyai.core.views.player import PlayerView, first_player, player_view
from storyai.core.views.quests import ObjectiveView, QuestView, quest_log
from storyai.core.views.sheet import (
    InventoryView,
    ItemView,
    SheetView,
    inventory_view,
    sheet_view,
)

__all__ = [
    "MAP_LABEL_WIDTH",
    "ArchetypeChoice",
    "AttackLine",
    "CreationView",
    "ExitView",
    "InventoryView",
    "ItemView",
    "LocationView",
    "ObjectiveView",
    "PersonView",
    "PlaceItemView",
    "PlayerView",
    "QuestView",
    "Resource",
    "Score",
    "ScoreMethod",
    "SheetView",
    "SkillEntry",
    "SpellLine",
    "Stat",
    "TopicView",
    "creation_view",
    "discovered_map",
    "first_player",
    "inventory_view",
    "location_view",
    "player_view",
    "quest_log",
    "sheet_view",
]
