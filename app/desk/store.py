"""The desk's state: every ticket the app has seen, each list view's rows, announced once per change.

No Textual here: screens subscribe and render, the scripting CLI can use it as it is. One rule keeps
copies from fighting: a ticket's newest copy wins, by `updatedAt`, whichever source brought it (a page,
a poll, an action's answer, a webhook), and a copy that is not newer than the one held changes nothing
and announces nothing.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from app.desk.customers import CustomerCounts

__all__ = ["Change", "DeskStore", "Listener", "ViewRows"]


class _Ticket(Protocol):
    # What the store needs of a ticket; `api.models.Ticket` has it.
    @property
    def id(self) -> str: ...

    @property
    def updated_at(self): ...  # noqa: ANN201 - a datetime, compared only with its own kind

    @property
    def created_at(self): ...  # noqa: ANN201


@dataclass(frozen=True)
class Change:
    """What one update changed: the tickets whose copy is new, those gone, the views whose rows moved."""

    tickets: frozenset[str] = frozenset()
    removed: frozenset[str] = frozenset()
    views: frozenset[str] = frozenset()
    arrived: frozenset[str] = frozenset()
    """Tickets that entered a view from a refresh (not from paging): new to the agent, worth a mark."""

    def __bool__(self) -> bool:
        return bool(self.tickets or self.removed or self.views)


Listener = Callable[[Change], None]


@dataclass
class ViewRows:
    """One list view as loaded: ids in the API's order, the view's true total, the pages loaded."""

    ids: list[str] = field(default_factory=list)
    total: int | None = None
    pages: int = 0
    has_more: bool = False
    epoch: int = 0
    """Bumped whenever `ids` change other than by a page appended at the end: a reader that saw the same
    epoch and N ids may take `ids[N:]` as what is new (no per-page rebuild or comparison of the whole list)."""
    _members: set[str] = field(default_factory=set, repr=False, compare=False)
    _members_of: tuple[int, int, int] = field(default=(-1, -1, -1), repr=False, compare=False)

    def members(self) -> set[str]:
        """`set(ids)`, kept across appended pages instead of rebuilt for each (see `appended`)."""
        key = (self.epoch, id(self.ids), len(self.ids))
        if key != self._members_of:
            self._members, self._members_of = set(self.ids), key
        return self._members

    def appended(self, ids: list[str]) -> None:
        """Add ids at the end (none already in the view), keeping `members()` current."""
        members = self.members()
        self.ids.extend(ids)
        members.update(ids)
        self._members_of = (self.epoch, id(self.ids), len(self.ids))


@dataclass
class _Pending:
    """Changes collected inside a batch, announced at its end."""

    tickets: set[str] = field(default_factory=set)
    removed: set[str] = field(default_factory=set)
    views: set[str] = field(default_factory=set)
    arrived: set[str] = field(default_factory=set)

    def freeze(self) -> Change:
        return Change(frozenset(self.tickets), frozenset(self.removed), frozenset(self.views),
                      frozenset(self.arrived))


class DeskStore:
    """Tickets by id and list views by key (the view's canonical query)."""

    def __init__(self) -> None:
        self._tickets: dict[str, _Ticket] = {}
        self._views: dict[str, ViewRows] = {}
        self._listeners: list[Listener] = []
        self._pending: _Pending | None = None
        # A customer's ticket counts as last asked, by customer id (the detail view shows them at once).
        self._customer_counts: dict[str, CustomerCounts] = {}

    # --- reading --------------------------------------------------------------------------------

    def ticket(self, ticket_id: str) -> _Ticket | None:
        return self._tickets.get(ticket_id)

    def view(self, key: str) -> ViewRows:
        return self._views.setdefault(key, ViewRows())

    def rows(self, key: str, start: int = 0) -> list[_Ticket]:
        """The view's tickets from its `start`-th id on, in order (ids the store no longer holds are skipped)."""
        ids = self.view(key).ids
        return [self._tickets[i] for i in (ids[start:] if start else ids) if i in self._tickets]

    def customer_counts(self, customer_id: str) -> CustomerCounts | None:
        return self._customer_counts.get(customer_id)

    def set_customer_counts(self, customer_id: str, counts: CustomerCounts) -> None:
        self._customer_counts[customer_id] = counts

    # --- listening ------------------------------------------------------------------------------

    def subscribe(self, listener: Listener) -> Callable[[], None]:
        """Call `listener` after every change; the returned function unsubscribes."""
        self._listeners.append(listener)

        def unsubscribe() -> None:
            with contextlib.suppress(ValueError):
                self._listeners.remove(listener)

        return unsubscribe

    @contextlib.contextmanager
    def batch(self) -> Iterator[None]:
        """Changes made inside are announced together, once, at the end."""
        if self._pending is not None:
            yield
            return
        self._pending = _Pending()
        try:
            yield
        finally:
            change, self._pending = self._pending.freeze(), None
            if change:
                for listener in list(self._listeners):
                    listener(change)

    # --- writing --------------------------------------------------------------------------------

    def put(self, ticket: _Ticket) -> bool:
        """Keep this copy unless the one held is newer; True when the held copy changed."""
        with self.batch():
            held = self._tickets.get(ticket.id)
            if held is not None and (held.updated_at > ticket.updated_at or held == ticket):
                return False
            self._tickets[ticket.id] = ticket
            assert self._pending is not None
            self._pending.tickets.add(ticket.id)
            return True

    def put_many(self, tickets: Iterable[_Ticket]) -> None:
        with self.batch():
            for ticket in tickets:
                self.put(ticket)

    def remove(self, ticket_id: str) -> None:
        """The ticket is gone (deleted): out of the store and every view, whose totals drop by one."""
        with self.batch():
            assert self._pending is not None
            if self._tickets.pop(ticket_id, None) is not None:
                self._pending.removed.add(ticket_id)
            for key, rows in self._views.items():
                if ticket_id in rows.ids:
                    rows.ids.remove(ticket_id)
                    rows.epoch += 1
                    if rows.total:
                        rows.total -= 1
                    self._pending.views.add(key)
                    self._pending.removed.add(ticket_id)

    def leave_view(self, key: str, ticket_id: str) -> None:
        """The ticket no longer matches this view (an action moved it out): its row goes, the total drops."""
        with self.batch():
            rows = self.view(key)
            if ticket_id in rows.ids:
                rows.ids.remove(ticket_id)
                rows.epoch += 1
                if rows.total:
                    rows.total -= 1
                assert self._pending is not None
                self._pending.views.add(key)

    def set_total(self, key: str, total: int) -> None:
        """A count learned without loading the rows (a view tab's count)."""
        with self.batch():
            rows = self.view(key)
            if rows.total != total:
                rows.total = total
                assert self._pending is not None
                self._pending.views.add(key)

    def load_page(self, key: str, page: int, tickets: Sequence[_Ticket], total: int, has_more: bool) -> None:
        """A page the agent asked for: page 1 replaces the view's rows, later pages append to them."""
        with self.batch():
            self.put_many(tickets)
            rows = self.view(key)
            ids = [ticket.id for ticket in tickets]
            if page <= 1:
                rows.ids = _unique(ids)
                rows.epoch += 1
            else:
                shown = rows.members()
                rows.appended([i for i in _unique(ids) if i not in shown])
            rows.pages = max(page, 1) if page <= 1 else max(rows.pages, page)
            rows.total = total
            rows.has_more = has_more
            assert self._pending is not None
            self._pending.views.add(key)

    def refresh_first_page(self, key: str, tickets: Sequence[_Ticket], total: int, has_more: bool) -> None:
        """A fresh first page (a poll): it is the truth for the span it covers, the rows below stay.

        Tickets new to the view come in at their place; rows of that span missing from the fresh page
        no longer match the view and go; copies are replaced where newer. Lists are newest first by
        creation, so the span is every row created no earlier than the page's last ticket (all rows
        when the page is the whole view). A view not loaded yet just takes the page."""
        with self.batch():
            rows = self.view(key)
            if rows.pages == 0:
                self.load_page(key, 1, tickets, total, has_more)
                return
            self.put_many(tickets)
            fresh = _unique(ticket.id for ticket in tickets)
            fresh_set = set(fresh)
            oldest = tickets[-1].created_at if tickets and has_more else None
            below = [i for i in rows.ids if i not in fresh_set and oldest is not None
                     and (held := self._tickets.get(i)) is not None and _older(held, oldest)]
            before = list(rows.ids)
            held = set(before)  # once: a set per fresh id cost ~50 x the loaded rows on every poll
            arrived = [i for i in fresh if i not in held]
            rows.ids = fresh + below
            if rows.ids != before:
                rows.epoch += 1
            changed = rows.ids != before or rows.total != total or rows.has_more != has_more
            rows.total = total
            rows.has_more = has_more
            assert self._pending is not None
            if changed:
                self._pending.views.add(key)
            self._pending.arrived.update(arrived)

    def replace_view(self, key: str, tickets: Sequence[_Ticket], total: int, has_more: bool,
                     *, arrived: bool = True) -> None:
        """A view read again whole (a sorted or tag-filtered view, polled): its rows become these; with
        `arrived`, tickets new to it are announced as arrivals."""
        with self.batch():
            self.put_many(tickets)
            rows = self.view(key)
            before = list(rows.ids)
            rows.ids = _unique(ticket.id for ticket in tickets)
            if rows.ids != before:
                rows.epoch += 1  # not an append: a reader must take the rows anew
            changed = rows.ids != before or rows.total != total or rows.has_more != has_more
            rows.total, rows.has_more, rows.pages = total, has_more, max(rows.pages, 1)
            assert self._pending is not None
            if changed:
                self._pending.views.add(key)
            if arrived:
                held = set(before)
                self._pending.arrived.update(i for i in rows.ids if i not in held)

    def forget_views(self) -> None:
        """A new connection (another profile): what the views held belongs to the old one."""
        with self.batch():
            assert self._pending is not None
            self._pending.views.update(self._views)
            self._pending.removed.update(self._tickets)
            self._views.clear()
            self._tickets.clear()
            self._customer_counts.clear()


def _unique(ids: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(ids))


def _older(ticket: _Ticket, than: object) -> bool:
    # A tie with the page's last ticket may sit on the next page (ties break by id): it stays.
    return ticket.created_at <= than  # type: ignore[operator]
