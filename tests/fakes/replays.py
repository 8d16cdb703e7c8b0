"""What a real small model answered, for the fake server to replay (``server.replay(name)``).

SmolLM2-135M-Instruct (Q4_1) behind llama.cpp's ``llama-server``, playing Ember
Hollow with the reply schema as a grammar (issue 20). The shapes are the ones that
run produced: the schema's own words copied as values ("narrative", "item",
"who"), zeros and empty strings for "nothing", gold spent on every turn, a player
character's id used as a speaker, and replies looping inside an array until the
token cap cut them off. Player ids and the looped text are shortened.
"""

from __future__ import annotations

import json
from typing import Any

from fakes.llm_server import Reply

PLAYER_ID = "2f90a701c3e84b5d9a61f0e2b7d4c815"
"""The real run's player id: the world prompt listed player characters by it."""


def _reply(narrative: str, gold: int | None = 0, **extra: Any) -> str:
    reply: dict[str, Any] = {
        "narrative": narrative,
        "dialogue": [],
        "choices": [{"id": "id", "text": "text"}],
        "state_changes": {
            "location": "",
            "discovered": [],
            "items": [{"item": "item", "delta": 0}],
            "gold": gold,
            "hp": [{"who": "who", "delta": 0, "reason": ""}],
            "quests": [{"quest": "quest", "stage": "stage"}],
            "lore": [""],
            "attitudes": [{"who": "who", "attitude": "neutral"}],
        },
        "check": {"skill": "", "difficulty": 0, "reason": ""},
        "media_hints": {"image_prompt": "string", "ambient_audio": "string"},
    }
    reply.update(extra)
    return json.dumps(reply)


_LOOP = ", ".join(
    json.dumps({"speaker": "hesta", "text": "We need to find the mine and the stone."})
    for _ in range(12)
)

SMOLLM2: dict[str, Reply] = {
    # "ask hesta about mine": the word "narrative" as the narrative, one gold spent
    "gold_on_ask": Reply(_reply("narrative", gold=-1)),
    # "go west", twice: gold spent on walking (the narratives here are ours: the run's
    # were "narrative" again, which is now refused before any proposal is read)
    "gold_on_go": Reply(_reply("You walk west along the road.", gold=-1)),
    "gold_on_go_again": Reply(_reply("The road bends west past the chapel.", gold=-10)),
    # every field left at the schema's example or its zero: nothing happened
    "defaults": Reply(_reply("Hesta shrugs and points up the road toward the old mine.", gold=0)),
    # a player character's id used as a speaker
    "id_as_speaker": Reply(
        _reply(
            "The square is quiet under the ash.",
            dialogue=[{"speaker": PLAYER_ID, "text": "We're on the hunt for the Emberstone."}],
        )
    ),
    # dialogue looping until the 500-token cap: cut off inside the twelfth line
    "cut_in_dialogue": Reply(
        '{"narrative": "Hesta leans on her broom and studies you. The mine road runs '
        'north past the chapel, she says, and nobody has come back from it in a week.", '
        '"dialogue": [' + _LOOP + ', {"speaker": "hesta", "text": "We need to fi',
        finish_reason="length",
    ),
    # cut off inside the narrative itself: nothing whole to close
    "cut_in_narrative": Reply('{"narrative": "The wind', finish_reason="length"),
    # a chapter summary cut off at its 220-token limit
    "summary_cut": Reply(
        "Ash arrived in Ember Hollow and spoke with Reeve Hesta about the mine, where",
        finish_reason="length",
    ),
    # a chapter closed at turn 20 whose summary went on to turns that never happened
    "summary_future": Reply(
        "Ash took the road to the mine. [Turn 21] Ash fought the wolf. [Turn 22] Ash "
        "entered the mine."
    ),
}
"""Replies by name; ``FakeLLMServer.replay(name)`` queues one."""
