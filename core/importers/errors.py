"""Import errors: every one names the file and the reason, and nothing was written."""

from __future__ import annotations

from storyai.core.domain.errors import StoryError


class ImportRefused(StoryError):
    """The input cannot be imported: wrong format, corrupt, unsafe or too large.

    The message names the file and says why; nothing has been written.
    """


class SourceLocked(ImportRefused):
    """Another program (a running Foundry) holds the data open."""
