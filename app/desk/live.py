"""Polling: the open view's first page and the view tabs' counts, into the store, at a steady pace.

No Textual here. The screen owns the timer and calls `Poller.poll()` when `Poller.delay()` says;
the poller decides what to ask and how long to wait next: the configured interval while the service
answers, doubling up to `MAX_BACKOFF` while it does not, and at least what a 429's `Retry-After` asks.
Each poll is one request for the view plus one single-row request per other view: a few per interval.
"""

from __future__ import annotations

from collections.abc import Sequence
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
                   others: Sequence[ViewQuery] = ()) -> None:
        """Refresh the shown view's first page and the other views' totals; raises the first ApiError."""
        try:
            page = await client.list_tickets(replace(shown.filters, page=1, page_size=page_size))
            totals = []
            for other in others:
                counted = await client.list_tickets(replace(other.filters, page=1, page_size=1))
                totals.append((other.key, counted.pagination.total))
        except ApiError as exc:
            self._note_failure(exc)
            raise
        self._failures = 0
        self._retry_after = None
        with self.store.batch():
            self.store.refresh_first_page(shown.key, page.items, page.pagination.total, page.pagination.has_more)
            for key, total in totals:
                self.store.set_total(key, total)

    def _note_failure(self, error: ApiError) -> None:
        if isinstance(error, RateLimitError):
            self._retry_after = error.retry_after if error.retry_after is not None else self.interval * 2
            return
        if isinstance(error, _UNANSWERED):
            self._failures = min(self._failures + 1, 16)
