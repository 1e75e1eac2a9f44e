"""Replies the service has not confirmed: sent again, with the same Idempotency-Key, until it answers.

A send that gets no answer (the service is down, a proxy fails, the connection drops) leaves its draft on
disk with the exact body and key it went out with (`Draft.pending`). The outbox sends those again when
any later request succeeds (the service is back) and on a timer with backoff meanwhile, and after a
restart too: the draft on disk is all it needs. Because the key never changes, a first attempt that was
stored with only its answer lost is replayed by the service, never posted a second time.

That holds while the service remembers the key (24 h). Past app.resend_window.RESEND_WINDOW since the
first attempt the outbox sends nothing: it reads the thread, treats a reply found there as delivered,
and otherwise tells the agent, whose composer asks before sending it again.

One send per ticket at a time, whoever asks (the composer's ctrl+s or the outbox), so two senders never
race each other with the same message. Across app instances (two windows on one profile) the same holds
through the draft's lock (app.draft_lock): the outbox holds the lock of every reply it is to send, and a
pending reply whose lock another instance holds is that instance's to send; it is taken over only once
that instance lets it go (it quit, or it was killed).
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from api.errors import (
    ApiError,
    ConnectionFailedError,
    IdempotencyConflictError,
    MalformedResponseError,
    RateLimitError,
    RequestTimeoutError,
    ServerError,
)
from api.models import Message
from app.drafts import Draft, DraftStore, body_fingerprint, drafts_for
from app.resend_window import delivered_in, past_window

if TYPE_CHECKING:
    from textual.timer import Timer

log = logging.getLogger("cstar.outbox")

__all__ = ["Outbox", "is_transient", "outbox_for"]

HOLDER = "outbox"
"""What the outbox holds a ticket's draft lock as (app.draft_lock), next to an open composer's hold."""

_TRANSIENT = (ConnectionFailedError, RequestTimeoutError, ServerError, RateLimitError, MalformedResponseError)


def is_transient(error: ApiError) -> bool:
    """The service did not answer (properly): worth sending again. Anything else is its answer."""
    return isinstance(error, _TRANSIENT) or (isinstance(error, IdempotencyConflictError) and error.in_flight)


def already_sent(error: ApiError) -> bool:
    """A 409 for a key the service already stored with another body: an earlier version went out."""
    return isinstance(error, IdempotencyConflictError) and not error.in_flight


def without_key(draft: Draft) -> Draft:
    return replace(draft, pending=None, idempotency_key=None, key_fingerprint=None, first_attempt=None)


class Outbox:
    """The app's pending sends. `retry_first`/`retry_max` bound the timer's backoff (seconds)."""

    def __init__(self, app: Any, *, retry_first: float = 2.0, retry_max: float = 60.0) -> None:
        self.app = app
        self.retry_first = retry_first
        self.retry_max = retry_max
        self._waiting: set[str] = set()
        # Pending on disk, but held by another instance: not ours to send unless that one lets go.
        self._elsewhere: set[str] = set()
        self._locks: dict[str, asyncio.Lock] = {}
        # (key, body fingerprint) -> the message: a sender that queued behind another for the same
        # message gets the answer without asking again.
        self._delivered: dict[tuple[str, str], Message] = {}
        self._delay = retry_first
        self._timer: Timer | None = None
        self._flushing = False

    @property
    def drafts(self) -> DraftStore:
        return drafts_for(self.app)

    def _now(self) -> datetime:
        clock = getattr(self.app, "clock", None)  # the app's clock: tests move it across a weekend
        return clock() if clock is not None else datetime.now(UTC)

    @property
    def waiting(self) -> frozenset[str]:
        """Tickets with a send the service has not confirmed (this instance's to send)."""
        return frozenset(self._waiting)

    @property
    def elsewhere(self) -> frozenset[str]:
        """Tickets with a pending send that another instance holds (it sends them, unless it goes away)."""
        return frozenset(self._elsewhere)

    def load(self) -> None:
        """Pick up pending sends left on disk (the app was closed, or killed, before they were answered)."""
        try:
            found = self.drafts.pending()
        except OSError as exc:
            log.warning("pending drafts could not be read: %s", exc)
            return
        self._waiting, self._elsewhere = set(), set()
        for draft in found:
            self._take(draft.ticket_id)
        if self._waiting or self._elsewhere:
            self._schedule()

    def _take(self, ticket_id: str) -> bool:
        """Hold the ticket's draft to send its reply; False (and watched) when another instance holds it."""
        if self.drafts.claim(ticket_id, HOLDER):
            self._elsewhere.discard(ticket_id)
            self._waiting.add(ticket_id)
            return True
        self._elsewhere.add(ticket_id)
        return False

    def hold(self, ticket_id: str) -> None:
        """A send for this ticket is unconfirmed: try it again later."""
        self._take(ticket_id)
        self._schedule()

    def forget(self, ticket_id: str) -> None:
        self._waiting.discard(ticket_id)
        self.drafts.release(ticket_id, HOLDER)

    def busy(self, ticket_id: str) -> bool:
        lock = self._locks.get(ticket_id)
        return lock is not None and lock.locked()

    async def send(self, ticket_id: str, draft: Draft) -> Message:
        """Post the draft's pending body with its key; raises ApiError as the client does."""
        assert draft.pending is not None and draft.idempotency_key
        done_key = (draft.idempotency_key, body_fingerprint(draft.pending))
        async with self._locks.setdefault(ticket_id, asyncio.Lock()):
            message = self._delivered.get(done_key)
            if message is None:
                from api.bodies import MessageCreate  # pydantic: loaded on the first send, not at start

                body = MessageCreate.model_validate(draft.pending)
                message = await self.app.client.add_message(ticket_id, body, idempotency_key=draft.idempotency_key)
                self._delivered[done_key] = message
            return message

    # --- sending again -------------------------------------------------------------------------

    def service_answered(self) -> None:
        """Some request got an answer: the service is back, so what waits goes now."""
        self._delay = self.retry_first
        if (self._waiting or self._elsewhere) and not self._flushing:
            self._flushing = True
            self.app.run_worker(self._flush(), group="outbox", exit_on_error=False)

    def _schedule(self) -> None:
        if self._timer is not None:
            return
        self._timer = self.app.set_timer(self._delay, self._tick)
        self._delay = min(self.retry_max, self._delay * 2)

    def _tick(self) -> None:
        self._timer = None
        if not self._waiting and not self._elsewhere:
            return
        if self._flushing:
            self._schedule()
            return
        self._flushing = True
        self.app.run_worker(self._flush(), group="outbox", exit_on_error=False)

    async def _flush(self) -> None:
        try:
            for ticket_id in sorted(self._elsewhere):
                self._take(ticket_id)  # the instance that held it is gone: its reply is ours to send now
            for ticket_id in sorted(self._waiting):
                if self.busy(ticket_id):
                    continue  # its composer is sending it right now
                draft = self.drafts.load(ticket_id)
                if draft is None or draft.pending is None:
                    self.forget(ticket_id)
                    continue
                if past_window(draft, self._now()):
                    if not await self._look_in_thread(ticket_id, draft):
                        break
                    continue
                try:
                    message = await self.send(ticket_id, draft)
                except ApiError as exc:
                    if is_transient(exc):
                        break  # still no answer: the rest would fare no better
                    self._refused(ticket_id, exc)
                    continue
                self._sent(ticket_id, message, draft.pending)
        except Exception:  # a pending reply must never take the app down with it
            log.exception("sending pending replies failed")
        finally:
            self._flushing = False
            if self._waiting or self._elsewhere:
                self._schedule()

    async def _look_in_thread(self, ticket_id: str, draft: Draft) -> bool:
        """A pending send too old to resend: delivered if the thread has it, else the agent's to decide.
        False when the service did not answer (try again later)."""
        assert draft.pending is not None
        try:
            messages = await self.app.client.list_messages(ticket_id)
        except ApiError as exc:
            if is_transient(exc):
                return False
            self._refused(ticket_id, exc)
            return True
        found = delivered_in(messages, draft)
        if found is not None:
            self._sent(ticket_id, found, draft.pending, found=True)
            return True
        # Not sent again on its own: the draft stays pending on disk, and the agent decides in the composer.
        self.forget(ticket_id)
        composer = self._composer(ticket_id)
        if composer is not None:
            composer.expired()
            return True
        what = "internal note" if draft.pending.get("messageType") == "internal" else "reply"
        first = draft.first_attempt_at
        when = f" (first sent {first:%Y-%m-%d %H:%M} UTC)" if first else ""
        self.app.notify(f"Your {what} on {ticket_id}{when} was never confirmed and is not in the ticket's thread. "
                        "The service no longer knows its key, so it is not sent again on its own: open the ticket "
                        "and press r to decide.", severity="error", timeout=60, markup=False)
        return True

    def _composer(self, ticket_id: str) -> Any | None:
        for screen in self.app.screen_stack:
            if getattr(screen, "ticket_id", None) == ticket_id and hasattr(screen, "delivered"):
                return screen
        return None

    def _sent(self, ticket_id: str, message: Message, sent: dict[str, Any], *, found: bool = False) -> None:
        composer = self._composer(ticket_id)
        if composer is not None:
            composer.delivered(message, sent, found=found)
            self.forget(ticket_id)
            return
        draft = self.drafts.load(ticket_id)
        rest = draft.after_sent(str(sent.get("content", ""))) if draft is not None else None
        if rest is None:
            self.drafts.delete(ticket_id)
        else:
            self.drafts.save(rest)
        self.forget(ticket_id)
        what = "internal note" if message.is_internal else "reply"
        if found:
            self.app.notify(f"Your {what} on {ticket_id} was delivered after all (it is in the ticket's thread); "
                            "it was not sent again.", markup=False)
        else:
            self.app.notify(f"Your {what} on {ticket_id} was sent now that the service answers.", markup=False)
        for screen in self.app.screen_stack:
            if getattr(screen, "ticket_id", None) == ticket_id and hasattr(screen, "action_refresh"):
                screen.action_refresh()

    def _refused(self, ticket_id: str, error: ApiError) -> None:
        """The service answered no: the draft stays, and the key is free again (only 2xx are stored)."""
        composer = self._composer(ticket_id)
        if composer is not None:
            composer.not_sent(error)
            self.forget(ticket_id)
            return
        draft = self.drafts.load(ticket_id)
        if draft is not None:
            self.drafts.save(without_key(draft) if already_sent(error) else draft.settled())
        self.forget(ticket_id)
        if already_sent(error):
            text = (f"An earlier version of your reply on {ticket_id} had already been sent; "
                    "the edited text is kept as a draft.")
        else:
            text = f"A reply on {ticket_id} was not sent and is kept as a draft: {error}"
        self.app.notify(text, severity="error", markup=False)


def outbox_for(app: Any) -> Outbox:
    """The app's outbox, made on first use."""
    outbox = getattr(app, "outbox", None)
    if outbox is None:
        outbox = app.outbox = Outbox(app)
    return outbox
