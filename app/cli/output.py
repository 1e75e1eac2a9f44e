"""What the subcommands print: JSON that carries the data exactly, and text that is safe on a terminal.

JSON is the service's data unchanged; the characters a terminal would act on (C1 controls, DEL, bidi
overrides, line separators) are written as `\\uXXXX` escapes, which any JSON reader turns back into the
same string, so `--json` is exact and still harmless when it lands on a terminal. Everything else
(tables, plain and CSV lines, messages) goes through the app's cleaning (api.clean_text) first.
"""

from __future__ import annotations

import csv
import io
import json
import re
import sys
import unicodedata
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any, TextIO

from api.clean_text import clean, one_line
from api.models import Message, Ticket

__all__ = ["TICKET_FIELDS", "csv_rows", "fit", "json_line", "pick_fields", "plain_row", "table",
           "ticket_json", "ticket_text"]

# json.dumps escapes C0 controls itself; these it leaves as they are.
_UNSAFE_IN_JSON = re.compile("[\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]")

TICKET_FIELDS: tuple[str, ...] = tuple(
    wire for name, wire in Ticket.wire_names() if name not in ("messages", "customer")
)
CSV_FIELDS = ("id", "status", "priority", "title", "customerName", "customerId", "assignedTo", "tags",
              "createdAt", "updatedAt")


def json_line(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False)
    return _UNSAFE_IN_JSON.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def ticket_json(ticket: Ticket, fields: Sequence[str] | None = None, *, messages: bool = False) -> dict[str, Any]:
    data = ticket.model_dump(mode="json", by_alias=True, exclude={"messages", "customer"})
    if ticket.customer is not None:
        data["customer"] = ticket.customer.model_dump(mode="json", by_alias=True)
    if messages:
        data["messages"] = [message_json(m) for m in ticket.messages or []]
    if fields:
        return {name: data.get(name) for name in fields}
    return data


def message_json(message: Message) -> dict[str, Any]:
    return message.model_dump(mode="json", by_alias=True)


def pick_fields(spec: str | None, known: Sequence[str] = TICKET_FIELDS) -> list[str] | None:
    """`--json id,title` as a list; None for every field. ValueError names an unknown one."""
    if not spec:
        return None
    fields = [name.strip() for name in spec.split(",") if name.strip()]
    unknown = [name for name in fields if name not in known and name != "messages"]
    if unknown:
        raise ValueError(f"unknown JSON field {one_line(unknown[0], 40)!r}; fields: {', '.join(known)}")
    return fields


def _width(char: str) -> int:
    if unicodedata.combining(char):
        return 0
    return 2 if unicodedata.east_asian_width(char) in ("W", "F") else 1


def fit(text: str, width: int) -> str:
    """`text` (already cleaned) cut to `width` terminal cells, ending in … when cut, padded to the width."""
    used = 0
    out: list[str] = []
    total = sum(_width(c) for c in text)
    limit = width if total <= width else width - 1
    for char in text:
        w = _width(char)
        if used + w > limit:
            break
        out.append(char)
        used += w
    if total > width:
        out.append("…")
        used += 1
    return "".join(out) + " " * max(0, width - used)


def _when(moment: datetime | None) -> str:
    return moment.strftime("%Y-%m-%d %H:%M") if moment is not None else ""


def _short_when(moment: datetime) -> str:
    return moment.strftime("%m-%d %H:%M")


_TABLE = (("ID", 16), ("STATUS", 8), ("PRIO", 6), ("UPDATED", 11))


def table(tickets: Iterable[Ticket], width: int) -> Iterable[str]:
    """A header and one line per ticket, each at most `width` cells: the customer and the title share
    what the fixed columns leave (a third and the rest), and a line is cut at the edge whatever happens."""
    rest = max(12, width - sum(w + 2 for _, w in _TABLE) - 2)
    customer = min(20, rest // 3)
    widths = [w for _, w in _TABLE] + [customer, rest - customer]
    names = [name for name, _ in _TABLE] + ["CUSTOMER", "TITLE"]

    def line(cells: Iterable[str]) -> str:
        joined = "  ".join(fit(one_line(cell), w) for cell, w in zip(cells, widths, strict=True)).rstrip()
        return fit(joined, width).rstrip()

    yield line(names)
    for t in tickets:
        yield line((t.id, t.status, t.priority, _short_when(t.updated_at), t.customer_name or "", t.title))


def plain_row(ticket: Ticket) -> str:
    cells = (ticket.id, ticket.status, ticket.priority, ticket.updated_at.isoformat().replace("+00:00", "Z"),
             ticket.assigned_to or "", ticket.customer_name or "", ticket.title)
    return "\t".join(one_line(cell) for cell in cells)


def csv_rows(tickets: Iterable[Ticket], *, header: bool) -> Iterable[str]:
    """CSV text, a chunk per ticket. Values are cleaned (api.clean_text: controls and bidi overrides as
    visible stand-ins, newlines kept inside quotes): a CSV is read with `cat` and spreadsheets alike, and
    only JSON promises the data exactly."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")

    def take() -> str:
        text = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        return text

    if header:
        writer.writerow(CSV_FIELDS)
        yield take()
    for ticket in tickets:
        data = ticket_json(ticket)
        row = [";".join(value) if isinstance(value, list) else "" if value is None else str(value)
               for value in (data.get(name) for name in CSV_FIELDS)]
        writer.writerow([clean(cell) for cell in row])
        yield take()


def ticket_text(ticket: Ticket) -> Iterable[str]:
    """`ticket show` on a terminal: the fields, then the thread; every value cleaned."""
    yield f"{one_line(ticket.id)}  {one_line(ticket.title)}"
    yield (f"status {one_line(ticket.status)} · priority {one_line(ticket.priority)} · customer "
           f"{one_line(ticket.customer_name or ticket.customer_id or '—')} · assigned "
           f"{one_line(ticket.assigned_to or 'nobody')}")
    if ticket.tags:
        yield "tags " + ", ".join(one_line(tag) for tag in ticket.tags)
    for key, value in ticket.metadata.items():
        yield f"meta {one_line(key)} = {one_line(value)}"
    yield f"created {_when(ticket.created_at)} · updated {_when(ticket.updated_at)}"
    for message in ticket.messages or []:
        who = message.sender_name or message.sender
        kind = " (internal)" if message.is_internal else ""
        yield ""
        yield f"── {one_line(who)}{kind} · {_when(message.created_at)} · {one_line(message.id)}"
        yield clean(message.content)


def write_lines(lines: Iterable[str], out: TextIO | None = None) -> None:
    stream = sys.stdout if out is None else out
    for line in lines:
        stream.write(line + "\n")
