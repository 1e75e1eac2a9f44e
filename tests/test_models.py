"""The models read the reference's JSON and refuse bodies the server would refuse."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from pydantic import ValidationError

from api.errors import ClientValidationError
from api.limits import CUSTOMER_NAME_MAX, TITLE_MAX
from api.models import (
    ErrorEnvelope,
    Message,
    MessageCreate,
    Page,
    Pagination,
    SuccessEnvelope,
    Ticket,
    TicketCreate,
    TicketUpdate,
)

# The list response example from the reference, verbatim.
REFERENCE_LIST = {
    "success": True,
    "data": [
        {
            "id": "tkt_a1B2c3D4e5F6",
            "object": "ticket",
            "title": "Need help with billing",
            "priority": "high",
            "status": "open",
            "customerId": "cus_x9Y8z7W6v5U4",
            "customerName": "Jane Doe",
            "assignedTo": None,
            "tags": ["billing"],
            "notes": None,
            "messageCount": 3,
            "responseDeadline": None,
            "resolutionDeadline": None,
            "firstResponseAt": None,
            "responseTier": None,
            "resolutionTier": None,
            "slaPaused": False,
            "metadata": {},
            "createdAt": "2026-03-30T10:00:00Z",
            "closedAt": None,
            "updatedAt": "2026-03-30T10:30:00Z",
        }
    ],
    "pagination": {"total": 42, "page": 1, "pageSize": 20, "hasMore": True},
    "meta": {"requestId": "req_a1B2c3D4e5F6", "timestamp": "2026-03-30T10:30:00Z"},
}

REFERENCE_MESSAGE = {
    "id": "msg_j2K3l4M5n6O7",
    "object": "message",
    "ticketId": "tkt_a1B2c3D4e5F6",
    "sender": "agent",
    "content": "Thanks for reaching out! I can help with that.",
    "senderId": "agt_p8Q9r0S1t2U3",
    "senderName": "Alex",
    "senderAvatarUrl": "https://example.invalid/a.png",
    "isInternal": False,
    "createdAt": "2026-03-30T10:35:00Z",
}


def test_reference_list_response_parses_to_snake_case_fields() -> None:
    env = SuccessEnvelope[list[Ticket]].model_validate(REFERENCE_LIST)
    ticket = env.data[0]
    assert ticket.customer_name == "Jane Doe"
    assert ticket.customer_id == "cus_x9Y8z7W6v5U4"
    assert ticket.message_count == 3
    assert ticket.tags == ["billing"]
    assert ticket.sla_paused is False
    assert ticket.created_at == datetime(2026, 3, 30, 10, 0, tzinfo=UTC)
    assert ticket.created_at.tzinfo is not None
    assert env.pagination is not None and env.pagination.has_more is True
    assert env.pagination.page_size == 20
    assert env.meta is not None and env.meta.request_id == "req_a1B2c3D4e5F6"


def test_unknown_response_fields_are_ignored() -> None:
    raw = dict(REFERENCE_LIST["data"][0], somethingNew={"x": 1}, uuid="5b0c0b8e-1111-4222-8333-444455556666")
    ticket = Ticket.model_validate(raw)
    assert ticket.uuid == "5b0c0b8e-1111-4222-8333-444455556666"
    assert not hasattr(ticket, "somethingNew")


def test_naive_and_offset_timestamps_become_aware_utc_comparable() -> None:
    raw = dict(
        REFERENCE_LIST["data"][0], createdAt="2026-03-30T10:00:00", updatedAt="2026-03-30T12:30:00+02:00"
    )
    ticket = Ticket.model_validate(raw)
    assert ticket.created_at.utcoffset() == timedelta(0)
    assert ticket.updated_at == datetime(2026, 3, 30, 10, 30, tzinfo=UTC)
    assert ticket.updated_at > ticket.created_at


def test_expanded_customer_and_included_messages() -> None:
    raw = dict(
        REFERENCE_LIST["data"][0],
        customer={
            "id": "cus_x9Y8z7W6v5U4",
            "object": "customer",
            "uuid": "u",
            "name": "Jane",
            "email": "j@x",
        },
        messages=[REFERENCE_MESSAGE],
    )
    ticket = Ticket.model_validate(raw)
    assert ticket.customer is not None and ticket.customer.email == "j@x"
    assert ticket.messages is not None
    message = ticket.messages[0]
    assert message.sender_avatar_url == "https://example.invalid/a.png"
    assert message.is_internal is False
    assert message.ticket_id == "tkt_a1B2c3D4e5F6"


def test_unknown_status_and_priority_in_a_response_are_read_as_sent() -> None:
    # A newer service grows values; the client shows them rather than failing the page.
    ticket = Ticket.model_validate(dict(REFERENCE_LIST["data"][0], status="archived", priority="critical"))
    assert (ticket.status, ticket.priority) == ("archived", "critical")


def test_message_parses_reference_object() -> None:
    message = Message.model_validate(REFERENCE_MESSAGE)
    assert message.sender_name == "Alex"
    assert message.created_at == datetime(2026, 3, 30, 10, 35, tzinfo=UTC)


def test_error_envelope() -> None:
    env = ErrorEnvelope.model_validate(
        {
            "success": False,
            "error": {
                "type": "invalid_request_error",
                "code": "parameter_invalid",
                "message": "m",
                "param": "x",
            },
            "meta": {"requestId": "req_1"},
        }
    )
    assert env.error.param == "x"
    assert env.meta is not None and env.meta.request_id == "req_1"


def test_page_is_generic() -> None:
    ticket = Ticket.model_validate(REFERENCE_LIST["data"][0])
    page = Page[Ticket](
        items=[ticket],
        pagination=Pagination(total=1, page=1, page_size=20, has_more=False),
        request_id="req_1",
    )
    assert page.items[0].id == "tkt_a1B2c3D4e5F6"
    with pytest.raises(TypeError):  # read models are read by Ticket.model_validate, not by the Page
        Page[Ticket](items=[{"id": "nope"}], pagination=page.pagination)


# --- write bodies ---------------------------------------------------------------------------------


def test_ticket_create_wire_form_is_camel_case_and_sparse() -> None:
    body = TicketCreate(title="Cannot log in", customer_name="Jane", tags=["login"], metadata={"plan": "pro"})
    assert body.to_wire() == {
        "title": "Cannot log in",
        "customerName": "Jane",
        "tags": ["login"],
        "metadata": {"plan": "pro"},
    }


def test_write_bodies_accept_wire_names_too() -> None:
    assert TicketCreate.model_validate({"title": "t", "customerId": "cus_1"}).customer_id == "cus_1"


@pytest.mark.parametrize("title", ["", "   ", "\t\n", "\u3000"])
def test_blank_titles_are_refused(title: str) -> None:
    with pytest.raises(ValidationError):
        TicketCreate(title=title)
    with pytest.raises(ValidationError):
        TicketUpdate(title=title)


@pytest.mark.parametrize("content", ["", "  \n "])
def test_blank_message_content_is_refused(content: str) -> None:
    with pytest.raises(ValidationError):
        MessageCreate(content=content)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"title": "t", "priority": "critical"},
        {"title": "t", "status": "archived"},
        {"title": "t", "surprise": 1},
        {"title": "t", "metadata": {"k": 5}},
        {"title": "t", "metadata": {"k": None}},
        {"title": "t", "metadata": {"x" * 41: "v"}},
        {"title": "t", "metadata": {"": "v"}},
        {"title": "t", "metadata": {"k": "v" * 501}},
        {"title": "t", "metadata": {f"k{i}": "v" for i in range(51)}},
        {"title": "t", "tags": "a,b"},
    ],
)
def test_ticket_create_limits(kwargs: dict) -> None:
    with pytest.raises(ValidationError):
        TicketCreate(**kwargs)


@pytest.mark.parametrize(("field", "limit"), [("title", TITLE_MAX), ("customer_name", CUSTOMER_NAME_MAX)])
def test_create_text_lengths_follow_the_shared_limits(field: str, limit: int) -> None:
    at_limit = TicketCreate(**{"title": "t", field: "é" * limit})  # characters, not bytes
    assert len(getattr(at_limit, field)) == limit
    with pytest.raises(ValidationError) as info:
        TicketCreate(**{"title": "t", field: "x" * (limit + 1)})
    assert str(limit) in str(info.value)


def test_update_title_length_follows_the_shared_limit_when_sent() -> None:
    assert TicketUpdate(title="t" * TITLE_MAX).to_wire() == {"title": "t" * TITLE_MAX}
    update = TicketUpdate()
    update.title = "t" * (TITLE_MAX + 1)  # as the edit form does: building it must not raise
    with pytest.raises(ClientValidationError) as info:
        update.to_wire()
    assert info.value.param == "title" and str(TITLE_MAX) in info.value.message


def test_metadata_limits_are_inclusive() -> None:
    body = TicketCreate(title="t", metadata={f"{i:0>40}": "v" * 500 for i in range(50)})
    assert len(body.to_wire()["metadata"]) == 50


def test_update_sends_only_what_was_set() -> None:
    assert TicketUpdate().to_wire() == {}
    assert TicketUpdate().is_empty()
    assert TicketUpdate(status="resolved").to_wire() == {"status": "resolved"}


def test_update_tells_unassign_from_not_sent() -> None:
    assert TicketUpdate(assigned_to=None).to_wire() == {"assignedTo": None}
    assert "assignedTo" not in TicketUpdate(priority="low").to_wire()


def test_update_removes_a_metadata_key_with_null() -> None:
    body = TicketUpdate(metadata={"gone": None, "kept": "v"})
    assert body.to_wire() == {"metadata": {"gone": None, "kept": "v"}}


@pytest.mark.parametrize("field", ["title", "priority", "status", "tags", "metadata"])
def test_update_refuses_null_where_null_means_nothing(field: str) -> None:
    with pytest.raises(ValidationError, match="null"):
        TicketUpdate(**{field: None})


def test_update_refuses_unknown_fields_and_bad_enums() -> None:
    with pytest.raises(ValidationError):
        TicketUpdate(customer_name="x")  # not updatable per the reference
    with pytest.raises(ValidationError):
        TicketUpdate(status="done")


def test_update_validates_assignment() -> None:
    body = TicketUpdate()
    with pytest.raises(ValidationError):
        body.priority = "critical"  # type: ignore[assignment]


def test_message_create_wire_form() -> None:
    assert MessageCreate(content="hi").to_wire() == {"content": "hi"}
    note = MessageCreate(content="FYI", message_type="internal", sender_id="agt_1", sender_name="Alex")
    assert note.to_wire() == {
        "content": "FYI",
        "messageType": "internal",
        "senderId": "agt_1",
        "senderName": "Alex",
    }
    with pytest.raises(ValidationError):
        MessageCreate(content="x", message_type="private")
    with pytest.raises(ValidationError):
        MessageCreate(content="x", sender="bot")
