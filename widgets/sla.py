"""SLA clocks and time formatting for tickets.

Nothing here reads the wall clock: `now` is always passed in (the app injects a clock) so screenshots
and snapshot tests are stable and a test can move time forward.

SLA rules (DESIGN.md): the clock runs against the response deadline until `first_response_at` is set,
then against the resolution deadline; it stops once `closed_at` is set; `sla_paused` (status pending)
freezes it.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, tzinfo
from typing import Literal, NamedTuple

from textual.content import Content, Span

from api.models import Ticket

__all__ = [
    "WARN_BEFORE",
    "SlaState",
    "absolute_time",
    "format_duration",
    "relative_time",
    "sla_content",
    "sla_state",
]

SlaKind = Literal["none", "met", "late", "paused", "ok", "warn", "overdue"]

WARN_BEFORE = timedelta(hours=1)
"""How close to a deadline the clock turns from ok to warn."""

_STYLES: dict[SlaKind, str] = {
    "none": "$text-muted",
    "met": "$success",
    "late": "$text-muted",
    "paused": "$secondary",
    "ok": "$text",
    "warn": "bold $warning",
    "overdue": "bold $error",
}


class SlaState(NamedTuple):
    kind: SlaKind
    deadline: datetime | None = None
    which: Literal["response", "resolution"] | None = None
    remaining: timedelta | None = None
    """deadline - now for ok/warn/overdue (negative when overdue); None otherwise."""

    @property
    def label(self) -> str:
        """Compact text for a table cell: `2h14m`, `-45m`, `paused`, `✓ met`, `late`, `—`."""
        if self.remaining is not None:
            return format_duration(self.remaining)
        return {"none": "—", "met": "✓ met", "late": "late", "paused": "paused"}.get(self.kind, "—")

    @property
    def style(self) -> str:
        return _STYLES[self.kind]


def sla_state(ticket: Ticket, now: datetime) -> SlaState:
    """Where the ticket stands against its next unmet deadline."""
    if ticket.closed_at is not None:
        deadline = ticket.resolution_deadline
        if deadline is None:
            return SlaState("none")
        return SlaState("met" if ticket.closed_at <= deadline else "late", deadline, "resolution")
    if ticket.first_response_at is None and ticket.response_deadline is not None:
        deadline, which = ticket.response_deadline, "response"
    elif ticket.resolution_deadline is not None:
        deadline, which = ticket.resolution_deadline, "resolution"
    else:
        return SlaState("none")
    if ticket.sla_paused:
        return SlaState("paused", deadline, which)
    remaining = deadline - now
    if remaining < timedelta(0):
        kind: SlaKind = "overdue"
    elif remaining <= WARN_BEFORE:
        kind = "warn"
    else:
        kind = "ok"
    return SlaState(kind, deadline, which, remaining)


def sla_content(ticket: Ticket, now: datetime) -> Content:
    """The SLA cell: compact time left (red when overdue), `paused`, `✓ met` or `—`."""
    state = sla_state(ticket, now)
    label = state.label
    return Content(label, [Span(0, len(label), state.style)], strip_control_codes=False)


def format_duration(delta: timedelta) -> str:
    """Compact: `45m`, `2h14m`, `1d6h`, `3d`; negative (overdue) gets a leading `-`, e.g. `-45m`.

    Truncates towards zero, so 59 seconds left reads `0m` rather than promising a minute.
    """
    seconds = int(delta.total_seconds())
    sign = "-" if seconds < 0 else ""
    seconds = abs(seconds)
    minutes = seconds // 60
    if minutes < 60:
        return f"{sign}{minutes}m"
    hours, minutes = divmod(minutes, 60)
    if hours < 24:
        return f"{sign}{hours}h{minutes:02d}m"
    days, hours = divmod(hours, 24)
    if days < 2 and hours:
        return f"{sign}{days}d{hours}h"
    return f"{sign}{days}d"


def _in_zone(when: datetime, tz: tzinfo | None) -> datetime:
    """`when` in zone `tz`, or as it came when that zone has no such day (the year 1 or 9999 at an offset)."""
    try:
        return when.astimezone(tz)
    except (OverflowError, ValueError):
        return when


def relative_time(when: datetime | None, now: datetime) -> str:
    """`just now`, `3m ago`, `2h ago`, `5d ago`; past 30 days a date (`Mar 30`, or `Mar 2025` in
    another year). Times a little in the future (clock skew) read `just now`, further ahead `in 2h`,
    and more than 30 days ahead a date too. Total: any datetime the server sends gives some text."""
    if when is None:
        return "—"
    seconds = (now - when).total_seconds()  # timedelta spans the whole calendar: this never overflows
    if seconds < 60:
        if seconds > -300:
            return "just now"
        if seconds >= -30 * 86400:
            return "in " + format_duration(when - now)
    else:
        minutes = int(seconds // 60)
        if minutes < 60:
            return f"{minutes}m ago"
        hours = minutes // 60
        if hours < 24:
            return f"{hours}h ago"
        days = hours // 24
        if days <= 30:
            return f"{days}d ago"
    local = _in_zone(when, now.tzinfo or UTC)
    if local.year == now.year:
        return f"{local:%b} {local.day}"
    return f"{local:%b} {local.year:04d}"


def absolute_time(when: datetime | None, tz: tzinfo | None = UTC) -> str:
    """`2026-03-30 10:35 UTC` in the given zone (pass the agent's zone; None means the system's).

    Built by hand rather than with strftime, whose `%Y` drops the leading zeros of the year 1.
    """
    if when is None:
        return "—"
    local = _in_zone(when, tz)
    zone = local.tzname() or ""
    return f"{local.year:04d}-{local.month:02d}-{local.day:02d} {local.hour:02d}:{local.minute:02d} {zone}".rstrip()
