"""The bot's output layer: escaping, splitting, rendering, embeds, buttons, streaming.

Pure functions and small classes, testable without Discord. Everything written
by players, worlds or models goes through ``escape_text`` before it is shown,
and every message is sent with ``allowed_mentions=NO_PINGS``.
"""

from storyai.bots.output.buttons import (
    CUSTOM_ID_PATTERN,
    EXPIRED,
    ChoiceButton,
    ChoiceButtons,
    ChoiceRef,
    choice_buttons,
    parse_custom_id,
)
from storyai.bots.output.embeds import (
    SeatLine,
    StatusSummary,
    embed_messages,
    fit_embed,
    hp_bar,
    inventory_embed,
    quests_embed,
    sheet_embed,
    status_embed,
)
from storyai.bots.output.escape import NO_PINGS, clip, escape_inline, escape_text, plain_line
from storyai.bots.output.render import render_line, render_lines, render_messages
from storyai.bots.output.split import (
    EmbedField,
    clip_markdown,
    fit_field,
    pack_fields,
    split_embed_description,
    split_message,
)
from storyai.bots.output.stream import MessageStreamer

__all__ = [
    "CUSTOM_ID_PATTERN",
    "EXPIRED",
    "NO_PINGS",
    "ChoiceButton",
    "ChoiceButtons",
    "ChoiceRef",
    "EmbedField",
    "MessageStreamer",
    "SeatLine",
    "StatusSummary",
    "choice_buttons",
    "clip",
    "clip_markdown",
    "embed_messages",
    "escape_inline",
    "escape_text",
    "fit_embed",
    "fit_field",
    "hp_bar",
    "inventory_embed",
    "pack_fields",
    "parse_custom_id",
    "plain_line",
    "quests_embed",
    "render_line",
    "render_lines",
    "render_messages",
    "sheet_embed",
    "split_embed_description",
    "split_message",
    "status_embed",
]
