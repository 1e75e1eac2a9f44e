"""Replies and internal notes: the send protocol and the outbox, with no Textual (the TUI and the CLI share it).

The protocol, for every send:
1. the body gets an Idempotency-Key (the same one as long as the body is unchanged), and the draft holding
   body and key is on disk *before* the request leaves (`Draft.to_send`, `DraftStore.save`);
2. the request goes out with that key;
3. only a confirmation (2xx) removes the draft; no answer leaves it pending on disk, and a refusal
   leaves it a plain draft again (the key is free: only 2xx answers are stored by the service).

A send that gets no answer (the service is down, a proxy fails, the connection drops) is sent again, with
the same key, by the outbox: when any later request succeeds (the service is back) and on a timer with
backoff meanwhile, and after a restart too, since the draft on disk is all it needs. Because the key never
changes, a first attempt that was stored with only its answer lost is replayed by the service, never posted
a second time. That holds while the service remembers the key (24 h). Past app.resend_window.RESEND_WINDOW
since the first attempt nothing is sent on its own: the thread is read, a reply found there counts as
delivered, and otherwise the agent decides.

One send per ticket at a time, whoever asks (a composer's ctrl+s, the outbox, the CLI in this process), so
two senders never race each other with the same message. Across processes (two windows, a window and a
script) the same holds through the draft's lock (app.draft_lock).

Who hears about an outcome: whoever *watches* the ticket (an open composer registers itself with `watch`),
and otherwise the `on_notice` callback (the TUI shows a toast). The outbox knows no screen.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Protocol

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
from app.drafts import Draft, DraftStore, body_fingerprint
from app.resend_window import delivered_in, past_window

if TYPE_CHECKING:
    from api.models import MessageCreate  # pydantic: loaded on the first send, not at start

log = logging.getLogger("cstar.outbox")

__all__ = [
    "HOLDER",
    "Notice",
    "Outbox",
    "Scheduler",
    "SendWatcher",
    "already_sent",
    "is_transient",
    "send_message",
    "without_key",
]

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


def _utcnow() -> datetime:
    return datetime.now(UTC)


class _Client(Protocol):
    async def add_message(self, ticket_id: str, body: MessageCreate, idempotency_key: str | None = None
                          ) -> Message: ...
    async def list_messages(self, ticket_id: str) -> list[Message]: ...


class SendWatcher(Protocol):
    """Whoever shows a ticket's send (an open composer): told what became of it."""

    def delivered(self, message: Message, sent: dict[str, Any], *, found: bool = False) -> None: ...
    def not_sent(self, error: ApiError) -> None: ...
    def expired(self) -> None: ...


class Scheduler(Protocol):
    """Timers and background jobs, as the host provides them (Textual's timers and workers, or asyncio)."""

    def call_later(self, delay: float, callback: Callable[[], None]) -> Callable[[], None]:
        """Run `callback` after `delay` seconds; the returned function cancels it."""
        ...

    def spawn(self, job: Coroutine[Any, Any, None]) -> None: ...


@dataclass(frozen=True)
class Notice:
    """An outcome no one watched: for the agent to read. `thread_changed`: the ticket's thread has a new
    message (a view showing it should read it again)."""

    ticket_id: str
    text: str
    error: bool = False
    thread_changed: bool = False
    lasting: bool = False
    """Worth keeping on screen until read (the agent has to act)."""


