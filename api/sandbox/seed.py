"""Turns generated demo data into stored rows, deriving what the API derives (counts, SLA, closedAt)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from .demo import DemoData
from .ids import iso
from .service import sla_fields
from .store import Store, search_text
from .validation import CLOSED_STATUSES


def ticket_rows(team_id: str, data: DemoData) -> Iterable[dict[str, Any]]:
    by_ticket: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for message in data.messages:
        by_ticket[message["ticketId"]].append(message)
    for t in data.tickets:
        thread = by_ticket.get(t["id"], [])
        first_response = next(
            (m["createdAt"] for m in thread if m["sender"] == "agent" and not m["isInternal"]), None)
        updated: datetime = max([t["updatedAt"], *(m["createdAt"] for m in thread)])
        yield {
            "id": t["id"], "uuid": t["uuid"], "team_id": team_id, "title": t["title"],
            "priority": t["priority"], "status": t["status"], "customer_id": t.get("customerId"),
            "customer_name": t["customerName"], "assigned_to": t.get("assignedTo"), "tags": t["tags"],
            "notes": t.get("notes"), "message_count": len(thread),
            "first_response_at": iso(first_response) if first_response else None,
            "sla_paused": t["status"] == "pending",
            "metadata": t.get("metadata") or {}, "created_at": iso(t["createdAt"]),
            "closed_at": iso(updated) if t["status"] in CLOSED_STATUSES else None,
            "updated_at": iso(updated), "search_text": search_text(t["title"], t["customerName"]),
            **sla_fields(t["priority"], t["createdAt"]),
        }


def message_rows(team_id: str, data: DemoData) -> Iterable[dict[str, Any]]:
    for m in data.messages:
        yield {
            "id": m["id"], "uuid": m["uuid"], "team_id": team_id, "ticket_id": m["ticketId"],
            "sender": m["sender"], "content": m["content"], "sender_id": m.get("senderId"),
            "sender_name": m.get("senderName"), "sender_avatar_url": m.get("senderAvatarUrl"),
            "is_internal": bool(m["isInternal"]), "created_at": iso(m["createdAt"]),
        }


def load(store: Store, team_id: str, data: DemoData, *, with_tickets: bool = True) -> None:
    store.add_agents(team_id, data.agents)
    store.add_customers(team_id, data.customers)
    if with_tickets:
        store.insert_tickets(ticket_rows(team_id, data))
        store.insert_messages(message_rows(team_id, data))
