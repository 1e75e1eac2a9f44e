"""Pictures of hostile content where a picture says more than an assertion (issue 8): the detail view of a
ticket with everything hostile at once (one line per header field, notes cut to four lines, a 100,000-line
message cut with its note, a hostile server error in a toast); the edit form on a 1 MB title and huge notes;
the new-ticket form refusing bad input at its fields.

Deterministic: an empty sandbox at FIXED_NOW, hostile rows with fixed IDs, the app's clock at FIXED_NOW.
After an intended visual change: `pytest tests/test_hostile_snapshots.py --snapshot-update`, then look.
"""

from __future__ import annotations

import html
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from textual.widgets import Input

from api.sandbox import Sandbox, create_sandbox
from tests.conftest import FIXED_NOW
from tests.detail_support import app_with_drafts, open_row, wait_for_list
from tests.helpers import RecordingTransport, settle
from tests.hostile_corpus import (
    CASES,
    HUGE,
    error_envelope,
    insert_customer,
    insert_messages,
    insert_tickets,
    kitchen_sink,
)

SIZE = (120, 40)
TICKET = "tkt_HostileSnap01"


@pytest.fixture
def hostile() -> Iterator[Sandbox]:
    sb = create_sandbox(clock=lambda: FIXED_NOW, rate_limit=0, empty=True)
    many_lines = next(case for case in HUGE if case.name == "many_lines").text
    name = "宽字符テスト 👩‍👩‍👧‍👦 Mallory \u202eevil\u202c " * 3
    customer = insert_customer(sb, 1, name, "eve\x1b]0;PWNED\x07@example.com")
    insert_tickets(sb, FIXED_NOW, [{
        "id": TICKET, "title": kitchen_sink(CASES) + " 1 MB " + "x" * 1_000_000, "customer_id": customer,
        "customer_name": "ignored: the customer record's name wins", "assigned_to": "agt_\x1b[31mNobody",
        "tags": [case.text for case in CASES[:8]], "notes": "\x1b[2Jnotes [b]x[/b]\n" + many_lines,
        "metadata": {case.text[:30]: case.text for case in CASES},
    }])
    messages = [{"content": case.text, "sender": "agent", "sender_id": "agt_Hostile0001", "sender_name": case.text}
                for case in CASES[:4]]
    messages.append({"content": many_lines, "sender_name": "Mallory [b]Evil[/b] \x1b[5m"})
    insert_messages(sb, TICKET, FIXED_NOW, messages)
    yield sb
    sb.close()


async def _refuse(request: httpx.Request) -> httpx.Response | None:
    if request.method == "PATCH":
        return error_envelope(400, "[b]No[/b] [@click=app.quit]x[/] \x1b]0;PWNED\x07\x1b[2J \x9b31m \u202eevil")
    return None


def test_hostile_ticket_header_thread_and_toast(snap_compare: Any, hostile: Sandbox, tmp_path: Path) -> None:
    app = app_with_drafts(hostile, RecordingTransport(hostile.transport(), fail=_refuse), tmp_path)

    async def run_before(pilot: Any) -> None:
        await open_row(pilot, TICKET)
        await pilot.press("s", "c")
        await settle(pilot, lambda: bool(app._notifications))

    assert snap_compare(app, run_before=run_before, terminal_size=SIZE)


def test_edit_form_on_a_huge_hostile_ticket(snap_compare: Any, hostile: Sandbox, tmp_path: Path) -> None:
    app = app_with_drafts(hostile, hostile.transport(), tmp_path)

    async def run_before(pilot: Any) -> None:
        await open_row(pilot, TICKET)
        await pilot.press("e")
        await settle(pilot)

    assert snap_compare(app, run_before=run_before, terminal_size=SIZE)


def test_new_ticket_form_refuses_bad_input_at_the_fields(snap_compare: Any, hostile: Sandbox,
                                                          tmp_path: Path) -> None:
    app = app_with_drafts(hostile, hostile.transport(), tmp_path)

    async def run_before(pilot: Any) -> None:
        await wait_for_list(pilot)
        await pilot.press("n")
        form = pilot.app.screen
        form.query_one("#new-title", Input).value = "   "
        form.query_one("#new-tags", Input).value = "billing, " + "a-tag-that-goes-on-and-on-" * 3
        await pilot.press("ctrl+s")
        await settle(pilot)

    assert snap_compare(app, run_before=run_before, terminal_size=SIZE)


def test_hostile_pictures_hold_stand_ins_and_no_control_characters() -> None:
    """The stored pictures of hostile screens (these and older ones): escapes show as ␛, never as themselves
    (raw, or as an XML character reference)."""
    snapshots = Path(__file__).parent / "__snapshots__"
    pictures = [*sorted((snapshots / "test_hostile_snapshots").glob("*.svg")),
                snapshots / "test_list_snapshots" / "test_list_hostile_titles.svg",
                snapshots / "test_detail_snapshots" / "test_hostile_ticket_with_a_long_thread.svg"]
    for picture in pictures:
        svg = picture.read_text(encoding="utf-8")
        text = html.unescape(svg)
        bad = sorted({f"U+{ord(c):04X}" for c in text if (ord(c) < 32 and c not in "\n\t") or 0x7F <= ord(c) <= 0x9F
                      or 0x202A <= ord(c) <= 0x202E or 0x2066 <= ord(c) <= 0x2069})
        assert not bad, (picture.name, bad)
        assert "␛" in text or "new_ticket" in picture.name, picture.name
