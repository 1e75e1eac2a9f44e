"""The home screen: a queue of tickets, narrowed by views, a filter query and quick keys."""

from __future__ import annotations

import re
from dataclasses import replace
from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.widgets import Input, Tab, Tabs

from api.errors import ApiError, AuthenticationError, ConnectionFailedError, PermissionDeniedError
from api.filters import FilterSyntaxError, TicketFilters, parse
from api.models import Ticket, Unreadable
from widgets.filter_bar import FilterBar
from widgets.key_bar import KeyBar
from widgets.status_line import StatusLine
from widgets.ticket_table import TicketTable
from widgets.unreadable_notice import UnreadableNotice

if TYPE_CHECKING:
    from app.tui import CStarApp

PAGE_SIZE = 50
_STATUS_TOKEN = re.compile(r"(?i)(?:^|\s)(?:status|s):(?:\"[^\"]*\"|\S+)")
QUICK_STATUSES = {"1": "new", "2": "open", "3": "pending", "4": "resolved", "5": "closed"}
# Errors that mean "this connection can't work" rather than "this request failed".
FATAL_AT_START = (AuthenticationError, PermissionDeniedError, ConnectionFailedError)


def merge(view: TicketFilters, typed: TicketFilters) -> TicketFilters:
    """The view's query narrowed by what the agent typed; a typed key wins over the view's."""
    changes = {name: getattr(typed, name) for name in ("status", "priority", "assigned_to", "customer_id", "search")
               if getattr(typed, name) is not None}
    return replace(view, **changes)


def with_quick_status(query: str, status: str | None) -> str:
    """Replace the status token of a query, keeping everything else the agent typed."""
    rest = _STATUS_TOKEN.sub("", query).strip()
    if status is None:
        return rest
    return f"status:{status} {rest}".strip()


