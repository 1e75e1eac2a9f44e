"""`n` from the list: the new-ticket form, one idempotent POST per submission, then the ticket opens."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from api.sandbox import Sandbox
from app.screens.new_ticket import NewTicketScreen, split_tags
from app.screens.ticket_detail import TicketDetailScreen
from tests.conftest import FIXED_NOW
from tests.detail_support import SIZE, AfterCommitFault, app_with_drafts, hostile_sandbox, stored, wait_for_list
from tests.helpers import RecordingTransport, settle

TICKETS = "/api/v1/teams/{}/tickets"


def _created(sb: Sandbox, title: str) -> list[dict[str, Any]]:
    return [dict(r) for r in sb.store._all("SELECT * FROM tickets WHERE team_id = ? AND title = ?",
                                           (sb.team_id, title))]


def _error(app) -> str:
    return app.screen.query_one("#new-error").render().plain


async def _open_form(pilot: Any) -> None:
    await wait_for_list(pilot)
    await pilot.press("n")
    assert isinstance(pilot.app.screen, NewTicketScreen)


def test_split_tags() -> None:
    assert split_tags(" billing, login ,, billing,") == ["billing", "login"]
    assert split_tags("") == []


async def test_create_with_a_customer_id_opens_the_new_ticket(sandbox: Sandbox, tmp_path: Path) -> None:
    customer = sandbox.store._one("SELECT * FROM customers WHERE team_id = ?", (sandbox.team_id,))
    rec = RecordingTransport(sandbox.transport())
    app = app_with_drafts(sandbox, rec, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await _open_form(pilot)
        rec.seen.clear()
        await pilot.press(*"No login", "tab", *customer["id"], "tab")
        await pilot.press("down", "u", "enter", "tab")  # priority: urgent (type to search)
        await pilot.press("down", "o", "enter", "tab")  # status: open
        await pilot.press(*"a, b", "tab", *"VIP", "ctrl+s")
        await settle(pilot, lambda: isinstance(app.screen, TicketDetailScreen) and app.screen.ticket is not None)
        # (The customer's ticket counts on the opened ticket are a request of their own, not asserted here.)
        assert [(s.method, s.path) for s in rec.seen if "customerId" not in s.params] == [
            ("POST", TICKETS.format(sandbox.team_id)),
            ("GET", f"{TICKETS.format(sandbox.team_id)}/{app.screen.ticket.id}")]
        (row,) = _created(sandbox, "No login")
        row = stored(sandbox, row["id"])
        assert (row["customer_id"], row["customer_name"]) == (customer["id"], customer["name"])
        assert (row["priority"], row["status"], row["tags"], row["notes"]) == (
            "urgent", "open", ["a", "b"], "VIP")
        assert app.screen.ticket.id == row["id"]
        assert app.screen.ticket.customer.email == customer["email"]


async def test_a_customer_name_goes_to_customer_name(sandbox: Sandbox, tmp_path: Path) -> None:
    app = app_with_drafts(sandbox, RecordingTransport(sandbox.transport()), tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await _open_form(pilot)
        await pilot.press(*"Jam", "tab", *"[b]Al[/b]", "ctrl+s")
        await settle(pilot, lambda: isinstance(app.screen, TicketDetailScreen))
        (row,) = _created(sandbox, "Jam")
        assert (row["customer_id"], row["customer_name"], row["priority"], row["status"]) == (
            None, "[b]Al[/b]", "normal", "new")


async def test_title_is_required_and_nothing_is_sent(sandbox: Sandbox, tmp_path: Path) -> None:
    rec = RecordingTransport(sandbox.transport())
    app = app_with_drafts(sandbox, rec, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await _open_form(pilot)
        rec.seen.clear()
        await pilot.press("space", "ctrl+s")
        assert "title is required" in _error(app)
        assert rec.seen == [] and isinstance(app.screen, NewTicketScreen)
        await pilot.press("escape")
        assert not isinstance(app.screen, NewTicketScreen)


async def test_an_unknown_customer_id_is_refused_and_the_form_stays(sandbox: Sandbox, tmp_path: Path) -> None:
    app = app_with_drafts(sandbox, RecordingTransport(sandbox.transport()), tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await _open_form(pilot)
        await pilot.press(*"Who", "tab", *"cus_nope", "ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, NewTicketScreen) and "cus_nope" in _error(app)
        assert _created(sandbox, "Who") == []


async def test_a_retried_submission_creates_one_ticket(sandbox: Sandbox, tmp_path: Path) -> None:
    inner = sandbox.transport()
    path = TICKETS.format(sandbox.team_id)
    # Every attempt of the first submission commits and loses its answer, so the client gives up;
    # the agent presses ctrl+s again and the same key replays the ticket that was created.
    fault = AfterCommitFault(lambda r: r.method == "POST" and r.url.path == path, inner, times=3)
    app = app_with_drafts(sandbox, RecordingTransport(inner, fail=fault), tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await _open_form(pilot)
        await pilot.press(*"Once only", "ctrl+s")
        form = app.screen
        await settle(pilot, lambda: not form._sending)
        assert app.screen is form and "unreachable" in _error(app)
        assert len(_created(sandbox, "Once only")) == 1
        await pilot.press("ctrl+s")
        await settle(pilot, lambda: isinstance(app.screen, TicketDetailScreen) and app.screen.ticket is not None)
        assert len(fault.keys) == 4 and len(set(fault.keys)) == 1
        (row,) = _created(sandbox, "Once only")
        assert app.screen.ticket.id == row["id"]


def test_new_ticket_form_snapshot(snap_compare: Any, tmp_path: Path) -> None:
    sb = hostile_sandbox(FIXED_NOW)
    app = app_with_drafts(sb, sb.transport(), tmp_path)

    async def run_before(pilot: Any) -> None:
        await _open_form(pilot)
        await pilot.press(*"Refund [b]x[/b]", "tab", *"Jane", "tab", "tab", "tab", *"billing")

    try:
        assert snap_compare(app, run_before=run_before, terminal_size=SIZE)
    finally:
        sb.close()
