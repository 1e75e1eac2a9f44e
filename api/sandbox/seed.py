"""Turns generated demo data into stored rows, deriving what the API derives (counts, SLA, closedAt).

Rows are built as tuples in the store's column order: at 100,000 tickets a dict per row plus a
per-value encoder cost more than SQLite itself.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import Any

from .demo import DemoData
from .ids import iso
from .service import sla_fields
from .store import Store, encode_json, search_text
from .validation import CLOSED_STATUSES


def ticket_rows(team_id: str, data: DemoData) -> Iterator[tuple[Any, ...]]:
    """Tuples in `store.TICKET_COLUMNS` order."""
    counts: Counter[str] = Counter()
    last: dict[str, datetime] = {}
    first_response: dict[str, datetime] = {}
    for m in data.messages:
        ticket_id, at = m["ticketId"], m["createdAt"]
        counts[ticket_id] += 1
        if ticket_id not in last or at > last[ticket_id]:
            last[ticket_id] = at
        if m["sender"] == "agent" and not m["isInternal"] and (
                ticket_id not in first_response or at < first_response[ticket_id]):
            first_response[ticket_id] = at
    for t in data.tickets:
        ticket_id, priority, status, created = t["id"], t["priority"], t["status"], t["createdAt"]
        updated = t["updatedAt"]
        if ticket_id in last and last[ticket_id] > updated:
            updated = last[ticket_id]
        responded = first_response.get(ticket_id)
        sla = sla_fields(priority, created)
        updated_iso = iso(updated)
        yield (
            ticket_id, t["uuid"], team_id, t["title"], priority, status, t.get("customerId"),
            t["customerName"], t.get("assignedTo"), encode_json(t["tags"]), t.get("notes"), counts[ticket_id],
            sla["response_deadline"], sla["resolution_deadline"], iso(responded) if responded else None,
            sla["response_tier"], sla["resolution_tier"], int(status == "pending"),
            encode_json(t.get("metadata") or {}), iso(created),
            updated_iso if status in CLOSED_STATUSES else None, updated_iso,
            search_text(t["title"], t["customerName"]),
        )


def message_rows(team_id: str, data: DemoData) -> Iterator[tuple[Any, ...]]:
    """Tuples in `store.MESSAGE_COLUMNS` order."""
    for m in data.messages:
        yield (
            m["id"], m["uuid"], team_id, m["ticketId"], m["sender"], m["content"], m.get("senderId"),
            m.get("senderName"), m.get("senderAvatarUrl"), int(bool(m["isInternal"])), iso(m["createdAt"]),
        )


def load(store: Store, team_id: str, data: DemoData, *, with_tickets: bool = True) -> None:
    store.add_agents(team_id, data.agents)
    store.add_customers(team_id, data.customers)
    if with_tickets:
        store.insert_ticket_tuples(ticket_rows(team_id, data))
        store.insert_message_tuples(message_rows(team_id, data))


def load_all(store: Store, teams: Iterable[tuple[str, DemoData, bool]]) -> None:
    """Seed several teams into a new database with indexes built once at the end."""
    with store.bulk_load():
        for team_id, data, with_tickets in teams:
            load(store, team_id, data, with_tickets=with_tickets)
