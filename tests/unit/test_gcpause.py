"""Bulk import work pauses the cyclic collector; when it comes back on, what the block
made is not walked at once, and cycles made meanwhile are still collected."""

from __future__ import annotations

import gc
import weakref

from storyai.core.gcpause import paused_gc


class Node:
    def __init__(self) -> None:
        self.me = self


def test_a_paused_block_leaves_no_young_objects_and_cycles_are_still_collected() -> None:
    assert gc.isenabled()
    with paused_gc():
        assert not gc.isenabled()
        with paused_gc():  # nested: still paused after the inner block
            pass
        assert not gc.isenabled()
        kept = [{"hp": [n, {"ac": n}]} for n in range(200_000)]
        cycle = Node()
        gone = weakref.ref(cycle)
        del cycle
    assert gc.isenabled()
    # what the block made was moved on, not left for the next young collection to walk
    assert gc.get_count()[0] < 1_000
    assert gone() is not None  # a cycle: reference counting cannot free it ...
    gc.collect()
    assert gone() is None  # ... the next full collection does
    assert len(kept) == 200_000 and gc.get_freeze_count() == 0
