"""Actions on tickets, as functions of the desk: the request, then the store, so every view follows.

No Textual: the screens call these (and say what happened), and a scripting CLI can call them as they are.
Each is one request; what the service answers is the truth that goes into the store, never a guess.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

from api.models import DeleteResult, Ticket
from app.desk.store import DeskStore

if TYPE_CHECKING:
    from api.bodies import TicketUpdate

__all__ = ["delete_ticket", "update_ticket"]


class _Client(Protocol):
    async def update_ticket(self, ticket_id: str, body: TicketUpdate,
                            idempotency_key: str | None = None) -> Ticket: ...
    async def delete_ticket(self, ticket_id: str) -> DeleteResult: ...


async def update_ticket(client: _Client, store: DeskStore, ticket_id: str, changes: TicketUpdate,
                        idempotency_key: str | None = None) -> Ticket:
    """Status, priority, assignment, tags, metadata, title or notes: one PATCH; the answer goes to the store.
    Raises the client's ApiError (nothing in the store changes then)."""
    ticket = await client.update_ticket(ticket_id, changes, idempotency_key=idempotency_key)
    store.put(ticket)
    return ticket


async def delete_ticket(client: _Client, store: DeskStore, ticket_id: str) -> None:
    """One DELETE; the ticket leaves the store and every view, whose counts drop by one."""
    await client.delete_ticket(ticket_id)
    store.remove(ticket_id)
