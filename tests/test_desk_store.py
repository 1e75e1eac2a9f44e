"""The desk's state layer without Textual: the store and the poller, against the real sandbox."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from api.client import HelpdeskClient
from api.errors import ConnectionFailedError, RateLimitError
from api.filters import TicketFilters
from api.models import Ticket
from api.sandbox import Sandbox, create_sandbox
from app.desk.live import MAX_BACKOFF, Poller, ViewQuery, view_key
from app.desk.store import Change, DeskStore

ROOT = Path(__file__).resolve().parents[1]
OPEN = ViewQuery.of(TicketFilters(status="open"))
NEW = ViewQuery.of(TicketFilters(status="new"))


class SteppingClock:
    """Each reading a second after the last: tickets made one after another never tie on createdAt."""

    def __init__(self) -> None:
        self.now = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        self.now += timedelta(seconds=1)
        return self.now


@pytest.fixture
def empty_sandbox() -> Iterator[Sandbox]:
    sb = create_sandbox(rate_limit=0, empty=True, clock=SteppingClock())
    yield sb
    sb.close()


@pytest.fixture
async def client(empty_sandbox: Sandbox) -> AsyncIterator[HelpdeskClient]:
    sb = empty_sandbox
    async with HelpdeskClient(sb.base_url, sb.team_id, sb.keys.secret, transport=sb.transport()) as c:
        yield c


def create(sb: Sandbox, title: str, **body: object) -> str:
    return sb.api.service.create(sb.team_id, {"title": title, "status": "open", **body})["id"]


def recorder(store: DeskStore) -> list[Change]:
    changes: list[Change] = []
    store.subscribe(changes.append)
    return changes


async def first_page(client: HelpdeskClient, view: ViewQuery, size: int = 50):  # noqa: ANN201
    return await client.list_tickets(replace(view.filters, page=1, page_size=size))


def test_the_desk_imports_no_textual() -> None:
    code = ("import sys, app.desk.store, app.desk.live; "
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('textual', 'rich', 'widgets')))")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_view_keys_ignore_paging_and_parameter_order() -> None:
    assert view_key(TicketFilters(status="open", priority="high", page=3, page_size=50)) == \
        view_key(TicketFilters(priority="high", status="open"))
    assert view_key(TicketFilters(status="open")) != view_key(TicketFilters(status="new"))


async def test_the_newest_copy_wins_once(empty_sandbox: Sandbox, client: HelpdeskClient) -> None:
    ticket_id = create(empty_sandbox, "Printer on fire")
    old = await client.get_ticket(ticket_id)
    empty_sandbox.api.service.update(empty_sandbox.team_id, ticket_id, {"priority": "urgent"})
    new = await client.get_ticket(ticket_id)
    assert new.updated_at >= old.updated_at
    store = DeskStore()
    changes = recorder(store)
    assert store.put(new)
    assert not store.put(old), "an older copy must not replace a newer one"
    assert not store.put(new), "the same copy again changes nothing"
    assert [c.tickets for c in changes] == [frozenset({ticket_id})]
    assert store.ticket(ticket_id).priority == "urgent"  # type: ignore[union-attr]


async def test_pages_append_and_a_first_page_replaces(empty_sandbox: Sandbox, client: HelpdeskClient) -> None:
    ids = [create(empty_sandbox, f"T{i}") for i in range(5)]
    store = DeskStore()
    page1 = await client.list_tickets(replace(OPEN.filters, page=1, page_size=2))
    page2 = await client.list_tickets(replace(OPEN.filters, page=2, page_size=2))
    store.load_page(OPEN.key, 1, page1.items, page1.pagination.total, page1.pagination.has_more)
    store.load_page(OPEN.key, 2, page2.items, page2.pagination.total, page2.pagination.has_more)
    assert store.view(OPEN.key).ids == list(reversed(ids))[:4]
    assert store.view(OPEN.key).total == 5 and store.view(OPEN.key).has_more
    store.load_page(OPEN.key, 1, page1.items, 5, True)
    assert store.view(OPEN.key).ids == list(reversed(ids))[:2]


async def test_a_poll_brings_new_tickets_in_at_their_place_and_keeps_the_rows_below(
        empty_sandbox: Sandbox, client: HelpdeskClient) -> None:
    sb = empty_sandbox
    older = [create(sb, f"Old {i}") for i in range(6)]
    store = DeskStore()
    for number in (1, 2, 3):
        page = await client.list_tickets(replace(OPEN.filters, page=number, page_size=2))
        store.load_page(OPEN.key, number, page.items, page.pagination.total, page.pagination.has_more)
    assert store.view(OPEN.key).ids == list(reversed(older))
    changes = recorder(store)

    fresh = create(sb, "Two urgent tickets from outside", priority="urgent")
    sb.api.service.update(sb.team_id, older[-1], {"status": "resolved"})  # leaves the open view
    poller = Poller(store, interval=20)
    await poller.poll(client, OPEN, page_size=2)

    rows = store.view(OPEN.key)
    assert rows.ids[0] == fresh
    assert older[-1] not in rows.ids
    assert rows.ids[1:] == list(reversed(older[:-1])), "rows below the fresh page stay where they were"
    assert rows.total == 6
    assert len(changes) == 1, "one poll, one announcement"
    assert changes[0].arrived == {fresh} and OPEN.key in changes[0].views


async def test_a_quiet_poll_announces_nothing(empty_sandbox: Sandbox, client: HelpdeskClient) -> None:
    for i in range(3):
        create(empty_sandbox, f"T{i}")
    store = DeskStore()
    poller = Poller(store)
    await poller.poll(client, OPEN, page_size=50, others=[NEW])
    changes = recorder(store)
    await poller.poll(client, OPEN, page_size=50, others=[NEW])
    assert changes == []


async def test_a_poll_counts_the_other_views(empty_sandbox: Sandbox, client: HelpdeskClient) -> None:
    create(empty_sandbox, "open one")
    create(empty_sandbox, "new one", status="new")
    create(empty_sandbox, "new two", status="new")
    store = DeskStore()
    await Poller(store).poll(client, OPEN, page_size=50, others=[NEW])
    assert store.view(NEW.key).total == 2
    assert store.view(OPEN.key).total == 1
    assert store.view(NEW.key).ids == [], "a count loads no rows"


def test_a_deletion_leaves_every_view_and_lowers_its_total() -> None:
    store = DeskStore()
    ticket = _ticket("tkt_aaaaaaaaaaaa")
    store.load_page("a", 1, [ticket], 1, False)
    store.load_page("b", 1, [ticket], 7, True)
    changes = recorder(store)
    store.remove(ticket.id)
    assert store.view("a").ids == [] and store.view("a").total == 0
    assert store.view("b").total == 6
    assert len(changes) == 1 and changes[0].removed == {ticket.id} and changes[0].views == {"a", "b"}


def test_leaving_a_view_lowers_its_count() -> None:
    store = DeskStore()
    ticket = _ticket("tkt_bbbbbbbbbbbb")
    store.load_page("new", 1, [ticket], 36, True)
    store.leave_view("new", ticket.id)
    assert store.view("new").total == 35 and store.view("new").ids == []


class _Refusing(httpx.AsyncBaseTransport):
    def __init__(self, response: httpx.Response | None) -> None:
        self.response = response

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if self.response is None:
            raise httpx.ConnectError("refused", request=request)
        return self.response


async def _no_sleep(_seconds: float) -> None:
    return None


async def test_the_poller_backs_off_while_offline_and_honours_retry_after() -> None:
    poller = Poller(DeskStore(), interval=20)
    offline = HelpdeskClient("http://127.0.0.1:9", "team_x", "sk_test_abcdef123456",
                             transport=_Refusing(None), sleep=_no_sleep, max_retries=0)
    delays = []
    for _ in range(6):
        with pytest.raises(ConnectionFailedError):
            await poller.poll(offline, OPEN, page_size=50)
        delays.append(poller.delay())
    assert delays == [40, 80, 160, MAX_BACKOFF, MAX_BACKOFF, MAX_BACKOFF]

    limited = HelpdeskClient(
        "http://127.0.0.1:9", "team_x", "sk_test_abcdef123456", sleep=_no_sleep, max_retries=0,
        transport=_Refusing(httpx.Response(429, headers={"Retry-After": "90"}, json={
            "success": False, "error": {"type": "rate_limit_error", "code": "rate_limited", "message": "slow"}})))
    with pytest.raises(RateLimitError):
        await poller.poll(limited, OPEN, page_size=50)
    assert poller.delay() >= 90
    await offline.aclose()
    await limited.aclose()


def _ticket(ticket_id: str) -> Ticket:
    return Ticket.model_validate({"id": ticket_id, "title": "x", "priority": "normal", "status": "open",
                                  "createdAt": "2026-11-01T10:00:00Z", "updatedAt": "2026-11-01T10:00:00Z"})


async def test_an_action_a_poll_and_a_webhook_each_reach_every_view_exactly_once(
        empty_sandbox: Sandbox, client: HelpdeskClient) -> None:
    import json

    from api.models import TicketUpdate
    from app.desk import actions
    from app.desk.intake import apply_event

    sb = empty_sandbox
    ticket_id = create(sb, "Printer on fire")
    store = DeskStore()
    poller = Poller(store)
    await poller.poll(client, OPEN, page_size=50)
    views = [recorder(store), recorder(store)]  # two subscribed views, say the list and the open ticket

    await actions.update_ticket(client, store, ticket_id, TicketUpdate(priority="urgent"))  # an action
    sb.api.service.update(sb.team_id, ticket_id, {"tags": ["outage"]})
    await poller.poll(client, OPEN, page_size=50)  # a poll brings a change made outside
    renamed = sb.api.service.update(sb.team_id, ticket_id, {"title": "Printer on fire, again"})
    event = json.dumps({"type": "ticket.updated", "data": {"object": renamed}}).encode()
    assert apply_event(store, event) is not None  # a webhook brings another

    for changes in views:
        assert [ticket_id in change.tickets for change in changes] == [True, True, True]
    held = store.ticket(ticket_id)
    assert held is not None and held.priority == "urgent" and held.tags == ["outage"]
    assert held.title == "Printer on fire, again"

    # The same news again, by any road, announces nothing.
    apply_event(store, event)
    await poller.poll(client, OPEN, page_size=50)
    assert all(len(changes) == 3 for changes in views)


async def test_a_poll_keeps_the_rows_on_screen_current_past_the_first_page(
        empty_sandbox: Sandbox, client: HelpdeskClient) -> None:
    sb = empty_sandbox
    for i in range(6):
        create(sb, f"Ticket {i}")
    store = DeskStore()
    for number in (1, 2, 3):
        page = await client.list_tickets(replace(OPEN.filters, page=number, page_size=2))
        store.load_page(OPEN.key, number, page.items, page.pagination.total, page.pagination.has_more)
    order = list(store.view(OPEN.key).ids)
    on_page_3 = order[4]
    sb.api.service.update(sb.team_id, on_page_3, {"priority": "urgent"})  # a field change; the order holds
    poller = Poller(store, interval=20)

    await poller.poll(client, OPEN, page_size=2)  # at the top: the first page only
    assert store.ticket(on_page_3).priority != "urgent"  # type: ignore[union-attr]

    await poller.poll(client, OPEN, page_size=2, on_screen=4)  # the agent looks at rows 4 and 5
    assert store.ticket(on_page_3).priority == "urgent"  # type: ignore[union-attr]
    assert store.view(OPEN.key).ids == order, "the rows stay where the agent sees them"
