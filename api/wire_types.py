"""The API's value sets, metadata limits and UTC rule, shared by the read models and the write bodies.

A module of its own, and free of pydantic, so the read models (on the start path) and the write bodies
(pydantic, imported when something is first written) share them without importing each other.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Literal, get_args

Status = Literal["new", "open", "pending", "resolved", "closed"]
Priority = Literal["low", "normal", "high", "urgent"]
Sender = Literal["agent", "customer", "system"]
MessageType = Literal["public", "internal"]

STATUSES: tuple[str, ...] = get_args(Status)
PRIORITIES: tuple[str, ...] = get_args(Priority)
SENDERS: tuple[str, ...] = get_args(Sender)
MESSAGE_TYPES: tuple[str, ...] = get_args(MessageType)

METADATA_MAX_KEYS = 50
METADATA_KEY_MAX = 40
METADATA_VALUE_MAX = 500


def to_utc(value: datetime) -> datetime:
    """`value` as an aware UTC datetime.

    The API promises UTC with a `Z`; a server that drops the offset still means UTC, and a naive
    datetime would blow up the first time it is compared with an aware one (SLA clocks). An offset
    at the edge of the calendar (0001-01-01T00:00+01:00) has no UTC equivalent: it is pinned to the
    first or last representable instant, which is as meaningless as what was sent and crashes nothing.
    """
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    try:
        return value.astimezone(UTC)
    except OverflowError:
        edge = datetime.min if value.year == datetime.min.year else datetime.max
        return edge.replace(tzinfo=UTC)
