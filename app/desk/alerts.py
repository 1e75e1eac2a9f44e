"""What is worth interrupting the agent for, decided from the desk's changes: no Textual, no terminal.

Three kinds, each once: a new ticket in a view the agent watches, a new message on a ticket assigned to
them (the API does not say who wrote it without reading the thread; the agent's own replies are seen as
they are sent, so what is left is someone else's), and a deadline of theirs about to pass. How an alert
reaches the agent (bell, desktop notification, a toast) is the app's business (`app.notifier`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Literal, Protocol

__all__ = ["Alert", "AlertRules", "Alerts"]

Kind = Literal["new_ticket", "customer_reply", "sla"]
_CLOSED = ("resolved", "closed")


class _Ticket(Protocol):
    @property
    def id(self) -> str: ...
    @property
    def title(self) -> str: ...
    @property
    def status(self) -> str: ...
    @property
    def assigned_to(self) -> str | None: ...
    @property
    def message_count(self) -> int: ...
    @property
    def sla_paused(self) -> bool: ...
    @property
    def response_deadline(self) -> datetime | None: ...
    @property
    def resolution_deadline(self) -> datetime | None: ...
    @property
    def first_response_at(self) -> datetime | None: ...


@dataclass(frozen=True)
class Alert:
    """Something worth interrupting the agent for."""

    kind: Kind
    ticket_id: str
    title: str
    """What happened, in words (ticket titles in it are untrusted: cleaned where it is shown)."""


@dataclass(frozen=True)
class AlertRules:
    """What the agent asked to be told about."""

    watched_views: frozenset[str] = frozenset()
    """View keys (`app.desk.live.view_key`) whose new tickets are announced."""
    customer_reply: bool = True
    sla_lead: timedelta = timedelta(minutes=30)
    """How long before one of the agent's deadlines to warn; zero turns it off."""


@dataclass
class Alerts:
    """Decides what to announce, each thing once."""

    rules: AlertRules
    me: str | None
    _told: set[tuple[object, ...]] = field(default_factory=set)

    def new_in_view(self, view: str, tickets: Iterable[_Ticket]) -> list[Alert]:
        if view not in self.rules.watched_views:
            return []
        return [alert for ticket in tickets
                if (alert := self._once(("new", ticket.id), "new_ticket", ticket, f"New ticket: {ticket.title}"))]

    def view_grew(self, view: str, name: str, before: int | None, after: int | None) -> list[Alert]:
        """A watched view not on screen got more tickets (its count is all a poll reads of it)."""
        if view not in self.rules.watched_views or before is None or after is None or after <= before:
            return []
        more = after - before
        alert = Alert("new_ticket", "", f"{more} new ticket{'s' if more > 1 else ''} in {name}")
        key = ("grew", view, after)
        if key in self._told:
            return []
        self._told.add(key)
        return [alert]

    def new_messages(self, tickets: Iterable[_Ticket]) -> list[Alert]:
        """Tickets of this agent whose message count grew since they last saw them."""
        if not self.rules.customer_reply or not self.me:
            return []
        return [alert for ticket in tickets if ticket.assigned_to == self.me
                if (alert := self._once(("message", ticket.id, ticket.message_count), "customer_reply", ticket,
                                        f"New message on {ticket.title}"))]

    def deadlines(self, tickets: Iterable[_Ticket], now: datetime) -> list[Alert]:
        """The agent's open tickets whose response or resolution deadline falls within the lead time."""
        lead = self.rules.sla_lead
        if lead <= timedelta(0) or not self.me:
            return []
        found = []
        for ticket in tickets:
            if ticket.assigned_to != self.me or ticket.status in _CLOSED or ticket.sla_paused:
                continue
            for what, due in (("response", None if ticket.first_response_at else ticket.response_deadline),
                              ("resolution", ticket.resolution_deadline)):
                if due is None or not now <= due <= now + lead:
                    continue
                minutes = max(1, round((due - now).total_seconds() / 60))
                alert = self._once(("sla", ticket.id, what, due), "sla", ticket,
                                   f"{what.capitalize()} due in {minutes} min: {ticket.title}")
                if alert:
                    found.append(alert)
        return found

    def _once(self, key: tuple[object, ...], kind: Kind, ticket: _Ticket, text: str) -> Alert | None:
        if key in self._told:
            return None
        self._told.add(key)
        return Alert(kind, ticket.id, text)
