"""Import errors (defined in the one error module): every one names the file and the
reason, and nothing was written."""

from storyai.core.domain.errors import ImportRefused, SourceLocked

__all__ = ["ImportRefused", "SourceLocked"]
