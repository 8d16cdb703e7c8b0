"""Several players at one table, for any interface (the Discord bot first).

``table`` is the pure part: who is seated, whose turn it is, what is queued.
``service`` holds the use cases: join, leave, act, resolve a free-mode round,
skip an idle player, and the host's powers (mode, remove, rewind, end).
"""
