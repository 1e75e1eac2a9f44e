"""Two people answering at once: before a reply goes out the ticket is read again, and a message that
arrived meanwhile is shown, with the choice to send anyway or go back to the draft."""

from __future__ import annotations

from pathlib import Path

from api.sandbox import Sandbox
from app.screens.collision import CollisionDialog
from app.screens.composer import ComposerScreen
from app.screens.ticket_detail import TicketDetailScreen
from tests.detail_support import app_with_drafts, create_ticket, open_row, stored_messages
from tests.helpers import RecordingTransport, settle

SIZE = (120, 40)
TEAMMATE_NOTE = "I already refunded this one [b]yesterday[/b] \x1b]0;PWNED\x07"


def _teammate_answers(sandbox: Sandbox, ticket_id: str) -> None:
    other = [a for a in sandbox.store.agents(sandbox.team_id) if a["id"] != sandbox.agent_id][0]
    sandbox.api.service.add_message(sandbox.team_id, ticket_id, {"content": TEAMMATE_NOTE, "senderId": other["id"]})


def _mine(sandbox: Sandbox, ticket_id: str) -> list[str]:
    return [m["content"] for m in stored_messages(sandbox, ticket_id) if m["sender_id"] == sandbox.agent_id]


async def test_a_message_that_arrived_while_typing_is_shown_and_back_sends_nothing(sandbox: Sandbox,
                                                                                   tmp_path: Path) -> None:
    ticket = create_ticket(sandbox, status="open")  # open: a first reply to a new one also opens it (a PATCH)
    rec = RecordingTransport(sandbox.transport())
    app = app_with_drafts(sandbox, rec, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await open_row(pilot, ticket["id"])
        await pilot.press("r", *"Refund is on its way")
        composer = app.screen
        assert isinstance(composer, ComposerScreen)
        _teammate_answers(sandbox, ticket["id"])
        rec.seen.clear()
        await pilot.press("ctrl+s")
        await settle(pilot, lambda: isinstance(app.screen, CollisionDialog))
        painted = app.export_screenshot().replace("&#160;", " ")
        assert "I already refunded this one" in painted and "[b]yesterday[/b]" in painted
        assert "\x1b" not in painted
        assert [s.method for s in rec.seen] == ["GET"]  # read again; nothing sent
        await pilot.press("b")
        await settle(pilot, lambda: app.screen is composer)
        assert all(s.method == "GET" for s in rec.seen)
        assert _mine(sandbox, ticket["id"]) == []
        assert composer.text_area.text == "Refund is on its way"  # the draft is kept
        # The teammate's message is seen now: the next ctrl+s sends without asking again.
        rec.seen.clear()
        await pilot.press("ctrl+s")
        await settle(pilot, lambda: isinstance(app.screen, TicketDetailScreen))
        assert [s.method for s in rec.seen if s.method != "GET"] == ["POST"]
        assert _mine(sandbox, ticket["id"]) == ["Refund is on its way"]


async def test_send_anyway_posts_exactly_once(sandbox: Sandbox, tmp_path: Path) -> None:
    ticket = create_ticket(sandbox)
    rec = RecordingTransport(sandbox.transport())
    app = app_with_drafts(sandbox, rec, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await open_row(pilot, ticket["id"])
        await pilot.press("i", *"Second opinion")
        _teammate_answers(sandbox, ticket["id"])
        await pilot.press("ctrl+s")
        await settle(pilot, lambda: isinstance(app.screen, CollisionDialog))
        await pilot.press("s")
        await settle(pilot, lambda: isinstance(app.screen, TicketDetailScreen))
        assert _mine(sandbox, ticket["id"]) == ["Second opinion"]
        stored = [m for m in stored_messages(sandbox, ticket["id"]) if m["sender_id"] == sandbox.agent_id]
        assert stored[0]["is_internal"] == 1


async def test_no_news_sends_straight_away(sandbox: Sandbox, tmp_path: Path) -> None:
    ticket = create_ticket(sandbox)
    rec = RecordingTransport(sandbox.transport())
    app = app_with_drafts(sandbox, rec, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await open_row(pilot, ticket["id"])
        await pilot.press("r", *"Done")
        rec.seen.clear()
        await pilot.press("ctrl+s")
        await settle(pilot, lambda: isinstance(app.screen, TicketDetailScreen))
        # One read to check for news, one write.
        assert [s.method for s in rec.seen][:2] == ["GET", "POST"]
        assert _mine(sandbox, ticket["id"]) == ["Done"]
