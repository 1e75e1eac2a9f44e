"""A clock the test sets by hand (`clock.now += timedelta(hours=25)`), shared by the app and the sandbox."""

from __future__ import annotations

from datetime import datetime


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now
