"""The sandbox's events, kept in its database so every process on the file can follow them.

Each event a write causes (`ticket.created`, `ticket.message_added`, …) is stored as the body a webhook
would carry (over `LOGGED_BODY_MAX`, a stub naming the ticket), beside the team it belongs to. The
embedded app follows them with an `EventFeed`: a write by the app itself, by `cstar-tui ticket …` in
another terminal or by `serve --db` on the same file reaches it in well under a second, with no request
to the API and no webhook receiver to set up.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from datetime import datetime
from typing import Any

from api.webhooks import EVENT_TYPES

from .ids import iso, new_id
from .store import Store

__all__ = ["EventFeed", "EventLog", "event_body"]

# Events kept in the file: a follower that fell further behind than this (asleep for a day) reads the
# views again instead, which its poll does anyway.
KEEP = 2_000
FEED_BATCH = 200  # events one read hands over; the rest come with the next read
# A bigger event (a long message, a ticket carrying much metadata) is logged as a stub naming its ticket:
# the follower reads the ticket itself, and 2,000 bodies of 1 MB would make the demo's database 2 GB.
LOGGED_BODY_MAX = 16_384


def _json_default(value: Any) -> Any:
    if isinstance(value, datetime):
        return iso(value)
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def event_body(event_type: str, obj: dict[str, Any], at: datetime) -> tuple[str, bytes]:
    """An event's id and the JSON bytes a webhook delivers (and the log stores)."""
    if event_type not in EVENT_TYPES:
        raise ValueError(f"unknown webhook event type {event_type!r}")
    event_id = new_id("evt")
    event = {"id": event_id, "object": "event", "type": event_type, "createdAt": iso(at),
             "data": {"object": obj}}
    return event_id, json.dumps(event, separators=(",", ":"), default=_json_default).encode()


class EventLog:
    """Stores each event of a team as it happens (the service calls `record` after its write committed)."""

    def __init__(self, store: Store, clock: Callable[[], datetime]) -> None:
        self._store = store
        self._clock = clock

    def record(self, team_id: str, event_type: str, obj: dict[str, Any]) -> None:
        at = self._clock()
        _, body = event_body(event_type, obj, at)
        if len(body) > LOGGED_BODY_MAX:
            stub = {key: obj[key] for key in ("id", "object", "ticketId") if key in obj}
            _, body = event_body(event_type, {**stub, "truncated": True}, at)
        self._store.add_event(team_id, body, keep=KEEP)


class EventFeed:
    """One team's events from the moment it was made: each `read()` returns those stored since the last.

    Reading is one indexed SELECT (microseconds); it sees other processes' commits because the store's
    connection reads outside any transaction.
    """

    def __init__(self, store: Store, team_id: str) -> None:
        self._store = store
        self._team_id = team_id
        self._last = store.last_event_seq()

    def read(self) -> list[bytes]:
        try:
            rows = self._store.events_after(self._team_id, self._last, FEED_BATCH)
        except sqlite3.Error:
            return []  # the file is busy or closed for a moment: the next read, or a poll, catches up
        if not rows:
            return []
        self._last = rows[-1][0]
        return [body for _, body in rows]
