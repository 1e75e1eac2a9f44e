"""Views: the tabs of saved filter queries on the ticket list."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class View:
    """A tab of the list: a name and its saved query."""

    name: str
    query: str


DEFAULT_VIEWS: tuple[View, ...] = (
    # First, so that the most urgent ticket is the top row at launch (the list itself is newest first).
    View("Unsolved by SLA", "unsolved sort:sla"),
    View("All", ""),
    View("Mine", "assignee:me"),
    View("Urgent", "prio:urgent"),
    View("New", "status:new"),
)


@dataclass(frozen=True)
class CustomerView(View):
    """The tab `c` opens on a ticket: one customer's tickets (for this connection only, never saved)."""

    customer_id: str = ""
