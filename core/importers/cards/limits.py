"""Size limits for card and lorebook files. Anything over them is refused, not read."""

from __future__ import annotations

MIB = 1024 * 1024

MAX_FILE_BYTES = 50 * MIB
"""A card or lorebook file (PNG, JSON, CHARX) as a whole."""
MAX_CARD_JSON_BYTES = 8 * MIB
"""The card JSON itself: a ``chara``/``ccv3`` chunk (decoded), ``card.json``, a ``.json`` card."""
MAX_LOREBOOK_JSON_BYTES = 32 * MIB
"""A standalone lorebook or World Info JSON file."""
MAX_LORE_ENTRIES = 20_000
MAX_JSON_DEPTH = 100
"""Nesting deeper than this is refused (cards are rarely deeper than 10)."""
MAX_PNG_CHUNKS = 100_000

MAX_ZIP_ENTRIES = 2_000
MAX_ZIP_UNCOMPRESSED_BYTES = 512 * MIB
"""The declared uncompressed size of all CHARX entries together."""
MAX_COMPRESSION_RATIO = 100
"""An entry that inflates more than this (and is over ``RATIO_MIN_BYTES``) looks like a zip bomb."""
RATIO_MIN_BYTES = 1 * MIB

TEXT_MAX = 20_000
"""World text fields (descriptions, lore text)."""
NAME_MAX = 120
VOICE_MAX = 2_000
"""Example dialogue kept as a character's voice; longer examples are cut (the card keeps all)."""
LINE_MAX = 2_000
"""An alternate greeting longer than this is not used as a line said in passing."""
