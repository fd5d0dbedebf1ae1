"""Time as one injectable function: `Clock` gives the current moment, aware, in UTC.

The composition root (`bootstrap.py`) hands one clock to the workflow store,
and every moment the store records comes from it: when a batch was received,
decided, approved and released, when an officer acted, when each audit event
was appended, and "today" for the retention rule. A test fixes the time by
passing its own clock; nothing reads the system time behind its back.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    """The system clock, in UTC."""
    return datetime.now(UTC)
