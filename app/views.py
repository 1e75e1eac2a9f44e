"""Views: the tabs of saved filter queries on the ticket list."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class View:
    """A tab of the list: a name and its saved query."""

    name: str
    query: str


DEFAULT_VIEWS: tuple[View, ...] = (
    View("All", ""),
    View("Mine", "assignee:me"),
    View("Urgent", "prio:urgent"),
    View("New", "status:new"),
)
