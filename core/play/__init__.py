"""Playing stories: the one service every interface calls (``Play``), and what it
returns. See ``service.py`` for the map of the package."""

from storyai.core.play.results import (
    ActResult,
    BranchInfo,
    Seat,
    SessionSummary,
    StoryStatus,
    TableView,
    Tended,
    TurnResult,
)
from storyai.core.play.service import Play
from storyai.core.play.tableside import Shard, TableOptions

__all__ = [
    "ActResult",
    "BranchInfo",
    "Play",
    "Seat",
    "SessionSummary",
    "Shard",
    "StoryStatus",
    "TableOptions",
    "TableView",
    "Tended",
    "TurnResult",
]
