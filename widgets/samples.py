"""Deterministic sample tickets and messages for widget tests, benchmarks and screenshots.

No randomness and no wall clock: everything is derived from an index and a fixed `NOW`, so snapshot
tests and timing runs see the same data every time.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from api.models import Message, Ticket

__all__ = ["HOSTILE_TEXTS", "NOW", "make_message", "make_thread", "make_ticket", "make_tickets"]

NOW = datetime(2026, 11, 2, 9, 30, tzinfo=UTC)

_STATUSES = ("new", "open", "pending", "resolved", "closed")
_PRIORITIES = ("normal", "high", "low", "urgent")
_TITLES = (
    "Refund for double charge on invoice",
    "Cannot log in after password reset",
    "Export to CSV times out",
    "Dashboard shows wrong timezone",
    "Feature request: dark mode for reports",
    "Webhook deliveries failing with 401",
    "Invoice PDF missing VAT number",
)
_CUSTOMERS = ("Jane Doe", "Ørjan Kvalø", "株式会社テスト", "Amelia Hart", "Mohammed Al-Farsi")

HOSTILE_TEXTS: tuple[str, ...] = (
    "[/]",
    "[@click=app.quit]click me[/]",
    "\x1b]0;PWNED\x07 title change",
    "\x1b[31mred\x1b[0m and \x9b31m C1",
    "invoice\u202egpj.exe",
    "Z" + "\u0301\u0302\u0303\u0304" * 20 + "algo",
    "[link='http://evil.example']free money[/link] :smile:",
)


def make_ticket(i: int, *, title: str | None = None, **overrides: object) -> Ticket:
    status = _STATUSES[i % len(_STATUSES)]
    closed = status in ("resolved", "closed")
    created = NOW - timedelta(hours=i + 1)
    fields: dict[str, object] = {
        "id": f"tkt_{i:012d}",
        "title": title if title is not None else f"{_TITLES[i % len(_TITLES)]} #{i}",
        "status": status,
        "priority": _PRIORITIES[i % len(_PRIORITIES)],
        "customer_id": f"cus_{i % 5:012d}",
        "customer_name": _CUSTOMERS[i % len(_CUSTOMERS)],
        "assigned_to": "agt_000000000001" if i % 3 else None,
        "tags": ["billing", "vip"][: i % 3],
        "message_count": i % 9,
        "response_deadline": created + timedelta(hours=4),
        "resolution_deadline": created + timedelta(hours=24),
        "first_response_at": created + timedelta(minutes=30) if i % 2 else None,
        "sla_paused": status == "pending",
        "created_at": created,
        "updated_at": NOW - timedelta(minutes=7 * i),
        "closed_at": created + timedelta(hours=3) if closed else None,
    }
    fields.update(overrides)
    return Ticket.model_validate(fields)


def make_tickets(count: int, start: int = 0) -> list[Ticket]:
    return [make_ticket(i) for i in range(start, start + count)]


def make_message(i: int, *, ticket_id: str = "tkt_000000000000", **overrides: object) -> Message:
    sender = ("customer", "agent", "agent", "system")[i % 4]
    fields: dict[str, object] = {
        "id": f"msg_{i:012d}",
        "ticket_id": ticket_id,
        "sender": sender,
        "content": f"Message {i}. " + "We looked into this and it should be fixed now. " * (1 + i % 4),
        "sender_id": "agt_000000000001" if sender == "agent" else None,
        "sender_name": {"customer": "Jane Doe", "agent": "Alex Agent", "system": None}[sender],
        "is_internal": sender == "agent" and i % 8 == 2,
        "created_at": NOW - timedelta(minutes=5000 - i * 3),
    }
    fields.update(overrides)
    return Message.model_validate(fields)


def make_thread(count: int) -> list[Message]:
    return [make_message(i) for i in range(count)]
