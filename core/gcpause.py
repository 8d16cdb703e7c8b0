"""Bulk work without the cyclic garbage collector.

Reading, converting and storing a big import creates millions of small, acyclic
objects (parsed JSON), and every few thousand of them CPython's cyclic collector
walks all that is alive: about half of a 10,000-document import's time. Reference
counting frees them all the same; cycles made meanwhile are collected once the
collector is back on.
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
            gc.enable()
