"""On the embedded sandbox the desk follows the sandbox's event log in-process: a ticket created or answered
by another process on the same database shows with polling off, and the app's own changes coming back
through the log cost no request."""

from __future__ import annotations

import json

from api.sandbox import Sandbox
from app.screens.ticket_detail import TicketDetailScreen
from tests.detail_support import list_screen, open_row, table, wait_for_list
from tests.helpers import RecordingTransport, make_app, settle

SIZE = (130, 36)


def _tab(app, index: int) -> str:  # noqa: ANN001
    return str(list_screen(app).query_one(f"#view-{index}").label)


async def test_a_ticket_created_by_another_process_shows_with_polling_off(on_file: tuple[Sandbox, Sandbox]) -> None:
    ours, other = on_file
    app = make_app(ours)  # refresh_seconds=0: no poll will ever run
    app.settings.events = ours.event_feed().read
    async with app.run_test(size=SIZE) as pilot:
        await wait_for_list(pilot)
        await pilot.press("j", "j")
        under_cursor = table(app).current_ticket.id
        total = len(table(app).ticket_ids)
        await settle(pilot, lambda: _tab(app, 0) == f"All {total}")

        created = other.api.service.create(other.team_id, {"title": "Checkout down for everyone",
                                                           "priority": "urgent", "status": "new"})
        await settle(pilot, lambda: table(app).ticket_ids[:1] == [created["id"]])
        assert table(app).current_ticket.id == under_cursor, "the cursor stays on the agent's ticket"
        await settle(pilot, lambda: _tab(app, 0) == f"All {total + 1}")

        # A customer's answer on the ticket the agent has open shows in its thread.
        await open_row(pilot, created["id"])
        other.api.service.add_message(other.team_id, created["id"],
                                      {"content": "Still down at 10:42", "sender": "customer"})
        await settle(pilot, lambda: isinstance(app.screen, TicketDetailScreen) and app.screen.ticket is not None
                     and app.screen.ticket.message_count == 1)
        assert "Still down at 10:42" in "".join(m.content for m in app.screen.ticket.messages or [])


async def test_the_apps_own_change_coming_back_asks_for_no_read(on_file: tuple[Sandbox, Sandbox]) -> None:
    ours, _ = on_file
    ticket_id = ours.api.service.create(ours.team_id, {"title": "Printer on fire", "priority": "low"})["id"]
    rec = RecordingTransport(ours.transport())
    app = make_app(ours, rec)
    feed = ours.event_feed()
    came_back: list[str] = []

    def read() -> list[bytes]:
        bodies = feed.read()
        came_back.extend(json.loads(body)["type"] for body in bodies)
        return bodies

    app.settings.events = read
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_row(pilot, ticket_id)
        await pilot.press("p", "u")  # priority: urgent
        await settle(pilot, lambda: screen.ticket is not None and screen.ticket.priority == "urgent")
        await settle(pilot, lambda: "ticket.updated" in came_back)
        reads_after = [s for s in rec.seen if s.method == "GET"]
        await settle(pilot, lambda: not app.workers)
        assert app._event_poll is None, "the event brought nothing the desk did not hold: no read is scheduled"
        assert [s for s in rec.seen if s.method == "GET"] == reads_after
