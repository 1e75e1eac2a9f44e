"""Canned responses for the composer (`ctrl+k`): the config file's `[[macros]]`, then a small built-in set.

Templates name placeholders in braces. Only the four known names are filled in, by plain substitution
(never `str.format`, which would let a template from a config file reach attributes); anything else
in braces is left as written so a typo shows up in the reply preview instead of vanishing.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from api.models import Ticket
from widgets.safe_text import one_line

if TYPE_CHECKING:
    from api.bodies import TicketUpdate
    from app.config import ConfigFile

__all__ = ["BUILTIN", "PLACEHOLDERS", "Canned", "apply_after_send", "canned_for", "fill", "from_config",
           "placeholder_values"]

PLACEHOLDERS = ("customer_name", "agent_name", "ticket_id", "title")
_PLACEHOLDER = re.compile(r"\{(" + "|".join(PLACEHOLDERS) + r")\}")


@dataclass(frozen=True)
class Canned:
    name: str
    body: str
    # Ticket changes made once the message has been sent (a macro from the config file).
    status: str | None = None
    priority: str | None = None
    add_tags: tuple[str, ...] = ()
    assign_to_me: bool = False

    @property
    def has_changes(self) -> bool:
        return bool(self.status or self.priority or self.add_tags or self.assign_to_me)

    def describe_changes(self) -> str:
        parts = [f"status {self.status}" if self.status else "", f"priority {self.priority}" if self.priority else "",
                 f"tags +{', +'.join(self.add_tags)}" if self.add_tags else "",
                 "assign to me" if self.assign_to_me else ""]
        return ", ".join(part for part in parts if part)

    def changes(self, current_tags: Sequence[str], me: str | None) -> TicketUpdate | None:
        """The PATCH for these changes; tags are added to the ticket's own, never replacing them."""
        fields: dict[str, Any] = {}
        if self.status:
            fields["status"] = self.status
        if self.priority:
            fields["priority"] = self.priority
        if self.add_tags:
            merged = list(dict.fromkeys([*current_tags, *self.add_tags]))
            if merged != list(current_tags):
                fields["tags"] = merged
        if self.assign_to_me and me:
            fields["assigned_to"] = me
        from api.bodies import TicketUpdate  # pydantic: loaded when a macro is used, not at start

        return TicketUpdate(**fields) if fields else None


BUILTIN: tuple[Canned, ...] = (
    Canned("Acknowledge", "Hi {customer_name},\n\nThanks for reaching out. I'm looking into this now and will "
           "get back to you shortly.\n\nBest,\n{agent_name}"),
    Canned("Need more details", "Hi {customer_name},\n\nCould you send a few more details about \"{title}\": "
           "what you expected to happen, what happened instead, and any error message you saw?\n\n"
           "Thanks,\n{agent_name}"),
    Canned("Resolved", "Hi {customer_name},\n\nThis should now be resolved. If anything is still not right, just "
           "reply to this message and reference {ticket_id}.\n\nBest,\n{agent_name}", status="resolved"),
    Canned("Escalated", "Hi {customer_name},\n\nI've passed this to our specialist team, who will follow up "
           "directly. Your reference is {ticket_id}.\n\nBest,\n{agent_name}"),
    Canned("Waiting on customer", "Hi {customer_name},\n\nJust checking in: we're waiting for your reply on "
           "\"{title}\". Let us know if you still need help.\n\nBest,\n{agent_name}", status="pending"),
)


def placeholder_values(ticket: Ticket | None, ticket_id: str, agent_name: str | None) -> dict[str, str]:
    """The values for a ticket. Names and titles come from the API, so they go in as one clean line:
    a control character or a newline smuggled into a name must not land in the agent's reply."""
    customer = ""
    title = ""
    if ticket is not None:
        customer = (ticket.customer.name if ticket.customer and ticket.customer.name else ticket.customer_name) or ""
        title = ticket.title
    return {
        "customer_name": one_line(customer, 80) or "there",
        "agent_name": one_line(agent_name, 80) or "the support team",
        "ticket_id": one_line(ticket_id, 80),
        "title": one_line(title, 120),
    }


def fill(template: str, values: dict[str, str]) -> str:
    return _PLACEHOLDER.sub(lambda m: values.get(m.group(1), m.group(0)), template)


def from_config(config: ConfigFile | None) -> tuple[Canned, ...]:
    """The config's macros first, then the built-ins whose names they don't take (unless turned off)."""
    if config is None:
        return BUILTIN
    own = tuple(Canned(m.name, m.body, status=m.status, priority=m.priority, add_tags=tuple(m.add_tags),
                       assign_to_me=m.assign_to_me) for m in config.macros)
    if not config.builtin_macros:
        return own
    names = {c.name for c in own}
    return own + tuple(c for c in BUILTIN if c.name not in names)


def canned_for(app: Any) -> tuple[Canned, ...]:
    loaded = getattr(app, "config", None)
    return from_config(loaded.file if loaded is not None else None)


def apply_after_send(app: Any, screen_below: Any, ticket_id: str, ticket: Ticket | None, canned: Canned) -> None:
    """Make a macro's ticket changes once its message is on the server.

    The detail view the composer came from makes the change itself (`update`: one PATCH, then its header
    and the list row show the result); opened from anywhere else, the app patches the ticket directly.
    """
    me = getattr(app.settings, "agent_id", None)
    if canned.assign_to_me and not me:
        app.notify("The macro assigns to you, but no agent ID is configured: not assigned.", severity="warning")
    done = f"{canned.name}: {canned.describe_changes()}"
    update = getattr(screen_below, "update", None)
    below_ticket = getattr(screen_below, "ticket", None)
    if callable(update) and getattr(screen_below, "ticket_id", None) == ticket_id and below_ticket is not None:
        changes = canned.changes(below_ticket.tags, me)
        if changes is not None:
            update(changes, done)
        return
    app.run_worker(_patch(app, ticket_id, ticket, canned, me, done), group="macro-after-send")


async def _patch(app: Any, ticket_id: str, ticket: Ticket | None, canned: Canned, me: str | None, done: str) -> None:
    from api.errors import ApiError

    try:
        if ticket is None and canned.add_tags:
            ticket = await app.client.get_ticket(ticket_id)
        changes = canned.changes(ticket.tags if ticket else (), me)
        if changes is not None:
            await app.client.update_ticket(ticket_id, changes)
    except ApiError as exc:
        app.notify(str(exc), title=f"Sent, but {canned.name!r} could not change the ticket", severity="error",
                   markup=False)
        return
    app.notify(done, markup=False, timeout=3)
