"""Idempotency-Key handling: replay a completed write, refuse a reuse with other parameters."""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable
from dataclasses import dataclass

from .problems import ApiProblem, invalid
from .store import Store

MAX_KEY_LENGTH = 255
TTL_SECONDS = 24 * 3600
# A claim still running after this long was left by a process that stopped mid-request (a database file
# outlives its server); no sandbox write takes more than milliseconds.
RUNNING_TIMEOUT_SECONDS = 60


@dataclass(frozen=True)
class Replay:
    """A stored answer to a write, sent again for a repeated Idempotency-Key."""

    status: int
    body: bytes


def fingerprint(method: str, path: str, body: bytes) -> str:
    """Same method, path and JSON body (key order aside) give the same fingerprint."""
    try:
        canonical = json.dumps(json.loads(body or b"null"), sort_keys=True, separators=(",", ":")).encode()
    except ValueError:
        canonical = body
    return hashlib.sha256(method.encode() + b" " + path.encode() + b"\n" + canonical).hexdigest()


def scope(api_key: str) -> str:
    """Keys are scoped per API key; the store keeps a hash so no secret sits in the table."""
    return hashlib.sha256(api_key.encode()).hexdigest()


class Idempotency:
    def __init__(self, store: Store, clock: Callable[[], float] = time.time) -> None:
        self.store = store
        self.clock = clock

    def begin(self, api_key: str, key: str, print_: str) -> Replay | None:
        """Claim `key` for this request, or return the stored response to replay."""
        if not key.strip() or len(key) > MAX_KEY_LENGTH:
            raise invalid(f"Idempotency-Key must be 1 to {MAX_KEY_LENGTH} characters.", "Idempotency-Key")
        owner = scope(api_key)
        now = self.clock()
        self.store.idempotency_expire(now - TTL_SECONDS)
        if self.store.idempotency_begin(owner, key, print_, now, stale_before=now - RUNNING_TIMEOUT_SECONDS):
            return None
        row = self.store.idempotency_get(owner, key)
        if row is None:  # expired between the two statements: claim again
            return self.begin(api_key, key, print_)
        if row["fingerprint"] != print_:
            raise ApiProblem(409, "idempotency_error", "idempotency_key_reused",
                             "This Idempotency-Key was already used with different parameters.",
                             "Idempotency-Key")
        if row["state"] != "done":
            raise ApiProblem(409, "idempotency_error", "idempotency_key_in_use",
                             "A request with this Idempotency-Key is still being processed; retry shortly.",
                             "Idempotency-Key")
        return Replay(row["status"], row["body"].encode())

    def finish(self, api_key: str, key: str, status: int, body: bytes) -> None:
        """Only a completed write is remembered, so a rejected request can be corrected and retried."""
        owner = scope(api_key)
        if 200 <= status < 300:
            self.store.idempotency_finish(owner, key, status, body.decode())
        else:
            self.store.idempotency_release(owner, key)
