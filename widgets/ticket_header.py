"""The top of the detail view: what the ticket is, who has it, how its SLA clocks stand, notes, metadata.

Every value that came from the API (title, names, email, tags, notes, metadata) goes through
`widgets.safe_text`; the header is built as `Content`, never from markup. Each field keeps to its line
(cut with an ellipsis, never wrapped) and the notes to a few lines, so a 1 MB title or a 100,000-line
note can't push the thread off the screen.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta

from rich.cells import cell_len, set_cell_size
from textual.content import Content
from textual.widgets import Static

from api.models import Ticket
from widgets.badges import priority_badge, status_badge
from widgets.safe_text import clean, one_line
from widgets.sla import WARN_BEFORE, absolute_time, format_duration, relative_time

__all__ = ["TicketHeader", "agent_label", "sla_clock"]

CLOCK_REFRESH = 30.0
"""Seconds between repaints of the SLA clocks."""
NOTES_MAX_CHARS = 600
NOTES_MAX_LINES = 4
METADATA_SHOWN = 12
_LABEL = "$text-muted"


def _cells(text: str | None, width: int) -> str:
    """One clean line of at most `width` cells: wide characters count twice, so a CJK name can't take
    twice the room a Latin one does and push the fields after it off the line."""
    line = one_line(text, width)
    if cell_len(line) <= width:
        return line
    return set_cell_size(line, width - 1).rstrip() + "…"


def _notes(notes: str) -> Content:
    lines = clean(notes, max_chars=NOTES_MAX_CHARS).split("\n")
    shown = Content("\n").join(Content(line, strip_control_codes=False) for line in lines[:NOTES_MAX_LINES])
    if len(lines) > NOTES_MAX_LINES:
        more = notes.count("\n") + 1 - NOTES_MAX_LINES
        shown += Content.styled(f"\n… {more:,} more lines (e shows them all)", _LABEL)
    return shown


def agent_label(agent_id: str | None, names: Mapping[str, str]) -> str:
    """`Alex Kim (agt_…)` when the name is known, else the ID; `unassigned` for None."""
    if not agent_id:
        return "unassigned"
    name = names.get(agent_id)
    return f"{one_line(name, 40)} ({one_line(agent_id, 40)})" if name else one_line(agent_id, 40)


def sla_clock(
    deadline: datetime | None, done_at: datetime | None, *, paused: bool, closed: bool, now: datetime
) -> Content:
    """One clock: `✓ met`, `✗ missed by 2h`, `‖ paused`, `due in 2h14m`, `overdue by 45m`, or `—`.

    `done_at` is what stops this clock (the first response, or the close); `closed` stops a response
    clock that never got its reply, since nobody is waiting for one any more.
    """
    if deadline is None:
        return Content.styled("—", _LABEL)
    when = Content.styled(f"  ({absolute_time(deadline)})", _LABEL)
    if done_at is not None:
        if done_at <= deadline:
            return Content.styled("✓ met", "$success") + when
        return Content.styled(f"✗ missed by {format_duration(done_at - deadline)}", "$error") + when
    if closed:
        return Content.styled("— closed without one", _LABEL)
    if paused:
        return Content.styled("‖ paused", "$secondary") + when
    remaining = deadline - now
    if remaining < timedelta(0):
        return Content.styled(f"overdue by {format_duration(-remaining)}", "bold $error") + when
    style = "bold $warning" if remaining <= WARN_BEFORE else "$text"
    return Content.styled(f"due in {format_duration(remaining)}", style) + when


def _field(label: str, value: Content | str) -> Content:
    return Content.assemble((f"{label} ", _LABEL), value, strip_control_codes=False)


def _when(moment: datetime | None, now: datetime) -> Content:
    if moment is None:
        return Content("—")
    return Content.assemble(absolute_time(moment), (f" ({relative_time(moment, now)})", _LABEL))


def _join(parts: list[Content], separator: str = "   ") -> Content:
    return Content(separator).join(parts)


def header_content(ticket: Ticket, now: datetime, names: Mapping[str, str],
                   customer_tickets: str | None = None) -> Content:
    """`customer_tickets`: what the customer's tickets count ("3 open · 10 in all"), when known."""
    customer_name = (ticket.customer.name if ticket.customer else None) or ticket.customer_name
    email = ticket.customer.email if ticket.customer else None
    customer = Content(_cells(customer_name, 40) or "unknown customer")
    if email:
        customer += Content.styled(f" <{_cells(email, 48)}>", "$text-muted")
    if ticket.customer_id:
        customer += Content.styled(f" {_cells(ticket.customer_id, 24)}", _LABEL)
    tags = ", ".join(_cells(tag, 40) for tag in ticket.tags[:20])
    closed = ticket.closed_at is not None
    lines = [
        Content.styled(one_line(ticket.title, 300), "bold"),
        _join(
            [
                Content.styled(one_line(ticket.id, 60), "$accent"),
                status_badge(ticket.status),
                priority_badge(ticket.priority),
                _field("assignee", agent_label(ticket.assigned_to, names)),
                _field("messages", str(ticket.message_count)),
            ]
        ),
        _join([_field("customer", customer), _field("tags", tags or "—")]),
        _join(
            [
                _field(
                    "SLA response",
                    sla_clock(
                        ticket.response_deadline,
                        ticket.first_response_at,
                        paused=ticket.sla_paused,
                        closed=closed,
                        now=now,
                    ),
                ),
                _field(
                    "resolution",
                    sla_clock(
                        ticket.resolution_deadline, ticket.closed_at, paused=ticket.sla_paused, closed=False, now=now
                    ),
                ),
            ]
        ),
        _join(
            [_field("created", _when(ticket.created_at, now)), _field("updated", _when(ticket.updated_at, now))]
            + ([_field("closed", _when(ticket.closed_at, now))] if closed else [])
        ),
    ]
    if customer_tickets and ticket.customer_id:
        # A line of its own: on the customer's line (name, email, id, tags) a narrow terminal cut it off, or it
        # pushed the tags off.
        lines.append(_field("customer's tickets", Content.assemble((customer_tickets, "bold"), ("  c lists them",
                                                                                                _LABEL))))
    if ticket.notes:
        lines.append(_field("notes", _notes(ticket.notes)))
    if ticket.metadata:
        items = sorted(ticket.metadata.items())
        shown = [
            Content.assemble((_cells(k, 40), "$accent"), " = ", _cells(v, 60), strip_control_codes=False)
            for k, v in items[:METADATA_SHOWN]
        ]
        if len(items) > METADATA_SHOWN:
            shown.append(Content.styled(f"… {len(items) - METADATA_SHOWN} more", _LABEL))
        lines.append(_field("metadata", _join(shown, ", ")))
    return Content("\n").join(lines)


