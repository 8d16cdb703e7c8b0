"""The quest log: what each begun quest asks for now, and which are finished."""

from __future__ import annotations

from dataclasses import dataclass

from storyai.core.domain.state import GameState
from storyai.core.domain.world import World

DONE_TEXT = "Complete."


@dataclass(frozen=True)
class ObjectiveView:
    description: str
    done: bool = False
    optional: bool = False


@dataclass(frozen=True)
class QuestView:
    id: str
    title: str
    status: str  # "active" or "done"
    stage: str  # what the current stage asks for; "Complete." when done
    objectives: tuple[ObjectiveView, ...] = ()
    main: bool = False


def quest_log(state: GameState, world: World) -> tuple[QuestView, ...]:
    """Active quests with their current stage and objectives, then finished ones.
    Quests not yet begun, and quests the world no longer has, are left out."""
    active: list[QuestView] = []
    done: list[QuestView] = []
    for qid, qs in state.quests.items():
        quest = world.quests.get(qid)
        if quest is None or qs.status not in ("active", "done"):
            continue
        if qs.status == "done":
            done.append(QuestView(qid, quest.title, "done", DONE_TEXT, main=quest.main))
            continue
        stage = quest.stages[max(0, min(qs.stage, len(quest.stages) - 1))]
        objectives = tuple(
            ObjectiveView(o.description, i in qs.done_objectives, o.optional)
            for i, o in enumerate(stage.objectives)
        )
        active.append(
            QuestView(
                qid, quest.title, "active", _oneline(stage.description), objectives, quest.main
            )
        )
    return (*active, *done)


def _oneline(text: str) -> str:
    return " ".join(text.split())
