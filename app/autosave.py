"""When the composer writes its draft: after a pause in typing, and never more than a second behind.

A plain debounce (write once the keys stop for `pause` seconds) never fires for someone typing steadily,
so a minute of typing and a lost terminal would lose the whole reply. The max-wait bounds that: the
draft is written at most `max_wait` seconds after the first key it does not hold yet, whether or not
the typing pauses. No Textual here; the composer turns the delay into a timer.
"""

from __future__ import annotations

import time
from collections.abc import Callable

__all__ = ["SAVE_MAX_WAIT", "SAVE_PAUSE", "SaveThrottle"]

SAVE_PAUSE = 0.3
"""Seconds of quiet typing before the draft is written."""
SAVE_MAX_WAIT = 1.0
"""While typing goes on, the draft on disk is never more than this many seconds behind the keys."""


class SaveThrottle:
    """Debounce with a max-wait. `typed()` after each change says in how many seconds to save; `saved()`
    after each write. `clock` is injectable (monotonic seconds) so the rule is tested without waiting."""

    def __init__(self, pause: float = SAVE_PAUSE, max_wait: float = SAVE_MAX_WAIT,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.pause = pause
        self.max_wait = max_wait
        self.clock = clock
        self._unsaved_since: float | None = None

    @property
    def unsaved_since(self) -> float | None:
        """When the oldest change the draft on disk does not hold yet was made (None: nothing unsaved)."""
        return self._unsaved_since

    def typed(self) -> float:
        """A change: the seconds from now until the draft should be written (0: now)."""
        now = self.clock()
        if self._unsaved_since is None:
            self._unsaved_since = now
        return max(0.0, min(self.pause, self._unsaved_since + self.max_wait - now))

    def saved(self) -> None:
        self._unsaved_since = None
