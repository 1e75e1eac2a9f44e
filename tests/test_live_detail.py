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


async def test_a_customer_reply_shows_in_the_composer_at_once(sandbox: Sandbox, tmp_path) -> None:  # noqa: ANN001
    from app.screens.composer import ComposerScreen
    from tests.detail_support import app_with_drafts, stored_messages

    ticket_id = create_ticket(sandbox, title="Printer on fire")["id"]
    rec = RecordingTransport(sandbox.transport())
    app = app_with_drafts(sandbox, rec, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for_list(pilot)
        detail = await open_row(pilot, ticket_id)
        await pilot.press("r")
        await settle(pilot, lambda: isinstance(app.screen, ComposerScreen))
        await pilot.press(*"Try turning it off")
        arrivals = app.screen.query_one("#composer-arrivals")
        assert not arrivals.display

        sandbox.api.service.add_message(sandbox.team_id, ticket_id, {"content": "It is on fire now!!",
                                                                     "sender": "customer"})
        detail.poll_now()  # the detail view below reads the ticket on its beat; the composer hears the store
        await settle(pilot, lambda: arrivals.display)
        shown = str(arrivals.render())
        assert "New while you write (1)" in shown and "It is on fire now!!" in shown
        assert app.screen.text_area.text == "Try turning it off", "the agent's text is untouched"

        await pilot.press("ctrl+s")  # already shown: no collision question, the reply goes
        await settle(pilot, lambda: not isinstance(app.screen, ComposerScreen))
        assert [m["content"] for m in stored_messages(sandbox, ticket_id)][-1] == "Try turning it off"


def test_snapshot_of_the_composer_with_a_message_that_arrived(snap_compare, tmp_path) -> None:  # noqa: ANN001
    from api.sandbox import create_sandbox
    from app.screens.composer import ComposerScreen
    from tests.conftest import FIXED_NOW
    from tests.detail_support import app_with_drafts

    sb = create_sandbox(clock=lambda: FIXED_NOW, rate_limit=0)
    app = app_with_drafts(sb, sb.transport(), tmp_path)

    async def run_before(pilot) -> None:  # noqa: ANN001
        await wait_for_list(pilot)
        from tests.detail_support import table

        ticket_id = table(app).ticket_ids[1]
        detail = await open_row(pilot, ticket_id)
        await pilot.press("r")
        await settle(pilot, lambda: isinstance(app.screen, ComposerScreen))
        await pilot.press(*"Thanks for the details. Could you")
        sb.api.service.add_message(sb.team_id, ticket_id, {"content": "Update: it also fails on mobile \x1b[31m!",
                                                           "sender": "customer", "senderName": "Kate Miller"})
        detail.poll_now()
        await settle(pilot, lambda: app.screen.query_one("#composer-arrivals").display)

    try:
        assert snap_compare(app, run_before=run_before, terminal_size=SIZE)
    finally:
        sb.close()


async def test_the_composer_shows_the_last_customer_message_it_answers(sandbox: Sandbox, tmp_path) -> None:  # noqa: ANN001
    from app.screens.composer import ComposerScreen
    from tests.detail_support import app_with_drafts

    ticket_id = create_ticket(sandbox, title="Printer on fire")["id"]
    for sender, content in (("customer", "First: it smokes"), ("customer", "Second: \x1b]0;x\x07 now flames"),
                            ("agent", "We are on it")):
        sandbox.api.service.add_message(sandbox.team_id, ticket_id, {"content": content, "sender": sender})
    app = app_with_drafts(sandbox, RecordingTransport(sandbox.transport()), tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for_list(pilot)
        await open_row(pilot, ticket_id)
        await pilot.press("r")
        await settle(pilot, lambda: isinstance(app.screen, ComposerScreen))
        quote = str(app.screen.query_one("#composer-quote").render())
        assert "Second:" in quote and "now flames" in quote and "First" not in quote
        assert "\x1b" not in quote and "\x07" not in quote


async def test_a_first_public_reply_opens_a_new_ticket_and_a_note_does_not(sandbox: Sandbox, tmp_path) -> None:  # noqa: ANN001
    from app.screens.composer import ComposerScreen
    from tests.detail_support import app_with_drafts, stored

    ticket_id = create_ticket(sandbox, title="Brand new", status="new")["id"]
    app = app_with_drafts(sandbox, RecordingTransport(sandbox.transport()), tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for_list(pilot)
        detail = await open_row(pilot, ticket_id)
        await pilot.press("i", *"Looks like the printer", "ctrl+s")
        await settle(pilot, lambda: not isinstance(app.screen, ComposerScreen))
        assert stored(sandbox, ticket_id)["status"] == "new", "an internal note leaves it new"
        await pilot.press("r", *"We are on it", "ctrl+s")
        await settle(pilot, lambda: stored(sandbox, ticket_id)["status"] == "open")
        await settle(pilot, lambda: detail.ticket is not None and detail.ticket.status == "open")
