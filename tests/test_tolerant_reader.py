"""The client reads what a newer (or sloppier) server sends: unknown enum values, odd field types, one
malformed item among good ones, timestamps at the edge of the calendar.

Everything goes through the real client against the real sandbox: the odd values are either written
straight into the sandbox's SQLite (what a server that grew a status would store) or put into its JSON
answers by a transport that rewrites them (shapes the sandbox could never store, like a number as title).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from api.client import HelpdeskClient
from api.errors import MalformedResponseError, UnreadableTicketError
from api.filters import FilterSyntaxError, TicketFilters, format, parse
from api.models import Ticket
from api.sandbox import Sandbox
from tests.detail_support import create_ticket
from tests.test_client_faults import Harness, rewrite

EDGE_PAST = "0001-01-01T00:00:00+01:00"
EDGE_FUTURE = "9999-12-31T23:59:59-01:00"


def client_for(sb: Sandbox) -> HelpdeskClient:
    return HelpdeskClient(sb.base_url, sb.team_id, sb.keys.secret, transport=sb.transport())


def grown_ticket(sb: Sandbox, **stored: Any) -> str:
    """A ticket the sandbox made, then changed in its SQLite the way a newer service would store it."""
    ticket = create_ticket(sb, title="Grown values")
    sb.store.update_ticket(ticket["id"], stored)
    return ticket["id"]


def rewrite_tickets(change: Any) -> Any:
    """Rewrite every ticket of a list answer (by position) or the one ticket of a detail answer."""

    def apply(_request: httpx.Request, payload: dict[str, Any]) -> None:
        data = payload.get("data")
        if isinstance(data, list):
            change(data)
        elif isinstance(data, dict) and "title" in data:
            change([data])

    return rewrite(apply)


# --- unknown enum values ------------------------------------------------------------------------------


async def test_a_grown_status_and_priority_are_read_as_sent(sandbox: Sandbox) -> None:
    odd = grown_ticket(sandbox, status="on_hold", priority="critical")
    async with client_for(sandbox) as client:
        page = await client.list_tickets()
        by_id = {t.id: t for t in page.items}
        assert odd in by_id, "the ticket with grown values is missing from its page"
        assert (by_id[odd].status, by_id[odd].priority) == ("on_hold", "critical")
        assert len(page.items) == min(page.pagination.total, page.pagination.page_size)
        assert page.unreadable == ()
        single = await client.get_ticket(odd)
        assert (single.status, single.priority) == ("on_hold", "critical")


async def test_an_unknown_sender_does_not_hide_a_message(sandbox: Sandbox) -> None:
    ticket = create_ticket(sandbox)
    sandbox.api.service.add_message(sandbox.team_id, ticket["id"], {"content": "hello", "sender": "customer"})
    row = sandbox.store.messages(ticket["id"], include_internal=True)[0]
    sandbox.store._db.execute("UPDATE messages SET sender = 'bot' WHERE id = ?", (row["id"],))
    async with client_for(sandbox) as client:
        got = await client.get_ticket(ticket["id"])
    assert [m.sender for m in got.messages or []] == ["bot"]


# --- odd field types ----------------------------------------------------------------------------------


async def test_odd_field_types_do_not_blank_the_queue(sandbox: Sandbox) -> None:
    def odd(tickets: list[dict[str, Any]]) -> None:
        tickets[0]["metadata"] = {"seats": 5, "trial": True, "gone": None, "plan": "pro"}
        tickets[1]["title"] = 12345
        tickets[2]["tags"] = None
        tickets[3]["tags"] = "billing"
        tickets[4]["tags"] = ["a", 2, None]
        tickets[5]["customerName"] = 42
        tickets[5]["customer"] = "not an object"
        tickets[6]["messageCount"] = None
        tickets[6]["slaPaused"] = None

    h = Harness(sandbox, always=rewrite_tickets(odd))
    page = await h.client.list_tickets()
    assert page.unreadable == ()
    items = page.items
    assert len(items) == page.pagination.page_size
    assert items[0].metadata == {"seats": "5", "trial": "true", "plan": "pro"}
    assert items[1].title == "12345"
    assert items[2].tags == []
    assert items[3].tags == ["billing"]
    assert items[4].tags == ["a", "2"]
    assert items[5].customer_name == "42" and items[5].customer is None
    assert (items[6].message_count, items[6].sla_paused) == (0, False)


async def test_metadata_holding_a_number_in_the_store_is_read(sandbox: Sandbox) -> None:
    ticket_id = grown_ticket(sandbox, metadata='{"seats": 5, "ratio": 0.5}')
    async with client_for(sandbox) as client:
        got = await client.get_ticket(ticket_id)
        listed = [t for t in (await client.list_tickets()).items if t.id == ticket_id]
    assert got.metadata == {"seats": "5", "ratio": "0.5"}
    assert listed and listed[0].metadata == got.metadata


# --- one malformed item among good ones ---------------------------------------------------------------


async def test_one_malformed_ticket_does_not_hide_the_rest(sandbox: Sandbox) -> None:
    ids: list[str] = []

    def break_some(tickets: list[dict[str, Any]]) -> None:
        ids.extend(t["id"] for t in tickets)
        tickets[0]["createdAt"] = "yesterday"
        tickets[1]["title"] = {"text": "nested"}
        tickets[2] = "not a ticket"
        del tickets[3]["id"]

    h = Harness(sandbox, always=rewrite_tickets(break_some))
    page = await h.client.list_tickets()
    assert [t.id for t in page.items] == ids[4:]
    assert [u.id for u in page.unreadable] == [ids[0], ids[1], None, None]
    assert "createdAt" in page.unreadable[0].reason
    assert "title" in page.unreadable[1].reason
    assert {u.kind for u in page.unreadable} == {"ticket"}


async def test_iter_tickets_goes_past_a_page_of_unreadable_tickets(sandbox: Sandbox) -> None:
    def break_all_on_page_one(request: httpx.Request, payload: dict[str, Any]) -> None:
        if request.url.params.get("page") == "1":
            for ticket in payload["data"]:
                ticket["status"] = None

    h = Harness(sandbox, always=rewrite(break_all_on_page_one))
    seen = [t.id async for t in h.client.iter_tickets(TicketFilters(page_size=10))]
    assert len(seen) == (await client_for(sandbox).list_tickets()).pagination.total - 10


async def test_a_page_without_a_list_is_still_malformed(sandbox: Sandbox) -> None:
    def not_a_list(_request: httpx.Request, payload: dict[str, Any]) -> None:
        payload["data"] = {"tickets": payload["data"]}

    h = Harness(sandbox, rewrite(not_a_list))
    with pytest.raises(MalformedResponseError, match="data"):
        await h.client.list_tickets()


async def test_one_malformed_message_does_not_hide_the_thread(sandbox: Sandbox) -> None:
    ticket = create_ticket(sandbox)
    for text in ("first", "second", "third"):
        sandbox.api.service.add_message(sandbox.team_id, ticket["id"], {"content": text, "sender": "customer"})
    broken: list[str] = []

    def break_second(_request: httpx.Request, payload: dict[str, Any]) -> None:
        messages = payload["data"]["messages"]
        broken.append(messages[1]["id"])
        messages[1]["createdAt"] = None
        messages[2]["content"] = 7

    h = Harness(sandbox, rewrite(break_second))
    got = await h.client.get_ticket(ticket["id"])
    assert [m.content for m in got.messages or []] == ["first", "7"]
    assert [u.id for u in got.unreadable_messages] == broken
    assert got.unreadable_messages[0].kind == "message"


async def test_list_messages_leaves_out_an_unreadable_message(sandbox: Sandbox) -> None:
    ticket = create_ticket(sandbox)
    for text in ("first", "second"):
        sandbox.api.service.add_message(sandbox.team_id, ticket["id"], {"content": text, "sender": "customer"})

    def break_first(_request: httpx.Request, payload: dict[str, Any]) -> None:
        payload["data"][0]["ticketId"] = None

    h = Harness(sandbox, rewrite(break_first))
    assert [m.content for m in await h.client.list_messages(ticket["id"])] == ["second"]


async def test_an_unreadable_single_ticket_says_which_and_why(sandbox: Sandbox) -> None:
    ticket = create_ticket(sandbox)

    def break_it(tickets: list[dict[str, Any]]) -> None:
        tickets[0]["updatedAt"] = "not a date"

    h = Harness(sandbox, rewrite_tickets(break_it))
    with pytest.raises(UnreadableTicketError) as info:
        await h.client.get_ticket(ticket["id"])
    error = info.value
    assert isinstance(error, MalformedResponseError)  # callers that catch the general case still do
    assert error.ticket_id == ticket["id"]
    assert ticket["id"] in str(error) and "updatedAt" in str(error)
    assert "proxy" not in str(error)
    assert h.event_names() == ["ok"]  # the service answered: this is no connection trouble


# --- timestamps at the edge of the calendar -----------------------------------------------------------


async def test_edge_timestamps_are_read_as_aware_utc(sandbox: Sandbox) -> None:
    ticket_id = grown_ticket(sandbox, created_at=EDGE_PAST, response_deadline=EDGE_PAST,
                             resolution_deadline=EDGE_FUTURE, updated_at=EDGE_FUTURE)
    async with client_for(sandbox) as client:
        got = await client.get_ticket(ticket_id)
        listed = [t async for t in client.iter_tickets() if t.id == ticket_id]
    for when in (got.created_at, got.updated_at, got.response_deadline, got.resolution_deadline):
        assert when is not None and when.utcoffset() is not None and when.utcoffset().total_seconds() == 0
    assert got.created_at == datetime.min.replace(tzinfo=UTC)
    assert got.updated_at == datetime.max.replace(tzinfo=UTC)
    assert len(listed) == 1


# --- filtering on values the server has sent ----------------------------------------------------------


async def test_a_status_the_server_sent_can_be_filtered_on_and_a_typo_is_still_explained(
    sandbox: Sandbox,
) -> None:
    grown_ticket(sandbox, status="on_hold", priority="critical")
    async with client_for(sandbox) as client:
        with pytest.raises(FilterSyntaxError, match="unknown status 'on_hold'"):
            parse("status:on_hold", vocabulary=client.vocabulary)
        await client.list_tickets()
        vocabulary = client.vocabulary
    filters = parse("status:ON_HOLD prio:critical", vocabulary=vocabulary)
    assert filters.to_params() == {"status": "on_hold", "priority": "critical"}
    with pytest.raises(FilterSyntaxError, match="did you mean 'open'"):
        parse("status:opne", vocabulary=vocabulary)
    with pytest.raises(FilterSyntaxError, match="did you mean 'on_hold'"):
        parse("status:on_hld", vocabulary=vocabulary)
    assert parse(format(filters), vocabulary=None) == filters  # unknown values are written quoted


def test_a_quoted_status_is_sent_as_typed() -> None:
    assert parse('status:"waiting_on_vendor"').status == "waiting_on_vendor"
    with pytest.raises(FilterSyntaxError):
        parse('status:" spaced "')


def test_learning_is_bounded_and_only_takes_words() -> None:
    from api.filters import Vocabulary
    from tests.test_models import REFERENCE_LIST

    base = REFERENCE_LIST["data"][0]
    vocabulary = Vocabulary()
    odd = ["x" * 41, "\x1b[31mred", "two words", "[b]markup[/b]"]
    many = [f"s{i}" for i in range(80)]
    vocabulary.learn(Ticket.model_validate(dict(base, status=value)) for value in [*odd, *many])
    assert not set(odd) & set(vocabulary.statuses.values())
    assert len(vocabulary.statuses) == 50
