"""The clock every deadline in the engine is read from.

A deadline is a reading of `now()` plus seconds. Linux's monotonic clock is system-wide, so a deadline
computed in one process means the same instant in the worker processes it is handed to. Engine code
reads the time only through `clock.now()` (the module attribute, looked up at each call), so that a
test can replace it and decide when a deadline has passed instead of waiting for it.
"""

from __future__ import annotations

import time


def now() -> float:
    return time.monotonic()
