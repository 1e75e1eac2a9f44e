"""Identifiers and timestamps in the shapes the cStar API uses."""

from __future__ import annotations

import random
import secrets
import string
import uuid
from datetime import UTC, datetime

_ALPHABET = string.ascii_letters + string.digits

PREFIXES = ("tkt", "cus", "msg", "agt", "req", "evt")


def new_id(prefix: str, rng: random.Random | None = None) -> str:
    """`prefix_` + 12 alphanumerics; deterministic when an `rng` is given (demo data)."""
    if rng is None:
        body = "".join(secrets.choice(_ALPHABET) for _ in range(12))
    else:
        body = "".join(rng.choice(_ALPHABET) for _ in range(12))
    return f"{prefix}_{body}"


def new_uuid(rng: random.Random | None = None) -> str:
    if rng is None:
        return str(uuid.uuid4())
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def iso(dt: datetime) -> str:
    """UTC ISO-8601 with a `Z`, to the second, as the reference shows."""
    if dt.tzinfo is not UTC:
        dt = dt.astimezone(UTC)
    # isoformat is ~5x faster than strftime, which the 100k-ticket seeding calls 700k times.
    return dt.isoformat(timespec="seconds")[:19] + "Z"


def parse_iso(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def utcnow() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)
