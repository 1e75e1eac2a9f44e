"""The customer's other tickets on the detail view ("3 open · 10 in all") and `c`, which lists them as a view:
driven by keys through Pilot against the sandbox, asserting the requests it received and what is shown."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from textual.widgets import Tabs

from api.sandbox import Sandbox
from api.sandbox.ids import iso
from app.screens.ticket_detail import TicketDetailScreen
from app.screens.ticket_list import TicketListScreen
from tests.detail_support import SIZE, app_with_drafts, create_ticket, open_row, table, wait_for_list
from tests.helpers import RecordingTransport, settle, until
from widgets.filter_bar import FilterBar
from widgets.ticket_header import TicketHeader


def _header(app: Any) -> str:
    return app.screen.query_one(TicketHeader).render().plain


def _customer_lists(rec: RecordingTransport, customer_id: str) -> list[dict[str, str]]:
    return [s.params for s in rec.seen if s.method == "GET" and s.path.endswith("/tickets")
            and s.params.get("customerId") == customer_id]


def _quiet_customer(sb: Sandbox, name: str = "Jane Doe") -> dict[str, Any]:
    """A new customer of the seeded team, with no tickets yet (so the test decides the counts)."""
    import uuid

    n = len(sb.store._all("SELECT id FROM customers"))
    customer = {"id": f"cus_Quiet{n:07d}", "uuid": str(uuid.uuid4()), "name": name,
                "email": f"{name.split()[0].lower()}@example.com"}
    sb.store.add_customers(sb.team_id, [customer])
    return customer


_NEXT = itertools.count(1)


def _made(sb: Sandbox, **body: Any) -> dict[str, Any]:
    """A ticket newer than every ticket before it, by a whole second (tickets made within one second tie on
    createdAt, and the list orders ties by id: by chance)."""
    ticket = create_ticket(sb, **body)
    sb.store.update_ticket(ticket["id"], {"created_at": iso(datetime.now(UTC) + timedelta(seconds=next(_NEXT)))})
    return ticket


def _tickets_of(sb: Sandbox, customer: dict[str, Any], statuses: str) -> list[dict[str, Any]]:
    return [_made(sb, customerId=customer["id"], status=status, title=f"{customer['name']} {n}")
            for n, status in enumerate(statuses.split())]


async def test_the_header_counts_the_customers_tickets_in_one_request(sandbox: Sandbox, tmp_path: Path) -> None:
    customer = _quiet_customer(sandbox)
    made = _tickets_of(sandbox, customer, "open closed open new pending open resolved open open closed")
    rec = RecordingTransport(sandbox.transport())
    app = app_with_drafts(sandbox, rec, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await open_row(pilot, made[-1]["id"])
        await settle(pilot, lambda: "in all" in _header(app))
        assert "customer's tickets 5 open · 10 in all  c lists them" in _header(app)
        assert _customer_lists(rec, customer["id"]) == [{"customerId": customer["id"], "pageSize": "100"}]


async def test_no_customer_no_request_and_the_counts_follow_the_ticket_shown(sandbox: Sandbox,
                                                                            tmp_path: Path) -> None:
    customer = _quiet_customer(sandbox)
    theirs = _tickets_of(sandbox, customer, "open new")
    nobody = _made(sandbox, customerName="Walk-in", title="No customer id")
    rec = RecordingTransport(sandbox.transport())
    app = app_with_drafts(sandbox, rec, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_row(pilot, theirs[1]["id"])
        await settle(pilot, lambda: "1 open · 2 in all" in _header(app))
        await pilot.press("left_square_bracket")  # to the newer ticket above: the one without a customer
        await settle(pilot, lambda: screen.ticket.id == nobody["id"])
        assert "in all" not in _header(app)  # the other customer's counts are not this one's
        lists = [s.params for s in rec.seen if s.method == "GET" and s.path.endswith("/tickets")]
        assert all("customerId" not in p or p["customerId"] == customer["id"] for p in lists)
        assert len(_customer_lists(rec, customer["id"])) == 1


async def test_reopening_shows_the_last_counts_at_once_and_counts_again(sandbox: Sandbox, tmp_path: Path) -> None:
    customer = _quiet_customer(sandbox)
    made = _tickets_of(sandbox, customer, "open open")
    rec = RecordingTransport(sandbox.transport())
    app = app_with_drafts(sandbox, rec, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await open_row(pilot, made[-1]["id"])
        await settle(pilot, lambda: "2 open · 2 in all" in _header(app))
        await pilot.press("escape")
        await settle(pilot, lambda: isinstance(app.screen, TicketListScreen))
        create_ticket(sandbox, customerId=customer["id"], status="new")  # elsewhere, meanwhile
        rec.hold = hold = _hold_customer_lists(customer["id"])
        await pilot.press("enter")
        await until(pilot, lambda: hold.arrived == 1 and "in all" in _header(app), "the recount to be held")
        assert "2 open · 2 in all" in _header(app)  # the cached count while the new one is on its way
        hold.release()
        await settle(pilot, lambda: "2 open · 3 in all" in _header(app))
        await pilot.press("ctrl+r")  # a refresh of the ticket counts again
        await settle(pilot)
        assert len(_customer_lists(rec, customer["id"])) == 3


def _hold_customer_lists(customer_id: str) -> Any:
    from tests.helpers import Hold

    return Hold(lambda request: request.url.path.endswith("/tickets")
                and request.url.params.get("customerId") == customer_id)


async def test_c_lists_the_customers_tickets_as_a_view_of_the_list(sandbox: Sandbox, tmp_path: Path) -> None:
    customer = _quiet_customer(sandbox)
    made = _tickets_of(sandbox, customer, "open closed new")
    other = _quiet_customer(sandbox, "Olaf Other")
    theirs = _tickets_of(sandbox, other, "pending")
    rec = RecordingTransport(sandbox.transport())
    app = app_with_drafts(sandbox, rec, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for_list(pilot)
        await pilot.press("slash", *"status:open", "enter")  # a filter typed in the list before
        await settle(pilot, lambda: table(app).ticket_ids and made[0]["id"] == table(app).ticket_ids[0])
        await open_row(pilot, made[0]["id"])
        await pilot.press("c")
        await settle(pilot, lambda: isinstance(app.screen, TicketListScreen)
                     and sorted(table(app).ticket_ids) == sorted(t["id"] for t in made))
        tabs = app.screen.query_one(Tabs)
        assert tabs.active_tab is not None and tabs.active_tab.label.plain.startswith(customer["name"][:29])
        assert app.screen.query_one(FilterBar).value == ""  # it would narrow what was asked for whole
        assert rec.lists()[-1] == {"customerId": customer["id"], "page": "1", "pageSize": "50"}
        # Another customer's `c` reuses the tab rather than adding one per customer.
        tab_count = tabs.tab_count
        await _open_from_any_tab(pilot, theirs[0]["id"])
        await pilot.press("c")
        await settle(pilot, lambda: isinstance(app.screen, TicketListScreen)
                     and table(app).ticket_ids == [theirs[0]["id"]])
        assert tabs.tab_count == tab_count
        assert tabs.active_tab is not None and tabs.active_tab.label.plain.startswith(other["name"][:29])


async def _open_from_any_tab(pilot: Any, ticket_id: str) -> None:
    app = pilot.app
    app.screen.query_one(Tabs).active = "view-0"
    await settle(pilot, lambda: ticket_id in table(app).ticket_ids)
    await open_row(pilot, ticket_id)
    assert isinstance(app.screen, TicketDetailScreen)


async def test_c_in_the_list_lists_the_customer_of_the_row_under_the_cursor(sandbox: Sandbox,
                                                                            tmp_path: Path) -> None:
    customer = _quiet_customer(sandbox)
    made = _tickets_of(sandbox, customer, "open pending")
    walk_in = _made(sandbox, customerName="Walk-in", title="No customer id")
    rec = RecordingTransport(sandbox.transport())
    app = app_with_drafts(sandbox, rec, tmp_path)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await wait_for_list(pilot)
        table(app).move_cursor_to(walk_in["id"])
        await pilot.press("c")
        await settle(pilot)
        assert not any("customerId" in p for p in rec.lists())  # no customer: nothing asked
        assert any("no customer ID" in n.message for n in app._notifications)
        table(app).move_cursor_to(made[0]["id"])
        await pilot.press("c")
        await settle(pilot, lambda: sorted(table(app).ticket_ids) == sorted(t["id"] for t in made))
        assert rec.lists()[-1] == {"customerId": customer["id"], "page": "1", "pageSize": "50"}
