"""Columns of the ticket list: which ones fit a width, and each ticket's cells as safe `Content`.

Kept apart from the widget so the layout rules can be read (and tested) without Textual running.
Every cell is built from cleaned text (`widgets.safe_text`): nothing from the API is ever parsed as
markup or reaches the terminal as a control sequence.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from rich.cells import cell_len, set_cell_size
from textual.content import Content, Span
from textual.strip import Strip

from api.models import Ticket
from widgets.badges import PRIORITY_WIDTH, STATUS_WIDTH, priority_of, status_of
from widgets.line_styles import PieceRenderer
from widgets.safe_text import one_line
from widgets.sla import relative_time, sla_state

__all__ = [
    "COLUMNS",
    "TITLE_MIN",
    "Column",
    "Piece",
    "RowStrips",
    "header_pieces",
    "layout_columns",
    "pieces_to_content",
    "row_pieces",
]

TITLE_MIN = 30
"""The title column never gets narrower than this while some other column can still be dropped."""

_MAX_TAGS = 20
_MUTED = "$text-muted"


# What moved since the agent last opened a ticket, in the mark column (a bulk mark ✓ wins over them).
ACTIVITY_MARKS: dict[str, Piece] = {
    "message": ("●", "bold $warning"),  # a new message
    "change": ("•", "$accent"),  # a field changed
    "new": ("+", "bold $success"),  # came into the view while the app was open
    "draft": ("✎", "bold $warning"),  # a reply or note the agent started and has not sent
}

# Painted rows kept for reuse: a few screens of them, so scrolling back is free and memory stays flat.
MAX_CACHED_ROWS = 512


@dataclass(frozen=True)
class Column:
    """One column of the ticket table."""

    key: str
    label: str
    width: int
    """Cells; 0 for the title column, which takes whatever is left."""
    drop_rank: int = 0
    """Columns with a higher rank are dropped first when the title would get narrower than TITLE_MIN;
    0 means never dropped."""
    align: str = "left"


COLUMNS: tuple[Column, ...] = (
    Column("mark", "", 1),
    Column("id", "ID", 16, drop_rank=4),
    Column("status", "Status", STATUS_WIDTH),
    Column("priority", "Priority", PRIORITY_WIDTH),
    Column("title", "Title", 0),
    Column("customer", "Customer", 14, drop_rank=3),
    Column("assignee", "Assignee", 10, drop_rank=5),
    Column("tags", "Tags", 10, drop_rank=6),
    Column("count", "#", 3, drop_rank=2, align="right"),
    Column("sla", "SLA", 7),
    Column("updated", "Updated", 8, drop_rank=1),
)

_GAP = 1


def layout_columns(width: int, columns: Sequence[Column] = COLUMNS) -> list[tuple[Column, int]]:
    """The columns that fit in `width` cells, each with its width (the title's is what's left)."""
    shown = list(columns)
    droppable = sorted((c for c in shown if c.drop_rank), key=lambda c: -c.drop_rank)

    def title_width() -> int:
        fixed = sum(c.width for c in shown if c.width)
        return width - fixed - _GAP * (len(shown) - 1)

    while title_width() < TITLE_MIN and droppable:
        shown.remove(droppable.pop(0))
    title = max(title_width(), 0)
    return [(c, c.width or title) for c in shown]


Piece = tuple[str, str]
"""A run of text and the Textual style string it's drawn in ("" for the row's own style)."""


def _fit(text: str, width: int, align: str = "left") -> str:
    """Exactly `width` cells: cut with an ellipsis, or padded (wide characters counted as two)."""
    length = cell_len(text)
    if length > width:
        return set_cell_size(text, width - 1) + "…" if width > 1 else set_cell_size(text, width)
    if length < width:
        return " " * (width - length) + text if align == "right" else text + " " * (width - length)
    return text


def header_pieces(layout: Sequence[tuple[Column, int]]) -> list[Piece]:
    gap = " " * _GAP
    return [(gap.join(_fit(column.label, width, column.align) for column, width in layout), "")]


def _customer(ticket: Ticket) -> str:
    if ticket.customer_name:
        return ticket.customer_name
    if ticket.customer is not None and ticket.customer.name:
        return ticket.customer.name
    return ticket.customer_id or ""


def _cell(
    key: str,
    ticket: Ticket,
    width: int,
    now: datetime,
    agent_names: Mapping[str, str],
    marked: bool,
    activity: str | None = None,
) -> Piece:
    # Bounding each string by its column width before cleaning keeps a 1 MB title as cheap as a
    # short one: only the part that can be seen is ever cleaned or measured.
    limit = width * 2 + 8
    if key == "title":
        return one_line(ticket.title, limit), ""
    if key == "status":
        badge = status_of(ticket.status)
        return badge.plain, badge.style
    if key == "priority":
        badge = priority_of(ticket.priority)
        return badge.plain, badge.style
    if key == "id":
        return one_line(ticket.id, limit), _MUTED
    if key == "customer":
        return one_line(_customer(ticket), limit), ""
    if key == "assignee":
        if not ticket.assigned_to:
            return "—", _MUTED
        return one_line(agent_names.get(ticket.assigned_to, ticket.assigned_to), limit), ""
    if key == "tags":
        return one_line(", ".join(ticket.tags[:_MAX_TAGS]), limit), "$secondary"
    if key == "count":
        return str(ticket.message_count), _MUTED
    if key == "sla":
        state = sla_state(ticket, now)
        return state.label, state.style
    if key == "updated":
        return relative_time(ticket.updated_at, now), _MUTED
    if key == "mark":
        if marked:
            return "✓", "bold $accent"
        return ACTIVITY_MARKS.get(activity or "", (" ", ""))
    return "", ""


def row_pieces(
    ticket: Ticket,
    layout: Sequence[tuple[Column, int]],
    now: datetime,
    agent_names: Mapping[str, str],
    marked: bool = False,
    activity: str | None = None,
) -> list[Piece]:
    """One ticket as styled runs that add up to exactly the layout's width."""
    pieces: list[Piece] = []
    gap = (" " * _GAP, "")
    for column, width in layout:
        if pieces:
            pieces.append(gap)
        text, style = _cell(column.key, ticket, width, now, agent_names, marked, activity)
        pieces.append((_fit(text, width, column.align), style))
    return pieces


