"""The hostile corpus through the ticket list, the new-ticket form and the connection error screen (issue 8).

Pilot against the real sandbox; hostile tickets go straight into its store (as a careless server could
send them), and server errors with hostile text come from a transport hook. `check_painted` asserts that
nothing reaches the terminal as a control or escape sequence and nothing is a live link or action.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from textual import events

from api.sandbox import Sandbox, create_sandbox
from app.screens.connection_error import ConnectionErrorScreen
from app.screens.new_ticket import NewTicketScreen
from app.screens.ticket_list import TicketListScreen
from tests.conftest import FIXED_NOW
from tests.detail_support import app_with_drafts, table, wait_for_list
from tests.helpers import RecordingTransport, settle
from tests.hostile_corpus import (
    ALL_CASES,
    LONE_SURROGATE,
    SurrogateTransport,
    check_painted,
    error_envelope,
    insert_tickets,
)
from widgets.safe_input import SafeInput, SafeTextArea
from widgets.ticket_table import TicketTable

SIZE = (200, 40)
HOSTILE_ID = "tkt_\x1b]0;PWNED\x07"
SERVER_SAYS = "[/] [@click=app.quit]x[/] \x1b]0;PWNED\x07\x1b[2J \x9b31m \u202eevil"
SHOWN_AS = "[/] [@click=app.quit]x[/] ␛]0;PWNED␇␛[2J ⟨9B⟩31m ⟨RLO⟩evil"


@pytest.fixture
def empty_sandbox() -> Iterator[Sandbox]:
    sb = create_sandbox(clock=lambda: FIXED_NOW, rate_limit=0, empty=True)
    yield sb
    sb.close()


def _row_line(lines: list[str], ticket_id: str) -> str:
    (line,) = [line for line in lines if f" {ticket_id} " in line]
    return line


class RefuseCreate:
    """Answers every POST, and lists of closed tickets, with a 400 whose message is hostile; keeps the bodies
    of the POSTs."""

    def __init__(self) -> None:
        self.bodies: list[dict] = []

    async def __call__(self, request: httpx.Request) -> httpx.Response | None:
        if request.method == "GET" and request.url.params.get("status") == "closed":
            return error_envelope(400, SERVER_SAYS, param="status\x1b[5m")
        if request.method != "POST":
            return None
        self.bodies.append(json.loads(request.content))
        return error_envelope(400, SERVER_SAYS, param="title\x1b[5m")


async def test_list_rows_and_the_new_ticket_form(empty_sandbox: Sandbox, tmp_path: Path) -> None:
    sb = empty_sandbox
    cases = (*ALL_CASES, LONE_SURROGATE)
    ids = insert_tickets(sb, FIXED_NOW, [
        {"id": f"tkt_Hostile{i:05d}", "title": case.text, "customer_name": case.text, "tags": [case.text, "x"],
         "assigned_to": case.text} for i, case in enumerate(cases)
    ] + [{"id": HOSTILE_ID, "title": "a hostile ID"}])
    refuse = RefuseCreate()
    rec = RecordingTransport(SurrogateTransport(sb.transport()), fail=refuse)
    app = app_with_drafts(sb, rec, tmp_path)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await wait_for_list(pilot)
        await settle(pilot)
        lines = check_painted(app).splitlines()
        # Every row is one screen line holding its ticket's ID, title, customer, assignee and tags.
        rows = [lines.index(_row_line(lines, ticket_id)) for ticket_id in ids[:-1]]
        assert rows == list(range(rows[0], rows[0] + len(rows)))
        for case, ticket_id in zip(cases, ids, strict=False):
            line = _row_line(lines, ticket_id)
            assert case.marker[:20] in line, (case.name, line)
            assert line.count(case.marker[:8]) >= 4, (case.name, line)  # title, customer, assignee, tags
        assert "tkt_␛]0;PWNED␇" in _row_line(lines, "tkt_␛]0;PWNED␇")

        # Clicking would-be links and actions does nothing but move the cursor.
        for case in ("markup_click", "markup_link", "osc8_link"):
            index = next(i for i, c in enumerate(cases) if c.name == case)
            await pilot.click(TicketTable, offset=(60, index + 1))
        assert app.is_running and isinstance(app.screen, TicketListScreen)
        assert table(app).current_ticket.id == ids[next(i for i, c in enumerate(cases) if c.name == "osc8_link")]

        # A list request refused with a hostile message: the toast shows it literally, the rows stay.
        await pilot.press("5")  # closed
        await settle(pilot, lambda: bool(app._notifications))
        text = check_painted(app)
        assert SHOWN_AS[4:] in text and "(field status␛[5m)" in text  # (the toast wraps after "[/]")
        assert len(table(app).ticket_ids) == len(ids)
        app.clear_notifications()
        await pilot.press("0")
        await settle(pilot)

        # A row whose ID isn't one: loading it is refused before any request, and the refusal says so.
        rec.seen.clear()
        assert table(app).move_cursor_to(HOSTILE_ID)
        await pilot.press("enter")
        await settle(pilot, lambda: bool(app._notifications))
        assert rec.seen == []
        assert "is not a ticket ID" in check_painted(app)
        app.clear_notifications()
        await pilot.press("escape")
        assert isinstance(app.screen, TicketListScreen)

        # The new-ticket form: what an agent pastes (copied from a hostile ticket) shows as stand-ins, is
        # sent as shown, and the server's hostile refusal is shown literally under the form and in a toast.
        await pilot.press("n")
        form = app.screen
        assert isinstance(form, NewTicketScreen)
        for selector, pasted in (("#new-title", "\x1b[31mred title\x1b]0;PWNED\x07\nsecond line"),
                                 ("#new-customer", "Mallory \u202eevil"), ("#new-tags", "[b]x[/b], \x9b31m"),
                                 ("#new-notes", "notes \x1b[2J\nline two\x07")):
            widget = form.query_one(selector)
            assert isinstance(widget, SafeInput | SafeTextArea)
            widget.focus()
            widget.post_message(events.Paste(pasted))
            await pilot.pause()
        text = check_painted(app)
        for shown in ("␛[31mred title␛]0;PWNED␇", "Mallory ⟨RLO⟩evil", "[b]x[/b], ⟨9B⟩31m", "notes ␛[2J", "line two␇"):
            assert shown in text, shown
        await pilot.press("ctrl+s")
        await settle(pilot, lambda: bool(app._notifications))
        (sent,) = refuse.bodies
        assert sent["title"] == "␛[31mred title␛]0;PWNED␇" and sent["notes"] == "notes ␛[2J\nline two␇"
        text = check_painted(app)
        assert text.count(SHOWN_AS) >= 1 and "(field title␛[5m)" in text
        assert isinstance(app.screen, NewTicketScreen) and app.is_running


async def test_connection_error_screen_shows_a_hostile_refusal_literally(empty_sandbox: Sandbox,
                                                                         tmp_path: Path) -> None:
    async def refuse(request: httpx.Request) -> httpx.Response | None:
        return error_envelope(401, SERVER_SAYS + " sk_live_" + "Z" * 24)

    app = app_with_drafts(empty_sandbox, RecordingTransport(empty_sandbox.transport(), fail=refuse), tmp_path)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot, lambda: isinstance(app.screen, ConnectionErrorScreen))
        text = check_painted(app)
        # The message wraps inside the box; each piece of it is there, literally.
        assert all(piece in text for piece in ("[/] [@click=app.quit]x[/] ␛]0;PWNED␇␛[2J", "⟨9B⟩31m ⟨RLO⟩evil"))
        assert "sk_live_…ZZZZ" in text and "Z" * 8 not in text
        await pilot.press("q")
    assert app.return_code == 1
