"""Every HelpdeskClient method against the real sandbox, in process (ASGI) and over loopback HTTP."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from api import __version__
from api.client import HelpdeskClient
from api.errors import (
    ApiError,
    AuthenticationError,
    ClientValidationError,
    IdempotencyConflictError,
    InvalidRequestError,
    NotFoundError,
    PermissionDeniedError,
)
from api.filters import TicketFilters, parse
from api.limits import CUSTOMER_NAME_MAX, SEARCH_MAX, TITLE_MAX
from api.models import MessageCreate, TicketCreate, TicketUpdate
from api.sandbox import Sandbox


class Recorder(httpx.AsyncBaseTransport):
    """Passes every request through and remembers it (the request only; nothing is altered)."""

    def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
        self.inner = inner
        self.requests: list[httpx.Request] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        return await self.inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self.inner.aclose()


@dataclass
class Env:
    sb: Sandbox
    transport: Recorder
    client: HelpdeskClient
    events: list[tuple[str, dict[str, Any]]] = field(default_factory=list)

    def make(self, api_key: str, team_id: str | None = None) -> HelpdeskClient:
        """Another client on the same server with a different key or team."""
        return HelpdeskClient(
            self.sb.base_url, team_id or self.sb.team_id, api_key, transport=self.transport, sleep=_no_sleep
        )


async def _no_sleep(_seconds: float) -> None:
    raise AssertionError("nothing in this file should be retried")


@pytest.fixture(params=["asgi", "loopback"])
async def env(request: pytest.FixtureRequest) -> AsyncIterator[Env]:
    if request.param == "asgi":
        sb: Sandbox = request.getfixturevalue("sandbox")
        inner: httpx.AsyncBaseTransport = sb.transport()
    else:
        sb = request.getfixturevalue("served_sandbox")
        inner = httpx.AsyncHTTPTransport()
    recorder = Recorder(inner)
    events: list[tuple[str, dict[str, Any]]] = []
    client = HelpdeskClient(
        sb.base_url,
        sb.team_id,
        sb.keys.secret,
        transport=recorder,
        sleep=_no_sleep,
        on_event=lambda name, details: events.append((name, details)),
    )
    async with client:
        yield Env(sb, recorder, client, events)
    assert client.is_closed


def _count_tickets(sb: Sandbox) -> int:
    return sb.store.list_tickets(sb.team_id, {}, None, 1, 1)[1]


# --- reading --------------------------------------------------------------------------------------


async def test_list_tickets_first_page(env: Env) -> None:
    page = await env.client.list_tickets()
    assert len(page.items) == 20
    assert page.pagination.page == 1 and page.pagination.page_size == 20
    assert page.pagination.total == _count_tickets(env.sb) == 300
    assert page.pagination.has_more
    assert page.request_id and page.request_id.startswith("req_")
    created = [t.created_at for t in page.items]
    assert created == sorted(created, reverse=True)
    assert all(t.created_at.tzinfo is not None for t in page.items)
    assert env.events[-1][0] == "ok"


async def test_headers_sent(env: Env) -> None:
    await env.client.list_tickets()
    sent = env.transport.requests[-1]
    assert sent.headers["user-agent"] == f"cstar-tui/{__version__} (+python httpx)"
    assert sent.headers["authorization"] == f"Bearer {env.sb.keys.secret}"
    assert "idempotency-key" not in sent.headers
    assert sent.url.path == f"/api/v1/teams/{env.sb.team_id}/tickets"


async def test_every_filter_is_applied_by_the_server(env: Env) -> None:
    sample = (await env.client.list_tickets(TicketFilters(page_size=100))).items
    assigned = next(t for t in sample if t.assigned_to)
    with_customer = next(t for t in sample if t.customer_id)
    word = sample[0].title.split()[0]
    cases = [
        (TicketFilters(status="open"), lambda t: t.status == "open"),
        (TicketFilters(priority="urgent"), lambda t: t.priority == "urgent"),
        (TicketFilters(assigned_to=assigned.assigned_to), lambda t: t.assigned_to == assigned.assigned_to),
        (
            TicketFilters(customer_id=with_customer.customer_id),
            lambda t: t.customer_id == with_customer.customer_id,
        ),
        (
            TicketFilters(search=word),
            lambda t: (
                word.casefold() in t.title.casefold() or word.casefold() in (t.customer_name or "").casefold()
            ),
        ),
        (
            TicketFilters(status="pending", priority="high"),
            lambda t: t.status == "pending" and t.priority == "high",
        ),
    ]
    for filters, matches in cases:
        page = await env.client.list_tickets(replace(filters, page_size=100))
        assert page.items, filters
        assert all(matches(t) for t in page.items), filters
        assert page.pagination.total < 300, filters


async def test_customer_filter_takes_a_uuid_and_expand_inlines_the_customer(env: Env) -> None:
    first = (await env.client.list_tickets(TicketFilters(expand=("customer",), page_size=50))).items
    ticket = next(t for t in first if t.customer is not None)
    assert ticket.customer is not None and ticket.customer.id == ticket.customer_id
    assert ticket.customer.uuid and ticket.customer.email
    by_uuid = await env.client.list_tickets(TicketFilters(customer_id=ticket.customer.uuid))
    by_id = await env.client.list_tickets(TicketFilters(customer_id=ticket.customer.id))
    assert [t.id for t in by_uuid.items] == [t.id for t in by_id.items]
    assert ticket.id in {t.id for t in by_id.items}
    assert all(t.customer is None for t in by_id.items)  # not expanded unless asked


async def test_filter_query_text_drives_the_list(env: Env) -> None:
    filters = parse("status:open assignee:me", me=env.sb.agent_id)
    page = await env.client.list_tickets(filters)
    assert all(t.status == "open" and t.assigned_to == env.sb.agent_id for t in page.items)
    sent = env.transport.requests[-1].url.params
    assert dict(sent) == {"status": "open", "assignedTo": env.sb.agent_id}


async def test_pages_do_not_overlap(env: Env) -> None:
    one = await env.client.list_tickets(TicketFilters(page=1, page_size=7))
    two = await env.client.list_tickets(TicketFilters(page=2, page_size=7))
    assert len(one.items) == len(two.items) == 7
    assert not {t.id for t in one.items} & {t.id for t in two.items}
    assert one.items[-1].created_at >= two.items[0].created_at


async def test_iter_tickets_yields_every_ticket_once(env: Env) -> None:
    ids = [t.id async for t in env.client.iter_tickets()]
    assert len(ids) == len(set(ids)) == 300
    # 100 a page by default: three pages, not fifteen.
    lists = [r for r in env.transport.requests if r.url.path.endswith("/tickets")]
    assert len(lists) == 3
    assert lists[0].url.params["pageSize"] == "100"


async def test_iter_tickets_with_a_filter(env: Env) -> None:
    total = (await env.client.list_tickets(TicketFilters(status="open"))).pagination.total
    tickets = [t async for t in env.client.iter_tickets(TicketFilters(status="open", page_size=9))]
    assert len(tickets) == total > 9
    assert all(t.status == "open" for t in tickets)


async def test_get_ticket_includes_messages_oldest_first(env: Env) -> None:
    listed = (await env.client.list_tickets(TicketFilters(page_size=50))).items
    summary = next(t for t in listed if t.message_count >= 2)
    ticket = await env.client.get_ticket(summary.id)
    assert ticket.id == summary.id and ticket.uuid
    assert ticket.messages is not None and len(ticket.messages) == summary.message_count
    stamps = [m.created_at for m in ticket.messages]
    assert stamps == sorted(stamps)
    assert all(m.ticket_id == ticket.id for m in ticket.messages)
    assert ticket.customer is None
    by_uuid = await env.client.get_ticket(ticket.uuid, expand="customer")
    assert by_uuid.id == ticket.id
    assert by_uuid.customer is None or by_uuid.customer.id == ticket.customer_id
    assert env.transport.requests[-1].url.params["expand"] == "customer"


async def test_list_messages_matches_the_store(env: Env) -> None:
    ticket = next(t for t in (await env.client.list_tickets()).items if t.message_count)
    messages = await env.client.list_messages(ticket.id)
    stored = env.sb.store.messages(ticket.id, include_internal=True)
    assert [m.id for m in messages] == [row["id"] for row in stored]


# --- writing --------------------------------------------------------------------------------------


async def test_create_ticket_with_defaults(env: Env) -> None:
    before = _count_tickets(env.sb)
    ticket = await env.client.create_ticket(
        TicketCreate(title="Cannot access dashboard", tags=["login"], metadata={"plan": "pro"})
    )
    assert ticket.id.startswith("tkt_") and ticket.uuid
    assert (ticket.status, ticket.priority, ticket.customer_name) == ("new", "normal", "Unknown Customer")
    assert ticket.tags == ["login"] and ticket.metadata == {"plan": "pro"}
    assert ticket.response_deadline is not None and ticket.response_deadline > ticket.created_at
    assert abs(ticket.created_at - datetime.now(UTC)) < timedelta(minutes=5)
    assert _count_tickets(env.sb) == before + 1
    row = env.sb.store.get_ticket(env.sb.team_id, ticket.id)
    assert row is not None and row["title"] == "Cannot access dashboard"
    sent = env.transport.requests[-1]
    assert sent.method == "POST" and len(sent.headers["idempotency-key"]) == 36  # a uuid4


async def test_create_ticket_for_an_existing_customer(env: Env) -> None:
    customer = next(t for t in (await env.client.list_tickets()).items if t.customer_id)
    ticket = await env.client.create_ticket(
        TicketCreate(title="Refund", priority="urgent", customer_id=customer.customer_id)
    )
    assert ticket.customer_id == customer.customer_id
    assert ticket.customer_name == customer.customer_name
    assert ticket.priority == "urgent"


async def test_create_with_the_same_idempotency_key_creates_one_ticket(env: Env) -> None:
    before = _count_tickets(env.sb)
    body = TicketCreate(title="Only once")
    first = await env.client.create_ticket(body, idempotency_key="draft-123")
    again = await env.client.create_ticket(body, idempotency_key="draft-123")
    assert again.id == first.id
    assert _count_tickets(env.sb) == before + 1
    assert [r.headers["idempotency-key"] for r in env.transport.requests[-2:]] == ["draft-123", "draft-123"]


async def test_reusing_a_key_with_other_content_is_a_conflict_and_not_retried(env: Env) -> None:
    await env.client.create_ticket(TicketCreate(title="First"), idempotency_key="draft-9")
    sent = len(env.transport.requests)
    with pytest.raises(IdempotencyConflictError) as info:
        await env.client.create_ticket(TicketCreate(title="Second"), idempotency_key="draft-9")
    assert not info.value.in_flight
    assert info.value.status == 409 and info.value.request_id
    assert len(env.transport.requests) == sent + 1


async def test_update_ticket_status_assignment_metadata(env: Env) -> None:
    ticket = await env.client.create_ticket(TicketCreate(title="Update me", metadata={"a": "1", "b": "2"}))
    resolved = await env.client.update_ticket(
        ticket.id,
        TicketUpdate(status="resolved", assigned_to=env.sb.agent_id, metadata={"a": None, "c": "3"}),
    )
    assert resolved.status == "resolved" and resolved.closed_at is not None
    assert resolved.assigned_to == env.sb.agent_id
    assert resolved.metadata == {"b": "2", "c": "3"}
    assert env.transport.requests[-1].method == "PATCH"
    assert "idempotency-key" in env.transport.requests[-1].headers
    reopened = await env.client.update_ticket(
        ticket.uuid or "", TicketUpdate(status="pending", assigned_to=None)
    )
    assert reopened.closed_at is None and reopened.sla_paused
    assert reopened.assigned_to is None
    row = env.sb.store.get_ticket(env.sb.team_id, ticket.id)
    assert row is not None and row["assigned_to"] is None and row["status"] == "pending"


async def test_empty_update_changes_nothing(env: Env) -> None:
    ticket = await env.client.create_ticket(TicketCreate(title="Leave me"))
    same = await env.client.update_ticket(ticket.id, TicketUpdate())
    assert same == ticket
    assert env.transport.requests[-1].content == b"{}"


async def test_update_with_an_unknown_agent_is_refused_with_the_field(env: Env) -> None:
    ticket = (await env.client.list_tickets()).items[0]
    with pytest.raises(InvalidRequestError) as info:
        await env.client.update_ticket(ticket.id, TicketUpdate(assigned_to="agt_nobody"))
    assert info.value.param == "assignedTo"
    assert "assignedTo" in str(info.value) and info.value.request_id in str(info.value)


async def test_add_public_reply_and_internal_note(env: Env) -> None:
    ticket = await env.client.create_ticket(TicketCreate(title="Thread"))
    reply = await env.client.add_message(
        ticket.id,
        MessageCreate(content="Thanks for reaching out!", sender="agent", sender_id=env.sb.agent_id),
    )
    note = await env.client.add_message(
        ticket.id, MessageCreate(content="FYI pro plan", message_type="internal")
    )
    assert reply.sender_name == env.sb.agent_name and not reply.is_internal
    assert note.is_internal
    assert [m.id for m in await env.client.list_messages(ticket.id)] == [reply.id, note.id]
    fresh = await env.client.get_ticket(ticket.id)
    assert fresh.message_count == 2
    assert fresh.first_response_at == reply.created_at
    async with env.make(env.sb.keys.publishable) as reader:
        assert [m.id for m in await reader.list_messages(ticket.id)] == [reply.id]


async def test_delete_ticket(env: Env) -> None:
    ticket = await env.client.create_ticket(TicketCreate(title="Delete me"))
    await env.client.add_message(ticket.id, MessageCreate(content="bye"))
    result = await env.client.delete_ticket(ticket.id)
    assert result.deleted and result.id == ticket.id
    assert env.sb.store.get_ticket(env.sb.team_id, ticket.id) is None
    assert env.sb.store.count_messages(ticket.id) == 0
    with pytest.raises(NotFoundError) as info:
        await env.client.get_ticket(ticket.id)
    assert info.value.status == 404 and info.value.attempts == 1
    with pytest.raises(NotFoundError):
        await env.client.delete_ticket(ticket.id)


# --- refusals -------------------------------------------------------------------------------------


@pytest.mark.parametrize("bad_id", ["", "tkt_", "tkt_abc/../x", "42", "tkt_abc def", "TKT_abc", "cus_abc123"])
async def test_malformed_ids_are_refused_before_any_request(env: Env, bad_id: str) -> None:
    for call in (
        env.client.get_ticket(bad_id),
        env.client.update_ticket(bad_id, TicketUpdate(status="open")),
        env.client.delete_ticket(bad_id),
        env.client.list_messages(bad_id),
        env.client.add_message(bad_id, MessageCreate(content="x")),
    ):
        with pytest.raises(ClientValidationError):
            await call
    assert env.transport.requests == []


async def test_unknown_expansion_is_refused_before_any_request(env: Env) -> None:
    with pytest.raises(ClientValidationError) as info:
        await env.client.get_ticket("tkt_abc123def456", expand=["customer", "agent"])
    assert info.value.attempts == 0 and info.value.param == "expand"
    assert env.transport.requests == []


async def test_bad_idempotency_key_is_refused_before_any_request(env: Env) -> None:
    with pytest.raises(ClientValidationError):
        await env.client.create_ticket(TicketCreate(title="x"), idempotency_key="k" * 256)
    with pytest.raises(ClientValidationError):
        await env.client.create_ticket(TicketCreate(title="x"), idempotency_key="  ")
    assert env.transport.requests == []


async def test_lengths_past_the_shared_limits_are_refused_before_any_request(env: Env) -> None:
    ticket = await env.client.create_ticket(TicketCreate(title="t" * TITLE_MAX, customer_name="c" * CUSTOMER_NAME_MAX))
    page = await env.client.list_tickets(TicketFilters(search="t" * SEARCH_MAX))
    assert ticket.id in [t.id for t in page.items]  # at the limits, the service takes them too
    env.transport.requests.clear()
    with pytest.raises(ClientValidationError) as info:
        await env.client.update_ticket(ticket.id, TicketUpdate(title="t" * (TITLE_MAX + 1)))
    assert info.value.attempts == 0 and info.value.param == "title"
    with pytest.raises(ClientValidationError) as info:
        await env.client.list_tickets(TicketFilters(search="t" * (SEARCH_MAX + 1)))
    assert info.value.param == "search"
    assert env.transport.requests == []


async def test_unknown_ticket_is_not_found(env: Env) -> None:
    with pytest.raises(NotFoundError) as info:
        await env.client.get_ticket("tkt_doesNotExist1")
    assert "Not found" in str(info.value)
    with pytest.raises(NotFoundError):
        await env.client.get_ticket("00000000-0000-4000-8000-000000000000")


async def test_bad_key_is_an_authentication_error_that_hides_the_key(env: Env) -> None:
    key = "sk_test_WrongKeyWrongKeyWrongKey9999"
    async with env.make(key) as client:
        with pytest.raises(AuthenticationError) as info:
            await client.list_tickets()
    assert "WrongKeyWrongKey" not in str(info.value) and "WrongKeyWrongKey" not in repr(info.value)
    assert "WrongKeyWrongKey" not in repr(client)
    assert len(env.transport.requests) == 1  # not retried


async def test_permissions_by_key_kind(env: Env) -> None:
    ticket = (await env.client.list_tickets()).items[0]
    async with env.make(env.sb.keys.publishable) as reader:
        assert (await reader.list_tickets()).items
        with pytest.raises(PermissionDeniedError):
            await reader.create_ticket(TicketCreate(title="nope"))
    async with env.make(env.sb.keys.restricted) as writer:
        updated = await writer.update_ticket(ticket.id, TicketUpdate(tags=["vip"]))
        assert updated.tags == ["vip"]
        with pytest.raises(PermissionDeniedError) as info:
            await writer.delete_ticket(ticket.id)
    assert info.value.status == 403
    assert env.sb.store.get_ticket(env.sb.team_id, ticket.id) is not None


async def test_another_teams_data_is_out_of_reach(env: Env) -> None:
    ticket = (await env.client.list_tickets()).items[0]
    async with env.make(env.sb.keys.secret, team_id=env.sb.other_team_id) as wrong_team:
        with pytest.raises(PermissionDeniedError):
            await wrong_team.list_tickets()
    async with env.make(env.sb.other_team_secret, team_id=env.sb.other_team_id) as other:
        with pytest.raises(NotFoundError):
            await other.get_ticket(ticket.id)
        others = await other.list_tickets()
        assert others.items and ticket.id not in {t.id for t in others.items}


async def test_server_side_validation_errors_are_typed(env: Env) -> None:
    with pytest.raises(InvalidRequestError) as info:
        await env.client.list_tickets(TicketFilters(customer_id="cus_nobody"))
    assert info.value.param == "customerId"
    with pytest.raises(InvalidRequestError) as info:
        await env.client.create_ticket(TicketCreate(title="t", tags=[f"tag{i}" for i in range(21)]))
    assert info.value.param == "tags"


def test_constructor_refuses_missing_credentials() -> None:
    with pytest.raises(ClientValidationError):
        HelpdeskClient("http://x", "", "sk_test_x")
    with pytest.raises(ClientValidationError):
        HelpdeskClient("http://x", "team", " ")
    with pytest.raises(ClientValidationError, match="http"):
        HelpdeskClient("localhost:8765", "team", "sk_test_x")


async def test_repr_never_shows_the_key(sandbox: Sandbox) -> None:
    async with HelpdeskClient(sandbox.base_url, sandbox.team_id, sandbox.keys.secret) as client:
        text = repr(client)
    assert sandbox.keys.secret not in text
    assert "sk_test_…" in text


async def test_errors_are_api_errors(env: Env) -> None:
    with pytest.raises(ApiError):
        await env.client.get_ticket("tkt_missing12345")
