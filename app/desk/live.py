"""Polling: the open view's first page and the view tabs' counts, into the store, at a steady pace.

No Textual here. The screen owns the timer and calls `Poller.poll()` when `Poller.delay()` says;
the poller decides what to ask and how long to wait next: the configured interval while the service
answers, doubling up to `MAX_BACKOFF` while it does not, and at least what a 429's `Retry-After` asks.
Each poll is one request for the view (two when the agent scrolled past its first page) plus one
single-row request per other view: a few per interval.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, replace
from typing import Protocol

from api.errors import ApiError, ConnectionFailedError, RateLimitError, RequestTimeoutError, ServerError
from api.filters import TicketFilters
from api.models import Page, Ticket
from app.desk.store import DeskStore

__all__ = ["DEFAULT_INTERVAL", "MAX_BACKOFF", "Poller", "ViewQuery", "view_key"]

DEFAULT_INTERVAL = 20.0
MAX_BACKOFF = 300.0
_UNANSWERED = (ConnectionFailedError, RequestTimeoutError, ServerError)


class _Lister(Protocol):
    async def list_tickets(self, filters: TicketFilters | None = None) -> Page[Ticket]: ...


def view_key(filters: TicketFilters) -> str:
    """A view's identity in the store: its query without paging, in a stable order."""
    params = replace(filters, page=None, page_size=None).to_params()
    return "&".join(f"{name}={value}" for name, value in sorted(params.items()))


@dataclass(frozen=True)
class ViewQuery:
    """A list view's filters and the key the store files its rows under."""

    key: str
    filters: TicketFilters
    parts: tuple[TicketFilters, ...] = ()
    """A view of several request streams (app.desk.query): its total is the sum of theirs."""
    countable: bool = True
    """False when no cheap count is exact (a tag filter): the tab shows none."""

    async def count(self, client: _Lister) -> int | None:
        """The view's total from single-row requests, or None when only loading it whole would tell."""
        if not self.countable:
            return None
        total = 0
        for filters in self.parts or (self.filters,):
            total += (await client.list_tickets(replace(filters, page=1, page_size=1))).pagination.total
        return total

    @classmethod
    def of(cls, filters: TicketFilters) -> ViewQuery:
        return cls(view_key(filters), replace(filters, page=None, page_size=None))


class Poller:
    """What a poll asks, and when the next one is due. `interval` 0 means off."""

    def __init__(self, store: DeskStore, interval: float = DEFAULT_INTERVAL) -> None:
        self.store = store
        self.interval = interval
        self._failures = 0
        self._retry_after: float | None = None

    @property
    def enabled(self) -> bool:
        return self.interval > 0

    def delay(self) -> float:
        """Seconds until the next poll: the interval, doubled per unanswered poll, at least a 429's wait."""
        wait = min(MAX_BACKOFF, self.interval * (2 ** self._failures)) if self._failures else self.interval
        if self._retry_after is not None:
            wait = max(wait, self._retry_after)
        return wait

    async def poll(self, client: _Lister, shown: ViewQuery, page_size: int,
                   others: Sequence[ViewQuery] = (), refresh: Callable[[], Awaitable[None]] | None = None,
                   on_screen: int | None = None) -> None:
        """Refresh the shown view's first page and the other views' totals; raises the first ApiError.
        A view of several streams refreshes itself (`refresh`, app.desk.query.QueryRun.refresh).

        `on_screen`: the index of the first row on screen. Scrolled past the first page, the page holding
        it is read too (one more request), so the rows the agent looks at stay current; its tickets only
        replace their older copies, the view's order is left as the agent sees it."""
        page = None
        visible = None
        try:
            if refresh is not None:
                await refresh()
            else:
                page = await client.list_tickets(replace(shown.filters, page=1, page_size=page_size))
            if on_screen is not None and on_screen >= page_size and refresh is None:
                number = on_screen // page_size + 1
                visible = await client.list_tickets(replace(shown.filters, page=number, page_size=page_size))
            totals = []
            for other in others:
                if (counted := await other.count(client)) is not None:
                    totals.append((other.key, counted))
        except ApiError as exc:
            self._note_failure(exc)
            raise
        self._failures = 0
        self._retry_after = None
        with self.store.batch():
            if page is not None:
                self.store.refresh_first_page(shown.key, page.items, page.pagination.total,
                                              page.pagination.has_more)
            if visible is not None:
                held = set(self.store.view(shown.key).ids)
                self.store.put_many(t for t in visible.items if t.id in held)
            for key, total in totals:
                self.store.set_total(key, total)

    def _note_failure(self, error: ApiError) -> None:
        if isinstance(error, RateLimitError):
            self._retry_after = error.retry_after if error.retry_after is not None else self.interval * 2
            return
        if isinstance(error, _UNANSWERED):
            self._failures = min(self._failures + 1, 16)