class TicketListScreen(Screen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        # Priority, so the app moves focus before it hands on the keys typed after `/` (see check_action).
        Binding("slash", "focus_filter", "Filter", priority=True, id="list.filter"),
        Binding("tab", "switch_view(1)", "Next view", id="list.next_view"),
        Binding("shift+tab", "switch_view(-1)", "Prev view", show=False, id="list.prev_view"),
        Binding("ctrl+r", "refresh", "Refresh", id="list.refresh"),
        Binding("n", "new_ticket", "New ticket", id="list.new_ticket"),
        *(Binding(key, f"quick_status('{status}')", f"Status {status}", show=False, id=f"list.status_{status}")
          for key, status in QUICK_STATUSES.items()),
        Binding("0", "quick_status('')", "Any status", show=False, id="list.status_any"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self._generation = 0
        self._page = 0
        self._total: int | None = None
        self._has_more = False
        self._loading = False
        self._filters = TicketFilters()
        self._loaded_once = False
        self._unreadable: list[Unreadable] = []

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
        yield StatusLine(id="list-status")
        yield KeyBar()

    def on_mount(self) -> None:
        self.query_one(Tabs).can_focus = False
        self.query_one(TicketTable).focus()
        self.apply_query()

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
        try:
            view = parse(self.cstar.views[self.view_index].query, me=me, vocabulary=vocabulary)
            typed = parse(bar.value, me=me, vocabulary=vocabulary)
        except FilterSyntaxError as exc:
            bar.show_error(str(exc))
            return
        bar.clear_error()
        filters = merge(view, typed)
        if filters == self._filters and self._generation:
            return  # e.g. the debounced echo of a change already applied: one change, one request
        self._filters = filters
        self.reload()

    def reload(self) -> None:
        self._generation += 1
        self._load(self._generation, 1)

    @work(exclusive=True, group="list")
    async def _load(self, generation: int, page: int) -> None:
        self._set_loading(True)
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
        table = self.query_one(TicketTable)
        if page == 1:
            table.set_tickets(result.items, keep_cursor=True)
            self._unreadable = []
        else:
            table.append_tickets(result.items)
        self._note_unreadable(result.unreadable)
        self._page = page
        self._total = result.pagination.total
        self._has_more = result.pagination.has_more
        first_load = not self._loaded_once
        self._loaded_once = True
        if not self.query_one(FilterBar).value.strip():
            self._set_view_count(self.view_index, self._total)
        self._show_status()
        if first_load:
            self._count_views()  # after the first page, so the queue never waits for the tab counts

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
        was_loading = table.loading
        table.loading = loading and not self._loaded_once
        if was_loading and not table.loading and not isinstance(self.focused, Input) and self.app.screen is self:
            # A loading widget can't keep the focus; without this, a slow first page (any real service)
            # left the list deaf to j, k and enter.
            self.set_focus(table)
        self._show_status()

    def _show_status(self) -> None:
        shown = len(self.query_one(TicketTable).ticket_ids)
        line = Text()
        if self._total is None:
            line.append("loading…" if self._loading else "no tickets loaded")
        elif self._total == 0:
            line.append("No tickets match this view and filter.", style="italic")
        else:
            line.append(f"{shown} of {self._total}")
        if self._loading and self._total is not None:
            line.append("  ◌ loading…", style="yellow")
        self.query_one("#list-status", StatusLine).set_text(line)

    @work(exclusive=True, group="view-counts")
    async def _count_views(self) -> None:
        """Each tab's count: one single-row request per other view (at start and on ctrl+r only)."""
        me = self.cstar.settings.agent_id
        for index, view in enumerate(self.cstar.views):
            if index == self.view_index:
                continue
            try:
                filters = parse(view.query, me=me, vocabulary=self.cstar.client.vocabulary)
                page = await self.cstar.client.list_tickets(replace(filters, page=1, page_size=1))
            except (ApiError, FilterSyntaxError):
                continue  # a count is a nicety: the view itself reports its problem when opened
            self._set_view_count(index, page.pagination.total)

    def _set_view_count(self, index: int, total: int) -> None:
        tab = self.query_one(f"#view-{index}", Tab)
        tab.label = Text(f"{self.cstar.views[index].name} {total}")

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
        try:
            result = await self.cstar.client.list_tickets(
                replace(self._filters, page=self._page + 1, page_size=PAGE_SIZE))
        except ApiError as exc:
            self.notify(str(exc), title="Could not load more tickets", severity="error", markup=False)
            return False
        self.query_one(TicketTable).append_tickets(result.items)
        self._note_unreadable(result.unreadable)
        self._page += 1
        self._total = result.pagination.total
        self._has_more = result.pagination.has_more
        self._show_status()
        return bool(result.items)

    def focus_ticket(self, ticket_id: str) -> None:
        """Put the cursor on a ticket (the detail view walked to it with `]` or `[`)."""
        self.query_one(TicketTable).move_cursor_to(ticket_id)

    def replace_ticket(self, ticket: Ticket) -> None:
        """A ticket changed elsewhere (the detail view): update its row in place."""
        self.query_one(TicketTable).update_ticket(ticket)

    def remove_ticket(self, ticket_id: str) -> None:
        self.query_one(TicketTable).remove_ticket(ticket_id)
        if self._total:
            self._total -= 1
        self._show_status()

    # --- input --------------------------------------------------------------------------------

    @on(FilterBar.Changed)
    def _filter_changed(self) -> None:
        self.apply_query()

    @on(FilterBar.Submitted)
    def _filter_submitted(self) -> None:
        self.set_focus(self.query_one(TicketTable))  # at once, so the next key is a table command

    @on(Tabs.TabActivated)
    def _view_changed(self) -> None:
        if self.is_mounted:
            self.apply_query()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "focus_filter" and isinstance(self.focused, Input):
            return False  # typing in a field: `/` is a character there, not a command
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

    def action_new_ticket(self) -> None:
        from app.screens.new_ticket import NewTicketScreen

        self.app.push_screen(NewTicketScreen(source=self))
