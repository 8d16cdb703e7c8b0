"""Bulk work without the cyclic garbage collector.

Reading, converting and storing a big import creates millions of small, acyclic
objects (parsed JSON), and every few thousand of them CPython's cyclic collector
walks all that is alive: about half of a 10,000-document import's time. Reference
counting frees them all the same.

When the collector comes back on, everything made during the pause is still in its
youngest generation, and the first allocation after would walk it all at once (0.4 s
for a 10,000-document pack, once per paused stage). Instead, what the block made is
moved straight to the oldest generation (``gc.freeze`` then ``gc.unfreeze``: no walk,
only list splicing), where cycles made meanwhile are found by the next full collection.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def paused_gc() -> Iterator[None]:
    """Pause the cyclic collector for the block (nested blocks are fine)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            promote_young()
            gc.enable()


def promote_young() -> None:
    """Move every tracked object to the oldest generation without walking them, and
    reset the young generation's count (what a full collection would leave, minus the
    walk). Cyclic garbage is still collected by the next full collection. Not in a
    process that froze objects itself: unfreezing would put them back in the walks."""
    if gc.get_freeze_count():
        return  # the process froze its start-up heap (``storyai bot``): left frozen
    gc.freeze()
    gc.unfreeze()
