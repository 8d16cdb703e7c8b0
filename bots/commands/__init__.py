"""The bot's slash commands, one module per group of what players do:

``story``      /story start | join | leave | status | mode | remove | end
``voice``      /story voice join | leave (a subgroup of /story)
``acting``     /act, /whisper, /roll, /check, /save
``character``  /sheet, /inventory, /quests, /powers, /legacy, /character create
``level_up``   /levelup (a select and buttons)
``knowledge``  /map, /codex
``branches``   /rewind, /branch
``usage``      /usage
``companion``  /companion ask
``help``       /help

Each command defers at once (``replies.answering``), calls one ``Play`` use case or
query and renders what comes back; a ``StoryError`` is shown to the asker only.
"""

from __future__ import annotations

from discord import app_commands

from storyai.bots.commands import (
    acting,
    branches,
    character,
    companion,
    help,
    knowledge,
    level_up,
    story,
    usage,
)


def all_commands() -> list[app_commands.Command | app_commands.Group]:
    """Every command, new objects for each bot (groups keep per-bot state)."""
    return [
        story.Story(),
        acting.act,
        acting.whisper,
        acting.roll,
        acting.check,
        acting.save,
        character.sheet,
        character.inventory,
        character.quests,
        knowledge.map_,
        knowledge.codex,
        character.powers,
        character.legacy,
        level_up.levelup,
        character.Character(),
        branches.rewind,
        branches.branch,
        usage.usage,
        companion.Companion(),
        help.help_command,
    ]
