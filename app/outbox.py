"""The app's outbox: app.desk.sending's Outbox, run on Textual's timers and workers, telling the agent by toasts.

The protocol and the resending live in app.desk.sending (no Textual, shared with the scripting CLI); this
module only connects them to the App: its client and drafts (which change with the profile), its clock,
timers and workers, and a toast for an outcome no composer watches. A notice that the thread changed makes
the screens showing that ticket read it again.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

from app.desk import sending
from app.desk.sending import Notice, already_sent, is_transient, without_key
from app.drafts import drafts_for

__all__ = ["Outbox", "already_sent", "is_transient", "outbox_for", "without_key"]


class _AppScheduler:
    def __init__(self, app: Any) -> None:
        self.app = app

    def call_later(self, delay: float, callback: Callable[[], None]) -> Callable[[], None]:
        return self.app.set_timer(delay, callback).stop

    def spawn(self, job: Coroutine[Any, Any, None]) -> None:
        self.app.run_worker(job, group="outbox", exit_on_error=False)


class Outbox(sending.Outbox):
    """The outbox of `app` (a CStarApp)."""

    def __init__(self, app: Any, *, retry_first: float = 2.0, retry_max: float = 60.0) -> None:
        self.app = app
        super().__init__(lambda: app.client, lambda: drafts_for(app), scheduler=_AppScheduler(app),
                         on_notice=self._tell, clock=lambda: app.clock(),
                         retry_first=retry_first, retry_max=retry_max)

    def _tell(self, notice: Notice) -> None:
        self.app.notify(notice.text, severity="error" if notice.error else "information",
                        timeout=60 if notice.lasting else None, markup=False)
        if notice.thread_changed:
            self.app.ticket_changed(notice.ticket_id)


def outbox_for(app: Any) -> Outbox:
    """The app's outbox, made on first use."""
    outbox = getattr(app, "outbox", None)
    if outbox is None:
        outbox = app.outbox = Outbox(app)
    return outbox
