"""The new-ticket form links a customer the app already knows: typing a name or an email offers the customers
met in the list (or in an earlier run), choosing one sends their customerId. Pilot against the sandbox."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from textual.widgets import Input, OptionList

from api.sandbox import Sandbox
from app.desk.customers import CustomerDirectory
from app.screens.new_ticket import NewTicketScreen
from app.screens.ticket_detail import TicketDetailScreen
from tests.detail_support import SIZE, app_with_drafts, table, wait_for_list
from tests.helpers import RecordingTransport, settle


def _created(sb: Sandbox, title: str) -> dict[str, Any]:
    (row,) = sb.store._all("SELECT * FROM tickets WHERE team_id = ? AND title = ?", (sb.team_id, title))
    return dict(row)


def _offered(app: Any) -> list[str]:
    matches = app.screen.query_one("#new-customer-matches", OptionList)
    return [option.prompt.plain for option in matches.options] if matches.display else []


def _customer(sb: Sandbox, customer_id: str) -> dict[str, Any]:
    return dict(sb.store._one("SELECT * FROM customers WHERE id = ?", (customer_id,)))


async def _form(pilot: Any) -> None:
    await wait_for_list(pilot)
    await pilot.press("n")
    await settle(pilot, lambda: isinstance(pilot.app.screen, NewTicketScreen))


async def test_a_customer_met_in_the_list_is_offered_and_linked_by_id(sandbox: Sandbox, tmp_path: Path) -> None:
    rec = RecordingTransport(sandbox.transport())
    app = app_with_drafts(sandbox, rec, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for_list(pilot)
        row = next(t for t in table(app).tickets if t.customer_id)  # a customer the first page showed
        known = _customer(sandbox, row.customer_id)  # type: ignore[arg-type]
        first = known["name"].split()[0]
        await _form(pilot)
        await pilot.press(*"Refund twice", "tab", *first[:4].lower())
        assert app.screen.query_one("#new-customer", Input).value == first[:4].lower()
        offered = _offered(app)
        assert offered and all(first[:4].lower() in label.lower() for label in offered)
        index = next(i for i, label in enumerate(offered) if label.endswith(known["id"]))
        await pilot.press(*["down"] * index, "enter")
        assert app.screen.query_one("#new-customer", Input).value == known["name"]
        assert known["id"] in app.screen.query_one("#new-customer-linked").render().plain
        assert _offered(app) == []
        rec.seen.clear()
        await pilot.press("ctrl+s")
        await settle(pilot, lambda: isinstance(app.screen, TicketDetailScreen) and app.screen.ticket is not None)
        made = _created(sandbox, "Refund twice")
        assert (made["customer_id"], made["customer_name"]) == (known["id"], known["name"])
        assert [s.method for s in rec.seen][:1] == ["POST"]


async def test_an_email_finds_a_customer_remembered_from_an_earlier_run(sandbox: Sandbox, tmp_path: Path) -> None:
    known = dict(sandbox.store._one("SELECT * FROM customers WHERE team_id = ? ORDER BY id DESC", (sandbox.team_id,)))
    remembered = CustomerDirectory()
    remembered.learn(known["id"], known["name"], known["email"])
    app = app_with_drafts(sandbox, sandbox.transport(), tmp_path, customers=remembered)
    async with app.run_test(size=SIZE) as pilot:
        await _form(pilot)
        await pilot.press(*"By email", "tab", *known["email"][:5])
        assert _offered(app)[0].startswith(f"{known['name']} <{known['email']}>")
        await pilot.press("enter", "ctrl+s")
        await settle(pilot, lambda: isinstance(app.screen, TicketDetailScreen) and app.screen.ticket is not None)
        assert _created(sandbox, "By email")["customer_id"] == known["id"]


async def test_editing_the_name_after_choosing_unlinks_and_sends_a_name(sandbox: Sandbox, tmp_path: Path) -> None:
    known = dict(sandbox.store._one("SELECT * FROM customers WHERE team_id = ?", (sandbox.team_id,)))
    remembered = CustomerDirectory()
    remembered.learn(known["id"], known["name"], known["email"])
    app = app_with_drafts(sandbox, sandbox.transport(), tmp_path, customers=remembered)
    async with app.run_test(size=SIZE) as pilot:
        await _form(pilot)
        await pilot.press(*"Namesake", "tab", *known["name"][:3], "enter")
        assert app.screen.query_one("#new-customer", Input).value == known["name"]
        await pilot.press(*" Jr")  # someone else with that name
        assert app.screen.query_one("#new-customer-linked").render().plain == ""
        await pilot.press("ctrl+s")
        await settle(pilot, lambda: isinstance(app.screen, TicketDetailScreen) and app.screen.ticket is not None)
        made = _created(sandbox, "Namesake")
        assert (made["customer_id"], made["customer_name"]) == (None, f"{known['name']} Jr")


async def test_enter_with_nothing_offered_does_not_link_anything(sandbox: Sandbox, tmp_path: Path) -> None:
    app = app_with_drafts(sandbox, sandbox.transport(), tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await _form(pilot)
        await pilot.press(*"Walk-in", "tab", *"Zzyzx Quux", "enter")
        assert _offered(app) == [] and app.screen.query_one("#new-customer-linked").render().plain == ""
        await pilot.press("ctrl+s")
        await settle(pilot, lambda: isinstance(app.screen, TicketDetailScreen) and app.screen.ticket is not None)
        made = _created(sandbox, "Walk-in")
        assert (made["customer_id"], made["customer_name"]) == (None, "Zzyzx Quux")
