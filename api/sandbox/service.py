"""The ticket rules of the sandbox: what a create, an update or a new message changes, and the JSON shapes."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from datetime import datetime
from typing import Any

from api.limits import CUSTOMER_NAME_MAX, TITLE_MAX

from . import validation as v
from .ids import iso, new_id, new_uuid, parse_iso
from .problems import clip, invalid, not_found
from .sla import clock_for
from .store import Store, search_text

Emit = Callable[[str, dict[str, Any]], None]
Record = Callable[[str, str, dict[str, Any]], None]


def ticket_json(row: sqlite3.Row, *, customer: sqlite3.Row | None = None,
                messages: list[sqlite3.Row] | None = None) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": row["id"],
        "object": "ticket",
        "uuid": row["uuid"],
        "title": row["title"],
        "priority": row["priority"],
        "status": row["status"],
        "customerId": row["customer_id"],
        "customerName": row["customer_name"],
        "assignedTo": row["assigned_to"],
        "tags": json.loads(row["tags"]),
        "notes": row["notes"],
        "messageCount": row["message_count"],
        "responseDeadline": row["response_deadline"],
        "resolutionDeadline": row["resolution_deadline"],
        "firstResponseAt": row["first_response_at"],
        "responseTier": row["response_tier"],
        "resolutionTier": row["resolution_tier"],
        "slaPaused": bool(row["sla_paused"]),
        "metadata": json.loads(row["metadata"]),
        "createdAt": row["created_at"],
        "closedAt": row["closed_at"],
        "updatedAt": row["updated_at"],
    }
    if customer is not None:
        data["customer"] = customer_json(customer)
    if messages is not None:
        data["messages"] = [message_json(m) for m in messages]
    return data


def customer_json(row: sqlite3.Row) -> dict[str, Any]:
    return {"id": row["id"], "object": "customer", "uuid": row["uuid"], "name": row["name"],
            "email": row["email"]}


def message_json(row: sqlite3.Row) -> dict[str, Any]:
    return {
        "id": row["id"],
        "object": "message",
        "uuid": row["uuid"],
        "ticketId": row["ticket_id"],
        "sender": row["sender"],
        "content": row["content"],
        "senderId": row["sender_id"],
        "senderName": row["sender_name"],
        "senderAvatarUrl": row["sender_avatar_url"],
        "isInternal": bool(row["is_internal"]),
        "createdAt": row["created_at"],
    }


def status_effects(status: str, now: datetime, closed_at: str | None) -> dict[str, Any]:
    """Closing stamps `closedAt` once; reopening clears it; `pending` pauses the SLA."""
    closed = status in v.CLOSED_STATUSES
    return {
        "closed_at": (closed_at or iso(now)) if closed else None,
        "sla_paused": status == "pending",
    }


def sla_fields(priority: str, created_at: datetime) -> dict[str, Any]:
    clock = clock_for(priority, created_at)
    return {
        "response_deadline": iso(clock.response_deadline),
        "resolution_deadline": iso(clock.resolution_deadline),
        "response_tier": clock.response_tier,
        "resolution_tier": clock.resolution_tier,
    }


class TicketService:
    """Applies the API's rules on top of the store; `emit` receives webhook events, `record` each event with
    its team (the event log every process on the database can follow)."""

    def __init__(self, store: Store, clock: Callable[[], datetime], emit: Emit | None = None,
                 record: Record | None = None) -> None:
        self.store = store
        self.clock = clock
        self.emit: Emit = emit or (lambda _type, _obj: None)
        self.record: Record = record or (lambda _team, _type, _obj: None)

    def _announce(self, team_id: str, event_type: str, obj: dict[str, Any]) -> None:
        self.record(team_id, event_type, obj)
        self.emit(event_type, obj)

    def require_ticket(self, team_id: str, ticket_id: str) -> sqlite3.Row:
        row = self.store.get_ticket(team_id, ticket_id)
        if row is None:
            raise not_found("ticket", ticket_id)
        return row

    def require_agent(self, team_id: str, agent_id: str, param: str) -> sqlite3.Row:
        agent = self.store.agent(team_id, agent_id)
        if agent is None:
            raise invalid(f"Unknown {param} '{clip(agent_id)}': no such agent in this team.", param)
        return agent

    def require_customer(self, team_id: str, customer_id: str, param: str) -> sqlite3.Row:
        customer = self.store.customer(team_id, customer_id)
        if customer is None:
            raise invalid(f"Unknown {param} '{clip(customer_id)}': no such customer in this team.", param)
        return customer

    def create(self, team_id: str, body: dict[str, Any]) -> dict[str, Any]:
        v.reject_unknown(body, v.CREATE_FIELDS)
        title = v.text(body, "title", required=True, non_blank=True, max_length=TITLE_MAX)
        priority = v.choice(body, "priority", v.PRIORITIES) or "normal"
        status = v.choice(body, "status", v.STATUSES) or "new"
        customer_id = v.text(body, "customerId", nullable=True)
        customer_name = v.text(body, "customerName", nullable=True, max_length=CUSTOMER_NAME_MAX)
        tags = v.tags(body) or []
        notes = v.text(body, "notes", nullable=True)
        metadata = v.metadata(body, allow_null_values=False) or {}
        if customer_id is not None:
            customer = self.require_customer(team_id, customer_id, "customerId")
            customer_id = customer["id"]
            customer_name = customer_name or customer["name"]
        customer_name = customer_name or "Unknown Customer"
        now = self.clock()
        row = {
            "id": new_id("tkt"), "uuid": new_uuid(), "team_id": team_id, "title": title,
            "priority": priority, "status": status, "customer_id": customer_id,
            "customer_name": customer_name, "assigned_to": None, "tags": tags, "notes": notes,
            "message_count": 0, "first_response_at": None, "metadata": metadata,
            "created_at": iso(now), "updated_at": iso(now), "search_text": search_text(title, customer_name),
            **sla_fields(priority, now), **status_effects(status, now, None),
        }
        self.store.insert_tickets([row])
        ticket = ticket_json(self.require_ticket(team_id, row["id"]))
        self._announce(team_id, "ticket.created", ticket)
        if status in v.CLOSED_STATUSES:
            self._announce(team_id, "ticket.closed", ticket)
        return ticket

    def update(self, team_id: str, ticket_id: str, body: dict[str, Any]) -> dict[str, Any]:
        # One transaction from read to write: a second writer on the same file can't interleave a merge.
        with self.store.transaction():
            current = self.require_ticket(team_id, ticket_id)
            now = self.clock()
            changes = self._changes(team_id, current, body, now)
            if changes:
                changes["updated_at"] = iso(now)
                self.store.update_ticket(current["id"], changes)
            ticket = ticket_json(self.require_ticket(team_id, current["id"]))
        # A field sent with the value it already has is no change: no updatedAt bump, no event.
        if changes:
            self._announce(team_id, "ticket.updated", ticket)
            if "status" in changes and changes["status"] in v.CLOSED_STATUSES:
                self._announce(team_id, "ticket.closed", ticket)
            if changes.get("assigned_to"):
                self._announce(team_id, "ticket.assigned", ticket)
        return ticket

    def _changes(self, team_id: str, current: sqlite3.Row, body: dict[str, Any], now: datetime) -> dict[str, Any]:
        """Validate a PATCH body and return the columns whose values differ from the stored ticket."""
        v.reject_unknown(body, v.UPDATE_FIELDS)
        changes: dict[str, Any] = {}
        title = v.text(body, "title", non_blank=True, max_length=TITLE_MAX)
        if title is not None and title != current["title"]:
            changes["title"] = title
            changes["search_text"] = search_text(title, current["customer_name"])
        priority = v.choice(body, "priority", v.PRIORITIES)
        if priority is not None and priority != current["priority"]:
            changes["priority"] = priority
            changes.update(sla_fields(priority, parse_iso(current["created_at"])))
        status = v.choice(body, "status", v.STATUSES)
        if status is not None and status != current["status"]:
            changes["status"] = status
            changes.update(status_effects(status, now, current["closed_at"]))
        if "assignedTo" in body:
            assignee = v.text(body, "assignedTo", nullable=True)
            if assignee is not None:
                assignee = self.require_agent(team_id, assignee, "assignedTo")["id"]
            if assignee != current["assigned_to"]:
                changes["assigned_to"] = assignee
        tags = v.tags(body)
        if tags is not None and tags != json.loads(current["tags"]):
            changes["tags"] = tags
        if "notes" in body:
            notes = v.text(body, "notes", nullable=True)
            if notes != current["notes"]:
                changes["notes"] = notes
        meta_changes = v.metadata(body, allow_null_values=True)
        if meta_changes is not None:
            stored = json.loads(current["metadata"])
            merged = v.merged_metadata(stored, meta_changes)
            if merged != stored:
                changes["metadata"] = merged
        return changes

    def delete(self, team_id: str, ticket_id: str) -> dict[str, Any]:
        with self.store.transaction():
            current = self.require_ticket(team_id, ticket_id)
            self.store.delete_ticket(current["id"])
        self._announce(team_id, "ticket.deleted",
                       {"id": current["id"], "object": "ticket", "uuid": current["uuid"], "deleted": True})
        return {"deleted": True, "id": current["id"]}

    def add_message(self, team_id: str, ticket_id: str, body: dict[str, Any]) -> dict[str, Any]:
        with self.store.transaction():
            message = self._add_message(team_id, ticket_id, body)
        self._announce(team_id, "ticket.message_added", message)
        return message

    def _add_message(self, team_id: str, ticket_id: str, body: dict[str, Any]) -> dict[str, Any]:
        current = self.require_ticket(team_id, ticket_id)
        v.reject_unknown(body, v.MESSAGE_FIELDS)
        content = v.text(body, "content", required=True, non_blank=True)
        sender = v.choice(body, "sender", v.SENDERS) or "agent"
        sender_id = v.text(body, "senderId", nullable=True)
        sender_name = v.text(body, "senderName", nullable=True)
        internal = (v.choice(body, "messageType", v.MESSAGE_TYPES) or "public") == "internal"
        if internal and sender == "customer":
            raise invalid("A customer message cannot be internal.", "messageType")
        avatar = None
        if sender == "agent" and sender_id is not None:
            agent = self.require_agent(team_id, sender_id, "senderId")
            sender_id, sender_name, avatar = agent["id"], sender_name or agent["name"], agent["avatar_url"]
        now = iso(self.clock())
        row = {
            "id": new_id("msg"), "uuid": new_uuid(), "team_id": team_id, "ticket_id": current["id"],
            "sender": sender, "content": content, "sender_id": sender_id, "sender_name": sender_name,
            "sender_avatar_url": avatar, "is_internal": internal, "created_at": now,
        }
        self.store.add_message(row, first_response=sender == "agent" and not internal)
        return message_json(self.store.message(row["id"]))
