"""The open ticket stays live: messages and changes made outside arrive, marked NEW, without moving the thread."""

from __future__ import annotations

from api.sandbox import Sandbox
from app.screens.ticket_detail import TicketDetailScreen
from tests.detail_support import create_ticket, open_row, wait_for_list
from tests.helpers import RecordingTransport, make_app, settle
from widgets.thread import MessageThread
from widgets.ticket_header import TicketHeader

SIZE = (120, 40)


def _thread(app) -> MessageThread:  # noqa: ANN001
    return app.screen.query_one(MessageThread)


async def test_a_customer_reply_arrives_marked_new_in_the_open_ticket(sandbox: Sandbox) -> None:
    ticket_id = create_ticket(sandbox, title="Printer on fire")["id"]
    sandbox.api.service.add_message(sandbox.team_id, ticket_id, {"content": "It is smoking", "sender": "customer"})
    rec = RecordingTransport(sandbox.transport())
    app = make_app(sandbox, rec)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for_list(pilot)
        detail = await open_row(pilot, ticket_id)
        assert len(_thread(app).messages) == 1

        rec.seen.clear()
        detail.poll_now()
        await settle(pilot)
        assert [s.method for s in rec.seen] == ["GET"], "one request per interval"
        assert _thread(app).new_ids == frozenset(), "nothing moved, nothing marked"

        sandbox.api.service.add_message(sandbox.team_id, ticket_id,
                                        {"content": "Now it is on fire", "sender": "customer"})
        sandbox.api.service.update(sandbox.team_id, ticket_id, {"priority": "urgent"})
        detail.poll_now()
        await settle(pilot, lambda: len(_thread(app).messages) == 2)
        newest = _thread(app).messages[-1]
        assert newest.content == "Now it is on fire" and _thread(app).new_ids == {newest.id}
        text = "".join(strip.text for strip in _thread(app).render_lines(_thread(app).region.reset_offset))
        assert "NEW" in text and "Now it is on fire" in text
        assert detail.ticket is not None and detail.ticket.priority == "urgent"
        assert "urgent" in str(app.screen.query_one(TicketHeader).render())


async def test_an_arrival_does_not_move_a_thread_the_agent_scrolled_up(sandbox: Sandbox) -> None:
    ticket_id = create_ticket(sandbox, title="Long thread")["id"]
    for i in range(40):
        sandbox.api.service.add_message(sandbox.team_id, ticket_id, {"content": f"Line {i}\nmore\nand more",
                                                                     "sender": "customer"})
    app = make_app(sandbox)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for_list(pilot)
        detail = await open_row(pilot, ticket_id)
        thread = _thread(app)
        await pilot.press("home")
        await settle(pilot, lambda: thread.scroll_y == 0)
        sandbox.api.service.add_message(sandbox.team_id, ticket_id, {"content": "Arrived", "sender": "customer"})
        detail.poll_now()
        await settle(pilot, lambda: len(thread.messages) == 41)
        assert thread.scroll_y == 0, "the agent reading the start of the thread stays there"


async def test_the_detail_view_polls_on_its_own(sandbox: Sandbox) -> None:
    ticket_id = create_ticket(sandbox, title="Watched")["id"]
    app = make_app(sandbox, refresh_seconds=0.05)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for_list(pilot)
        await open_row(pilot, ticket_id)
        assert isinstance(app.screen, TicketDetailScreen)
        sandbox.api.service.add_message(sandbox.team_id, ticket_id, {"content": "Hello?", "sender": "customer"})
        await settle(pilot, lambda: len(_thread(app).messages) == 1, timeout=30)
