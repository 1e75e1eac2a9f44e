"""What the agent has seen of each ticket, so the list can mark what moved since: kept per profile on disk.

For each ticket the copy the agent last saw (its `updatedAt`, `messageCount` and a digest of the fields
the list shows, so a change within the same second as the last one still counts): opening a ticket records
it; a ticket met for the first time in a loaded page is recorded silently (nothing to mark on first sight,
or a first start would mark the whole queue). A later copy with more messages is a new message, a later
copy otherwise a field change. Tickets that arrive in a view while the app is open are new to the agent.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import tempfile
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Literal, Protocol

if TYPE_CHECKING:
    from app.settings import Settings

__all__ = ["MAX_REMEMBERED", "Activity", "SeenTickets", "seen_for"]

Activity = Literal["message", "change", "new"]
MAX_REMEMBERED = 5000
"""Tickets remembered per profile; the ones seen longest ago are forgotten first."""


class _Ticket(Protocol):
    @property
    def id(self) -> str: ...

    @property
    def updated_at(self) -> datetime: ...

    @property
    def message_count(self) -> int: ...

    def model_dump(self, **kwargs: object) -> dict[str, object]: ...


class SeenTickets:
    """The seen copies of one profile, read from and written to `path` (None: memory only)."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path
        self._seen: dict[str, tuple[str, int, str]] = self._read()
        self._arrived: set[str] = set()
        self._dirty = False

    def activity(self, ticket: _Ticket) -> Activity | None:
        if ticket.id in self._arrived:
            return "new"
        held = self._seen.get(ticket.id)
        if held is None:
            return None
        updated, count, digest = held
        if ticket.message_count > count:
            return "message"
        try:
            moved = ticket.updated_at > datetime.fromisoformat(updated)
            same_time = ticket.updated_at == datetime.fromisoformat(updated)
        except (TypeError, ValueError):
            return None  # a damaged entry marks nothing
        if moved or (same_time and digest and _digest(ticket) != digest):
            return "change"
        return None

    def meet(self, tickets: Iterable[_Ticket]) -> None:
        """Tickets shown in a page the agent asked for: the unknown ones are recorded as seen as they are."""
        for ticket in tickets:
            if ticket.id not in self._seen and ticket.id not in self._arrived:
                self._remember(ticket)

    def arrived(self, ticket_ids: Iterable[str]) -> None:
        """Tickets that came into a view while the app was open (a poll): new until opened."""
        self._arrived.update(i for i in ticket_ids if i not in self._seen)

    def opened(self, ticket: _Ticket) -> None:
        self._arrived.discard(ticket.id)
        self._seen.pop(ticket.id, None)  # re-inserted last: the newest is kept longest
        self._remember(ticket)

    def save(self) -> None:
        """Write the seen copies if they changed (atomically; a failure keeps the old file)."""
        if not self._dirty or self.path is None:
            return
        self._dirty = False
        with contextlib.suppress(OSError):
            self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            fd, temp = tempfile.mkstemp(prefix=".seen-", suffix=".tmp", dir=self.path.parent)
            try:
                with os.fdopen(fd, "w", encoding="utf-8") as handle:
                    json.dump(self._seen, handle, separators=(",", ":"))
                os.replace(temp, self.path)
            except OSError:
                with contextlib.suppress(OSError):
                    os.unlink(temp)
                raise

    def _remember(self, ticket: _Ticket) -> None:
        self._seen[ticket.id] = (ticket.updated_at.isoformat(), int(ticket.message_count), _digest(ticket))
        while len(self._seen) > MAX_REMEMBERED:
            del self._seen[next(iter(self._seen))]
        self._dirty = True

    def _read(self) -> dict[str, tuple[str, int, str]]:
        if self.path is None:
            return {}
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}  # a lost or damaged file only costs the marks
        if not isinstance(data, dict):
            return {}
        seen: dict[str, tuple[str, int, str]] = {}
        for key, value in data.items():
            if (isinstance(key, str) and isinstance(value, list) and len(value) in (2, 3)
                    and isinstance(value[0], str) and isinstance(value[1], int)):
                digest = value[2] if len(value) == 3 and isinstance(value[2], str) else ""
                seen[key] = (value[0], value[1], digest)
        return seen


_SHOWN = ("title", "status", "priority", "assigned_to", "tags", "customer_id", "customer_name", "notes", "metadata")


def _digest(ticket: _Ticket) -> str:
    fields = ticket.model_dump(include=set(_SHOWN), mode="json")
    return hashlib.sha256(json.dumps(fields, sort_keys=True, default=str).encode()).hexdigest()[:16]


def seen_for(settings: Settings, root: Path | None = None) -> SeenTickets:
    """The seen copies of this connection's profile, in the user data dir (like its drafts)."""
    from app.drafts import profile_slug

    if root is None:
        from platformdirs import user_data_path

        root = user_data_path("cstar-tui", appauthor=False)
    return SeenTickets(Path(root) / "seen" / f"{profile_slug(settings)}.json")
