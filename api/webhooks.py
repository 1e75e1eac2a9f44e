"""Webhook signatures, one place for both ends: the sandbox signs what it sends, the app verifies what it gets.

`Cstar-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, f"{t}.{body}")>` over the exact bytes sent,
as Stripe does.
"""

from __future__ import annotations

import hashlib
import hmac
import time

__all__ = ["EVENT_TYPES", "SIGNATURE_HEADER", "TOLERANCE", "sign", "signature_header", "verify_signature"]

EVENT_TYPES = frozenset({"ticket.created", "ticket.updated", "ticket.closed", "ticket.message_added",
                         "ticket.assigned", "ticket.deleted"})
SIGNATURE_HEADER = "Cstar-Signature"
TOLERANCE = 300
"""Seconds a signature's timestamp may be away from now: an older event is a replay, refused."""


def sign(secret: str | bytes, body: str | bytes, timestamp: int) -> str:
    """Hex HMAC-SHA256 of `f"{timestamp}.{body}"`."""
    key = secret.encode() if isinstance(secret, str) else secret
    payload = body.encode() if isinstance(body, str) else body
    return hmac.new(key, b"%d." % timestamp + payload, hashlib.sha256).hexdigest()


def signature_header(secret: str | bytes, body: str | bytes, timestamp: int) -> str:
    return f"t={timestamp},v1={sign(secret, body, timestamp)}"


def verify_signature(secret: str | bytes, header: str | None, body: str | bytes,
                     tolerance: float | None = TOLERANCE, now: float | None = None) -> bool:
    """True when `header` (a `Cstar-Signature` value) signs `body` with `secret`.

    `body` must be the raw bytes received (re-serialised JSON will not match). The timestamp must be
    within `tolerance` seconds of `now` (default: the current time), which limits replays; pass
    `tolerance=None` to skip that check. Several `v1=` entries are accepted (secret rotation).
    Never raises on a malformed header: it is simply not a valid signature.
    """
    if not header:
        return False
    timestamp: int | None = None
    candidates: list[str] = []
    for part in header.split(","):
        key, sep, value = part.strip().partition("=")
        if not sep:
            continue
        if key == "t":
            try:
                timestamp = int(value)
            except ValueError:
                return False
        elif key == "v1":
            candidates.append(value)
    if timestamp is None or not candidates:
        return False
    if tolerance is not None:
        current = time.time() if now is None else now
        if abs(current - timestamp) > tolerance:
            return False
    expected = sign(secret, body, timestamp).encode()
    # compare every candidate, so the time taken doesn't tell which one (or how much of it) matched
    matched = False
    for candidate in candidates:
        matched |= hmac.compare_digest(expected, candidate.encode("utf-8", "replace"))
    return matched
