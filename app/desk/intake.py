"""Webhook events into the desk: a verified event's ticket goes to the store at once (newest copy wins).

No Textual and no HTTP here: the receiver (`app.webhook_receiver`) verifies the signature and hands over
the raw body. What an event cannot say by itself (which views a new ticket belongs to, a message's
effect on its ticket) the caller fetches with a poll, which `Intake.refresh` asks for.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from api.models import Ticket
from api.webhooks import EVENT_TYPES
from app.desk.store import DeskStore

__all__ = ["Intake", "apply_event"]


@dataclass(frozen=True)
class Intake:
    """What one webhook event did to the store."""

    event_type: str
    ticket_id: str | None
    refresh: bool
    """The views and the open ticket should be read again (a created ticket, a new message)."""


def apply_event(store: DeskStore, body: bytes) -> Intake | None:
    """Apply one event to the store; None when the body is not an event this client understands."""
    try:
        event = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return None
    if not isinstance(event, dict) or event.get("type") not in EVENT_TYPES:
        return None
    data = event.get("data")
    obj = data.get("object") if isinstance(data, dict) else None
    if not isinstance(obj, dict):
        return None
    kind = str(event["type"])
    if kind == "ticket.deleted":
        ticket_id = obj.get("id")
        if isinstance(ticket_id, str):
            store.remove(ticket_id)
        return Intake(kind, ticket_id if isinstance(ticket_id, str) else None, refresh=False)
    if kind == "ticket.message_added":
        ticket_id = obj.get("ticketId")
        return Intake(kind, ticket_id if isinstance(ticket_id, str) else None, refresh=True)
    try:
        ticket = Ticket.model_validate(obj)
    except ValueError:
        return Intake(kind, None, refresh=True)  # unreadable: a poll reads it the tolerant way
    # A ticket's copy is all an update needs; whether it entered or left a view only a list read can say.
    held = store.ticket(ticket.id)
    if isinstance(held, Ticket) and _bare(held) == _bare(ticket):
        # The app's own change coming back, or the same event twice: nothing to read, and the held copy (with
        # its customer or thread) stays. `updatedAt` has whole seconds, so only the whole copy can tell.
        return Intake(kind, ticket.id, refresh=False)
    return Intake(kind, ticket.id, refresh=store.put(ticket))


def _bare(ticket: Ticket) -> Ticket:
    """The ticket as an event carries it: no customer or thread expanded."""
    return ticket.model_copy(update={"customer": None, "messages": None})
