"""Snapshots of the ticket list: loaded, filtered, empty, a load error, hostile titles.

The sandbox is seeded from a fixed seed and a fixed "now", and the app's clock is the same instant,
so every SLA and relative time in these pictures is stable.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import httpx
import pytest

from api.sandbox import Sandbox, create_sandbox
from api.sandbox.ids import iso
from api.sandbox.service import sla_fields
from api.sandbox.store import search_text
from tests.conftest import FIXED_NOW
from tests.helpers import RecordingTransport, make_app, settle
from widgets.ticket_table import TicketTable

SIZE = (130, 36)

HOSTILE = [
    "[/]",
    "[@click=app.quit]click me[/]",
    '[link="file:///etc/passwd"]x[/link]',
    "\x1b]0;PWNED\x07 OSC title",
    "\x1b[31mred\x1b[0m CSI and \x9b C1, NUL\x00 BS\x08 CR\r",
    "\u202eevil bidi override\u202c",
    "Z\u0301\u0302\u0303\u0304\u0305\u0306\u0307\u0308\u0309 zalgo",
    "宽字符 CJK and emoji 🎉🎉🎉 " * 3,
    "X" * 5000,
]


@pytest.fixture
def fixed_sandbox() -> Iterator[Sandbox]:
    sb = create_sandbox(clock=lambda: FIXED_NOW, rate_limit=0)
    yield sb
    sb.close()


def add_hostile_tickets(sb: Sandbox) -> None:
    """Straight into the store with fixed IDs and times, so the picture is the same on every run."""
    rows = []
    for i, title in enumerate(HOSTILE):
        created = FIXED_NOW - timedelta(minutes=i + 1)
        customer = "[b]Mallory[/b] \x1b[5m"
        rows.append({
            "id": f"tkt_HOSTILE{i:05d}", "uuid": f"00000000-0000-4000-8000-{i:012d}", "team_id": sb.team_id,
            "title": title, "priority": "urgent", "status": "new", "customer_id": None, "customer_name": customer,
            "assigned_to": None, "tags": ["[red]tag[/red]", "x\x1b[2Jy"], "notes": None, "message_count": 0,
            "first_response_at": None, "sla_paused": False, "metadata": {}, "created_at": iso(created),
            "closed_at": None, "updated_at": iso(created), "search_text": search_text(title, customer),
            **sla_fields("urgent", created),
        })
    sb.store.insert_tickets(rows)


async def _loaded(pilot) -> None:
    await settle(pilot, lambda: bool(pilot.app.screen.query(TicketTable)
                                      and pilot.app.screen.query_one(TicketTable).ticket_ids))


def test_list_loaded(snap_compare, fixed_sandbox: Sandbox) -> None:
    assert snap_compare(make_app(fixed_sandbox), terminal_size=SIZE, run_before=_loaded)


def test_list_filtered(snap_compare, fixed_sandbox: Sandbox) -> None:
    async def run_before(pilot) -> None:
        await _loaded(pilot)
        await pilot.press("slash", *"status:open prio:high", "enter")
        await settle(pilot)

    assert snap_compare(make_app(fixed_sandbox), terminal_size=SIZE, run_before=run_before)


def test_the_focused_filter_bar_shows_what_is_typed(snap_compare, fixed_sandbox: Sandbox) -> None:
    # Last time a focused bar hid the text being typed (its border took the only row): the query and the
    # cursor must be on screen while the bar has the focus.
    async def run_before(pilot) -> None:
        await _loaded(pilot)
        await pilot.press("slash", *"status:open refund")
        await settle(pilot)

    assert snap_compare(make_app(fixed_sandbox), terminal_size=SIZE, run_before=run_before)


def test_a_rejected_query_lists_nothing_under_it(snap_compare, fixed_sandbox: Sandbox) -> None:
    async def run_before(pilot) -> None:
        await _loaded(pilot)
        await pilot.press("slash", *"status:opne refund", "enter")
        await settle(pilot)

    assert snap_compare(make_app(fixed_sandbox), terminal_size=SIZE, run_before=run_before)


def test_list_empty_result(snap_compare, fixed_sandbox: Sandbox) -> None:
    async def run_before(pilot) -> None:
        await _loaded(pilot)
        await pilot.press("slash", *"no ticket has this title zzz", "enter")
        await settle(pilot)

    assert snap_compare(make_app(fixed_sandbox), terminal_size=SIZE, run_before=run_before)


def test_list_load_error(snap_compare, fixed_sandbox: Sandbox) -> None:
    async def fail(request: httpx.Request) -> httpx.Response | None:
        if request.url.params.get("status") == "pending":
            return httpx.Response(503, text="<html><body>Service Unavailable</body></html>",
                                  headers={"content-type": "text/html"})
        return None

    app = make_app(fixed_sandbox, RecordingTransport(fixed_sandbox.transport(), fail=fail))

    async def run_before(pilot) -> None:
        app.client._sleep = _no_sleep
        await _loaded(pilot)
        await pilot.press("3")
        await settle(pilot)

    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)


def test_list_hostile_titles(snap_compare, fixed_sandbox: Sandbox) -> None:
    add_hostile_tickets(fixed_sandbox)
    assert snap_compare(make_app(fixed_sandbox), terminal_size=SIZE, run_before=_loaded)


async def _no_sleep(_seconds: float) -> None:
    return None
