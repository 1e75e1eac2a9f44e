"""The query runner: the fewest requests that answer a `Query` exactly, into the desk store.

No Textual here: the list screen and the scripting CLI both use it. The API takes one value per
parameter and has neither a tag filter nor a sort, so:

- `status:open,pending` (and any-of priorities or assignees) is one request stream per combination of
  values, merged in the API's order (newest first by creation, ties by id): the streams are disjoint
  (a ticket has one status), so the view's total is the sum of theirs, exact from the first pages.
  Rows are shown as far as every stream has been read (`more()` reads on), never out of order.
- `-status:closed` asks for every other status this app knows or has been sent (`Vocabulary`); a
  status no ticket has shown it yet is not asked for (there is no way to know it exists).
- Tags, an excluded assignee and a sort need every row: the streams are read whole (pages of 100,
  with progress) when they hold at most `cap` tickets, then filtered and sorted here; above the cap
  the runner refuses (`QueryRefused`) with the reason. Until the load ends no count is claimed.
"""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator, Callable, Iterable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Protocol

from api.filters import MAX_PAGE_SIZE, TicketFilters, format
from api.models import PRIORITIES, STATUSES, Page, Ticket, Unreadable
from api.query import Query, api_order, sort_tickets
from app.desk.live import ViewQuery, view_key
from app.desk.store import DeskStore

__all__ = ["DEFAULT_CAP", "Plan", "QueryRefused", "QueryRun", "iter_query", "plan", "query_view"]

DEFAULT_CAP = 2000
"""Most tickets loaded whole to sort or filter by tag (the config's `sort_limit`)."""

Progress = Callable[[int, int], None]
"""(loaded, total) while a view is read whole."""


_EPOCH = datetime.min.replace(tzinfo=UTC)


class _Lister(Protocol):
    async def list_tickets(self, filters: TicketFilters | None = None) -> Page[Ticket]: ...


class QueryRefused(Exception):
    """The query would need more than the cap loaded whole; `reason` says so in the agent's terms."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Plan:
    """The requests that answer a query: one stream per combination of values, and what is done locally."""

    query: Query
    streams: tuple[TicketFilters, ...]  # without paging; empty when no ticket can match
    whole: bool  # every row is needed (a local check or a sort)

    @property
    def single(self) -> bool:
        return len(self.streams) == 1 and not self.whole


def plan(query: Query, statuses: Iterable[str] = (), priorities: Iterable[str] = ()) -> Plan:
    """The request streams for `query`; `statuses`/`priorities` are values learnt beyond the known ones
    (what a none-of is the complement of)."""
    base = replace(query.filters, page=None, page_size=None)
    status = query.status.values(frozenset(STATUSES) | frozenset(statuses))
    priority = query.priority.values(frozenset(PRIORITIES) | frozenset(priorities))
    assignee = query.assignee.values(None)
    axes = [sorted(values) if values is not None else [None] for values in (status, priority, assignee)]
    streams = tuple(replace(base, status=s, priority=p, assigned_to=a) for s, p, a in itertools.product(*axes))
    return Plan(query, streams, whole=query.filters_locally or query.sort is not None)


def query_key(query: Query, the_plan: Plan) -> str:
    """The view's identity in the store: a one-request query keeps the key it always had."""
    if the_plan.single:
        return view_key(the_plan.streams[0])
    return "query:" + format(replace(query, filters=replace(query.filters, page=None, page_size=None)))


def query_view(query: Query, statuses: Iterable[str] = (), priorities: Iterable[str] = ()) -> ViewQuery:
    """A `ViewQuery` for the poller and the tabs' counts: its parts are counted and summed; a view that
    needs a local check has no parts (no cheap count is exact)."""
    the_plan = plan(query, statuses, priorities)
    key = query_key(query, the_plan)
    if the_plan.single:
        return ViewQuery(key, the_plan.streams[0])
    parts = () if query.filters_locally else the_plan.streams
    return ViewQuery(key, replace(query.filters, page=None, page_size=None), parts=parts, countable=bool(
        parts) or not the_plan.streams)


@dataclass
class _Stream:
    """One request stream of a plan: its filters and the rows read so far."""

    filters: TicketFilters
    rows: list[Ticket] = field(default_factory=list)
    total: int = 0
    page: int = 0
    has_more: bool = True


