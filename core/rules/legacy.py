"""What a finished story earns a profile, by the rules: legend points for an ending,
achievements (built in and the world's) whose conditions hold at the end, the titles
they grant and those the story gave (worn at an ending that is not death),
heirlooms carried at the end, and followers (friends who would come along).
Pure: the caller stores it once per (profile, story)."""

from __future__ import annotations

from typing import Any

from storyai.core.domain.standing import wearing
from storyai.core.domain.state import GameState
from storyai.core.domain.world import World
from storyai.core.engine.story import holds
from storyai.core.rules.legacy_marks import WON_AT_ONE_HP

DEATH = "__death"
FOLLOWER_AT = 50
"""A friend this warm may follow the player into a later story."""
BUILT_IN: dict[str, tuple[str, int]] = {
    "first_ending": ("First Ending: a story finished", 5),
    "by_a_thread": ("By a Thread: a fight won at 1 HP", 10),
}


def ending_title(world: World, ending: str) -> str:
    if ending == DEATH:
        return "died"
    for quest in world.quests.values():
        for e in quest.endings:
            if e.id == ending:
                return e.title
    return ending


def earned(world: World, state: GameState, player_id: str, *, first: bool) -> dict[str, Any]:
    """What ``player_id`` earns from ``state`` (a story that has ended). ``first``: the
    profile has finished no story before (death does not count)."""
    ending = state.ending or ""
    player = state.players[player_id]
    died = ending == DEATH
    achievements: list[dict[str, Any]] = []
    titles: list[str] = []
    if first and not died:
        title, points = BUILT_IN["first_ending"]
        achievements.append({"id": "first_ending", "title": title, "points": points})
    if WON_AT_ONE_HP in state.topics_heard:
        title, points = BUILT_IN["by_a_thread"]
        achievements.append({"id": "by_a_thread", "title": title, "points": points})
    for aid, achievement in sorted(world.achievements.items()):
        if achievement.ending is not None and achievement.ending != ending:
            continue
        if not holds(achievement.requires, state, player_id, world):
            continue
        achievements.append(
            {
                "id": f"{world.id}.{aid}",
                "title": achievement.title,
                "points": achievement.legend_points,
            }
        )
        if achievement.grants_title:
            titles.append(achievement.grants_title)
    if not died:  # what the story called them: given titles and reputation's ranks
        titles += [t for t in wearing(player.sheet, world) if t not in titles]
    heirlooms = [
        {"item": item_id, "name": world.items[item_id].name, "world_id": world.id}
        for item_id in sorted(player.sheet.inventory)
        if item_id in world.items and world.items[item_id].heirloom
    ]
    followers = sorted(
        world.characters[cid].name
        for cid, npc in state.npcs.items()
        if cid in world.characters
        and not npc.defeated
        and (bond := npc.relationships.get(player_id)) is not None
        and bond.kind == "friend"
        and bond.value >= FOLLOWER_AT
    )
    base = 0 if died else world.legacy.legend_points
    return {
        "world_title": world.world.title,
        "ending": ending,
        "ending_title": ending_title(world, ending),
        "character": player.name,
        "legend_points": base + sum(a["points"] for a in achievements),
        "achievements": achievements,
        "titles": titles,
        "heirlooms": heirlooms,
        "followers": followers,
    }
