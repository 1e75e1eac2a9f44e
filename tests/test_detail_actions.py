"""The detail view driven by keys through Pilot against the sandbox: one request per action, the screen
and the list row updated from the response, and the sandbox's state checked afterwards."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from textual.geometry import Region

from api.sandbox import Sandbox
from api.sandbox.ids import iso
from app.screens.ticket_detail import TicketDetailScreen
from app.screens.ticket_list import TicketListScreen
from tests.detail_support import (
    SIZE,
    app_with_drafts,
    create_ticket,
    list_screen,
    open_row,
    refuse,
    stored,
    table,
    wait_for_list,
    writes,
)
from tests.helpers import RecordingTransport, settle
from widgets.thread import MessageThread
from widgets.ticket_header import TicketHeader


def _header(app) -> str:
    return app.screen.query_one(TicketHeader).render().plain


def _path(sb: Sandbox, ticket_id: str) -> str:
    return f"/api/v1/teams/{sb.team_id}/tickets/{ticket_id}"


async def test_enter_opens_the_ticket_with_one_get_including_customer_and_thread(
        sandbox: Sandbox, tmp_path: Path) -> None:
    customer = sandbox.store.customers_by_id(sandbox.team_id, [
        r["customer_id"] for r in sandbox.store.list_tickets(sandbox.team_id, {}, None, 1, 50)[0]]).popitem()[1]
    ticket = create_ticket(sandbox, customerId=customer["id"], tags=["vip", "billing"], notes="Call back after 5",
                           metadata={"plan": "pro"}, priority="high")
    sandbox.api.service.add_message(sandbox.team_id, ticket["id"], {"content": "Help!", "sender": "customer"})
    rec = RecordingTransport(sandbox.transport())
    app = app_with_drafts(sandbox, rec, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await open_row(pilot, ticket["id"])
        gets = [s for s in rec.seen if s.path.startswith(_path(sandbox, ""))]
        assert [(s.method, s.path, s.params) for s in gets] == [
            ("GET", _path(sandbox, ticket["id"]), {"expand": "customer"})]
        header = _header(app)
        for text in ("Printer on fire", ticket["id"], "high", "unassigned", customer["name"], customer["email"],
                     "vip, billing", "SLA response", "due in", "resolution", "created", "updated",
                     "Call back after 5", "plan = pro"):
            assert text in header, text
        thread = app.screen.query_one(MessageThread)
        assert [m.content for m in thread.messages] == ["Help!"]
        assert app.focused is thread


async def test_status_resolve_is_one_patch_sets_closed_at_and_updates_the_list_row(
        sandbox: Sandbox, tmp_path: Path) -> None:
    ticket = create_ticket(sandbox, status="open")
    rec = RecordingTransport(sandbox.transport())
    app = app_with_drafts(sandbox, rec, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_row(pilot, ticket["id"])
        rec.seen.clear()
        await pilot.press("s", "r")  # the picker takes the first letter
        await settle(pilot, lambda: screen.ticket.status == "resolved")
        assert writes(rec) == [("PATCH", _path(sandbox, ticket["id"]))]
        row = stored(sandbox, ticket["id"])
        assert row["status"] == "resolved" and row["closed_at"] is not None
        assert screen.ticket.closed_at is not None and "resolved" in _header(app)
        assert table(app).get_ticket(ticket["id"]).status == "resolved"


async def test_status_picker_takes_arrows_and_enter_and_the_same_value_sends_nothing(
        sandbox: Sandbox, tmp_path: Path) -> None:
    ticket = create_ticket(sandbox, status="new")
    rec = RecordingTransport(sandbox.transport())
    app = app_with_drafts(sandbox, rec, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_row(pilot, ticket["id"])
        rec.seen.clear()
        await pilot.press("s", "enter")  # the picker starts on the current status
        await settle(pilot)
        assert writes(rec) == []
        await pilot.press("s", "down", "down", "enter")
        await settle(pilot, lambda: screen.ticket.status == "pending")
        assert writes(rec) == [("PATCH", _path(sandbox, ticket["id"]))]
        assert stored(sandbox, ticket["id"])["sla_paused"] == 1
        assert "paused" in _header(app)


async def test_priority(sandbox: Sandbox, tmp_path: Path) -> None:
    ticket = create_ticket(sandbox, priority="low")
    rec = RecordingTransport(sandbox.transport())
    app = app_with_drafts(sandbox, rec, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_row(pilot, ticket["id"])
        rec.seen.clear()
        await pilot.press("p", "u")
        await settle(pilot, lambda: screen.ticket.priority == "urgent")
        assert writes(rec) == [("PATCH", _path(sandbox, ticket["id"]))]
        row = stored(sandbox, ticket["id"])
        assert row["priority"] == "urgent"
        assert row["response_deadline"] < ticket["responseDeadline"]  # urgent answers sooner
        assert table(app).get_ticket(ticket["id"]).priority == "urgent"


async def test_assign_to_me(sandbox: Sandbox, tmp_path: Path) -> None:
    ticket = create_ticket(sandbox)
    rec = RecordingTransport(sandbox.transport())
    app = app_with_drafts(sandbox, rec, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_row(pilot, ticket["id"])
        rec.seen.clear()
        await pilot.press("a")
        await settle(pilot, lambda: screen.ticket.assigned_to == sandbox.agent_id)
        assert writes(rec) == [("PATCH", _path(sandbox, ticket["id"]))]
        assert stored(sandbox, ticket["id"])["assigned_to"] == sandbox.agent_id
        assert sandbox.agent_name in _header(app)
        assert table(app).get_ticket(ticket["id"]).assigned_to == sandbox.agent_id
        await pilot.press("a")  # already mine: nothing to send
        await settle(pilot)
        assert len(writes(rec)) == 1


async def test_assign_picker_lists_agents_seen_in_threads_and_unassigns(sandbox: Sandbox, tmp_path: Path) -> None:
    other = sandbox.store.agents(sandbox.team_id)[1]
    ticket = create_ticket(sandbox)
    sandbox.api.service.add_message(sandbox.team_id, ticket["id"], {"content": "On it", "senderId": other["id"]})
    rec = RecordingTransport(sandbox.transport())
    app = app_with_drafts(sandbox, rec, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_row(pilot, ticket["id"])
        assert app.agent_names[other["id"]] == other["name"]  # learnt from the thread
        rec.seen.clear()
        await pilot.press("A")
        labels = [o.prompt.plain for o in app.screen.query_one("OptionList").options]
        assert any(other["name"] in label for label in labels)
        assert labels[-1] == "Unassign  (current)"
        index = next(i for i, label in enumerate(labels) if other["name"] in label)
        await pilot.press(*["down"] * index, "enter")
        await settle(pilot, lambda: screen.ticket.assigned_to == other["id"])
        assert stored(sandbox, ticket["id"])["assigned_to"] == other["id"]
        await pilot.press("A", *"unas", "enter")
        await settle(pilot, lambda: screen.ticket.assigned_to is None)
        assert stored(sandbox, ticket["id"])["assigned_to"] is None
        assert writes(rec) == [("PATCH", _path(sandbox, ticket["id"]))] * 2
        assert table(app).get_ticket(ticket["id"]).assigned_to is None


async def test_assign_by_typed_id_and_unassign_from_the_palette(sandbox: Sandbox, tmp_path: Path) -> None:
    other = sandbox.store.agents(sandbox.team_id)[2]
    ticket = create_ticket(sandbox)
    rec = RecordingTransport(sandbox.transport())
    app = app_with_drafts(sandbox, rec, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_row(pilot, ticket["id"])
        rec.seen.clear()
        await pilot.press("A", *other["id"], "enter")
        await settle(pilot, lambda: screen.ticket.assigned_to == other["id"])
        assert stored(sandbox, ticket["id"])["assigned_to"] == other["id"]
        await pilot.press("ctrl+p", *"unass")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot, lambda: screen.ticket.assigned_to is None)
        assert stored(sandbox, ticket["id"])["assigned_to"] is None
        assert len(writes(rec)) == 2


async def test_assign_to_an_unknown_id_fails_and_changes_nothing(sandbox: Sandbox, tmp_path: Path) -> None:
    ticket = create_ticket(sandbox)
    rec = RecordingTransport(sandbox.transport())
    app = app_with_drafts(sandbox, rec, tmp_path)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        screen = await open_row(pilot, ticket["id"])
        before = screen.ticket
        await pilot.press("A", *"agt_nobody", "enter")
        await settle(pilot, lambda: bool(app._notifications))
        assert screen.ticket is before
        assert stored(sandbox, ticket["id"])["assigned_to"] is None
        assert any("agt_nobody" in n.message and n.severity == "error" for n in app._notifications)


async def test_tags(sandbox: Sandbox, tmp_path: Path) -> None:
    ticket = create_ticket(sandbox, tags=["billing"])
    rec = RecordingTransport(sandbox.transport())
    app = app_with_drafts(sandbox, rec, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_row(pilot, ticket["id"])
        rec.seen.clear()
        await pilot.press("t", "end", *", vip [b]x[/b]", "enter")
        await settle(pilot, lambda: len(screen.ticket.tags) == 2)
        assert writes(rec) == [("PATCH", _path(sandbox, ticket["id"]))]
        assert stored(sandbox, ticket["id"])["tags"] == ["billing", "vip [b]x[/b]"]
        assert "vip [b]x[/b]" in _header(app)
        assert table(app).get_ticket(ticket["id"]).tags == ["billing", "vip [b]x[/b]"]


async def test_edit_title_and_notes(sandbox: Sandbox, tmp_path: Path) -> None:
    ticket = create_ticket(sandbox, notes="old note")
    rec = RecordingTransport(sandbox.transport())
    app = app_with_drafts(sandbox, rec, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_row(pilot, ticket["id"])
        rec.seen.clear()
        await pilot.press("e", "end", *" 2", "tab", "end", "ctrl+u", *"new", "ctrl+s")
        await settle(pilot, lambda: screen.ticket.title == "Printer on fire 2")
        assert writes(rec) == [("PATCH", _path(sandbox, ticket["id"]))]
        row = stored(sandbox, ticket["id"])
        assert (row["title"], row["notes"]) == ("Printer on fire 2", "new")
        assert table(app).get_ticket(ticket["id"]).title == "Printer on fire 2"
        await pilot.press("e", "ctrl+s")  # nothing changed: nothing sent
        await settle(pilot)
        assert len(writes(rec)) == 1


async def test_metadata_add_change_remove(sandbox: Sandbox, tmp_path: Path) -> None:
    ticket = create_ticket(sandbox, metadata={"plan": "pro"})
    rec = RecordingTransport(sandbox.transport())
    app = app_with_drafts(sandbox, rec, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_row(pilot, ticket["id"])
        rec.seen.clear()
        await pilot.press("m", "down", "enter", *"r=eu", "enter")  # + Add a key…
        await settle(pilot, lambda: "r" in screen.ticket.metadata)
        assert stored(sandbox, ticket["id"])["metadata"] == {"plan": "pro", "r": "eu"}
        await pilot.press("m", "enter", "end", "backspace", "backspace", "backspace", "x", "enter")  # plan=pro
        await settle(pilot, lambda: screen.ticket.metadata.get("plan") == "x")
        assert stored(sandbox, ticket["id"])["metadata"] == {"plan": "x", "r": "eu"}
        await pilot.press("m", "down", "enter", "ctrl+u", *"r=", "enter")  # r: removed
        await settle(pilot, lambda: "r" not in screen.ticket.metadata)
        assert stored(sandbox, ticket["id"])["metadata"] == {"plan": "x"}
        assert writes(rec) == [("PATCH", _path(sandbox, ticket["id"]))] * 3
        assert "plan = x" in _header(app)


async def test_delete_asks_first(sandbox: Sandbox, tmp_path: Path) -> None:
    ticket = create_ticket(sandbox)
    rec = RecordingTransport(sandbox.transport())
    app = app_with_drafts(sandbox, rec, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await open_row(pilot, ticket["id"])
        rec.seen.clear()
        await pilot.press("d", "n")
        await settle(pilot)
        assert writes(rec) == [] and stored(sandbox, ticket["id"]) is not None
        assert isinstance(app.screen, TicketDetailScreen)
        await pilot.press("d", "y")
        await settle(pilot, lambda: isinstance(app.screen, TicketListScreen))
        assert writes(rec) == [("DELETE", _path(sandbox, ticket["id"]))]
        assert stored(sandbox, ticket["id"]) is None
        assert ticket["id"] not in table(app).ticket_ids


async def test_a_refused_change_leaves_screen_and_row_as_they_were(sandbox: Sandbox, tmp_path: Path) -> None:
    ticket = create_ticket(sandbox, status="open")
    rec = RecordingTransport(sandbox.transport(), fail=refuse(403, "PATCH"))
    app = app_with_drafts(sandbox, rec, tmp_path)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        screen = await open_row(pilot, ticket["id"])
        before, row_before = screen.ticket, table(app).get_ticket(ticket["id"])
        await pilot.press("s", "c")
        await settle(pilot, lambda: bool(app._notifications))
        assert [(s.method) for s in rec.seen if s.method != "GET"] == ["PATCH"]
        assert screen.ticket is before and "open" in _header(app)
        assert table(app).get_ticket(ticket["id"]) == row_before
        assert stored(sandbox, ticket["id"])["status"] == "open"
        (note,) = app._notifications
        assert note.severity == "error" and "not allowed" in note.message and "req_test000001" in note.message


async def test_refresh_reloads_with_one_get(sandbox: Sandbox, tmp_path: Path) -> None:
    ticket = create_ticket(sandbox)
    rec = RecordingTransport(sandbox.transport())
    app = app_with_drafts(sandbox, rec, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_row(pilot, ticket["id"])
        sandbox.api.service.update(sandbox.team_id, ticket["id"], {"title": "Changed elsewhere"})
        sandbox.api.service.add_message(sandbox.team_id, ticket["id"], {"content": "New!", "sender": "customer"})
        rec.seen.clear()
        await pilot.press("ctrl+r")
        await settle(pilot, lambda: screen.ticket.title == "Changed elsewhere")
        assert [(s.method, s.path) for s in rec.seen] == [("GET", _path(sandbox, ticket["id"]))]
        assert [m.content for m in screen.query_one(MessageThread).messages] == ["New!"]
        assert table(app).get_ticket(ticket["id"]).title == "Changed elsewhere"
        await pilot.press("escape")
        assert isinstance(app.screen, TicketListScreen)


async def test_brackets_walk_the_list_across_a_page_boundary(sandbox: Sandbox, tmp_path: Path) -> None:
    rec = RecordingTransport(sandbox.transport())
    app = app_with_drafts(sandbox, rec, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, lambda: len(table(app).ticket_ids) == 50)
        first_page = table(app).ticket_ids
        # Straight to the 50th row (moving the list's cursor there would prefetch page 2 by itself).
        app.open_ticket(first_page[49], source=list_screen(app))
        await settle(pilot, lambda: isinstance(app.screen, TicketDetailScreen) and app.screen.ticket is not None)
        screen = app.screen
        assert screen.ticket.id == first_page[49] and len(table(app).ticket_ids) == 50
        rec.seen.clear()
        await pilot.press("right_square_bracket")
        await settle(pilot, lambda: screen.ticket.id not in first_page)
        ids = table(app).ticket_ids
        assert len(ids) == 100 and screen.ticket.id == ids[50]
        assert table(app).current_ticket.id == ids[50]  # the list's cursor walks along
        # (The customer's ticket counts in the header are requests of their own: tests/test_customer_tickets.py.)
        assert [(s.method, s.params.get("page")) for s in rec.seen
                if "customerId" not in s.params] == [("GET", "2"), ("GET", None)]
        rec.seen.clear()
        await pilot.press("left_square_bracket")
        await settle(pilot, lambda: screen.ticket.id == first_page[49])
        assert [(s.method, s.path) for s in rec.seen
                if "customerId" not in s.params] == [("GET", _path(sandbox, first_page[49]))]
        await pilot.press("left_square_bracket")
        await settle(pilot, lambda: screen.ticket.id == first_page[48])
        assert table(app).current_ticket.id == first_page[48]


async def test_a_thousand_message_thread_opens_and_shows_its_last_message(sandbox: Sandbox, tmp_path: Path) -> None:
    ticket = create_ticket(sandbox)
    start = datetime.now(UTC) - timedelta(days=1)
    sandbox.store.insert_messages([{
        "id": f"msg_Perf{i:08d}", "uuid": f"00000000-0000-4000-8000-{i:012d}", "team_id": sandbox.team_id,
        "ticket_id": ticket["id"], "sender": ("customer", "agent")[i % 2], "sender_id": None,
        "content": f"Message {i}: " + "the export still times out after ten minutes. " * (i % 12 + 1),
        "sender_name": "Someone", "sender_avatar_url": None, "is_internal": i % 7 == 0,
        "created_at": iso(start + timedelta(seconds=i)),
    } for i in range(1000)])
    app = app_with_drafts(sandbox, RecordingTransport(sandbox.transport()), tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        # How fast it opens is a figure of `python -m bench open`, not an assertion here.
        await wait_for_list(pilot)
        table(app).move_cursor_to(ticket["id"])
        await pilot.press("enter")
        await settle(pilot, lambda: isinstance(app.screen, TicketDetailScreen)
                     and len(app.screen.query_one(MessageThread).messages) == 1000)
        assert "Message 999" in "".join(
            strip.text for strip in app.screen.query_one(MessageThread).render_lines(Region(0, 0, 100, 30)))