class QueryRun:
    """One view's answer in the store under `key`: `start()`, then `more()` as the agent scrolls,
    `refresh()` when polled. Errors are the client's (`ApiError`) or `QueryRefused`."""

    def __init__(self, client: _Lister, store: DeskStore, query: Query, *, page_size: int = 50,
                 cap: int = DEFAULT_CAP, statuses: Iterable[str] = (), priorities: Iterable[str] = (),
                 on_progress: Progress | None = None) -> None:
        self.client = client
        self.store = store
        self.plan = plan(query, statuses, priorities)
        self.key = query_key(query, self.plan)
        self.page_size = page_size
        self.cap = cap
        self.on_progress = on_progress
        self.unreadable: list[Unreadable] = []
        self._streams = [_Stream(f) for f in self.plan.streams]

    @property
    def has_more(self) -> bool:
        return any(s.has_more for s in self._streams)

    @property
    def total(self) -> int:
        return sum(s.total for s in self._streams)

    async def start(self) -> None:
        """Read the first page of every stream (all pages when the view is needed whole) and publish."""
        self._streams = [_Stream(f) for f in self.plan.streams]
        self.unreadable = []
        if self.plan.whole:
            await self._read_whole()
            rows = self._whole_rows()
            self.store.load_page(self.key, 1, rows, len(rows), False)
            return
        for stream in self._streams:
            await self._read(stream, self.page_size)
        self._publish()

    async def more(self) -> bool:
        """Read on until more rows can be shown (or nothing is left); False when there was nothing."""
        shown = len(self.store.view(self.key).ids)
        while self.has_more:
            limiting = max((s for s in self._streams if s.has_more), key=lambda s: api_order(s.rows[-1])
                           if s.rows else (_EPOCH, ""))
            await self._read(limiting, self.page_size)
            if len(self._ready()) > shown:
                break
        self._publish()
        return len(self.store.view(self.key).ids) > shown

    async def refresh(self) -> None:
        """A poll: read again what `start()` read; new rows come in at their place, the cursor's row stays
        (the list screen keeps it), tickets new to the view are announced as arrived."""
        loaded = self.store.view(self.key).pages > 0
        self.unreadable = []
        if self.plan.whole:
            self._streams = [_Stream(f) for f in self.plan.streams]
            await self._read_whole()
            rows = self._whole_rows()
            self.store.replace_view(self.key, rows, len(rows), False, arrived=loaded)
            return
        fresh = [_Stream(f) for f in self.plan.streams]
        for stream in fresh:
            await self._read(stream, self.page_size)
        self._streams = fresh
        rows = self._ready()
        self.store.refresh_first_page(self.key, rows, self.total, self.has_more)

    # --- reading --------------------------------------------------------------------------------

    async def _read(self, stream: _Stream, page_size: int) -> None:
        page = await self.client.list_tickets(replace(stream.filters, page=stream.page + 1, page_size=page_size))
        stream.page += 1
        stream.rows.extend(page.items)
        stream.total = page.pagination.total
        stream.has_more = page.pagination.has_more and bool(page.items)
        self.unreadable.extend(page.unreadable)

    async def _read_whole(self) -> None:
        for stream in self._streams:
            await self._read(stream, MAX_PAGE_SIZE)
        total = self.total
        if total > self.cap:
            raise QueryRefused(
                f"this view has {total} tickets; sorting or filtering by tag reads a view whole, up to "
                f"{self.cap} (sort_limit in the config): narrow it first, e.g. with status: or prio:")
        self._progress(total)
        for stream in self._streams:
            # Bounded by what the first page said: a server that keeps saying "more" can't keep us here.
            while stream.has_more and stream.page <= stream.total // MAX_PAGE_SIZE + 1:
                await self._read(stream, MAX_PAGE_SIZE)
                self._progress(total)

    def _progress(self, total: int) -> None:
        if self.on_progress is not None:
            self.on_progress(sum(len(s.rows) for s in self._streams), total)

    # --- merging --------------------------------------------------------------------------------

    def _merged(self) -> list[Ticket]:
        rows = {t.id: t for s in self._streams for t in s.rows}  # a ticket that moved between streams: once
        return sorted(rows.values(), key=api_order, reverse=True)

    def _ready(self) -> list[Ticket]:
        """The merged rows no unread row can come before: down to the newest of the streams' last rows."""
        merged = self._merged()
        open_ends = [api_order(s.rows[-1]) for s in self._streams if s.has_more and s.rows]
        if not open_ends:
            return merged
        boundary = max(open_ends)
        return [t for t in merged if api_order(t) >= boundary]

    def _whole_rows(self) -> list[Ticket]:
        rows = [t for t in self._merged() if self.plan.query.matches(t)]
        sort = self.plan.query.sort
        return sort_tickets(rows, sort) if sort is not None else rows

    def _publish(self) -> None:
        self.store.load_page(self.key, 1, self._ready(), self.total, self.has_more)


async def iter_query(client: _Lister, query: Query, *, page_size: int = MAX_PAGE_SIZE, cap: int = DEFAULT_CAP,
                     statuses: Iterable[str] = (), priorities: Iterable[str] = (),
                     on_progress: Progress | None = None) -> AsyncIterator[Ticket]:
    """Every ticket `query` finds, in its order (the API's, merged, or its sort), read as it is consumed:
    for the scripting CLI, which has no screen to fill. Raises QueryRefused like `QueryRun.start`."""
    store = DeskStore()
    run = QueryRun(client, store, query, page_size=page_size, cap=cap, statuses=statuses, priorities=priorities,
                   on_progress=on_progress)
    await run.start()
    given = 0
    while True:
        rows = store.rows(run.key)
        for ticket in rows[given:]:
            yield ticket  # type: ignore[misc]
        given = len(rows)
        if not run.has_more or not await run.more():
            return
