"""The hand-written reader of api.models: whatever JSON a server sends, a ticket is read or named unreadable.

The tolerant cases themselves (grown enums, odd field types, edge timestamps) are tested through the client
in tests/test_tolerant_reader.py; here the reader gets arbitrary JSON in every field and must never raise
anything but ReadError (which read_one turns into an Unreadable note), nor keep a naive datetime.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from api.models import Message, ReadError, Ticket, Unreadable, read_one

BASE = {"id": "tkt_a1B2c3D4e5F6", "title": "t", "priority": "high", "status": "open",
        "createdAt": "2026-03-30T10:00:00Z", "updatedAt": "2026-03-30T10:30:00Z"}
WIRE_FIELDS = ["id", "object", "uuid", "title", "priority", "status", "customerId", "customerName", "assignedTo",
               "tags", "notes", "messageCount", "responseDeadline", "resolutionDeadline", "firstResponseAt",
               "responseTier", "resolutionTier", "slaPaused", "metadata", "createdAt", "closedAt", "updatedAt",
               "customer", "messages"]

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=30)
    | st.sampled_from(["2026-03-30T10:00:00Z", "0001-01-01T00:00:00+01:00", "9999-12-31T23:59:59-01:00",
                       "2026-02-30T00:00:00Z", "1700000000", "2026-03-30", "yes", "1e400", "-1e400", "nan"]),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=10,
)


@settings(max_examples=300, deadline=None)
@given(field=st.sampled_from(WIRE_FIELDS), value=json_values)
def test_any_value_in_any_field_is_read_or_named(field: str, value: Any) -> None:
    result = read_one(Ticket.model_validate, {**BASE, field: value}, "ticket")
    if isinstance(result, Unreadable):
        assert result.reason.startswith(field)
        assert result.id == (BASE["id"] if field != "id" else None) or field == "id" and result.id == value
        return
    for stamp in (result.created_at, result.updated_at, result.closed_at, result.response_deadline):
        assert stamp is None or stamp.tzinfo is not None and stamp.utcoffset() == UTC.utcoffset(None)
    assert all(isinstance(tag, str) for tag in result.tags)
    assert all(isinstance(k, str) and isinstance(v, str) for k, v in result.metadata.items())


@settings(max_examples=100, deadline=None)
@given(value=json_values)
def test_anything_as_a_whole_ticket_or_message_is_read_or_refused(value: Any) -> None:
    for model in (Ticket, Message):
        try:
            model.model_validate(value)
        except ReadError:
            pass


@pytest.mark.parametrize(("value", "expected"), [
    ("2026-03-30T12:30:00+02:00", datetime(2026, 3, 30, 10, 30, tzinfo=UTC)),
    ("2026-03-30T10:30:00.123456789Z", datetime(2026, 3, 30, 10, 30, 0, 123456, tzinfo=UTC)),
    ("2026-03-30 10:30:00", datetime(2026, 3, 30, 10, 30, tzinfo=UTC)),
    ("2026-03-30", datetime(2026, 3, 30, tzinfo=UTC)),
    (1774866600, datetime(2026, 3, 30, 10, 30, tzinfo=UTC)),
    (1774866600000, datetime(2026, 3, 30, 10, 30, tzinfo=UTC)),
    ("0001-01-01T00:00:00+01:00", datetime.min.replace(tzinfo=UTC)),
    ("9999-12-31T23:59:59-01:00", datetime.max.replace(tzinfo=UTC)),
])
def test_timestamps_read_as_pydantic_read_them(value: Any, expected: datetime) -> None:
    assert Ticket.model_validate({**BASE, "updatedAt": value}).updated_at == expected


@pytest.mark.parametrize("value", ["yesterday", "2026-13-01T00:00:00Z", "2026-03-30T25:00:00Z", True, None, [],
                                   float("nan"), 10**30])
def test_unreadable_timestamps_name_the_field(value: Any) -> None:
    with pytest.raises(ReadError) as info:
        Ticket.model_validate({**BASE, "createdAt": value})
    assert info.value.reason.startswith("createdAt: Input should be a valid datetime")


def test_a_ticket_reads_back_from_its_own_dump() -> None:
    ticket = Ticket.model_validate({**BASE, "tags": ["a"], "customer": {"id": "cus_1", "name": "Jane"},
                                    "messages": [{"id": "msg_1", "ticketId": BASE["id"], "content": "hi",
                                                  "createdAt": "2026-03-30T10:05:00Z"}, {"id": "msg_bad"}]})
    assert [u.id for u in ticket.unreadable_messages] == ["msg_bad"]
    assert Ticket.model_validate(ticket.model_dump()) == ticket
    assert ticket.model_dump(mode="json", include={"updated_at", "tags"}) == {
        "updated_at": "2026-03-30T10:30:00Z", "tags": ["a"]}
    assert ticket.model_copy(update={"title": "u"}).unreadable_messages == ticket.unreadable_messages