def pieces_to_content(pieces: Sequence[Piece]) -> Content:
    """The same runs as one `Content` (for tests, or a widget that wants a Visual)."""
    text = "".join(t for t, _ in pieces)
    spans: list[Span] = []
    offset = 0
    for piece, style in pieces:
        if style:
            spans.append(Span(offset, offset + len(piece), style))
        offset += len(piece)
    return Content(text, spans, strip_control_codes=False)


class RowStrips:
    """Rendered rows for one width, cached per ticket until the ticket object, width or theme changes.

    A changed ticket arrives as a new (frozen) object, so identity tells whether a strip is stale.
    The cursor row is rendered fresh each time: one line, and it depends on focus.
    """

    def __init__(self, renderer: PieceRenderer, columns: Sequence[Column] = COLUMNS) -> None:
        self.renderer = renderer
        self._columns = tuple(columns)
        self._width = -1
        self._layout: list[tuple[Column, int]] = []
        self._header: Strip | None = None
        self._strips: dict[str, tuple[Ticket, Strip]] = {}

    def clear(self, *, styles: bool = False) -> None:
        self._strips.clear()
        self._header = None
        if styles:
            self.renderer.clear()

    def forget(self, ticket_id: str) -> None:
        self._strips.pop(ticket_id, None)

    def layout(self, width: int) -> list[tuple[Column, int]]:
        if width != self._width:
            self._width = width
            self._layout = layout_columns(width, self._columns)
            self.clear()
        return self._layout

    def header(self, width: int) -> Strip:
        layout = self.layout(width)
        if self._header is None:
            self._header = self.renderer.to_strip(header_pieces(layout), width, ("ticket-table--header",))
        return self._header

    def row(
        self,
        ticket: Ticket,
        width: int,
        now: datetime,
        agent_names: Mapping[str, str],
        *,
        marked: bool,
        cursor: bool,
        activity: str | None = None,
    ) -> Strip:
        layout = self.layout(width)
        if cursor:
            return self.renderer.to_strip(
                row_pieces(ticket, layout, now, agent_names, marked, activity), width, ("ticket-table--cursor",)
            )
        cached = self._strips.get(ticket.id)
        if cached is not None and cached[0] is ticket:
            return cached[1]
        classes = ("ticket-table--marked",) if marked else ()
        strip = self.renderer.to_strip(row_pieces(ticket, layout, now, agent_names, marked, activity), width,
                                       classes)
        if len(self._strips) >= MAX_CACHED_ROWS:
            # Oldest first (dicts keep insertion order): rows scrolled far away are the ones dropped, and
            # 10,000 loaded tickets no longer keep 10,000 painted rows alive.
            del self._strips[next(iter(self._strips))]
        self._strips[ticket.id] = (ticket, strip)
        return strip
