"""Choice buttons: dynamic items whose custom id names the story, the turn and the
choice, so a button on an old message still answers after a restart, in any bot
process, or says clearly that it expired.

A button is valid only while the story is at the turn it was offered after and no
turn is being told (``Play.choices``, and again by the play service when the action
is taken: a turn told in between refuses it); otherwise the click is refused with
``ChoiceExpired``, privately. A valid click plays the choice as the clicker's action.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

import discord

from storyai.bots.output import CUSTOM_ID_PATTERN, ChoiceRef, choice_buttons, parse_custom_id
from storyai.bots.replies import answering
from storyai.core.domain.errors import ChoiceExpired
from storyai.core.domain.state import Choice
from storyai.core.play.results import TurnResult

SESSION_REF = 12
"""How many characters of the story's id a button carries."""


class ChoiceButton(discord.ui.DynamicItem[discord.ui.Button], template=CUSTOM_ID_PATTERN):
    def __init__(self, custom_id: str, label: str = "", row: int | None = None) -> None:
        super().__init__(
            discord.ui.Button(
                label=label or "Choose",
                style=discord.ButtonStyle.secondary,
                custom_id=custom_id,
                row=row,
            )
        )
        self.ref = parse_custom_id(custom_id)

    @classmethod
    async def from_custom_id(  # type: ignore[override]
        cls, interaction: discord.Interaction, item: discord.ui.Button, match: re.Match[str]
    ) -> ChoiceButton:
        return cls(item.custom_id or "", item.label or "")

    async def callback(self, interaction: discord.Interaction) -> Any:
        if self.ref is not None:
            await choose(interaction, self.ref)


async def choose(interaction: discord.Interaction, ref: ChoiceRef) -> None:
    """Play the clicked choice, if it is still one of the story's current choices."""
    from storyai.bots import turns  # turns shows choices with this module's views

    async with answering(interaction) as bot:
        session = await bot.play.here(str(interaction.channel_id))
        if not session.id.startswith(ref.session_ref):
            raise ChoiceExpired()  # a button of an earlier story in this channel
        turn, choices, telling = await bot.play.choices(session.id)
        if telling or ref.expired(turn) or ref.index >= len(choices):
            raise ChoiceExpired()
        await turns.act(interaction, choices[ref.index].command, after_turn=ref.turn)


def choice_view(result: TurnResult) -> discord.ui.View | None:
    """A told turn's choices as buttons (within Discord's 5 x 5), or None."""
    if result.ended:
        return None
    return choices_view(result.session_id, result.turn, result.choices)


def choices_view(session_id: str, turn: int, choices: Sequence[Choice]) -> discord.ui.View | None:
    """Choices offered after ``turn`` as buttons, or None when there are none."""
    if not choices:
        return None
    view = discord.ui.View(timeout=None)
    for button in choice_buttons(choices, session_id[:SESSION_REF], turn):
        view.add_item(ChoiceButton(button.custom_id, button.label, button.row))
    return view
