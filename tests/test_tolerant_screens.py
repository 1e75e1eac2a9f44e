"""The list and detail screens with what a newer (or careless) server sends: grown status and priority
values, odd field types, tickets and messages the app cannot read, timestamps at the edge of the calendar.

Pilot against the real sandbox through the real client. Grown values go straight into the sandbox's
SQLite; items the app cannot read come from a transport that rewrites the sandbox's JSON answers.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from api.models import STATUSES
from api.sandbox import Sandbox, create_sandbox
from app.screens.ticket_detail import TicketDetailScreen
from tests.conftest import FIXED_NOW
from tests.detail_support import app_with_drafts, open_row, stored, table, wait_for_list
from tests.helpers import RecordingTransport, settle
from tests.hostile_corpus import check_painted, insert_messages, insert_tickets
from tests.test_client_faults import Faults, Inner
from widgets.filter_bar import FilterBar
from widgets.ticket_header import TicketHeader

SIZE = (160, 40)
EDGE_PAST = "0001-01-01T00:00:00+01:00"
EDGE_FUTURE = "9999-12-31T23:59:59-01:00"
GROWN_ID = "tkt_GrownValues1"
EDGE_ID = "tkt_EdgeOfTime01"
BROKEN_IDS = ("tkt_BrokenDate01", "tkt_BrokenStat01")
HOSTILE_ID = "tkt_HostileEnum1"
HOSTILE_STATUS = "\x1b]0;PWNED\x07[b]on[/b]_hold"


@pytest.fixture
def sb() -> Iterator[Sandbox]:
    sandbox = create_sandbox(clock=lambda: FIXED_NOW, rate_limit=0, empty=True)
    yield sandbox
    sandbox.close()


def seed(sb: Sandbox) -> None:
    insert_tickets(sb, FIXED_NOW, [
        {"id": GROWN_ID, "title": "Waiting on the vendor", "status": "on_hold", "priority": "critical",
         "metadata": {"seats": 5, "trial": True}, "tags": ["vendor"]},
        {"id": BROKEN_IDS[0], "title": "Broken date"},
        {"id": HOSTILE_ID, "title": "Hostile grown values", "status": HOSTILE_STATUS,
         "priority": "P" * 100_000},
        {"id": BROKEN_IDS[1], "title": "Broken status"},
        {"id": EDGE_ID, "title": "At the edge of the calendar", "response_deadline": EDGE_PAST,
         "resolution_deadline": EDGE_FUTURE, "updated_at": EDGE_FUTURE, "first_response_at": None},
        *({"id": f"tkt_PlainTicket{i}", "title": f"Plain ticket {i}"} for i in range(3)),
    ])


def _rewrite_json(response_payload: Callable[[httpx.Request, dict[str, Any]], None]) -> Any:
    async def action(request: httpx.Request, inner: Inner) -> httpx.Response:
        response = await inner.handle_async_request(request)
        body = await response.aread()
        if response.status_code != 200:
            return httpx.Response(response.status_code, content=body, headers=response.headers)
        payload = json.loads(body)
        response_payload(request, payload)
        return httpx.Response(200, json=payload)

    return action


def break_tickets(request: httpx.Request, payload: dict[str, Any]) -> None:
    """What the app cannot read: a date that is no date, a status that is no text."""
    data = payload["data"]
    for ticket in data if isinstance(data, list) else [data]:
        if ticket.get("id") == BROKEN_IDS[0]:
            ticket["createdAt"] = "yesterday"
        elif ticket.get("id") == BROKEN_IDS[1]:
            ticket["status"] = None


class NewerServer(Faults):
    """The sandbox, its answers rewritten by `change`, and list filters on statuses the sandbox does not know
    answered as a newer service would (the sandbox lists without the filter; the answer keeps the matches)."""

    def __init__(self, sb: Sandbox, change: Callable[[httpx.Request, dict[str, Any]], None]) -> None:
        super().__init__(sb.transport(), always=_rewrite_json(change))

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        wanted = request.url.params.get("status")
        if wanted is None or wanted in STATUSES:
            return await super().handle_async_request(request)
        plain = httpx.Request(request.method, request.url.copy_remove_param("status"), headers=request.headers)
        response = await super().handle_async_request(plain)
        payload = json.loads(await response.aread())
        payload["data"] = [t for t in payload["data"] if t.get("status") == wanted]
        payload["pagination"].update(total=len(payload["data"]), hasMore=False)
        return httpx.Response(200, json=payload)


def app_on(sb: Sandbox, tmp_path: Path, change: Callable[[httpx.Request, dict[str, Any]], None] = break_tickets,
           ) -> tuple[Any, RecordingTransport]:
    recorder = RecordingTransport(NewerServer(sb, change))
    return app_with_drafts(sb, recorder, tmp_path / "drafts"), recorder


# --- the list --------------------------------------------------------------------------------------------


async def test_the_list_shows_grown_values_and_says_which_tickets_could_not_be_read(
    sb: Sandbox, tmp_path: Path
) -> None:
    seed(sb)
    app, _ = app_on(sb, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for_list(pilot)
        ids = table(app).ticket_ids
        assert GROWN_ID in ids and EDGE_ID in ids and HOSTILE_ID in ids
        assert not set(BROKEN_IDS) & set(ids)
        text = check_painted(app)  # nothing the server sent reaches the terminal as an escape
        (row,) = [line for line in text.splitlines() if GROWN_ID in line]
        assert "on_hold" in row and "critical" in row
        (hostile,) = [line for line in text.splitlines() if HOSTILE_ID in line]
        assert "␛]0;PWN" in hostile
        assert "2 tickets could not be read" in text
        assert f"{BROKEN_IDS[0]}, {BROKEN_IDS[1]}" in text


async def test_the_notice_goes_when_the_tickets_can_be_read_again(sb: Sandbox, tmp_path: Path) -> None:
    seed(sb)
    broken = {"on": True}

    def sometimes(request: httpx.Request, payload: dict[str, Any]) -> None:
        if broken["on"]:
            break_tickets(request, payload)

    app, _ = app_on(sb, tmp_path, sometimes)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for_list(pilot)
        assert "could not be read" in check_painted(app)
        broken["on"] = False
        await pilot.press("ctrl+r")
        await settle(pilot, lambda: BROKEN_IDS[0] in table(app).ticket_ids)
        assert "could not be read" not in check_painted(app)


async def test_a_status_the_server_sent_can_be_filtered_on_and_a_typo_is_explained(
    sb: Sandbox, tmp_path: Path
) -> None:
    seed(sb)
    app, recorder = app_on(sb, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for_list(pilot)
        bar = app.screen.query_one(FilterBar)
        await pilot.press("slash", *"status:on_hold", "enter")
        await settle(pilot, lambda: table(app).ticket_ids == [GROWN_ID])
        assert bar.error is None
        assert recorder.lists()[-1].get("status") == "on_hold"
        await pilot.press("slash", "ctrl+u", *"status:opne")
        await settle(pilot, lambda: bar.error is not None)
        assert "did you mean 'open'" in (bar.error or "")
        assert all(params.get("status") != "opne" for params in recorder.lists())  # the typo was never sent


# --- the detail view -------------------------------------------------------------------------------------


def _header_text(app: Any) -> str:
    header = app.screen.query_one(TicketHeader)
    return "\n".join(check_painted(app).splitlines()[header.region.y:header.region.bottom])


async def test_the_detail_view_shows_grown_values_and_edge_timestamps(sb: Sandbox, tmp_path: Path) -> None:
    seed(sb)
    insert_messages(sb, EDGE_ID, FIXED_NOW, [
        {"content": "from the dawn of time", "created_at": EDGE_PAST},
        {"content": "from the end of time", "created_at": EDGE_FUTURE, "sender": "bot"},
    ])
    app, _ = app_on(sb, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_row(pilot, GROWN_ID)
        header = _header_text(app)
        assert "on_hold" in header and "critical" in header
        assert "seats = 5" in header and "trial = true" in header
        screen = await _walk_to(pilot, screen, EDGE_ID)
        header = _header_text(app)
        assert "0001-01-01 00:00 UTC" in header and "9999-12-31 23:59 UTC" in header
        text = check_painted(app)
        assert "from the dawn of time" in text and "from the end of time" in text
        assert app.is_running and app.screen is screen


async def _walk_to(pilot: Any, screen: TicketDetailScreen, ticket_id: str) -> TicketDetailScreen:
    for _ in range(10):
        if screen.ticket is not None and screen.ticket.id == ticket_id:
            return screen
        before = screen.ticket_id
        await pilot.press("right_square_bracket")
        await settle(pilot, lambda b=before: screen.ticket is not None and screen.ticket.id != b)
    raise AssertionError(f"never reached {ticket_id}")


async def test_the_detail_view_says_which_messages_could_not_be_read(sb: Sandbox, tmp_path: Path) -> None:
    seed(sb)
    ids = insert_messages(sb, GROWN_ID, FIXED_NOW, [{"content": f"message {i}"} for i in range(4)])

    def break_messages(request: httpx.Request, payload: dict[str, Any]) -> None:
        data = payload["data"]
        if isinstance(data, dict) and data.get("messages"):
            data["messages"][1]["createdAt"] = None
            data["messages"][2] = "not a message"

    app, _ = app_on(sb, tmp_path, break_messages)
    async with app.run_test(size=SIZE) as pilot:
        await open_row(pilot, GROWN_ID)
        text = check_painted(app)
        assert "message 0" in text and "message 3" in text
        assert "2 messages of this ticket could not be read" in text
        assert ids[1] in text


async def test_a_ticket_that_cannot_be_read_says_so_on_the_detail_screen(sb: Sandbox, tmp_path: Path) -> None:
    seed(sb)

    def break_detail(request: httpx.Request, payload: dict[str, Any]) -> None:
        if isinstance(payload["data"], dict) and payload["data"].get("id") == GROWN_ID:
            payload["data"]["updatedAt"] = "not a date"

    app, _ = app_on(sb, tmp_path, break_detail)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for_list(pilot)
        assert table(app).move_cursor_to(GROWN_ID)
        await pilot.press("enter")
        await settle(pilot, lambda: isinstance(app.screen, TicketDetailScreen)
                     and "could not be read" in _header_text(app))
        header = _header_text(app)
        assert GROWN_ID in header and "updatedAt" in header
        assert "loading" not in header


async def test_a_change_whose_answer_cannot_be_read_is_not_reported_as_not_changed(
    sb: Sandbox, tmp_path: Path
) -> None:
    seed(sb)

    def break_patch_answers(request: httpx.Request, payload: dict[str, Any]) -> None:
        if request.method == "PATCH":
            payload["data"]["createdAt"] = "never"

    app, recorder = app_on(sb, tmp_path, break_patch_answers)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        screen = await open_row(pilot, GROWN_ID)
        await pilot.press("p")
        await settle(pilot, lambda: "Priority (now critical)" in check_painted(app))
        await pilot.press("h")
        await settle(pilot, lambda: any("could not be read" in (n.title or "") for n in app._notifications))
        await settle(pilot, lambda: screen.ticket is not None and screen.ticket.priority == "high")
        (note,) = [n for n in app._notifications if "could not be read" in (n.title or "")]
        assert note.title.startswith("Priority: high")
        assert not any("Not changed" in (n.title or "") for n in app._notifications)
        assert stored(sb, GROWN_ID)["priority"] == "high"
        assert [s.method for s in recorder.seen].count("PATCH") == 1
