"""Webhook delivery for the sandbox: signed events, retried with backoff, off the request path.

A request handler calls `WebhookDispatcher.emit()`, which serialises the event and queues it; one
daemon thread posts events with a sync `httpx.Client`. A slow, failing or hanging receiver therefore
costs the API nothing but memory, and that is capped (`MAX_PENDING`).

Signature: `Cstar-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, f"{t}.{body}")>` over the exact
bytes sent, as Stripe does. Signing and verifying live in `api.webhooks`, shared with the app's receiver.
"""

from __future__ import annotations

import heapq
import itertools
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

import httpx

from api.sandbox.events import event_body
from api.webhooks import EVENT_TYPES, SIGNATURE_HEADER, sign, signature_header, verify_signature

__all__ = ["EVENT_TYPES", "SIGNATURE_HEADER", "WebhookDispatcher", "sign", "signature_header", "verify_signature"]

log = logging.getLogger("cstar.sandbox")

USER_AGENT = "cstar-sandbox-webhooks"
MAX_PENDING = 10_000  # events waiting (fresh or between retries); beyond this a dead receiver costs memory
_MAX_DELAY = 300.0  # a backoff longer than this is a dead receiver, not a slow one
MAX_RECORDS = 10_000  # `delivered` keeps the most recent outcomes only, so a long `serve` doesn't grow


@dataclass(order=True)
class _Pending:
    due: float  # time.monotonic() at which the next attempt may start
    seq: int  # emission order among events due at the same moment
    event_id: str = field(compare=False)
    event_type: str = field(compare=False)
    body: bytes = field(compare=False)
    attempts: int = field(default=0, compare=False)