class Outbox:
    """Every send of this process, and the replies that wait for an answer.

    `client` and `drafts` are read at each use (they change when the app connects to another profile).
    `retry_first`/`retry_max` bound the timer's backoff (seconds)."""

    def __init__(self, client: Callable[[], _Client], drafts: Callable[[], DraftStore], *,
                 scheduler: Scheduler, on_notice: Callable[[Notice], None],
                 clock: Callable[[], datetime] = _utcnow, retry_first: float = 2.0, retry_max: float = 60.0) -> None:
        self._client = client
        self._drafts = drafts
        self._scheduler = scheduler
        self._on_notice = on_notice
        self._clock = clock
        self.retry_first = retry_first
        self.retry_max = retry_max
        self._waiting: set[str] = set()
        # Pending on disk, but held by another instance: not ours to send unless that one lets go.
        self._elsewhere: set[str] = set()
        self._locks: dict[str, asyncio.Lock] = {}
        # (key, body fingerprint) -> the message: a sender that queued behind another for the same
        # message gets the answer without asking again.
        self._delivered: dict[tuple[str, str], Message] = {}
        self._watchers: dict[str, SendWatcher] = {}
        self._delay = retry_first
        self._cancel_timer: Callable[[], None] | None = None
        self._flushing = False

    @property
    def drafts(self) -> DraftStore:
        return self._drafts()

    @property
    def waiting(self) -> frozenset[str]:
        """Tickets with a send the service has not confirmed (this instance's to send)."""
        return frozenset(self._waiting)

    @property
    def elsewhere(self) -> frozenset[str]:
        """Tickets with a pending send that another instance holds (it sends them, unless it goes away)."""
        return frozenset(self._elsewhere)

    def watch(self, ticket_id: str, watcher: SendWatcher) -> Callable[[], None]:
        """`watcher` hears this ticket's outcomes (instead of a notice) until the returned function is called."""
        self._watchers[ticket_id] = watcher

        def unwatch() -> None:
            if self._watchers.get(ticket_id) is watcher:
                del self._watchers[ticket_id]

        return unwatch

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
                from api.models import MessageCreate

                body = MessageCreate.model_validate(draft.pending)
                message = await self._client().add_message(ticket_id, body, idempotency_key=draft.idempotency_key)
                self._delivered[done_key] = message
            return message

    # --- sending again -------------------------------------------------------------------------

    def service_answered(self) -> None:
        """Some request got an answer: the service is back, so what waits goes now."""
        self._delay = self.retry_first
        if (self._waiting or self._elsewhere) and not self._flushing:
            self._flushing = True
            self._scheduler.spawn(self._flush())

    def close(self) -> None:
        if self._cancel_timer is not None:
            self._cancel_timer()
            self._cancel_timer = None

    def _schedule(self) -> None:
        if self._cancel_timer is not None:
            return
        self._cancel_timer = self._scheduler.call_later(self._delay, self._tick)
        self._delay = min(self.retry_max, self._delay * 2)

    def _tick(self) -> None:
        self._cancel_timer = None
        if not self._waiting and not self._elsewhere:
            return
        if self._flushing:
            self._schedule()
            return
        self._flushing = True
        self._scheduler.spawn(self._flush())

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
                if past_window(draft, self._clock()):
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
            messages = await self._client().list_messages(ticket_id)
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
        watcher = self._watchers.get(ticket_id)
        if watcher is not None:
            watcher.expired()
            return True
        what = _what(draft.pending)
        first = draft.first_attempt_at
        when = f" (first sent {first:%Y-%m-%d %H:%M} UTC)" if first else ""
        self._on_notice(Notice(ticket_id, f"Your {what} on {ticket_id}{when} was never confirmed and is not in the "
                               "ticket's thread. The service no longer knows its key, so it is not sent again on "
                               "its own: open the ticket and press r to decide.", error=True, lasting=True))
        return True

    def _sent(self, ticket_id: str, message: Message, sent: dict[str, Any], *, found: bool = False) -> None:
        watcher = self._watchers.get(ticket_id)
        if watcher is not None:
            watcher.delivered(message, sent, found=found)
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
            text = (f"Your {what} on {ticket_id} was delivered after all (it is in the ticket's thread); "
                    "it was not sent again.")
        else:
            text = f"Your {what} on {ticket_id} was sent now that the service answers."
        self._on_notice(Notice(ticket_id, text, thread_changed=True))

    def _refused(self, ticket_id: str, error: ApiError) -> None:
        """The service answered no: the draft stays, and the key is free again (only 2xx are stored)."""
        watcher = self._watchers.get(ticket_id)
        if watcher is not None:
            watcher.not_sent(error)
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
        self._on_notice(Notice(ticket_id, text, error=True))


def _what(body: dict[str, Any]) -> str:
    return "internal note" if body.get("messageType") == "internal" else "reply"


class PendingElsewhere(Exception):
    """The ticket's draft is open in another cstar-tui window (or another script is sending on it)."""


class EarlierSendPending(Exception):
    """The ticket has an unconfirmed send with another text; it must be settled before a new one goes."""

    def __init__(self, draft: Draft) -> None:
        self.draft = draft
        super().__init__(f"an earlier {_what(draft.pending or {})} on {draft.ticket_id} was never confirmed")


async def send_message(client: _Client, drafts: DraftStore, ticket_id: str, body: MessageCreate, *,
                       clock: Callable[[], datetime] = _utcnow, holder: object = "send") -> Message:
    """Send one reply or note by the protocol above, outside any screen (the scripting CLI).

    Sending the same body again after a lost answer reuses the saved key, so the service replays instead of
    posting twice. Raises ApiError as the client does; a transient one leaves the draft pending on disk
    (the next run, or the TUI's outbox, sends it again with its key). Raises PendingElsewhere when another
    process holds the ticket's draft, and EarlierSendPending when an unconfirmed send with another text
    waits for this ticket (sending this one first could make that one's retry a duplicate)."""
    wire = body.to_wire()
    if not drafts.claim(ticket_id, holder):
        raise PendingElsewhere(f"the draft of {ticket_id} is open in another cstar-tui window")
    try:
        held = drafts.load(ticket_id)
        if held is not None and held.pending is not None:
            if body_fingerprint(held.pending) != body_fingerprint(wire):
                raise EarlierSendPending(held)
            if past_window(held, clock()):
                found = delivered_in(await client.list_messages(ticket_id), held)
                if found is not None:
                    drafts.delete(ticket_id)
                    return found
                held = without_key(held)  # delivered nowhere, and its key is forgotten: a new send
        # The file may hold an agent's unsent draft from the TUI: its text stays as it is, beside this send.
        mode = "internal" if body.message_type == "internal" else "public"
        draft = (held or Draft(ticket_id, "", mode)).to_send(wire, clock())
        drafts.save(draft)  # the key on disk before the request leaves
        assert draft.idempotency_key is not None
        try:
            message = await client.add_message(ticket_id, body, idempotency_key=draft.idempotency_key)
        except ApiError as exc:
            if not is_transient(exc):
                drafts.save(without_key(draft) if already_sent(exc) else draft.settled())
            raise
        rest = draft.after_sent(body.content)
        if rest is None:
            drafts.delete(ticket_id)
        else:
            drafts.save(rest)
        return message
    finally:
        drafts.release(ticket_id, holder)
