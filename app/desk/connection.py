"""The connection's state as the client reports it: online, retrying (attempt, wait, reason) or offline.

Owned here, not by a header widget, so every screen's header shows the same state, the outbox can be told
when the service is back, and a screen opened later starts from what is known.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

__all__ = ["Connection", "connection_after"]


def connection_after(state: str, event: str, details: Mapping[str, Any]) -> tuple[str, str]:
    """The connection state (and its detail) after a client event: "ok" (the service answered), "retrying"
    (attempt, wait, reason) or "failed" (reason). Offline sticks until an answer: a retry while offline
    stays offline and only says when the next attempt goes."""
    if event == "ok":
        return "online", ""
    reason = str(details.get("reason") or "")
    if event == "failed":
        return "offline", reason
    if event == "retrying":
        wait = details.get("wait")
        when = f"retry {details.get('attempt', '?')} in {wait:.1f} s" if isinstance(wait, int | float) else "retrying"
        if state == "offline":
            return "offline", f"{when}: {reason}" if reason else when
        return "retrying", f"{when}: {reason}" if reason else when
    return state, ""


class Connection:
    """The last state the client reported (None: no request has been answered or failed yet)."""

    def __init__(self) -> None:
        self.state: tuple[str, str] | None = None
        self._listeners: list[Callable[[tuple[str, str]], None]] = []

    def subscribe(self, listener: Callable[[tuple[str, str]], None]) -> None:
        self._listeners.append(listener)

    def reset(self) -> None:
        """A new connection (another profile) has said nothing yet."""
        self.state = None

    def client_event(self, event: str, details: Mapping[str, Any]) -> bool:
        """Take a client event in; True when the service answered (what waits for it may go now)."""
        self.state = connection_after(self.state[0] if self.state else "", event, details)
        for listener in list(self._listeners):
            listener(self.state)
        return event == "ok"