class WebhookDispatcher:
    """Posts events to one URL from a background thread, retrying with exponential backoff.

    `delivered` records each event's fate once it is settled (the latest `MAX_RECORDS`): `{"id", "type", "attempts",
    "status" (last HTTP status or None), "outcome" ("delivered" | "failed" | "abandoned" | "dropped"),
    "error" (None or why the last attempt failed)}`. "abandoned" means `close()` ran out of time,
    "dropped" that it was never queued (dispatcher closed, or `MAX_PENDING` reached).
    """

    def __init__(self, url: str, secret: str, *, max_attempts: int = 5, base_delay: float = 0.5,
                 timeout: float = 5.0, transport: httpx.BaseTransport | None = None,
                 clock: Callable[[], float] = time.time) -> None:
        if max_attempts < 1:
            raise ValueError("max_attempts must be at least 1")
        try:
            scheme = httpx.URL(url).scheme
        except httpx.InvalidURL as exc:
            raise ValueError(f"invalid webhook URL {url!r}: {exc}") from None
        if scheme not in ("http", "https"):
            raise ValueError(f"webhook URL must be http or https, not {url!r}")
        self.url = url
        self._secret = secret
        self.max_attempts = max_attempts
        self.base_delay = base_delay
        self._clock = clock
        self.delivered: list[dict] = []
        self._records_lock = threading.Lock()
        self._heap: list[_Pending] = []
        self._seq = itertools.count()
        self._cond = threading.Condition()
        self._closing = False
        self._deadline = 0.0
        self._client = httpx.Client(transport=transport, timeout=timeout, follow_redirects=False,
                                    headers={"Content-Type": "application/json", "User-Agent": USER_AGENT})
        self._thread = threading.Thread(target=self._run, name="cstar-webhooks", daemon=True)
        self._thread.start()

    def __enter__(self) -> WebhookDispatcher:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def emit(self, event_type: str, obj: dict) -> str:
        """Queue an event and return its `evt_` id at once; delivery happens on the worker thread.

        Serialising happens here, so the event is a snapshot of `obj` now (later changes to it don't
        leak in), and an object that isn't JSON raises TypeError to the caller, whose bug it is.
        """
        event_id, body = event_body(event_type, obj, datetime.fromtimestamp(self._clock(), UTC))
        with self._cond:
            if self._closing or len(self._heap) >= MAX_PENDING:
                reason = "dispatcher closed" if self._closing else f"{MAX_PENDING} events already pending"
                log.warning("webhook %s (%s) dropped: %s", event_id, event_type, reason)
                self._record(event_id, event_type, 0, None, "dropped", reason)
                return event_id
            heapq.heappush(self._heap, _Pending(time.monotonic(), next(self._seq), event_id, event_type, body))
            self._cond.notify()
        return event_id

    def close(self, timeout: float = 2.0) -> None:
        """Deliver what can be delivered within `timeout` seconds, then stop the worker.

        Events still waiting after that are abandoned (logged). An attempt in flight when time runs
        out is not interrupted (it ends within the client timeout); `close` returns regardless.
        """
        with self._cond:
            if not self._closing:
                self._closing = True
                self._deadline = time.monotonic() + max(0.0, timeout)
            self._cond.notify_all()
            deadline = self._deadline
        if self._thread is not threading.current_thread():
            self._thread.join(max(0.0, deadline - time.monotonic()) + 0.05)

    @property
    def pending(self) -> int:
        """Events queued or waiting for a retry (not counting one in flight)."""
        with self._cond:
            return len(self._heap)

    # --- worker thread ----------------------------------------------------------------------------

    def _run(self) -> None:
        try:
            while (item := self._next()) is not None:
                try:
                    self._attempt(item)
                except Exception:  # a bug here must not kill delivery for every later event
                    log.exception("webhook %s (%s): unexpected error, dropped", item.event_id, item.event_type)
                    self._record(item.event_id, item.event_type, item.attempts, None, "failed", "internal error")
        finally:
            self._client.close()

    def _next(self) -> _Pending | None:
        """The next event due, waiting for it; None once closing and nothing more can be sent in time."""
        with self._cond:
            while True:
                now = time.monotonic()
                head = self._heap[0] if self._heap else None
                if self._closing and (head is None or now >= self._deadline or head.due > self._deadline):
                    self._abandon_all()
                    return None
                if head is not None and head.due <= now:
                    return heapq.heappop(self._heap)
                wait = None if head is None else head.due - now
                if self._closing:
                    remaining = self._deadline - now
                    wait = remaining if wait is None else min(wait, remaining)
                self._cond.wait(wait)

    def _abandon_all(self) -> None:
        for item in sorted(self._heap):
            log.warning("webhook %s (%s) abandoned at shutdown after %d attempt(s)",
                        item.event_id, item.event_type, item.attempts)
            self._record(item.event_id, item.event_type, item.attempts, None, "abandoned", "dispatcher closed")
        self._heap.clear()

    def _attempt(self, item: _Pending) -> None:
        item.attempts += 1
        # signed per attempt: a retry minutes later still passes the receiver's timestamp tolerance
        header = signature_header(self._secret, item.body, int(self._clock()))
        status: int | None = None
        hopeless = False
        try:
            # streamed and never read: the receiver's response body is of no interest, however large
            with self._client.stream("POST", self.url, content=item.body,
                                     headers={SIGNATURE_HEADER: header}) as response:
                status = response.status_code
            error = None if 200 <= status < 300 else f"HTTP {status}"
        except (httpx.InvalidURL, httpx.UnsupportedProtocol) as exc:
            error, hopeless = f"{type(exc).__name__}: {exc}", True  # no retry can fix the URL
        except httpx.HTTPError as exc:  # refused, reset, timed out…
            error = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
        if error is None:
            self._record(item.event_id, item.event_type, item.attempts, status, "delivered", None)
            return
        if hopeless or item.attempts >= self.max_attempts:
            log.warning("webhook %s (%s) dropped after %d attempt(s): %s",
                        item.event_id, item.event_type, item.attempts, error)
            self._record(item.event_id, item.event_type, item.attempts, status, "failed", error)
            return
        delay = min(self.base_delay * 2 ** (item.attempts - 1), _MAX_DELAY)
        log.info("webhook %s (%s) attempt %d failed (%s); retrying in %.2fs",
                 item.event_id, item.event_type, item.attempts, error, delay)
        with self._cond:
            item.due = time.monotonic() + delay
            heapq.heappush(self._heap, item)

    def _record(self, event_id: str, event_type: str, attempts: int, status: int | None, outcome: str,
                error: str | None) -> None:
        with self._records_lock:
            self.delivered.append({"id": event_id, "type": event_type, "attempts": attempts, "status": status,
                                   "outcome": outcome, "error": error})
            if len(self.delivered) > MAX_RECORDS:
                del self.delivered[: len(self.delivered) - MAX_RECORDS]
