"""The home screen: a queue of tickets, narrowed by views, a filter query and quick keys."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import replace
from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import Input, Tab, Tabs

from api.errors import ApiError, AuthenticationError, ConnectionFailedError, PermissionDeniedError
from api.filters import FilterSyntaxError, TicketFilters, parse_query, single_request
from api.models import Ticket, Unreadable
from api.query import Query, Sort
from app.desk.live import ViewQuery
from app.desk.query import QueryRefused, QueryRun, query_view
from app.desk.store import Change
from app.screens.list_bulk import BULK_BINDINGS, BulkActions
from app.screens.list_sort import SORT_CHOICES, with_sort
from app.screens.poll_timer import PollTimer
from widgets.bulk_progress import BulkProgress
from widgets.filter_bar import FilterBar
from widgets.key_bar import KeyBar
from widgets.safe_text import one_line
from widgets.status_line import StatusLine
from widgets.ticket_table import TicketTable
from widgets.unreadable_notice import UnreadableNotice

if TYPE_CHECKING:
    from app.tui import CStarApp

PAGE_SIZE = 50
# `unsolved` is a status word too (new, open or pending); `-status:` (none of) is left alone.
_STATUS_TOKEN = re.compile(r"(?i)(?:^|\s)(?:(?:status|s):(?:\"[^\"]*\"|\S+)|unsolved(?=\s|$))")
QUICK_STATUSES = {"1": "new", "2": "open", "3": "pending", "4": "resolved", "5": "closed"}
# Errors that mean "this connection can't work" rather than "this request failed".
FATAL_AT_START = (AuthenticationError, PermissionDeniedError, ConnectionFailedError)


def with_quick_status(query: str, status: str | None) -> str:
    """Replace the status token of a query, keeping everything else the agent typed."""
    rest = _STATUS_TOKEN.sub("", query).strip()
    if status is None:
        return rest
    return f"status:{status} {rest}".strip()


# Seconds a first page may take before the table shows a loading indicator.
SPINNER_AFTER = 0.15

_SORT_WORDS = {sort: label.split(", ", 1)[-1] for sort, label in SORT_CHOICES if sort is not None}


def _describe(exc: FilterSyntaxError) -> str:
    """Every mistake of a query, one per line when there are several."""
    if len(exc.problems) == 1:
        return str(exc)
    return f"{len(exc.problems)} mistakes:\n" + "\n".join(f"• {problem}" for problem in exc.problems)


class TicketListScreen(BulkActions, PollTimer, Screen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        # Priority, so the app moves focus before it hands on the keys typed after `/` (see check_action).
        Binding("slash", "focus_filter", "Filter", priority=True, id="list.filter"),
        Binding("tab", "switch_view(1)", "Next view", id="list.next_view"),
        Binding("shift+tab", "switch_view(-1)", "Prev view", show=False, id="list.prev_view"),
        Binding("ctrl+r", "refresh", "Refresh", id="list.refresh"),
        Binding("n", "new_ticket", "New ticket", id="list.new_ticket"),
        Binding("c", "customer_tickets", "Customer's tickets", show=False, id="list.customer_tickets"),
        Binding("y", "copy('id')", "Copy ID", show=False, id="list.copy_id"),
        Binding("Y", "copy('url')", "Copy link", show=False, id="list.copy_url"),
        *(Binding(key, f"quick_status('{status}')", f"Status {status}", show=False, id=f"list.status_{status}")
          for key, status in QUICK_STATUSES.items()),
        Binding("0", "quick_status('')", "Any status", show=False, id="list.status_any"),
        *BULK_BINDINGS,
        Binding("o", "sort", "Sort", id="list.sort"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self._generation = 0
        self._page = 0
        self._total: int | None = None
        self._has_more = False
        self._loading = False
        self._filters = TicketFilters()
        self._query: Query | None = None
        self._sort_gives_way = True
        self._tab_as_is = True
        # (the sort, the view's size) when a tab's sort gave way to the service's order (see _read_unsorted).
        self._unsorted: tuple[Sort, int] | None = None
        # The view takes more than one request (any-of, tags, a sort): the runner answers it.
        self._runner: QueryRun | None = None
        self._reading: tuple[int, int] | None = None  # (loaded, total) while a view is read whole
        self._loaded_once = False
        self._spinner: Timer | None = None  # the first page's loading indicator, shown if it keeps us waiting
        self._view: ViewQuery | None = None
        # The next rows of the shown view replace the table's outright (the agent asked for a new query).
        self._reset_rows = False
        # (view key, its epoch, its number of ids, the table's rows) when the table last took the store's rows:
        # the same view, epoch and rows with more ids is a page appended at the end: only those rows are added.
        self._synced: tuple[str, int, int, int] | None = None
        self._tab_counts: dict[int, int] = {}
        self._unsubscribe: Callable[[], None] | None = None
        self._unreadable: list[Unreadable] = []
        self._rejected = False  # the filter bar holds a query with a mistake

    @property
    def cstar(self) -> CStarApp:
        return self.app  # type: ignore[return-value]

    def compose(self) -> ComposeResult:
        app = self.cstar
        self.status_header = app.new_status_header()
        yield self.status_header
        yield Tabs(*(Tab(Text(view.name), id=f"view-{i}") for i, view in enumerate(app.views)), id="views")
        yield FilterBar(id="filter", debounce=app.debounce)
        yield TicketTable(id="tickets", now=app.clock, agent_names=app.agent_names)
        yield UnreadableNotice(id="list-unreadable")
        yield BulkProgress(id="bulk-progress")
        yield StatusLine(id="list-status")
        yield KeyBar()

    def on_mount(self) -> None:
        self.query_one(Tabs).can_focus = False
        self.query_one(TicketTable).focus()
        self._unsubscribe = self.cstar.store.subscribe(self._store_changed)
        self.apply_query()
        self._schedule_poll()
        self.call_after_refresh(self.ask_about_left_over)

    def on_screen_resume(self) -> None:
        self._show_drafts()  # back from a ticket or the composer: a draft may have been started or sent
        self.query_one(TicketTable).refresh_cells()  # and agents may have been named meanwhile (their rows too)

    def _show_drafts(self) -> None:
        from app.drafts import drafts_for

        try:
            drafts = drafts_for(self.app).all()
        except OSError:
            return  # the marks are a help; the drafts themselves are safe where they are
        self.query_one(TicketTable).set_drafts(d.ticket_id for d in drafts if d.text.strip() or d.pending)

    def on_unmount(self) -> None:
        if self._unsubscribe is not None:
            self._unsubscribe()
        self.cstar.seen.save()

    # --- the query ----------------------------------------------------------------------------

    @property
    def view_index(self) -> int:
        active = self.query_one(Tabs).active or "view-0"
        return int(active.removeprefix("view-"))

    def apply_query(self) -> None:
        """Parse the view and the filter bar; on a good query, load page 1 (superseding any load)."""
        bar = self.query_one(FilterBar)
        me = self.cstar.settings.agent_id
        # Statuses and priorities the server has sent are filter words too (`status:on_hold`).
        vocabulary = self.cstar.client.vocabulary
        agents = self.cstar.agents  # names learned per profile: `assignee:dana`
        problems = []
        view = typed = None
        try:
            view = parse_query(self.cstar.views[self.view_index].query, me, vocabulary, agents)
        except FilterSyntaxError as exc:
            problems.append(f"In the view {self.cstar.views[self.view_index].name}: {exc}")
        try:
            typed = parse_query(bar.value, me, vocabulary, agents)
        except FilterSyntaxError as exc:
            problems.append(_describe(exc))
        if view is None or typed is None:
            bar.show_error("\n".join(problems))
            self._reject()
            return
        bar.clear_error()
        query = view.narrowed_by(typed)
        # (A tab listed unsorted that the agent now asks to sort is read again: the sort is refused, saying why.)
        if query == self._query and self._generation and not self._rejected and (
                self._unsorted is None or typed.sort is None):
            return  # e.g. the debounced echo of a change already applied: one change, one request
        self._rejected = False
        self._query = query
        # A tab's own sort (the first tab's SLA order) may give way on a view too big to read whole; a sort the
        # agent typed is refused with the reason instead, since it was asked for.
        self._sort_gives_way = typed.sort is None
        self._unsorted = None
        self._tab_as_is = not bar.value.strip()  # nothing typed: the rows counted are the tab's own
        self._plan(query)
        self._show_marks()  # the marks of this view (none for a query not seen before)
        self.reload()

    def _plan(self, query: Query) -> None:
        """How the view is read: one request, or the query runner (several streams, or read whole)."""
        filters = single_request(query)
        if filters is not None:
            self._runner = None
            self._filters = filters
            self._view = ViewQuery.of(filters)
        else:
            voc = self.cstar.client.vocabulary
            self._runner = QueryRun(self.cstar.client, self.cstar.store, query, page_size=PAGE_SIZE,
                                    cap=self.cstar.sort_limit, statuses=voc.statuses.values(),
                                    priorities=voc.priorities.values(), on_progress=self._read_progress)
            self._filters = query.filters
            self._view = query_view(query, voc.statuses.values(), voc.priorities.values())

    def _read_unsorted(self, runner: QueryRun) -> bool:
        """A tab whose sort needs more tickets than `sort_limit`: list it in the service's order (newest first)
        and say why, rather than show nothing on a big desk. False when the query can't do without its sort."""
        query = self._query
        if (query is None or query.sort is None or query.filters_locally or not self._sort_gives_way
                or self._unsorted is not None):
            return False
        self._unsorted = (query.sort, runner.total)
        self._plan(replace(query, sort=None))
        self.call_later(self.reload)
        return True

    def reload(self) -> None:
        self._generation += 1
        self._reading = None  # a whole read superseded midway says nothing more
        self._load(self._generation, 1)

    @work(exclusive=True, group="list")
    async def _load(self, generation: int, page: int) -> None:
        self._set_loading(True)
        if self._runner is not None:
            await self._run_query(self._runner, generation, page)
            return
        try:
            result = await self.cstar.client.list_tickets(replace(self._filters, page=page, page_size=PAGE_SIZE))
        except ApiError as exc:
            if generation == self._generation:
                self._set_loading(False)
                self._failed(exc)
            return
        if generation != self._generation:
            return  # a newer query was asked for; this answer is stale
        self._set_loading(False)
        self.status_header.set_state("online")
        if page == 1:
            self._unreadable = []
        self._note_unreadable(result.unreadable)
        self.cstar.seen.meet(result.items)
        self._page = page
        first_load = not self._loaded_once
        self._loaded_once = True
        self._reset_rows = page == 1
        assert self._view is not None
        self.cstar.store.load_page(self._view.key, page, result.items, result.pagination.total,
                                   result.pagination.has_more)
        self._show_activity(ticket.id for ticket in result.items)
        if first_load:
            # After the first page is painted, so the queue never waits for the tab counts.
            self.call_after_refresh(self._count_views)

    async def _run_query(self, runner: QueryRun, generation: int, page: int) -> None:
        """A view of several requests (app.desk.query): the runner puts its rows into the store."""
        self._reset_rows = page == 1
        try:
            if page == 1:
                self._reading = None
                await runner.start()
            else:
                await runner.more()
        except (ApiError, QueryRefused) as exc:
            self._reading = None
            if generation != self._generation:
                return
            if isinstance(exc, QueryRefused) and self._read_unsorted(runner):
                return
            self._set_loading(False)
            if isinstance(exc, QueryRefused):
                self.query_one(FilterBar).show_error(f"Cannot show this view: {exc.reason}")
                self._reject()
            else:
                self._failed(exc)
            return
        self._reading = None
        if generation != self._generation:
            return
        self._set_loading(False)
        self.status_header.set_state("online")
        self._page = page
        self._unreadable = []
        self._note_unreadable(tuple(runner.unreadable))
        rows = self.cstar.store.rows(runner.key)
        self.cstar.seen.meet(rows)  # type: ignore[arg-type]
        first_load = not self._loaded_once
        self._loaded_once = True
        self._total = self.cstar.store.view(runner.key).total
        self._has_more = runner.has_more
        self._show_status()
        self._show_activity(ticket.id for ticket in rows)
        if first_load:
            self.call_after_refresh(self._count_views)  # as for one request: the queue first, then the counts

    def _read_progress(self, loaded: int, total: int) -> None:
        if not self._loading:
            return  # a poll reading the view again: the rows stay as they are, nothing to wait for
        self._reading = (loaded, total)
        self._show_status()

    def _note_unreadable(self, items: tuple[Unreadable, ...]) -> None:
        """Say which tickets of the loaded pages could not be read (the others are listed as usual)."""
        self._unreadable.extend(items)
        self.query_one(UnreadableNotice).show_items(self._unreadable)

    def _failed(self, exc: ApiError) -> None:
        if not self._loaded_once and isinstance(exc, FATAL_AT_START):
            from app.screens.connection_error import ConnectionErrorScreen

            self.status_header.set_state("offline")
            self.app.push_screen(ConnectionErrorScreen(exc, self.cstar.settings), self._after_connection_error)
            return
        if isinstance(exc, ConnectionFailedError):
            self.status_header.set_state("offline", "")
        self.notify(str(exc), title="Could not load tickets", severity="error", markup=False, timeout=8)
        self._show_status()

    def _after_connection_error(self, retry: bool | None) -> None:
        if retry:
            self.reload()
        else:
            self.app.exit(return_code=1, message="Could not connect to the cStar service.")

    def _set_loading(self, loading: bool) -> None:
        self._loading = loading
        table = self.query_one(TicketTable)
        if loading and not self._loaded_once:
            # The status line says "loading…" at once; the spinner only for a first page that keeps us waiting
            # (one that comes at once, as the embedded sandbox's does, would flash it and cost two layouts).
            if self._spinner is None and not table.loading:
                self._spinner = self.set_timer(SPINNER_AFTER, self._show_spinner)
        else:
            if self._spinner is not None:
                self._spinner.stop()
                self._spinner = None
            was_loading = table.loading
            table.loading = False
            if was_loading and not isinstance(self.focused, Input) and self.app.screen is self:
                # A loading widget can't keep the focus; without this, a slow first page (any real service)
                # left the list deaf to j, k and enter.
                self.set_focus(table)
        self._show_status()

    def _show_spinner(self) -> None:
        self._spinner = None
        if self._loading and not self._loaded_once:
            self.query_one(TicketTable).loading = True

    def _reject(self) -> None:
        """A query with a mistake: no rows stay under text they don't match, nothing is sent, no answer
        still on its way is shown; the mistake is explained under the bar."""
        self._rejected = True
        self._generation += 1
        self._view = None
        self._set_loading(False)
        table = self.query_one(TicketTable)
        table.set_tickets([], keep_cursor=False)
        table.set_total(0)
        self._show_status()

    def _show_status(self) -> None:
        shown = self.query_one(TicketTable).row_count
        line = Text()
        if self._rejected:
            line.append("Nothing is listed until the query is fixed (see the mistake above; esc clears it).",
                        style="italic")
        elif self._reading is not None:
            loaded, total = self._reading
            line.append(f"reading the whole view to sort or filter it: {loaded} of {total} tickets…",
                        style="yellow")
        elif self._total is None:
            line.append("loading…" if self._loading else "no tickets loaded")
        elif self._total == 0:
            line.append("No tickets match this view and filter.", style="italic")
        else:
            line.append(f"{shown} of {self._total}")
        if self._loading and self._total is not None and self._reading is None:
            line.append("  ◌ loading…", style="yellow")
        sort = self._query.sort if self._query is not None else None
        if self._unsorted is not None and not self._rejected:
            dropped, total = self._unsorted
            line.append(f"  · not sorted by {dropped.key}: {total} tickets are more than sort_limit "
                        f"({self.cstar.sort_limit}); newest first (narrow it, e.g. prio:urgent)", style="yellow")
        elif sort is not None and not self._rejected:
            line.append(f"  · sorted by {sort.key}, {_SORT_WORDS[sort]}", style="bold")
        if marked := self.marked_text():
            line.append(f" · {marked}", style="bold")
        self.query_one("#list-status", StatusLine).set_text(line)

    @work(exclusive=True, group="view-counts")
    async def _count_views(self) -> None:
        """Each tab's count: one single-row request per other view (at start and on ctrl+r only)."""
        me = self.cstar.settings.agent_id
        for index, view in enumerate(self.cstar.views):
            if index == self.view_index:
                continue
            try:
                query = query_view(parse_query(view.query, me=me, vocabulary=self.cstar.client.vocabulary,
                                               agents=self.cstar.agents))
                total = await query.count(self.cstar.client)
            except (ApiError, FilterSyntaxError):
                continue  # a count is a nicety: the view itself reports its problem when opened
            if total is not None:
                self.cstar.store.set_total(query.key, total)

    def _tab_views(self) -> list[ViewQuery | None]:
        """Each tab's own query (None where it does not parse)."""
        me = self.cstar.settings.agent_id
        queries: list[ViewQuery | None] = []
        for view in self.cstar.views:
            try:
                queries.append(query_view(parse_query(view.query, me=me, agents=self.cstar.agents)))
            except FilterSyntaxError:
                queries.append(None)
        return queries

    def _set_view_count(self, index: int, total: int) -> None:
        tab = self.query_one(f"#view-{index}", Tab)
        if self._tab_counts.get(index) != total:  # a new label is a new layout of the screen: not at every page
            self._tab_counts[index] = total
            tab.label = Text(f"{self.cstar.views[index].name} {total}")

    # --- the store: the one place rows and counts come from ---------------------------------------

    def _store_changed(self, change: Change) -> None:
        if not self.is_mounted or self not in self.app.screen_stack:
            return  # on its way out (another profile): its widgets may be gone already
        store = self.cstar.store
        table = self.query_one(TicketTable)
        view = self._view
        if view is not None and view.key in change.views:
            rows = store.view(view.key)
            synced = self._synced
            table.set_total(rows.total or 0)
            if self._reset_rows:
                self._reset_rows = False
                table.set_tickets(store.rows(view.key), keep_cursor=True)
            elif synced is not None and synced[:2] == (view.key, rows.epoch) and synced[3] == table.row_count \
                    and len(rows.ids) >= synced[2]:
                table.append_tickets(store.rows(view.key, start=synced[2]))
            else:
                table.replace_rows(store.rows(view.key))
            self._synced = (view.key, rows.epoch, len(rows.ids), table.row_count)
            self._total = rows.total
            self._has_more = rows.has_more
            self._show_status()
            self._prune_marks(rows.ids)
        self.cstar.seen.arrived(change.arrived)
        for ticket_id in change.tickets:
            ticket = store.ticket(ticket_id)
            if ticket is not None:
                table.update_ticket(ticket)  # type: ignore[arg-type]
        self._show_activity(change.tickets | change.arrived)
        for index, query in enumerate(self._tab_views()):
            if query is not None and query.key in change.views and (total := store.view(query.key).total) is not None:
                self._set_view_count(index, total)
        if (self._unsorted is not None and self._tab_as_is and view is not None and view.key in change.views
                and (total := store.view(view.key).total) is not None):
            self._set_view_count(self.view_index, total)  # listed unsorted, under another key: the same tickets

    # --- polling -------------------------------------------------------------------------------

    def _poll_blocked(self) -> bool:
        return self._loading or self._view is None

    @work(exclusive=True, group="poll", exit_on_error=False)
    async def poll_now(self) -> None:
        """Refresh the shown view's first page and the tabs' counts (the timer calls this every interval)."""
        view = self._view
        if view is None:
            return
        others = [query for query in self._tab_views() if query is not None and query.key != view.key]
        store = self.cstar.store
        watched = self.cstar.watched_views()
        totals = {key: store.view(key).total for key in watched}
        changes: list[Change] = []
        unsubscribe = store.subscribe(changes.append)
        try:
            refresh = self._runner.refresh if self._runner is not None else None
            table = self.query_one(TicketTable)
            on_screen = round(table.scroll_offset.y) if table.row_count else None  # one line per row
            await self.cstar.poller.poll(self.cstar.client, view, PAGE_SIZE, others, refresh=refresh,
                                         on_screen=on_screen)
        except (ApiError, QueryRefused):
            return  # the header says offline or rate limited; the next poll waits longer
        finally:
            unsubscribe()
            self._schedule_poll()
        self._alert(view, changes, watched, totals)

    def _alert(self, view: ViewQuery, changes: list[Change], watched: dict[str, str],
               totals: dict[str, int | None]) -> None:
        """What a poll brought that is worth interrupting the agent for (app.desk.alerts decides)."""
        store, seen, alerts = self.cstar.store, self.cstar.seen, self.cstar.alerts
        arrived = {i for change in changes for i in change.arrived}
        touched = {i for change in changes for i in change.tickets} - arrived
        found = alerts.new_in_view(view.key, [t for i in arrived if (t := store.ticket(i)) is not None])
        found += alerts.new_messages([t for i in touched if (t := store.ticket(i)) is not None
                                      and seen.activity(t) == "message"])  # type: ignore[arg-type]
        for key, name in watched.items():
            if key != view.key:
                found += alerts.view_grew(key, name, totals.get(key), store.view(key).total)
        found += alerts.deadlines(store.rows(view.key), self.cstar.clock())  # type: ignore[arg-type]
        self.cstar.notifier.deliver(found)

    # --- paging and selection -----------------------------------------------------------------

    @on(TicketTable.NearEnd)
    def _next_page(self) -> None:
        if self._has_more and not self._loading:
            self._load(self._generation, self._page + 1)

    @on(TicketTable.Selected)
    def _open(self, event: TicketTable.Selected) -> None:
        open_ticket = getattr(self.app, "open_ticket", None)
        if open_ticket is not None:
            open_ticket(event.ticket.id, source=self)
        self._mark_seen(event.ticket.id)

    def neighbour_id(self, ticket_id: str, step: int) -> str | None:
        """The ticket `step` rows away from `ticket_id` in the loaded list, for `]` and `[` in the detail view."""
        ids = self.query_one(TicketTable).ticket_ids
        try:
            index = ids.index(ticket_id) + step
        except ValueError:
            return None
        return ids[index] if 0 <= index < len(ids) else None

    async def load_next_page(self) -> bool:
        """Fetch the next page now (the detail view walked past the end); False when there is none."""
        if not self._has_more:
            return False
        if self._runner is not None:
            try:
                more = await self._runner.more()
            except ApiError as exc:
                self.notify(str(exc), title="Could not load more tickets", severity="error", markup=False)
                return False
            self._has_more = self._runner.has_more
            return more
        try:
            result = await self.cstar.client.list_tickets(
                replace(self._filters, page=self._page + 1, page_size=PAGE_SIZE))
        except ApiError as exc:
            self.notify(str(exc), title="Could not load more tickets", severity="error", markup=False)
            return False
        self._note_unreadable(result.unreadable)
        self.cstar.seen.meet(result.items)
        self._page += 1
        assert self._view is not None
        self.cstar.store.load_page(self._view.key, self._page, result.items, result.pagination.total,
                                   result.pagination.has_more)
        self._show_activity(ticket.id for ticket in result.items)
        return bool(result.items)

    def left_view(self, ticket: Ticket) -> bool:
        """After the agent changed `ticket`: when it no longer matches the shown view, its row goes and the
        view's count drops (True); the detail view then moves on."""
        view = self._view
        if view is None or self._query is None or not self._query.excludes(ticket):
            return False
        self.cstar.store.leave_view(view.key, ticket.id)
        return True

    def focus_ticket(self, ticket_id: str) -> None:
        """Put the cursor on a ticket (the detail view walked to it with `]` or `[`)."""
        self.query_one(TicketTable).move_cursor_to(ticket_id)
        self._mark_seen(ticket_id)

    def _show_activity(self, ticket_ids: Iterable[str]) -> None:
        table = self.query_one(TicketTable)
        for ticket_id in ticket_ids:
            ticket = self.cstar.store.ticket(ticket_id)
            if ticket is not None:
                table.set_activity(ticket_id, self.cstar.seen.activity(ticket))  # type: ignore[arg-type]
        self.status_header.unseen = len(table.activity)

    def _mark_seen(self, ticket_id: str) -> None:
        """The agent opened the ticket: what it shows now is seen, its row loses its mark."""
        ticket = self.query_one(TicketTable).get_ticket(ticket_id)
        if ticket is not None:
            self.cstar.seen.opened(ticket)
            self.cstar.seen.save()
        self.query_one(TicketTable).set_activity(ticket_id, None)
        self.status_header.unseen = len(self.query_one(TicketTable).activity)

    def replace_ticket(self, ticket: Ticket) -> None:
        """The agent changed a ticket (the detail view): the newer copy goes to the store, the row follows;
        the agent saw the change, so it is no activity to mark."""
        self.cstar.seen.opened(ticket)
        self.cstar.store.put(ticket)

    # --- input --------------------------------------------------------------------------------

    @on(FilterBar.Changed)
    def _filter_changed(self) -> None:
        self.apply_query()

    @on(FilterBar.HelpRequested)
    def _filter_help(self) -> None:
        from app.screens.filter_help import FilterHelpScreen

        self.app.push_screen(FilterHelpScreen())

    @on(FilterBar.Cleared)
    def _filter_cleared(self) -> None:
        self.set_focus(self.query_one(TicketTable))  # esc: the query is gone, the keys go back to the list

    @on(FilterBar.Submitted)
    def _filter_submitted(self) -> None:
        if self._rejected:
            return  # the query has a mistake: the keys stay in the bar to fix it
        self.set_focus(self.query_one(TicketTable))  # at once, so the next key is a table command

    @on(Tabs.TabActivated)
    def _view_changed(self) -> None:
        if self.is_mounted:
            self.apply_query()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "focus_filter" and isinstance(self.focused, Input):
            return False  # typing in a field: `/` is a character there, not a command
        marks = self.bulk_check_action(action)
        if marks is not None:
            return marks and not isinstance(self.focused, Input)
        return True

    def action_focus_filter(self) -> None:
        # Synchronously: Widget.focus() is deferred, and keys typed right after `/` (a burst from a fast
        # typist or a paste) would otherwise reach the table instead of the filter.
        self.set_focus(self.query_one(FilterBar).input)

    def action_switch_view(self, step: int) -> None:
        tabs = self.query_one(Tabs)
        if step > 0:
            tabs.action_next_tab()
        else:
            tabs.action_previous_tab()

    def action_refresh(self) -> None:
        self.reload()
        self._count_views()

    def action_quick_status(self, status: str) -> None:
        bar = self.query_one(FilterBar)
        bar.set_query(with_quick_status(bar.value, status or None))
        self.apply_query()

    def action_sort(self) -> None:
        """`o`: pick how the view is ordered; the choice is a `sort:` word in the filter query."""
        from widgets.pickers import OptionPicker

        current = (self._query.sort if self._query is not None else None) or "none"
        # "none", not None: the picker answers None for esc.
        options = [(sort or "none", label) for sort, label in SORT_CHOICES]
        self.app.push_screen(OptionPicker("Sort the view by", options, current), self._sort_picked)

    def _sort_picked(self, choice: Sort | str | None) -> None:
        if choice is None:
            return  # esc: nothing changes
        sort = choice if isinstance(choice, Sort) else None
        if sort is not None and self._total is not None and self._total > self.cstar.sort_limit:
            self.notify(f"This view has {self._total} tickets; a sort reads a view whole, up to "
                        f"{self.cstar.sort_limit} (sort_limit in the config). Narrow it first, e.g. with "
                        "status: or prio:.", title="Cannot sort", severity="warning", markup=False, timeout=8)
            return
        bar = self.query_one(FilterBar)
        bar.set_query(with_sort(bar.value, sort))  # type: ignore[arg-type]
        self.apply_query()

    def action_copy(self, what: str) -> None:
        ticket = self.query_one(TicketTable).current_ticket
        self.cstar.copy_ticket(ticket.id if ticket else None, what)

    def action_customer_tickets(self) -> None:
        """`c`: the tickets of the customer of the ticket under the cursor, as a view."""
        ticket = self.query_one(TicketTable).current_ticket
        if ticket is None:
            return
        if not ticket.customer_id:
            self.notify("This ticket has no customer ID to list tickets by.", severity="warning", markup=False)
            return
        name = (ticket.customer.name if ticket.customer else None) or ticket.customer_name or ticket.customer_id
        self.show_customer(ticket.customer_id, name)

    def show_customer(self, customer_id: str, name: str) -> None:
        """The customer's tickets as a view: one tab for it, replaced by the next customer's; the typed filter
        goes (it would narrow what the agent asked to see whole)."""
        from api.filters import format as format_query
        from app.views import CustomerView

        view = CustomerView(one_line(name, 30) or customer_id, format_query(TicketFilters(customer_id=customer_id)),
                            customer_id=customer_id)
        views = self.cstar.views
        tabs = self.query_one(Tabs)
        index = next((i for i, held in enumerate(views) if isinstance(held, CustomerView)), None)
        if index is None:
            index = len(views)
            views.append(view)
            tabs.add_tab(Tab(Text(view.name), id=f"view-{index}"))
        else:
            views[index] = view
            self.query_one(f"#view-{index}", Tab).label = Text(view.name)
        self.query_one(FilterBar).set_query("")
        if tabs.active == f"view-{index}":
            self.apply_query()
        else:
            tabs.active = f"view-{index}"
        self.set_focus(self.query_one(TicketTable))

    def action_new_ticket(self) -> None:
        from app.screens.new_ticket import NewTicketScreen

        self.app.push_screen(NewTicketScreen(source=self))