class TicketHeader(Static):
    """Shows one ticket's fields; `show(ticket)` again whenever a response brings a newer version."""

    DEFAULT_CSS = """
    TicketHeader { height: auto; max-height: 50%; padding: 0 1; background: $boost;
                   border-bottom: solid $primary-darken-2; overflow-y: auto;
                   text-wrap: nowrap; text-overflow: ellipsis; }
    """

    def __init__(
        self,
        *,
        now: Callable[[], datetime] | None = None,
        agent_names: Mapping[str, str] | None = None,
        id: str | None = None,
    ) -> None:
        super().__init__(Content("loading…"), id=id)
        self._now = now or (lambda: datetime.now(UTC))
        self._names: Mapping[str, str] = agent_names if agent_names is not None else {}
        self.ticket: Ticket | None = None
        self._customer_tickets: tuple[str, str] | None = None

    def on_mount(self) -> None:
        # "due in 14m" must not go stale while the agent reads the thread.
        self.set_interval(CLOCK_REFRESH, self._tick)

    def _tick(self) -> None:
        if self.ticket is not None:
            self.show(self.ticket)

    def show(self, ticket: Ticket) -> None:
        self.ticket = ticket
        counted = self._customer_tickets
        shown = counted[1] if counted is not None and counted[0] == ticket.customer_id else None
        self.update(header_content(ticket, self._now(), self._names, shown))

    def show_customer_tickets(self, customer_id: str, counts: str) -> None:
        """The counts of this customer's tickets (shown while the ticket shown is theirs)."""
        self._customer_tickets = (customer_id, one_line(counts, 60))
        if self.ticket is not None:
            self.show(self.ticket)

    def show_unreadable(self, ticket_id: str, reason: str) -> None:
        """The ticket came but cannot be read: say so, with its ID and the first problem found."""
        self.ticket = None
        self.update(Content.assemble(
            (f"⚠ This ticket could not be read: {one_line(ticket_id, 60)}", "bold $warning"),
            (f"\n{one_line(reason, 300)}", _LABEL),
            ("\nThe service sent something this version of the app cannot read; other tickets are not affected.",
             _LABEL),
            strip_control_codes=False,
        ))
