"""How long a pending reply may be sent again on its own: within the service's idempotency window only.

A resend is safe because the service recognises its Idempotency-Key and replays the first answer. The
service forgets keys after 24 hours, and from then on a resend of a reply that did arrive (only its answer
was lost) is a second message: a reply stored but unconfirmed on Friday was posted again on Monday. So a
pending reply carries the time of its first attempt (`Draft.first_attempt`), and past RESEND_WINDOW
nothing sends it automatically. The thread is read instead: our own message with that content, sent
since the first attempt, means it was delivered; otherwise the agent is asked. No Textual here.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from api.models import Message
from app.drafts import Draft

__all__ = ["CLOCK_SKEW", "RESEND_WINDOW", "delivered_in", "past_window"]

RESEND_WINDOW = timedelta(hours=23)
"""The service keeps Idempotency-Keys for 24 h; an hour less leaves room for clock differences and for
an attempt that starts just inside the window and reaches the service just outside it."""
CLOCK_SKEW = timedelta(minutes=5)
"""How far the service's clock (the message's createdAt) may be behind ours (the first attempt)."""


def past_window(draft: Draft, now: datetime) -> bool:
    """True when the draft's pending reply must not be sent again without a look at the thread.

    A pending reply saved before first attempts were recorded has no time: its age is unknown, so it is
    treated as old (the look at the thread is cheap; a second message to a customer is not)."""
    if draft.pending is None:
        return False
    first = draft.first_attempt_at
    return first is None or now - first >= RESEND_WINDOW


def delivered_in(messages: Iterable[Message], draft: Draft) -> Message | None:
    """The message in the thread that is the draft's pending reply, delivered: same content and type, sent by
    this agent, no earlier than the first attempt (any time, for a draft that does not know it)."""
    pending: dict[str, Any] = draft.pending or {}
    content = str(pending.get("content", "")).strip()
    internal = pending.get("messageType") == "internal"
    sender_id = pending.get("senderId")
    first = draft.first_attempt_at
    for message in messages:
        if message.sender != "agent" or message.is_internal != internal or message.content.strip() != content:
            continue
        if sender_id and message.sender_id != sender_id:
            continue
        if first is not None and message.created_at < first - CLOCK_SKEW:
            continue  # the same words, said before this reply was first sent: not this one
        return message
    return None
