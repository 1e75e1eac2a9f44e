"""Canned responses for the composer (`ctrl+k`): a small built-in set until the config file supplies them.

Templates name placeholders in braces. Only the four known names are filled in, by plain substitution
(never `str.format`, which would let a template from a config file reach attributes); anything else
in braces is left as written so a typo shows up in the reply preview instead of vanishing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from api.models import Ticket
from widgets.safe_text import one_line

__all__ = ["BUILTIN", "PLACEHOLDERS", "Canned", "fill", "placeholder_values"]

PLACEHOLDERS = ("customer_name", "agent_name", "ticket_id", "title")
_PLACEHOLDER = re.compile(r"\{(" + "|".join(PLACEHOLDERS) + r")\}")


@dataclass(frozen=True)
class Canned:
    name: str
    body: str


BUILTIN: tuple[Canned, ...] = (
    Canned("Acknowledge", "Hi {customer_name},\n\nThanks for reaching out. I'm looking into this now and will "
           "get back to you shortly.\n\nBest,\n{agent_name}"),
    Canned("Need more details", "Hi {customer_name},\n\nCould you send a few more details about \"{title}\": "
           "what you expected to happen, what happened instead, and any error message you saw?\n\n"
           "Thanks,\n{agent_name}"),
    Canned("Resolved", "Hi {customer_name},\n\nThis should now be resolved. If anything is still not right, just "
           "reply to this message and reference {ticket_id}.\n\nBest,\n{agent_name}"),
    Canned("Escalated", "Hi {customer_name},\n\nI've passed this to our specialist team, who will follow up "
           "directly. Your reference is {ticket_id}.\n\nBest,\n{agent_name}"),
    Canned("Waiting on customer", "Hi {customer_name},\n\nJust checking in: we're waiting for your reply on "
           "\"{title}\". Let us know if you still need help.\n\nBest,\n{agent_name}"),
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
