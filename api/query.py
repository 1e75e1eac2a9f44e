"""A filter query as the agent wrote it, which may take more than one request: any-of and none-of
values, tags, a sort. `api.filters.parse_query` reads one; `app.desk.query` answers it.

The API takes one value per parameter and has no tag filter and no sort, so a `Query` says what one
request can carry (`filters`), which values each request may take (`Choice`), what only the app can
check on a loaded ticket (`Query.matches`) and how to order the result (`Sort`).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import TYPE_CHECKING, Final

from .models import PRIORITIES

if TYPE_CHECKING:
    from .filters import TicketFilters
    from .models import Ticket

__all__ = ["SORT_KEYS", "UNSOLVED", "Choice", "Query", "Sort", "api_order", "sort_tickets"]

UNSOLVED: Final = frozenset({"new", "open", "pending"})

#: Sort keys, each with what its natural (unreversed) order shows first.
SORT_KEYS: Final[dict[str, str]] = {
    "sla": "the soonest SLA deadline first",
    "priority": "urgent first",
    "updated": "the latest change first",
    "created": "the newest first",
}


@dataclass(frozen=True, slots=True)
class Choice:
    """Values a field may take: any of `any_of` (None: any value), none of `none_of`."""

    any_of: frozenset[str] | None = None
    none_of: frozenset[str] = frozenset()

    @property
    def is_open(self) -> bool:
        return self.any_of is None and not self.none_of

    def allows(self, value: str | None) -> bool:
        if self.any_of is not None and value not in self.any_of:
            return False
        return value not in self.none_of

    def values(self, universe: frozenset[str] | None) -> frozenset[str] | None:
        """The values to ask for one by one: None when the field need not be sent; without a universe
        (agents), a negation cannot be turned into values and the caller filters locally instead."""
        if self.any_of is not None:
            return self.any_of - self.none_of
        if not self.none_of:
            return None
        if universe is None:
            return None
        return universe - self.none_of


@dataclass(frozen=True, slots=True)
class Sort:
    """How a view is ordered: a key (sla, priority, updated, created) and whether it is reversed."""

    key: str
    reverse: bool = False

    def __post_init__(self) -> None:
        if self.key not in SORT_KEYS:
            raise ValueError(f"unknown sort key {self.key!r}")

    def text(self) -> str:
        """As written in a query."""
        return f"sort:{'-' if self.reverse else ''}{self.key}"


@dataclass(frozen=True, slots=True)
class Query:
    """`filters` holds the parameters sent as they are (customer, search, expand, paging); status,
    priority and assignee are in the choices, tags (each a set of which one must be present) and
    excluded tags are checked by the app."""

    filters: TicketFilters
    status: Choice = Choice()
    priority: Choice = Choice()
    assignee: Choice = Choice()
    tags: tuple[frozenset[str], ...] = ()
    not_tags: frozenset[str] = frozenset()
    sort: Sort | None = None

    @property
    def filters_locally(self) -> bool:
        """Some of it can only be checked on loaded tickets (tags, an excluded assignee)."""
        return bool(self.tags or self.not_tags or (self.assignee.any_of is None and self.assignee.none_of))

    def matches(self, ticket: Ticket) -> bool:
        """What the app can check itself (a search is the service's to judge: it never excludes here)."""
        if not (self.status.allows(ticket.status) and self.priority.allows(ticket.priority)
                and self.assignee.allows(ticket.assigned_to)):
            return False
        if self.filters.customer_id is not None and ticket.customer_id != self.filters.customer_id:
            return False
        tags = {tag.lower() for tag in ticket.tags}
        return all(tags & wanted for wanted in self.tags) and not (tags & self.not_tags)

    def excludes(self, ticket: Ticket) -> bool:
        return not self.matches(ticket)

    def narrowed_by(self, typed: Query) -> Query:
        """This (a view's) query narrowed by what the agent typed: a field the typed query names wins,
        tags add up, a typed sort wins."""
        own = {name: getattr(typed.filters, name) for name in ("customer_id", "search")
               if getattr(typed.filters, name) is not None}
        return replace(
            self,
            filters=replace(self.filters, **own),
            status=self.status if typed.status.is_open else typed.status,
            priority=self.priority if typed.priority.is_open else typed.priority,
            assignee=self.assignee if typed.assignee.is_open else typed.assignee,
            tags=tuple(dict.fromkeys(self.tags + typed.tags)),
            not_tags=self.not_tags | typed.not_tags,
            sort=typed.sort or self.sort,
        )


def api_order(ticket: Ticket) -> tuple[datetime, str]:
    """The list endpoint's order (newest first by creation, ties by id, descending): sort with reverse=True."""
    return (ticket.created_at, ticket.id)


_PRIORITY_RANK: Final = {value: rank for rank, value in enumerate(reversed(PRIORITIES))}  # urgent 0


def _sla_due(ticket: Ticket) -> datetime | None:
    # The deadline the clock runs against now (widgets/sla.py shows the same): none once closed or paused.
    if ticket.closed_at is not None or ticket.sla_paused:
        return None
    if ticket.first_response_at is None and ticket.response_deadline is not None:
        return ticket.response_deadline
    return ticket.resolution_deadline


def sort_tickets(tickets: list[Ticket], sort: Sort) -> list[Ticket]:
    """Sorted by `sort`, stable (ties keep the order given, the API's). Tickets without the value (no
    running SLA clock, a priority this version does not know) come last either way."""
    if sort.key == "sla":
        def value(t: Ticket) -> object:
            return _sla_due(t)
        natural_desc = False
    elif sort.key == "priority":
        def value(t: Ticket) -> object:
            return _PRIORITY_RANK.get(t.priority)
        natural_desc = False
    elif sort.key == "updated":
        def value(t: Ticket) -> object:
            return t.updated_at
        natural_desc = True
    else:
        def value(t: Ticket) -> object:
            return t.created_at
        natural_desc = True
    having = [t for t in tickets if value(t) is not None]
    lacking = [t for t in tickets if value(t) is None]
    having.sort(key=value, reverse=natural_desc != sort.reverse)  # type: ignore[arg-type]
    return having + lacking
