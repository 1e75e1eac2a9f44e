"""Customers the app has met (id, name, email), kept per profile, and a customer's ticket counts.

The API has no customer endpoint: a customer is known from the tickets that name one (`customerId` +
`customerName`) and from the expanded customer object (`?expand=customer`, which adds the email). The
new-ticket form offers these, so a ticket for a known customer is linked to them by id.

`count_tickets` answers "3 open · 10 in all" for the detail view in one request (the customer's tickets,
a page of 100, counted here) or two (more than a page: the open ones counted by the service).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from api.filters import TicketFilters
from app.desk.directory import Directory, clean_name, is_id, profile_file, words_match

if TYPE_CHECKING:
    from api.client import HelpdeskClient
    from api.models import Ticket
    from app.desk.store import Change, DeskStore
    from app.settings import Settings

__all__ = ["COUNT_PAGE", "MAX_CUSTOMERS", "CustomerCounts", "CustomerDirectory", "KnownCustomer", "count_tickets",
           "customers_for", "learn_from"]

MAX_CUSTOMERS = 5000
"""Customers remembered per profile; the ones met longest ago are forgotten first."""
COUNT_PAGE = 100


@dataclass(frozen=True)
class KnownCustomer:
    """A customer the app has seen: its ID, name and email (cleaned)."""

    id: str
    name: str
    email: str = ""


class _Customer(Protocol):
    @property
    def id(self) -> str: ...

    @property
    def name(self) -> str | None: ...

    @property
    def email(self) -> str | None: ...


class CustomerDirectory:
    def __init__(self, path: Path | None = None, limit: int = MAX_CUSTOMERS) -> None:
        self._entries = Directory(path, limit)

    @property
    def path(self) -> Path | None:
        return self._entries.path

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, customer_id: str) -> KnownCustomer | None:
        entry = self._entries.entry(customer_id)
        if entry is None:
            return None
        return KnownCustomer(customer_id, entry[0], entry[1] if len(entry) > 1 else "")

    def learn(self, customer_id: str | None, name: str | None, email: str | None = None) -> bool:
        """Remember the customer (a name or email not given keeps the one known); True when it changed."""
        if not is_id(customer_id):
            return False
        assert customer_id is not None
        held = self.get(customer_id)
        cleaned = clean_name(name) or (held.name if held else "")
        mail = clean_name(email) or (held.email if held else "")
        if not cleaned:
            return False
        return self._entries.put(customer_id, (cleaned, mail) if mail else (cleaned,))

    def learn_tickets(self, tickets: Iterable[Ticket]) -> bool:
        changed = False
        for ticket in tickets:
            expanded: _Customer | None = ticket.customer
            if expanded is not None and expanded.id == ticket.customer_id:
                changed = self.learn(expanded.id, expanded.name or ticket.customer_name, expanded.email) or changed
            else:
                changed = self.learn(ticket.customer_id, ticket.customer_name) or changed
        return changed

    def search(self, text: str, limit: int = 8) -> list[KnownCustomer]:
        """Known customers whose name or email starts with what was typed (a word of it), or whose id does."""
        text = text.strip()
        if not text:
            return []
        found = [known for customer_id in self._entries
                 if (known := self.get(customer_id)) is not None
                 and (words_match(text, known.name, known.email) or customer_id.casefold() == text.casefold())]
        found.sort(key=lambda known: (known.name.casefold(), known.id))
        return found[:limit]

    def save(self) -> None:
        self._entries.save()


def customers_for(settings: Settings, root: Path | None = None) -> CustomerDirectory:
    return CustomerDirectory(profile_file(settings, "customers", root))


@dataclass(frozen=True)
class CustomerCounts:
    """A customer's tickets: how many are unsolved, and how many in all."""

    open: int
    total: int

    def __str__(self) -> str:
        return f"{self.open} open · {self.total} in all"


async def count_tickets(client: HelpdeskClient, customer_id: str) -> CustomerCounts:
    """The customer's tickets: how many are open and how many there are, in one request or two."""
    page = await client.list_tickets(TicketFilters(customer_id=customer_id, page_size=COUNT_PAGE))
    total = page.pagination.total
    if not page.pagination.has_more and not page.unreadable and len(page.items) >= total:
        return CustomerCounts(sum(1 for ticket in page.items if ticket.status == "open"), total)
    opened = await client.list_tickets(TicketFilters(customer_id=customer_id, status="open", page_size=1))
    return CustomerCounts(opened.pagination.total, total)


def learn_from(store: DeskStore, directory: CustomerDirectory) -> Callable[[], None]:
    """Learn the customer of every ticket the store takes in (pages, polls, answers); returns the unsubscribe."""

    def changed(change: Change) -> None:
        directory.learn_tickets(ticket for ticket_id in change.tickets  # type: ignore[misc]
                                if (ticket := store.ticket(ticket_id)) is not None)

    return store.subscribe(changed)
