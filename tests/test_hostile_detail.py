"""The hostile corpus through the detail view and everything opened from it (issue 8), with Pilot against
the real sandbox: the header (every field), the thread (every message, the huge ones cut with `o` to see
the rest), the assign and metadata pickers, the tags prompt, the edit form, the composer with a canned
response, the delete question, help, and notifications that echo a hostile server message.

Each check is `check_painted`: nothing reaches the terminal as a control or escape sequence, no live link
or action, and the case's marker is visible (so it was shown, literally). One app run per test walks many
cases, because each app start and key press costs real time.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
from textual import events

from api.sandbox import Sandbox, create_sandbox
from app.screens.composer import ComposerScreen
from app.screens.edit_ticket import EditTicketScreen
from app.screens.help import HelpScreen
from app.screens.ticket_detail import TicketDetailScreen
from tests.conftest import FIXED_NOW
from tests.detail_support import app_with_drafts, open_row, stored
from tests.helpers import RecordingTransport, settle
from tests.hostile_corpus import (
    ALL_CASES,
    CASES,
    HUGE,
    LONE_SURROGATE,
    SurrogateTransport,
    check_painted,
    error_envelope,
    insert_customer,
    insert_messages,
    insert_tickets,
    kitchen_sink,
)
from widgets.agent_picker import AgentPicker
from widgets.pickers import ConfirmDialog, OptionPicker, TextPrompt
from widgets.thread import MessageThread
from widgets.ticket_header import TicketHeader

SIZE = (160, 50)
SINK = "tkt_KitchenSink01"
HOSTILE_AGENT = "agt_\x1b]0;PWNED\x07"
HOSTILE_SERVER_MESSAGE = ("[b]Refused[/b] [@click=app.quit]x[/] \x1b]0;PWNED\x07 \x1b[2J \x9b31m \u202eevil "
                          "key sk_test_AcmeSecret4eC39HqLyjWDarjtT1zdp7dc")


@pytest.fixture
def empty_sandbox() -> Iterator[Sandbox]:
    """No demo tickets, so the hostile ones are the whole list and `]` walks only them."""
    sb = create_sandbox(clock=lambda: FIXED_NOW, rate_limit=0, empty=True)
    yield sb
    sb.close()


def _header_lines(app) -> list[str]:
    header = app.screen.query_one(TicketHeader)
    return [line for line in check_painted(app).splitlines()[header.region.y:header.region.bottom]]


async def test_every_case_in_every_header_field(empty_sandbox: Sandbox, tmp_path: Path) -> None:
    """Ticket i carries case i in its title, customer name and email, assignee, tags, notes, metadata
    key and value; walking them all shows each case literally, one line per field."""
    sb = empty_sandbox
    rows = []
    for i, case in enumerate(ALL_CASES):
        customer = insert_customer(sb, i, case.text, case.text)
        rows.append({"id": f"tkt_Hostile{i:05d}", "title": case.text, "customer_id": customer,
                     "customer_name": case.text, "assigned_to": case.text, "tags": [case.text, "plain"],
                     "notes": case.text, "metadata": {case.text[:40]: case.text, "plain": case.text}})
    ids = insert_tickets(sb, FIXED_NOW, rows)
    app = app_with_drafts(sb, sb.transport(), tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_row(pilot, ids[0])
        for case, ticket_id in zip(ALL_CASES, ids, strict=True):
            if ticket_id != screen.ticket_id:
                # What `]` does, without the key press's two idle waits (this walks 23 tickets).
                screen.ticket_id = ticket_id
                await screen._load(ticket_id).wait()
                await pilot.pause()
            assert screen.ticket is not None and screen.ticket.id == ticket_id
            lines = _header_lines(app)
            title, ids_line, customer, _sla, _times, *rest = lines
            assert title.strip().startswith(case.marker), (case.name, title)
            assert f"assignee {case.marker}" in ids_line, (case.name, ids_line)
            assert f"customer {case.marker}" in customer, (case.name, customer)
            assert f"<{case.marker}" in customer and f"tags {case.marker}" in customer, (case.name, customer)
            notes = next(line for line in rest if line.lstrip().startswith("notes "))
            assert case.marker in notes, (case.name, notes)
            metadata = next(line for line in rest if line.lstrip().startswith("metadata "))
            assert case.marker[:20] in metadata, (case.name, metadata)
            # One line per field: the header is the five field lines, the customer's ticket counts, the notes
            # (at most a few lines) and the metadata line, however long or many-lined the values are.
            assert len(lines) <= 5 + 1 + 6 + 1, (case.name, lines)
        assert app.is_running


async def _do(pilot, action: Callable[[], object]) -> None:
    result = action()
    if hasattr(result, "__await__"):
        await result
    await pilot.pause()


async def _shows(pilot, app, *pieces: str) -> str:
    """The painted screen once it shows every piece: a pushed screen paints on a later refresh, which a loaded
    machine may not have reached after one pause."""
    await settle(pilot, lambda: all(piece in check_painted(app) for piece in pieces))
    text = check_painted(app)
    for piece in pieces:
        assert piece in text, piece
    return text


def _sink(sb: Sandbox) -> None:
    """One ticket with everything at once: every case in every field, and a thread with one message per
    case (the huge ones included) from customers, agents (named by the cases) and internal notes."""
    everything = kitchen_sink(CASES) + " " + LONE_SURROGATE.text
    customer = insert_customer(sb, 900, everything, "mallory\x1b]0;PWNED\x07@example.com")
    insert_tickets(sb, FIXED_NOW, [{
        "id": SINK, "title": everything, "customer_id": customer, "customer_name": everything,
        "assigned_to": "agt_Hostile0001", "tags": [case.text for case in CASES] + [LONE_SURROGATE.text],
        "notes": "\n".join(case.text for case in CASES),
        "metadata": {f"{i:02d} {case.text}"[:40]: case.text for i, case in enumerate(CASES)},
    }])
    messages = []
    for i, case in enumerate((*ALL_CASES, LONE_SURROGATE)):
        kind = ("customer", "agent", "internal")[i % 3]
        agent = HOSTILE_AGENT if i == 4 else f"agt_Hostile{i:04d}"
        messages.append({"content": case.text, "sender": "agent" if kind == "internal" else kind,
                         "is_internal": kind == "internal", "sender_name": case.text,
                         "sender_id": agent if kind != "customer" else None})
    insert_messages(sb, SINK, FIXED_NOW, messages)


async def _refuse_closing(request: httpx.Request) -> httpx.Response | None:
    if request.method == "PATCH" and b'"closed"' in request.content:
        return error_envelope(400, HOSTILE_SERVER_MESSAGE, param="status\x1b[31m")
    return None


async def test_thread_pickers_forms_composer_and_notifications(empty_sandbox: Sandbox, tmp_path: Path) -> None:
    sb = empty_sandbox
    _sink(sb)
    rec = RecordingTransport(SurrogateTransport(sb.transport()), fail=_refuse_closing)
    app = app_with_drafts(sb, rec, tmp_path)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        screen = await open_row(pilot, SINK)
        text = check_painted(app)
        assert CASES[0].marker in text and "mallory␛]0;PWNED␇@example.com" in text
        assert LONE_SURROGATE.marker in screen.ticket.tags[-1].replace("\ud800", "\ufffd")

        # The thread: every message, shown literally; the huge ones cut, with a note saying how to see all.
        thread = screen.query_one(MessageThread)
        shown = (*ALL_CASES, LONE_SURROGATE)
        assert len(thread.messages) == len(shown)
        messages = thread.messages
        seen: set[str] = set()
        for index, (message, case) in enumerate(zip(messages, shown, strict=True)):
            if case.name in seen:
                continue  # already on an earlier screenful: a page shows several short messages
            thread.scroll_to_message(message.id)
            await pilot.pause()
            text = check_painted(app)
            assert case.marker in text, case.name
            seen.update(c.name for c in shown[index:] if c.marker in text and c not in HUGE)
            if case in HUGE[:2]:
                # The end of the cut message: the note says how much is hidden and how to see it.
                thread.scroll_to_message(messages[index + 1].id)
                thread.scroll_to(y=thread.scroll_y - 4, animate=False, immediate=True)
                await pilot.pause()
                text = check_painted(app)
                assert "message truncated" in text and "press o to view whole" in text, case.name

        # Agents named in the thread appear in the assign picker, literally. (Actions are called rather than
        # keys pressed where the key isn't the point: each press waits for the app twice.)
        await _do(pilot, screen.action_assign)
        assert isinstance(app.screen, AgentPicker)
        await _shows(pilot, app, "␛]0;PWNED␇", CASES[1].marker)
        await _do(pilot, app.screen.action_cancel)

        # The metadata picker, and a key's change prompt (its value prefilled).
        await _do(pilot, screen.action_metadata)
        assert isinstance(app.screen, OptionPicker)
        await _shows(pilot, app, "00 ␛[31mred␛[0m plain = ␛[31mred␛[0m plain")
        await pilot.press("enter")
        assert isinstance(app.screen, TextPrompt)
        await _shows(pilot, app, "00 ␛[31mred␛[0m plain=␛[31mred␛[0m plain")
        await _do(pilot, app.screen.action_cancel)

        # The tags prompt, prefilled with every tag.
        await _do(pilot, screen.action_tags)
        assert isinstance(app.screen, TextPrompt)
        await _shows(pilot, app, "␛[31mred␛[0m plain, ␛[2J␛[H cleared")
        await _do(pilot, app.screen.action_cancel)

        # The edit form: the title and notes, prefilled.
        await _do(pilot, screen.action_edit)
        assert isinstance(app.screen, EditTicketScreen)
        # The title field, and the notes' second line.
        await _shows(pilot, app, "␛[31mred␛[0m plain | ␛[2J␛[H", "␛[2J␛[H cleared the screen")
        await _do(pilot, app.screen.action_cancel)

        # The composer: the banner names the customer; a canned response fills the name in, cleaned.
        await pilot.press("r")
        assert isinstance(app.screen, ComposerScreen)
        await _shows(pilot, app, "Reply to ␛[31mred␛[0m plain")
        await pilot.press("ctrl+k", "a")  # "Acknowledge"
        assert app.screen.text_area.text.startswith("Hi ␛[31mred␛[0m plain | ␛[2J␛[H")
        check_painted(app)
        await _do(pilot, app.screen.action_leave)
        assert isinstance(app.screen, TicketDetailScreen)

        # The delete question quotes the title; help lists the keys.
        await _do(pilot, screen.action_delete)
        assert isinstance(app.screen, ConfirmDialog)
        await _shows(pilot, app, "␛[31mred␛[0m plain")
        await _do(pilot, app.screen.action_cancel)
        await _do(pilot, app.action_help)
        assert isinstance(app.screen, HelpScreen)
        check_painted(app)
        await _do(pilot, app.screen.dismiss)

        # A server error echoing markup, escapes and a key: shown literally, masked, in the notification.
        await pilot.press("s", "c")
        await settle(pilot, lambda: bool(app._notifications))
        text = check_painted(app)
        for piece in ("[b]Refused[/b]", "[@click=app.quit]x[/] ␛]0;PWNED␇ ␛[2J ⟨9B⟩31m ⟨RLO⟩evil", "sk_test_…p7dc",
                      "(field status␛[31m)"):
            assert piece in text, piece
        assert "AcmeSecret" not in text
        # The agent whose ID is hostile is not offered: the agent directory keeps only IDs shaped like IDs
        # (app.desk.agents), since a picked ID goes into a request and a filter.
        await _do(pilot, screen.action_assign)
        picker = app.screen
        assert isinstance(picker, AgentPicker)
        assert HOSTILE_AGENT not in picker.values and "agt_Hostile0001" in picker.values
        await _do(pilot, picker.action_cancel)

        # Last, as a 100,000-line message makes every later repaint of the thread dearer: `o` shows it whole.
        many = next(m for m, c in zip(thread.messages, shown, strict=True) if c.name == "many_lines")
        thread.scroll_to_message(many.id)
        await pilot.press("o")
        assert thread.line_count > 100_000
        thread.scroll_end(animate=False)
        await pilot.pause()
        assert "line 99999" in check_painted(app)
        assert stored(sb, SINK)["status"] == "open"
        assert app.is_running and isinstance(app.screen, TicketDetailScreen)


async def _refuse_messages(request: httpx.Request) -> httpx.Response | None:
    if request.method == "POST" and request.url.path.endswith("/messages"):
        return error_envelope(400, HOSTILE_SERVER_MESSAGE, param="content\x1b[31m")
    return None


async def test_composer_paste_and_a_hostile_send_error(empty_sandbox: Sandbox, tmp_path: Path) -> None:
    sb = empty_sandbox
    insert_tickets(sb, FIXED_NOW, [{"id": SINK, "title": "Plain"}])
    app = app_with_drafts(sb, RecordingTransport(sb.transport(), fail=_refuse_messages), tmp_path)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await open_row(pilot, SINK)
        await pilot.press("r")
        composer = app.screen
        assert isinstance(composer, ComposerScreen)
        composer.text_area.post_message(events.Paste("pasted \x1b]0;PWNED\x07 from a ticket"))
        await pilot.pause()
        await pilot.press("ctrl+s")
        await settle(pilot, lambda: bool(app._notifications))
        text = check_painted(app)
        assert "pasted ␛]0;PWNED␇ from a ticket" in text
        assert "[@click=app.quit]x[/] ␛]0;PWNED␇ ␛[2J" in composer.query_one("#composer-status").render().plain
