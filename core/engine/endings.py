"""Actions that end the story ask first.

The world marks a topic, a phrase or an interaction with ``ends_story``; the first
time the player does it the engine says so and offers Yes / No. `confirm` (or
`yes`, or choosing Yes) does it; anything else goes on with the story.
"""

from __future__ import annotations

from storyai.core.domain.state import Choice
from storyai.core.engine.draft import Draft
from storyai.core.engine.intent import Intent

ENDS = " (ends the story)"
"""Added to a choice or a topic that ends the story."""


def asked_to_confirm(draft: Draft, intent: Intent, ends_story: bool, command: str) -> bool:
    """True when ``intent`` would end the story and is not confirmed yet: the player is
    asked, and ``command`` (what they typed, in the engine's words) is offered to
    confirm. The caller then does nothing else."""
    if not ends_story or intent.confirmed:
        return False
    draft.say(
        f"This will end the story: {command}. Type confirm (or choose 1) to go on, "
        "or do something else to carry on playing.",
        "notice",
    )
    draft.confirming = [
        Choice(text=f"Yes: {command}{ENDS}", command=f"confirm {command}"),
        Choice(text="No, not yet", command="look"),
    ]
    return True


def topic_label(draft: Draft, who: str, topic: str) -> str:
    """A topic as offered ("freedom (ends the story)")."""
    entry = draft.world.characters[who].dialogue.topics.get(topic.replace(" ", "_"))
    return topic + ENDS if entry is not None and entry.ends_story else topic


def confirmed_command(choices: list[Choice]) -> str | None:
    """What a bare `confirm` / `yes` confirms: the action offered for confirmation."""
    for choice in choices:
        if choice.command.startswith("confirm "):
            return choice.command
    return None
