"""Discord's limits, in one place (see docs/DISCORD_TESTING.md §6).

Discord counts lengths in Unicode code points, as Python's ``len`` does.
"""

from __future__ import annotations

MESSAGE_CHARS = 2000
EMBED_TITLE = 256
EMBED_DESCRIPTION = 4096
EMBED_FIELDS = 25
EMBED_FIELD_NAME = 256
EMBED_FIELD_VALUE = 1024
EMBED_FOOTER = 2048
EMBED_AUTHOR = 256
EMBED_TOTAL = 6000
"""All embeds of one message together (title, description, fields, footer, author)."""
EMBEDS_PER_MESSAGE = 10
BUTTON_LABEL = 80
CUSTOM_ID = 100
BUTTONS_PER_ROW = 5
ROWS = 5
BUTTONS = BUTTONS_PER_ROW * ROWS

ELLIPSIS = "…"
