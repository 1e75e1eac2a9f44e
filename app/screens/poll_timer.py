"""The live-update beat a screen keeps: one timer at the poller's pace, re-armed after each poll.

A mixin of the screens that poll (the list and the open ticket). They say when the agent's own work
must go first (`_poll_blocked`) and what a poll does (`poll_now`, which re-arms through `_schedule_poll`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from textual.timer import Timer

if TYPE_CHECKING:
    from app.tui import CStarApp

__all__ = ["PollTimer"]


class PollTimer:
    _poll_timer: Timer | None = None

    if TYPE_CHECKING:
        cstar: CStarApp

        def set_timer(self, delay: float, callback: Any) -> Timer: ...
        def poll_now(self) -> Any: ...

    def _poll_blocked(self) -> bool:
        """The agent's own request is in flight: the poll waits an interval."""
        return False

    def _schedule_poll(self) -> None:
        poller = self.cstar.poller
        if poller.enabled and self._poll_timer is None:
            self._poll_timer = self.set_timer(poller.delay(), self._poll_due)

    def live_changed(self) -> None:
        """Live updates were turned on or off (the palette)."""
        if self._poll_timer is not None:
            self._poll_timer.stop()
            self._poll_timer = None
        self._schedule_poll()

    def _poll_due(self) -> None:
        self._poll_timer = None
        if not self.cstar.poller.enabled:
            return
        if self._poll_blocked():
            self._schedule_poll()
            return
        self.poll_now()
