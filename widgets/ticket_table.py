"""TicketTable: the ticket list, a lean Line-API widget.

Why not DataTable: it measures every cell of every added row (even with fixed column widths), so a
50-row replace costs ~120–150 ms here. This widget keeps the tickets in a list and renders only the
visible lines, each from cached strips, so replacing or appending rows costs microseconds and the
paint costs the same at 50 rows or 10,000. The title column takes the width other columns leave;
narrow terminals drop the least useful columns first (see `widgets.ticket_columns`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import UTC, datetime

from textual import events
from textual.binding import Binding, BindingType
from textual.geometry import Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip

from api.models import Ticket
from widgets.line_styles import PieceRenderer
from widgets.ticket_columns import COLUMNS, Column, RowStrips

__all__ = ["TicketTable"]

NEAR_END_ROWS = 10


def _utc_now() -> datetime:
    return datetime.now(UTC)


class _TableMessage(Message):
    def __init__(self, table: TicketTable) -> None:
        super().__init__()
        self.table = table

    @property
    def control(self) -> TicketTable:
        return self.table


class TicketTable(ScrollView, can_focus=True):
    """A keyboard-driven list of tickets with a sticky header and one highlighted row."""

    BINDINGS: list[BindingType] = [
        Binding("down,j", "cursor_down", "Down", show=False, id="table.down"),
        Binding("up,k", "cursor_up", "Up", show=False, id="table.up"),
        Binding("home,g", "cursor_top", "Top", show=False, id="table.top"),
        Binding("end,G", "cursor_bottom", "Bottom", show=False, id="table.bottom"),
        Binding("pagedown", "page_down", "Page down", show=False, id="table.page_down"),
        Binding("pageup", "page_up", "Page up", show=False, id="table.page_up"),
        Binding("enter", "select", "Open", id="table.select"),
    ]

    COMPONENT_CLASSES = {
        "ticket-table--header",
        "ticket-table--cursor",
        "ticket-table--marked",
    }

    DEFAULT_CSS = """
    TicketTable {
        height: 1fr;
        overflow-x: hidden;
        overflow-y: auto;
        scrollbar-size-vertical: 1;
        scrollbar-gutter: stable;
        background: $surface;
        & > .ticket-table--header { text-style: bold; color: $text-muted; background: $panel; }
        & > .ticket-table--cursor {
            background: $block-cursor-blurred-background;
            text-style: $block-cursor-blurred-text-style;
        }
        &:focus > .ticket-table--cursor {
            background: $block-cursor-background;
            text-style: $block-cursor-text-style;
        }
        & > .ticket-table--marked { background: $accent 15%; }
    }
    """

    class Selected(_TableMessage):
        """Enter (or a double click) on a ticket."""

        def __init__(self, table: TicketTable, ticket: Ticket) -> None:
            super().__init__(table)
            self.ticket = ticket

    class Highlighted(_TableMessage):
        """The cursor moved to another ticket, or its ticket changed (None: the table is empty)."""

        def __init__(self, table: TicketTable, ticket: Ticket | None) -> None:
            super().__init__(table)
            self.ticket = ticket

    class NearEnd(_TableMessage):
        """The cursor is within NEAR_END_ROWS of the last row: time to fetch the next page.

        Posted each time the cursor moves (or rows change) inside that zone; the screen decides
        whether a page is due (more to load, nothing in flight).
        """

        def __init__(self, table: TicketTable, row_count: int) -> None:
            super().__init__(table)
            self.row_count = row_count

    def __init__(
        self,
        tickets: Sequence[Ticket] = (),
        *,
        now: Callable[[], datetime] | None = None,
        agent_names: Mapping[str, str] | None = None,
        columns: Sequence[Column] = COLUMNS,
        clock_interval: float | None = 30.0,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
        disabled: bool = False,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes, disabled=disabled)
        self.now: Callable[[], datetime] = now or _utc_now
        # Kept by reference: the app may learn names later (then call refresh_cells()).
        self._agent_names: Mapping[str, str] = agent_names if agent_names is not None else {}
        self._clock_interval = clock_interval
        self._tickets: list[Ticket] = list(tickets)
        self._total = 0  # rows of the whole view, loaded or not (set_total)
        self._index: dict[str, int] = {}
        self._cursor = 0
        self._marked: set[str] = set()
        self._activity: dict[str, str] = {}
        self._drafts: frozenset[str] = frozenset()
        self._rows = RowStrips(PieceRenderer(self), tuple(columns))
        self._near_end_posted_at: tuple[int, int] = (-1, -1)
        self._last_highlighted: Ticket | None = None
        self._reindex()

    # --- public API -----------------------------------------------------------------------------

    @property
    def tickets(self) -> Sequence[Ticket]:
        return tuple(self._tickets)

    @property
    def ticket_ids(self) -> list[str]:
        return [ticket.id for ticket in self._tickets]

    @property
    def row_count(self) -> int:
        return len(self._tickets)

    @property
    def total(self) -> int:
        return self._total

    def set_total(self, total: int) -> None:
        """How many rows the whole view has, loaded or not: the table is that tall (the scroll bar says how
        far the agent is), so appending a page changes no size and costs the screen no new layout."""
        if total != self._total:
            self._total = max(0, total)
            self._update_virtual_size()

    @property
    def cursor_row(self) -> int:
        return self._cursor

    @property
    def current_ticket(self) -> Ticket | None:
        if 0 <= self._cursor < len(self._tickets):
            return self._tickets[self._cursor]
        return None

    @property
    def agent_names(self) -> Mapping[str, str]:
        return self._agent_names

    @agent_names.setter
    def agent_names(self, names: Mapping[str, str]) -> None:
        self._agent_names = names
        self.refresh_cells()

    @property
    def marked_ids(self) -> frozenset[str]:
        return frozenset(self._marked)

    def set_marked(self, ids: Iterable[str]) -> None:
        """Show these tickets as selected for a bulk action (a ✓ in the first column)."""
        self._marked = set(ids)
        self.refresh_cells()

    @property
    def activity(self) -> Mapping[str, str]:
        return dict(self._activity)

    def set_activity(self, ticket_id: str, activity: str | None) -> None:
        """Mark a row with what moved since the agent last opened it ("message", "change", "new"), or not."""
        if self._activity.get(ticket_id) == activity:
            return
        if activity is None:
            self._activity.pop(ticket_id, None)
        else:
            self._activity[ticket_id] = activity
        self._rows.forget(ticket_id)
        row = self._index.get(ticket_id)
        if row is not None:
            self._refresh_row(row)

    def set_drafts(self, ticket_ids: Iterable[str]) -> None:
        """Mark the tickets that have an unsent draft (✎, over an activity mark)."""
        drafts = frozenset(ticket_ids)
        if drafts == self._drafts:
            return
        for ticket_id in drafts ^ self._drafts:
            self._rows.forget(ticket_id)
        self._drafts = drafts
        self.refresh()

    def get_ticket(self, ticket_id: str) -> Ticket | None:
        row = self._index.get(ticket_id)
        return None if row is None else self._tickets[row]

    def set_tickets(self, tickets: Sequence[Ticket], *, keep_cursor: bool = True) -> None:
        """Replace every row. With keep_cursor the cursor stays on the same ticket if it's still
        there, else on the same row number; otherwise it goes to the top."""
        previous = self.current_ticket
        previous_row = self._cursor
        self._tickets = list(tickets)
        self._reindex()
        if keep_cursor and previous is not None and previous.id in self._index:
            row = self._index[previous.id]
        elif keep_cursor:
            row = previous_row
        else:
            row = 0
            self.scroll_to(y=0, animate=False, immediate=True, force=True)
        self._update_virtual_size()
        self._move_cursor(row, force_scroll=True)
        self.refresh()

    def replace_rows(self, tickets: Sequence[Ticket]) -> None:
        """New rows from a refresh the agent did not ask for: nothing moves under them.

        The cursor stays on its ticket and the top row on screen stays the same ticket, so rows that
        arrive above the view push nothing down; at the very top, arrivals show above the cursor's ticket.
        """
        top = round(self.scroll_y)
        anchor = self._tickets[top].id if 0 < top < len(self._tickets) else None
        current = self.current_ticket
        self._tickets = list(tickets)
        self._reindex()
        self._update_virtual_size()
        if anchor is not None and anchor in self._index:
            self.scroll_to(y=self._index[anchor], animate=False, immediate=True, force=True)
        if current is not None and current.id in self._index:
            self._cursor = self._index[current.id]
        self._move_cursor(self._cursor)
        self.refresh()

    def append_tickets(self, tickets: Iterable[Ticket]) -> int:
        """Add rows at the bottom (the next page), skipping ids already shown. Returns how many."""
        added = 0
        first = len(self._tickets)
        for ticket in tickets:
            if ticket.id in self._index:
                continue
            self._index[ticket.id] = len(self._tickets)
            self._tickets.append(ticket)
            added += 1
        if added:
            self._update_virtual_size()
            if first == 0:
                self._move_cursor(0)
                self.refresh()
                return added
            # Only the new rows that are in view need painting (usually none: they land below it).
            top = round(self.scroll_y)
            bottom = top + self.scrollable_content_region.height
            for row in range(max(first, top), min(len(self._tickets), bottom)):
                self._refresh_row(row)
        return added

    def insert_ticket(self, ticket: Ticket, index: int = 0) -> None:
        """Add a ticket at a position (a just-created ticket goes on top), or update it in place."""
        if ticket.id in self._index:
            self.update_ticket(ticket)
            return
        current = self.current_ticket
        self._tickets.insert(max(0, min(index, len(self._tickets))), ticket)
        self._reindex()
        self._update_virtual_size()
        if current is not None:
            self._cursor = self._index[current.id]
        self._move_cursor(self._cursor)
        self.refresh()

    def update_ticket(self, ticket: Ticket) -> bool:
        """Replace one row in place. Returns False (and changes nothing) if the id isn't shown."""
        row = self._index.get(ticket.id)
        if row is None:
            return False
        self._tickets[row] = ticket
        self._refresh_row(row)
        if row == self._cursor:
            self._post_highlighted()
        return True

    def remove_ticket(self, ticket_id: str) -> bool:
        """Remove one row; the cursor stays on the same row number (the next ticket)."""
        row = self._index.get(ticket_id)
        if row is None:
            return False
        del self._tickets[row]
        self._rows.forget(ticket_id)
        self._marked.discard(ticket_id)
        self._reindex()
        self._update_virtual_size()
        self._move_cursor(min(self._cursor, len(self._tickets) - 1))
        self.refresh()
        return True

    def move_cursor_to(self, ticket_id: str) -> bool:
        row = self._index.get(ticket_id)
        if row is None:
            return False
        self._move_cursor(row)
        return True

    def refresh_cells(self) -> None:
        """Re-render every row, e.g. after the clock ticked or agent names arrived."""
        self._rows.clear()
        self.refresh()

    # --- actions --------------------------------------------------------------------------------

    def action_cursor_down(self) -> None:
        self._move_cursor(self._cursor + 1)

    def action_cursor_up(self) -> None:
        self._move_cursor(self._cursor - 1)

    def action_cursor_top(self) -> None:
        self._move_cursor(0)

    def action_cursor_bottom(self) -> None:
        self._move_cursor(len(self._tickets) - 1)

    def action_page_down(self) -> None:
        self._move_cursor(self._cursor + self._page_rows())

    def action_page_up(self) -> None:
        self._move_cursor(self._cursor - self._page_rows())

    def action_select(self) -> None:
        ticket = self.current_ticket
        if ticket is not None:
            self.post_message(self.Selected(self, ticket))

    # --- internals ------------------------------------------------------------------------------

    def _reindex(self) -> None:
        self._index = {ticket.id: row for row, ticket in enumerate(self._tickets)}

    def _page_rows(self) -> int:
        return max(1, self.scrollable_content_region.height - 2)

    def _update_virtual_size(self) -> None:
        # Line 0 of the virtual space belongs to the header, which is drawn on every frame at the
        # top (sticky), so rows live at virtual lines 1..n. A new size means a new layout of the screen:
        # only set when it changed (Textual compares too, but building it is not free at every append).
        size = Size(self.scrollable_content_region.width, max(len(self._tickets), self._total) + 1)
        if size != self.virtual_size:
            self.virtual_size = size

    def watch_scroll_y(self, old_value: float, new_value: float) -> None:
        super().watch_scroll_y(old_value, new_value)
        # Scrolled (wheel, scroll bar) down to rows not loaded yet: ask for them as the cursor would.
        count = len(self._tickets)
        bottom = round(new_value) + max(1, self.scrollable_content_region.height - 1)
        if count and count < self._total and bottom >= count - NEAR_END_ROWS and \
                self._near_end_posted_at != (-2, count):
            self._near_end_posted_at = (-2, count)
            self.post_message(self.NearEnd(self, count))

    def _move_cursor(self, row: int, *, force_scroll: bool = False) -> None:
        count = len(self._tickets)
        row = max(0, min(row, count - 1)) if count else 0
        old = self._cursor
        self._cursor = row
        if old != row:
            self._refresh_row(old)
        self._refresh_row(row)
        if count:
            self._scroll_to_row(row, force=force_scroll or old != row)
        self._post_highlighted()
        if count and count - 1 - row < NEAR_END_ROWS and self._near_end_posted_at != (row, count):
            self._near_end_posted_at = (row, count)
            self.post_message(self.NearEnd(self, count))

    def _scroll_to_row(self, row: int, *, force: bool) -> None:
        if not force:
            return
        visible_rows = max(1, self.scrollable_content_region.height - 1)
        top = round(self.scroll_y)
        if row < top:
            self.scroll_to(y=row, animate=False, immediate=True, force=True)
        elif row >= top + visible_rows:
            self.scroll_to(y=row - visible_rows + 1, animate=False, immediate=True, force=True)

    def _post_highlighted(self) -> None:
        ticket = self.current_ticket
        if ticket is self._last_highlighted:
            return
        self._last_highlighted = ticket
        self.post_message(self.Highlighted(self, ticket))

    def _refresh_row(self, row: int) -> None:
        if 0 <= row < len(self._tickets):
            self.refresh_line(row + 1)

    def notify_style_update(self) -> None:
        # Theme or CSS changed: cached strips hold resolved colours.
        self._rows.clear(styles=True)
        super().notify_style_update()

    def on_mount(self) -> None:
        if self._clock_interval:
            self.set_interval(self._clock_interval, self.refresh_cells)
        self._update_virtual_size()
        if self._tickets:
            self._move_cursor(self._cursor)

    def on_resize(self, event: events.Resize) -> None:
        self._update_virtual_size()
        self._scroll_to_row(self._cursor, force=True)

    def on_focus(self) -> None:
        self._rows.renderer.clear()
        self._refresh_row(self._cursor)

    def on_blur(self) -> None:
        self._rows.renderer.clear()
        self._refresh_row(self._cursor)

    def on_click(self, event: events.Click) -> None:
        offset = event.get_content_offset(self)
        if offset is None or offset.y < 1:
            return
        row = round(self.scroll_y) + offset.y - 1
        if not 0 <= row < len(self._tickets):
            return
        self.focus()
        self._move_cursor(row)
        if event.chain >= 2:
            self.action_select()

    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width
        if y == 0:
            return self._rows.header(width)
        row = round(self.scroll_y) + y - 1
        if not 0 <= row < len(self._tickets):
            return Strip.blank(width, self.rich_style)
        ticket = self._tickets[row]
        return self._rows.row(
            ticket, width, self.now(), self._agent_names, marked=ticket.id in self._marked, cursor=row == self._cursor,
            activity="draft" if ticket.id in self._drafts else self._activity.get(ticket.id),
        )
