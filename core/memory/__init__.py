"""Context and memory for AI narrators (ARCHITECTURE.md §4).

``tokens`` counts offline; ``lore`` picks keyword-triggered lore with a trace;
``context`` lays out the prompt in cache-friendly sections under budgets;
``gather`` reads recent turns and full-text recall from storage. Chapters
close, append-only, in ``storyai.core.play.telling``.
"""
