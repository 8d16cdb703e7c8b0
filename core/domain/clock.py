"""Time, ids and seeds, injected: tests fix them, the real ones come from the system."""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime


@dataclass
class Clock:
    """``now()`` (an aware UTC datetime), ``new_id()`` (unique ids) and ``new_seed()``
    (a story's seed). Every use case takes one; the defaults are the system's."""

    now: Callable[[], datetime] = field(default=lambda: datetime.now(UTC))
    new_id: Callable[[], str] = field(default=lambda: uuid.uuid4().hex)
    new_seed: Callable[[], int] = field(default=lambda: secrets.randbelow(2**31))
