"""Waiting in tests: on a condition, never for a time. The ceiling only matters when a test fails.

CI runs on a loaded 2-core machine, where anything can take several times longer than on an idle one;
so a wait polls for what the test needs to see and gives up only after `WAIT` seconds, far beyond any
honest delay. A test that asserts something did *not* happen waits for an event that shows it would
have by then (a drained queue, a released hold), not for a quiet moment.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

__all__ = ["POLL", "WAIT", "wait_until"]

WAIT = 30.0
"""Seconds before a wait gives up."""

POLL = 0.02
"""Seconds between two looks at a condition."""

T = TypeVar("T")


def wait_until(predicate: Callable[[], T], what: str, timeout: float = WAIT,
               describe: Callable[[], str] | None = None, poll: float = POLL) -> T:
    """Poll `predicate` until it returns something truthy and return that; fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        result = predicate()
        if result:
            return result
        if time.monotonic() > deadline:
            detail = f"\n{describe()}" if describe is not None else ""
            raise AssertionError(f"timed out after {timeout:g} s waiting for {what}{detail}")
        time.sleep(poll)
