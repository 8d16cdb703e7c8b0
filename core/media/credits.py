"""What media cost, in the credits the daily quotas count (``storyai.core.quotas``).

* an image: 10 credits at 512x512, 15 at 1024x1024, 20 at 1536x1024 or 1024x1536;
* a voice line: 5 credits up to 200 characters, 10 up to 600, 15 above.

A picture or line found in the store (the same request made before) costs nothing;
one that failed costs nothing.
"""

from __future__ import annotations

IMAGE_CREDITS = {"512x512": 10, "1024x1024": 15, "1536x1024": 20, "1024x1536": 20}
SPEECH_STEPS = ((200, 5), (600, 10))
SPEECH_MAX = 15


def image_credits(size: str) -> int:
    return IMAGE_CREDITS.get(size, max(IMAGE_CREDITS.values()))


def speech_credits(text: str) -> int:
    length = len(text)
    for limit, credits in SPEECH_STEPS:
        if length <= limit:
            return credits
    return SPEECH_MAX
